"""Scorers that evaluate a fitted VAE's latent codes during model selection."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import StrOptions, validate_params

from skarvae.metrics._matrices import _check_latents_attributes, _check_reg_dims
from skarvae.metrics._report import (
    OPTION_CONSTRAINTS,
    SCORE_NAMES,
    _compute_metrics,
    _min_samples,
)


def _metrics_for(name):
    """Metric families needed to produce score ``name`` (or all of them)."""
    if name == "all":
        return ("dci", "interpretability", "mig", "modularity", "sap", "scc")
    return ("dci",) if name.startswith("dci_") else (name,)


def _final_estimator(estimator):
    return estimator[-1] if isinstance(estimator, Pipeline) else estimator


def _estimator_reg_dims(estimator, y, n_attributes):
    """Latent dim of each attribute column of ``y`` from ``reg_dims_``, or None.

    Columns of a DataFrame (or a Series' name) are looked up by name; an
    ndarray's columns follow the estimator's ``attribute_names_in_`` order.
    """
    final = _final_estimator(estimator)
    reg_dims = getattr(final, "reg_dims_", None)
    if reg_dims is None:
        return None
    names = getattr(y, "columns", None)
    if names is None and getattr(y, "name", None) is not None:
        names = [y.name]
    if names is not None and all(str(n) in reg_dims for n in names):
        return np.array([reg_dims[str(n)] for n in names], dtype=np.intp)
    ordered = list(getattr(final, "attribute_names_in_", None) or reg_dims)
    if len(ordered) != n_attributes:
        raise ValueError(
            f"y has {n_attributes} attribute column(s) but the estimator "
            f"regularizes {ordered}; pass y as a DataFrame whose columns are "
            "among these names, or in the same columns as in fit."
        )
    return np.array([reg_dims[n] for n in ordered], dtype=np.intp)


class _DisentanglementScorer:
    """Callable ``scorer(estimator, X, y)`` over the latent codes of ``X``."""

    def __init__(self, name, use_reg_dims, options):
        self.name = name
        self.use_reg_dims = use_reg_dims
        self.options = options

    def __repr__(self):
        options = "".join(f", {k}={v!r}" for k, v in self.options.items())
        return (
            f"make_disentanglement_scorer({self.name!r}, "
            f"use_reg_dims={self.use_reg_dims}{options})"
        )

    def __call__(self, estimator, X, y):
        if y is None:
            raise ValueError(
                "Disentanglement scorers need the attributes as y; got y=None."
            )
        metrics = _metrics_for(self.name)
        latents = estimator.transform(X)
        Z, A, _ = _check_latents_attributes(
            latents, y, min_samples=_min_samples(metrics)
        )
        reg_dims = None
        if self.use_reg_dims:
            reg_dims, _ = _check_reg_dims(
                _estimator_reg_dims(estimator, y, A.shape[1]),
                Z.shape[1],
                [f"attr{k}" for k in range(A.shape[1])],
            )
        results = _compute_metrics(Z, A, metrics, reg_dims=reg_dims, **self.options)
        if self.name == "all":
            return {name: results[name][0] for name in SCORE_NAMES}
        return results[self.name][0]


@validate_params(
    {
        "name": [StrOptions({"all", *SCORE_NAMES})],
        "use_reg_dims": ["boolean"],
        **OPTION_CONSTRAINTS,
    },
    prefer_skip_nested_validation=True,
)
def make_disentanglement_scorer(
    name,
    *,
    use_reg_dims=False,
    mutual_info="binned",
    n_bins=20,
    strategy="uniform",
    discretize_attributes="auto",
    n_neighbors=3,
    p_value_threshold=0.05,
    empty_codes="zero",
    dci_model="lasso",
    dci_alpha=0.02,
    dci_test_size=0.25,
    random_state=0,
):
    """Make a scorer ``scorer(estimator, X, y)`` from a disentanglement metric.

    The scorer encodes ``X`` once with ``estimator.transform`` (a fitted
    ``ARVAE``, ``BetaVAE``, any transformer, or a ``Pipeline`` ending in one)
    and scores the codes against the attributes ``y``. Use it as ``scoring=``
    in ``GridSearchCV``, ``RandomizedSearchCV`` or ``cross_validate``.

    Parameters
    ----------
    name : str
        The score: ``'mig'``, ``'modularity'``, ``'sap'``,
        ``'interpretability'``, ``'scc'``, ``'dci_disentanglement'``,
        ``'dci_completeness'`` or ``'dci_informativeness'``; or ``'all'`` for
        a scorer that returns a dict of all of them, computed together (so
        ``refit="mig"`` works in a search).
    use_reg_dims : bool, default=False
        When the (final) estimator has a fitted ``reg_dims_`` (an ``ARVAE``),
        score each attribute on its regularized dim (MIG, SAP,
        Interpretability, SCC). Estimators without ``reg_dims_`` (a
        ``BetaVAE``) are scored with the dim each metric chooses, so both can
        be compared in one search.
    mutual_info : {'binned', 'ksg'}, default='binned'
        Estimator of mutual information, see :func:`mig_score`.
    n_bins : int, default=20
        Bins per latent dim for ``'binned'``.
    strategy : {'uniform', 'quantile'}, default='uniform'
        Equal-width or quantile bins.
    discretize_attributes : 'auto' or bool, default='auto'
        Bin the attributes for ``'binned'``, see :func:`mig_score`.
    n_neighbors : int, default=3
        Neighbours of the KSG estimator.
    p_value_threshold : float in [0, 1] or None, default=0.05
        Significance mask of SCC, see :func:`scc_score`.
    empty_codes : {'zero', 'exclude'}, default='zero'
        Treatment of empty codes in Modularity, see :func:`modularity_score`.
    dci_model : {'lasso', 'random_forest'} or regressor, default='lasso'
        Importance model of DCI, see :func:`dci_score`.
    dci_alpha : float, default=0.02
        Regularization of the DCI Lasso.
    dci_test_size : float in (0, 1), default=0.25
        Held-out fraction for DCI informativeness.
    random_state : int, RandomState instance or None, default=0
        Seed of the KSG noise and of DCI. Fixed by default so that every
        candidate of a search is scored with the same noise.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y)`` returning a float, or a dict of floats for
        ``name='all'``; higher is better.

    See Also
    --------
    disentanglement_scorer : The ``'all'`` scorer with default options.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> from sklearn.model_selection import cross_val_score
    >>> from skarvae.metrics import make_disentanglement_scorer
    >>> rng = np.random.default_rng(0)
    >>> y = rng.uniform(size=(200, 2))
    >>> X = np.column_stack([3 * y[:, 0], y[:, 1], rng.normal(size=(200, 2)) / 100])
    >>> scorer = make_disentanglement_scorer("sap")
    >>> cross_val_score(PCA(n_components=2), X, y, scoring=scorer, cv=2).round(1)
    array([1., 1.])
    """
    options = {
        "mutual_info": mutual_info,
        "n_bins": n_bins,
        "strategy": strategy,
        "discretize_attributes": discretize_attributes,
        "n_neighbors": n_neighbors,
        "p_value_threshold": p_value_threshold,
        "empty_codes": empty_codes,
        "dci_model": dci_model,
        "dci_alpha": dci_alpha,
        "dci_test_size": dci_test_size,
        "random_state": random_state,
    }
    return _DisentanglementScorer(name, use_reg_dims, options)


def disentanglement_scorer(estimator, X, y):
    """Score a fitted estimator on every disentanglement metric at once.

    Encodes ``X`` once and returns a dict of all scores with the default
    options of :func:`make_disentanglement_scorer` (``name='all'``). Pass it
    as ``scoring=`` with ``refit=`` set to one of its keys.

    Parameters
    ----------
    estimator : estimator object
        A fitted transformer whose ``transform`` returns latent codes.
    X : array-like of shape (n_samples, n_features)
        Inputs to encode.
    y : array-like of shape (n_samples,) or (n_samples, n_attributes)
        Attributes of the inputs.

    Returns
    -------
    scores : dict of str to float
        ``mig``, ``modularity``, ``sap``, ``interpretability``, ``scc``,
        ``dci_disentanglement``, ``dci_completeness`` and
        ``dci_informativeness``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skarvae.metrics import disentanglement_scorer
    >>> rng = np.random.default_rng(0)
    >>> y = rng.uniform(size=(200, 2))
    >>> X = np.column_stack([3 * y[:, 0], y[:, 1], rng.normal(size=(200, 2)) / 100])
    >>> search = GridSearchCV(PCA(), {"n_components": [1, 2]}, cv=2,
    ...                       scoring=disentanglement_scorer, refit="sap")
    >>> search.fit(X, y).best_params_
    {'n_components': 2}
    """
    return make_disentanglement_scorer("all")(estimator, X, y)
