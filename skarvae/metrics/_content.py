"""Content preservation: the share of edited samples whose content is unchanged."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.utils import check_array
from sklearn.utils._param_validation import HasMethods, validate_params


def _classify(classifier, X):
    if hasattr(classifier, "predict"):
        X = np.asarray(X)
        if X.ndim > 2:  # scikit-learn estimators take flat features
            X = X.reshape(len(X), -1)
        return np.asarray(classifier.predict(X))
    return np.asarray(classifier(X))


@validate_params(
    {
        "classifier": [HasMethods(["predict"]), callable],
        "X_edited": ["array-like"],
        "y_content": ["array-like", None],
        "X_original": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def content_preservation_score(
    classifier, X_edited, y_content=None, *, X_original=None
):
    """Share of edited samples whose content the classifier still recognizes.

    Generalizes the content-preservation experiment of Pati & Lerch (2020,
    Section 5.3): a classifier of content (e.g. digit identity) labels the
    edited data, and the score is the share of labels that match the
    content of the unedited samples. That content is either given
    (``y_content``, e.g. the true digits) or read by the same classifier
    from the original data (``X_original``), which discounts the
    classifier's own errors.

    Parameters
    ----------
    classifier : fitted estimator with ``predict``, or callable
        Maps a batch of data to one content label per sample. Estimators
        get data with more than two axes flattened to
        ``(n_samples, n_features)``; callables get it as it is.
    X_edited : array-like of shape (n_samples, ...)
        Edited data, e.g. the output of ``ARVAE.edit``. Stack several edits
        of the same samples along the first axis and repeat the content
        accordingly.
    y_content : array-like of shape (n_samples,), default=None
        Content labels of the samples before editing.
    X_original : array-like of shape (n_samples, ...), default=None
        The samples before editing; their content is what ``classifier``
        predicts for them. Give exactly one of ``y_content`` and
        ``X_original``.

    Returns
    -------
    score : float
        Share in [0, 1] of edited samples whose predicted content equals the
        reference content; higher is better.

    References
    ----------
    A. Pati and A. Lerch, "Attribute-based Regularization of Latent Spaces for
    Variational Auto-Encoders", Neural Computing and Applications, 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from skarvae.metrics import content_preservation_score
    >>> sign = lambda X: np.sign(X[:, 0])
    >>> X = np.array([[1.0, 0.0], [-1.0, 0.0], [2.0, 5.0], [-3.0, 1.0]])
    >>> X_edited = X + [[0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [4.0, 1.0]]
    >>> content_preservation_score(sign, X_edited, X_original=X)
    0.75
    >>> content_preservation_score(sign, X_edited, [1, -1, 1, -1])
    0.75
    """
    if (y_content is None) == (X_original is None):
        raise ValueError("Give exactly one of y_content and X_original.")
    for name, X in (("X_edited", X_edited), ("X_original", X_original)):
        if X is not None:  # NaN data would silently count as changed content
            check_array(
                X,
                ensure_2d=False,
                allow_nd=True,
                dtype=None,
                ensure_min_samples=0,
                input_name=name,
            )
    predicted = _classify(classifier, X_edited)
    if X_original is not None:
        if len(X_original) != len(X_edited):
            raise ValueError(
                f"X_original has {len(X_original)} samples but X_edited has "
                f"{len(X_edited)}."
            )
        reference = _classify(classifier, X_original)
    else:
        reference = np.asarray(y_content)
    if reference.ndim != 1 or len(reference) != len(predicted):
        raise ValueError(
            f"The content has shape {reference.shape}, but X_edited has "
            f"{len(predicted)} samples; expected shape ({len(predicted)},)."
        )
    if predicted.shape != reference.shape:
        raise ValueError(
            f"The classifier returned shape {predicted.shape} for "
            f"{len(predicted)} samples; expected one label per sample."
        )
    if len(reference) == 0:
        raise ValueError("X_edited holds no samples.")
    return float(np.mean(predicted == reference))
