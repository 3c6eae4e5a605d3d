"""Reconstruction accuracy of binary images and token sequences."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

import numpy as np
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval, StrOptions, validate_params


@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": ["array-like"],
        "kind": [StrOptions({"auto", "binary", "tokens"})],
        "threshold": [Interval(Real, None, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def reconstruction_accuracy(y_true, y_pred, *, kind="auto", threshold=0.5):
    """Fraction of pixels or tokens a model reconstructs exactly.

    ``'binary'`` (images): pixels of ``y_true`` and ``y_pred`` above
    ``threshold`` are 1, the rest 0, and the score is the fraction of equal
    pixels. ``'tokens'`` (sequences): ``y_pred`` holds scores over the
    vocabulary in its last axis, whose argmax is the predicted token, or the
    predicted tokens themselves; the score is the fraction of equal tokens.

    Parameters
    ----------
    y_true : array-like of shape (n_samples, ...)
        Target images (values in [0, 1]) or integer token sequences.
    y_pred : array-like of shape (n_samples, ...) or (n_samples, ..., n_tokens)
        Reconstructions: pixel probabilities (or logits with
        ``threshold=0``), token scores, or tokens.
    kind : {'auto', 'binary', 'tokens'}, default='auto'
        ``'auto'`` means ``'tokens'`` when ``y_pred`` has one more axis than
        ``y_true`` and ``'binary'`` otherwise; pass ``'tokens'`` to compare
        predicted tokens of the same shape as ``y_true``.
    threshold : float, default=0.5
        Threshold of ``'binary'``.

    Returns
    -------
    accuracy : float
        In [0, 1], higher is better.

    Examples
    --------
    >>> import numpy as np
    >>> from skarvae.metrics import reconstruction_accuracy
    >>> images = np.array([[[0, 1], [1, 0]]])
    >>> reconstruction_accuracy(images, np.array([[[0.2, 0.9], [0.4, 0.1]]]))
    0.75
    >>> tokens = np.array([[2, 0, 1]])
    >>> scores = np.array([[[0, 0, 5], [3, 1, 0], [0, 1, 0]]])
    >>> reconstruction_accuracy(tokens, scores)
    1.0
    """
    y_true = check_array(
        y_true, ensure_2d=False, allow_nd=True, dtype="numeric", input_name="y_true"
    )
    y_pred = check_array(
        y_pred, ensure_2d=False, allow_nd=True, dtype="numeric", input_name="y_pred"
    )
    if kind == "auto":
        kind = "tokens" if y_pred.ndim == y_true.ndim + 1 else "binary"
    if kind == "tokens" and y_pred.ndim == y_true.ndim + 1:
        y_pred = np.argmax(y_pred, axis=-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred have incompatible shapes {y_true.shape} and "
            f"{y_pred.shape} for kind={kind!r}."
        )
    if kind == "binary":
        return float(np.mean((y_true > threshold) == (y_pred > threshold)))
    return float(np.mean(y_true == y_pred))
