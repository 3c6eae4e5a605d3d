"""All disentanglement metrics at once, sharing the MI and correlation matrices."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
)

from skarvae.metrics._dci import _dci_from_data, _dci_from_importance
from skarvae.metrics._disentanglement import (
    _interpretability_from_matrices,
    _mig_from_mi,
    _modularity_from_mi,
    _scc_from_spearman,
    _top_two_gap,
)
from skarvae.metrics._matrices import (
    _check_latents_attributes,
    _check_reg_dims,
    _check_unique_names,
    _first_argmax,
    _has_names,
    _mutual_info,
    _r2_matrix,
    _spearman_matrix,
)
from skarvae.metrics._params import validate_metric_params

#: Metrics the report computes, by name.
METRIC_NAMES = ("dci", "interpretability", "mig", "modularity", "sap", "scc")

#: Scores the report and the scorers return, by name (DCI has three).
SCORE_NAMES = (
    "mig",
    "modularity",
    "sap",
    "interpretability",
    "scc",
    "dci_disentanglement",
    "dci_completeness",
    "dci_informativeness",
)

#: Constraints of the options shared by the report and the scorers.
OPTION_CONSTRAINTS = {
    "mutual_info": [StrOptions({"binned", "ksg"})],
    "n_bins": [Interval(Integral, 2, None, closed="left")],
    "strategy": [StrOptions({"uniform", "quantile"})],
    "discretize_attributes": [StrOptions({"auto"}), "boolean"],
    "n_neighbors": [Interval(Integral, 1, None, closed="left")],
    "p_value_threshold": [Interval(Real, 0, 1, closed="both"), None],
    "empty_codes": [StrOptions({"zero", "exclude"})],
    "dci_model": [StrOptions({"lasso", "random_forest"}), HasMethods(["fit", "score"])],
    "dci_alpha": [Interval(Real, 0, None, closed="neither")],
    "dci_test_size": [Interval(Real, 0, 1, closed="neither")],
    "random_state": ["random_state"],
}


def _check_metric_names(metrics):
    """Return the requested metric names as a tuple, rejecting unknown ones."""
    if metrics is None:
        return METRIC_NAMES
    if isinstance(metrics, str):
        metrics = [metrics]
    unknown = sorted(set(metrics) - set(METRIC_NAMES))
    if unknown:
        raise ValueError(
            f"Unknown metric names {unknown}; choose from {list(METRIC_NAMES)}."
        )
    return tuple(m for m in METRIC_NAMES if m in set(metrics))


def _compute_metrics(Z, A, metrics, *, reg_dims=None, **options):
    """Compute the requested metrics from shared matrices.

    Returns a dict score name -> (score, per-attribute values or None,
    chosen dims or None). The MI matrix is computed once for MIG, Modularity
    and Interpretability; the r² matrix once for SAP and Interpretability.
    """
    results = {}
    needs_mi = {"mig", "modularity", "interpretability"} & set(metrics)
    if needs_mi:
        mi, normaliser = _mutual_info(
            Z,
            A,
            estimator=options["mutual_info"],
            n_bins=options["n_bins"],
            strategy=options["strategy"],
            discretize_attributes=options["discretize_attributes"],
            n_neighbors=options["n_neighbors"],
            random_state=options["random_state"],
        )
    if {"sap", "interpretability"} & set(metrics):
        r2 = _r2_matrix(Z, A)
    if "mig" in metrics:
        per_attribute, dims = _mig_from_mi(mi, normaliser, reg_dims)
        results["mig"] = (float(per_attribute.mean()), per_attribute, dims)
    if "modularity" in metrics:
        score, _ = _modularity_from_mi(mi, options["empty_codes"])
        results["modularity"] = (score, None, _first_argmax(mi))
    if "sap" in metrics:
        per_attribute, dims = _top_two_gap(r2, reg_dims)
        results["sap"] = (float(per_attribute.mean()), per_attribute, dims)
    if "interpretability" in metrics:
        per_attribute, dims = _interpretability_from_matrices(mi, r2, reg_dims)
        results["interpretability"] = (float(per_attribute.mean()), per_attribute, dims)
    if "scc" in metrics:
        rho, p_value = _spearman_matrix(Z, A)
        per_attribute, dims = _scc_from_spearman(
            rho, p_value, options["p_value_threshold"], reg_dims
        )
        results["scc"] = (float(per_attribute.mean()), per_attribute, dims)
    if "dci" in metrics:
        importance, informativeness = _dci_from_data(
            Z,
            A,
            model=options["dci_model"],
            alpha=options["dci_alpha"],
            test_size=options["dci_test_size"],
            random_state=options["random_state"],
        )
        disentanglement, completeness, _, per_attribute = _dci_from_importance(
            importance
        )
        dims = np.argmax(importance, axis=0)
        results["dci_disentanglement"] = (disentanglement, None, None)
        results["dci_completeness"] = (completeness, per_attribute, dims)
        results["dci_informativeness"] = (
            float(informativeness.mean()),
            informativeness,
            None,
        )
    return results


def _min_samples(metrics):
    if "dci" in metrics:
        return 4
    return 3 if "scc" in metrics else 2


@validate_metric_params(
    {
        "latents": ["array-like"],
        "attributes": ["array-like"],
        "metrics": ["array-like", StrOptions(set(METRIC_NAMES)), None],
        "reg_dims": [dict, "array-like", None],
        **OPTION_CONSTRAINTS,
    }
)
def disentanglement_report(
    latents,
    attributes,
    *,
    metrics=None,
    mutual_info="binned",
    n_bins=20,
    strategy="uniform",
    discretize_attributes="auto",
    n_neighbors=3,
    reg_dims=None,
    p_value_threshold=0.05,
    empty_codes="zero",
    dci_model="lasso",
    dci_alpha=0.02,
    dci_test_size=0.25,
    random_state=None,
):
    """Compute every disentanglement metric at once, overall and per attribute.

    Shared pieces are computed once: the D x K mutual-information matrix for
    MIG, Modularity and Interpretability, and the D x K correlation matrices
    for SAP, Interpretability and SCC. Each option means what it means in the
    single-metric functions.

    Parameters
    ----------
    latents : array-like of shape (n_samples, n_dims)
        Latent codes.
    attributes : array-like of shape (n_samples,) or (n_samples, n_attributes)
        Attribute values; none may be constant. DataFrame column names name
        the rows of the report.
    metrics : list of str, str or None, default=None
        Subset of ``'dci'``, ``'interpretability'``, ``'mig'``,
        ``'modularity'``, ``'sap'``, ``'scc'``; None computes all.
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
    reg_dims : array-like of int of shape (n_attributes,) or dict, default=None
        Latent dim of each attribute, used by MIG, SAP, Interpretability and SCC
        instead of the dim each metric would choose. Or a dict {attribute name:
        latent dim}, such as a fitted ARVAE's ``reg_dims_``: keys are matched to
        the DataFrame columns as strings; an array's columns take the dict's
        order and its keys as names.
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
    random_state : int, RandomState instance or None, default=None
        Seed of the KSG noise, the DCI split and the DCI random forest.

    Returns
    -------
    report : pandas.DataFrame
        One row ``'mean'`` with the overall scores, then one row per
        attribute (attribute names must differ as strings, and none may be
        ``'mean'``); one column per score (``mig``, ``modularity``, ``sap``,
        ``interpretability``, ``scc``, ``dci_disentanglement``,
        ``dci_completeness``, ``dci_informativeness``) and one ``<score>_dim``
        column (nullable integers) per score that picks a latent dim for each
        attribute. Modularity and DCI disentanglement are defined per code,
        not per attribute, so their attribute rows are NaN.

    See Also
    --------
    make_disentanglement_scorer : The same scores as a model-selection scorer.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skarvae.metrics import disentanglement_report
    >>> rng = np.random.default_rng(0)
    >>> attributes = pd.DataFrame(rng.uniform(size=(500, 2)), columns=["a", "b"])
    >>> latents = np.column_stack([attributes, rng.normal(size=500)])
    >>> report = disentanglement_report(latents, attributes, random_state=0)
    >>> report[["sap", "scc", "sap_dim"]].round(2)
                sap  scc  sap_dim
    attribute
    mean       0.99  1.0     <NA>
    a          0.99  1.0        0
    b          0.99  1.0        1
    """
    names_requested = _check_metric_names(metrics)
    Z, A, names = _check_latents_attributes(
        latents, attributes, min_samples=_min_samples(names_requested)
    )
    dims, names = _check_reg_dims(
        reg_dims, Z.shape[1], names, named=_has_names(attributes)
    )
    _check_unique_names(names)
    if "mean" in names:
        raise ValueError(
            "An attribute is named 'mean', the label of the report's overall "
            "row; rename it (e.g. attributes.rename(columns={'mean': "
            "'mean_value'}))."
        )
    results = _compute_metrics(
        Z,
        A,
        names_requested,
        reg_dims=dims,
        mutual_info=mutual_info,
        n_bins=n_bins,
        strategy=strategy,
        discretize_attributes=discretize_attributes,
        n_neighbors=n_neighbors,
        p_value_threshold=p_value_threshold,
        empty_codes=empty_codes,
        dci_model=dci_model,
        dci_alpha=dci_alpha,
        dci_test_size=dci_test_size,
        random_state=random_state,
    )
    index = pd.Index(["mean", *names], name="attribute")
    columns = {}
    for name in SCORE_NAMES:
        if name not in results:
            continue
        score, per_attribute, _ = results[name]
        if per_attribute is None:
            per_attribute = np.full(len(names), np.nan)
        columns[name] = np.concatenate([[score], per_attribute])
    for name in SCORE_NAMES:
        if name in results and results[name][2] is not None:
            columns[f"{name}_dim"] = pd.array(
                [None, *np.asarray(results[name][2]).tolist()], dtype="Int64"
            )
    return pd.DataFrame(columns, index=index)
