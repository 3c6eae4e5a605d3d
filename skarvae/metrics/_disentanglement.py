"""MIG, Modularity, SAP, Interpretability and SCC of latent codes against attributes."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
)

from skarvae.metrics._matrices import (
    _check_latents_attributes,
    _check_reg_dims,
    _first_argmax,
    _has_names,
    _mutual_info,
    _r2_matrix,
    _spearman_matrix,
)
from skarvae.metrics._params import validate_metric_params

#: Constraints shared by every metric function.
_DATA_CONSTRAINTS = {
    "latents": ["array-like"],
    "attributes": ["array-like"],
    "return_details": ["boolean"],
}

#: Constraints of the mutual-information estimator options.
_MI_CONSTRAINTS = {
    "mutual_info": [StrOptions({"binned", "ksg"})],
    "n_bins": [Interval(Integral, 2, None, closed="left")],
    "strategy": [StrOptions({"uniform", "quantile"})],
    "discretize_attributes": [StrOptions({"auto"}), "boolean"],
    "n_neighbors": [Interval(Integral, 1, None, closed="left")],
    "random_state": ["random_state"],
}

_REG_DIMS_CONSTRAINT = {"reg_dims": [dict, "array-like", None]}


def _top_two_gap(scores, reg_dims=None):
    """Gap between the chosen dim's score and the best other dim, per attribute.

    Without ``reg_dims`` the chosen dim is the best one (first index on ties),
    so the gap is top-1 minus top-2. With one latent dim the missing second
    score counts as 0.
    """
    n_dims, n_attributes = scores.shape
    columns = np.arange(n_attributes)
    dims = _first_argmax(scores) if reg_dims is None else reg_dims
    top = scores[dims, columns]
    if n_dims == 1:
        return top, dims
    others = scores.copy()
    others[dims, columns] = -np.inf
    return top - others.max(axis=0), dims


def _per_attribute_result(per_attribute, dims, names, return_details):
    score = float(np.mean(per_attribute))
    if not return_details:
        return score
    return Bunch(
        score=score,
        per_attribute=per_attribute,
        dims=np.asarray(dims, dtype=np.intp),
        attribute_names=names,
    )


def _mig_from_mi(mi, normaliser, reg_dims=None):
    """Per-attribute MIG and chosen dims from the MI matrix and normalisers."""
    gap, dims = _top_two_gap(mi, reg_dims)
    # An attribute whose normaliser is 0 (one level after binning) scores 0.
    per_attribute = np.divide(
        gap, normaliser, out=np.zeros_like(gap), where=normaliser > 0
    )
    return per_attribute, dims


def _modularity_from_mi(mi, empty_codes="zero"):
    """Per-code modularity (Ridgeway & Mozer 2018) and its mean.

    A code with no information about any attribute (an empty code) gets 0 and
    counts in the mean with ``empty_codes="zero"`` (disentanglement_lib); with
    ``"exclude"`` it is left out of the mean (0 if every code is empty). With
    one attribute, every non-empty code is modular (1).
    """
    squared = mi**2
    theta = squared.max(axis=1)
    n_attributes = mi.shape[1]
    empty = theta <= 0
    delta = np.zeros(mi.shape[0])
    if n_attributes > 1:
        np.divide(
            squared.sum(axis=1) - theta,
            theta * (n_attributes - 1),
            out=delta,
            where=~empty,
        )
    per_dim = np.where(empty, 0.0, 1.0 - delta)
    if empty_codes == "zero":
        score = float(per_dim.mean())
    else:
        score = float(per_dim[~empty].mean()) if np.any(~empty) else 0.0
    return score, per_dim


def _interpretability_from_matrices(mi, r2, reg_dims=None):
    """Per-attribute interpretability: R² of the dim with the most MI."""
    columns = np.arange(mi.shape[1])
    dims = _first_argmax(mi) if reg_dims is None else reg_dims
    return r2[dims, columns], dims


def _scc_from_spearman(rho, p_value, p_value_threshold=0.05, reg_dims=None):
    """Per-attribute SCC: max over dims of |rho| masked by the p-value test."""
    scores = np.abs(rho)
    if p_value_threshold is not None:
        scores = np.where(p_value <= p_value_threshold, scores, 0.0)
    columns = np.arange(rho.shape[1])
    dims = _first_argmax(scores) if reg_dims is None else reg_dims
    return scores[dims, columns], dims


@validate_metric_params(
    {**_DATA_CONSTRAINTS, **_MI_CONSTRAINTS, **_REG_DIMS_CONSTRAINT}
)
def mig_score(
    latents,
    attributes,
    *,
    mutual_info="binned",
    n_bins=20,
    strategy="uniform",
    discretize_attributes="auto",
    n_neighbors=3,
    reg_dims=None,
    random_state=None,
    return_details=False,
):
    """Mutual Information Gap (Chen et al. 2018).

    For each attribute, the gap between the largest and the second largest
    mutual information of a latent dim with the attribute, divided by a
    normaliser, then averaged over attributes. With ``mutual_info="binned"``
    (disentanglement_lib) the normaliser is the entropy of the discretized
    attribute; with ``"ksg"`` (AR-VAE code) it is the KSG estimate of the
    attribute's mutual information with itself. Scores lie in [0, 1] for the
    binned estimator, about [0, 1] for KSG, and may be negative with
    ``reg_dims``.

    Parameters
    ----------
    latents : array-like of shape (n_samples, n_dims)
        Latent codes.
    attributes : array-like of shape (n_samples,) or (n_samples, n_attributes)
        Attribute values; none may be constant.
    mutual_info : {'binned', 'ksg'}, default='binned'
        Estimator of mutual information. ``'binned'``: plug-in estimate after
        binning each latent dim into ``n_bins`` bins. ``'ksg'``: k-nearest-
        neighbour estimate of ``mutual_info_regression``.
    n_bins : int, default=20
        Bins per latent dim (and per binned attribute) for ``'binned'``. It
        must not exceed the number of samples.
    strategy : {'uniform', 'quantile'}, default='uniform'
        Equal-width bins between each column's min and max, or quantile bins.
    discretize_attributes : 'auto' or bool, default='auto'
        Bin the attributes for ``'binned'``. ``'auto'`` bins an attribute with
        more than ``n_bins`` distinct values and uses the distinct values of the
        others as labels; ``False`` always uses distinct values as labels.
    n_neighbors : int, default=3
        Neighbours of the KSG estimator.
    reg_dims : array-like of int of shape (n_attributes,) or dict, default=None
        Latent dim of each attribute (an AR-VAE's regularized dims). The gap is
        then that dim's MI minus the largest MI of the other dims. Or a dict
        {attribute name: latent dim}, such as a fitted ARVAE's ``reg_dims_``:
        keys are matched to the DataFrame columns as strings; an array's columns
        take the dict's order and its keys as names.
    random_state : int, RandomState instance or None, default=None
        Seed of the noise the KSG estimator adds.
    return_details : bool, default=False
        Return a :class:`~sklearn.utils.Bunch` with ``score``,
        ``per_attribute``, ``dims`` (the dim chosen for each attribute) and
        ``attribute_names`` instead of a float.

    Returns
    -------
    score : float or Bunch
        Mean MIG over attributes, higher is better.

    See Also
    --------
    disentanglement_report : All metrics at once.

    References
    ----------
    .. [1] R. T. Q. Chen et al., "Isolating Sources of Disentanglement in
       Variational Autoencoders", NeurIPS 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from skarvae.metrics import mig_score
    >>> rng = np.random.default_rng(0)
    >>> attributes = rng.uniform(size=(500, 2))
    >>> latents = np.column_stack([attributes, rng.normal(size=500)])
    >>> round(mig_score(latents, attributes), 2)
    0.86
    >>> mig_score(latents, attributes, return_details=True).dims
    array([0, 1])
    """
    Z, A, names = _check_latents_attributes(latents, attributes)
    dims, names = _check_reg_dims(
        reg_dims, Z.shape[1], names, named=_has_names(attributes)
    )
    mi, normaliser = _mutual_info(
        Z,
        A,
        estimator=mutual_info,
        n_bins=n_bins,
        strategy=strategy,
        discretize_attributes=discretize_attributes,
        n_neighbors=n_neighbors,
        random_state=random_state,
    )
    per_attribute, chosen = _mig_from_mi(mi, normaliser, dims)
    return _per_attribute_result(per_attribute, chosen, names, return_details)


@validate_metric_params(
    {
        **_DATA_CONSTRAINTS,
        **_MI_CONSTRAINTS,
        "empty_codes": [StrOptions({"zero", "exclude"})],
    }
)
def modularity_score(
    latents,
    attributes,
    *,
    mutual_info="binned",
    n_bins=20,
    strategy="uniform",
    discretize_attributes="auto",
    n_neighbors=3,
    empty_codes="zero",
    random_state=None,
    return_details=False,
):
    """Modularity (Ridgeway & Mozer 2018): does each code depend on one attribute.

    For latent dim d with mutual informations m[d, k], theta_d = max_k m², and
    the code's modularity is 1 - (sum_k m² - theta_d) / (theta_d (K - 1)). The
    score is the mean over codes. With a single attribute every informative
    code has modularity 1.

    Parameters
    ----------
    latents : array-like of shape (n_samples, n_dims)
        Latent codes.
    attributes : array-like of shape (n_samples,) or (n_samples, n_attributes)
        Attribute values; none may be constant.
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
    empty_codes : {'zero', 'exclude'}, default='zero'
        Codes with zero mutual information with every attribute (e.g. a
        constant dim) score 0 and count in the mean (``'zero'``, the reference
        behaviour, so unused dims lower the score), or are left out of the mean
        (``'exclude'``; the score is 0 when every code is empty).
    random_state : int, RandomState instance or None, default=None
        Seed of the noise the KSG estimator adds.
    return_details : bool, default=False
        Return a :class:`~sklearn.utils.Bunch` with ``score``, ``per_dim``,
        ``dims`` (the dim with the most MI with each attribute) and
        ``attribute_names``.

    Returns
    -------
    score : float or Bunch
        Mean modularity over codes, in [0, 1], higher is better.

    References
    ----------
    .. [1] K. Ridgeway and M. C. Mozer, "Learning Deep Disentangled Embeddings
       With the F-Statistic Loss", NeurIPS 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from skarvae.metrics import modularity_score
    >>> rng = np.random.default_rng(0)
    >>> attributes = rng.uniform(size=(500, 2))
    >>> round(modularity_score(attributes[:, ::-1], attributes), 2)
    1.0
    """
    Z, A, names = _check_latents_attributes(latents, attributes)
    mi, _ = _mutual_info(
        Z,
        A,
        estimator=mutual_info,
        n_bins=n_bins,
        strategy=strategy,
        discretize_attributes=discretize_attributes,
        n_neighbors=n_neighbors,
        random_state=random_state,
    )
    score, per_dim = _modularity_from_mi(mi, empty_codes)
    if not return_details:
        return score
    return Bunch(
        score=score,
        per_dim=per_dim,
        dims=_first_argmax(mi),
        attribute_names=names,
    )


@validate_metric_params({**_DATA_CONSTRAINTS, **_REG_DIMS_CONSTRAINT})
def sap_score(latents, attributes, *, reg_dims=None, return_details=False):
    """Separated Attribute Predictability (Kumar et al. 2018), continuous form.

    The score of latent dim d for attribute k is the squared Pearson
    correlation (the R² of a 1-D linear fit); a dim with variance at most
    1e-12 scores 0. SAP is the mean over attributes of the gap between the
    two best dims.

    Parameters
    ----------
    latents : array-like of shape (n_samples, n_dims)
        Latent codes.
    attributes : array-like of shape (n_samples,) or (n_samples, n_attributes)
        Attribute values; none may be constant.
    reg_dims : array-like of int of shape (n_attributes,) or dict, default=None
        Latent dim of each attribute; the gap is then that dim's score minus the
        best other dim's score, which may be negative. Or a dict {attribute
        name: latent dim}, such as a fitted ARVAE's ``reg_dims_``: keys are
        matched to the DataFrame columns as strings; an array's columns take the
        dict's order and its keys as names.
    return_details : bool, default=False
        Return a :class:`~sklearn.utils.Bunch` with ``score``,
        ``per_attribute``, ``dims`` and ``attribute_names``.

    Returns
    -------
    score : float or Bunch
        Mean SAP over attributes, in [0, 1] without ``reg_dims``.

    References
    ----------
    .. [1] A. Kumar, P. Sattigeri and A. Balakrishnan, "Variational Inference
       of Disentangled Latent Concepts from Unlabeled Observations", ICLR 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from skarvae.metrics import sap_score
    >>> rng = np.random.default_rng(0)
    >>> attributes = rng.uniform(size=(500, 2))
    >>> round(sap_score(-3 * attributes + 1, attributes), 2)
    1.0
    """
    Z, A, names, sums = _check_latents_attributes(latents, attributes, sums=True)
    dims, names = _check_reg_dims(
        reg_dims, Z.shape[1], names, named=_has_names(attributes)
    )
    per_attribute, chosen = _top_two_gap(_r2_matrix(Z, A, sums), dims)
    return _per_attribute_result(per_attribute, chosen, names, return_details)


@validate_metric_params(
    {**_DATA_CONSTRAINTS, **_MI_CONSTRAINTS, **_REG_DIMS_CONSTRAINT}
)
def interpretability_score(
    latents,
    attributes,
    *,
    mutual_info="binned",
    n_bins=20,
    strategy="uniform",
    discretize_attributes="auto",
    n_neighbors=3,
    reg_dims=None,
    random_state=None,
    return_details=False,
):
    """Interpretability (Adel et al. 2018, as the AR-VAE paper computes it).

    For each attribute, pick the latent dim with the most mutual information
    (the first on ties) and score the in-sample R² of a 1-D linear fit of the
    attribute on that dim (the squared Pearson correlation). The score is the
    mean over attributes. The AR-VAE code uses ``mutual_info="ksg"``.

    Parameters
    ----------
    latents : array-like of shape (n_samples, n_dims)
        Latent codes.
    attributes : array-like of shape (n_samples,) or (n_samples, n_attributes)
        Attribute values; none may be constant.
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
        Latent dim of each attribute, used instead of the MI argmax. Or a dict
        {attribute name: latent dim}, such as a fitted ARVAE's ``reg_dims_``:
        keys are matched to the DataFrame columns as strings; an array's columns
        take the dict's order and its keys as names.
    random_state : int, RandomState instance or None, default=None
        Seed of the noise the KSG estimator adds.
    return_details : bool, default=False
        Return a :class:`~sklearn.utils.Bunch` with ``score``,
        ``per_attribute``, ``dims`` and ``attribute_names``.

    Returns
    -------
    score : float or Bunch
        Mean R² over attributes, in [0, 1], higher is better.

    References
    ----------
    .. [1] T. Adel, Z. Ghahramani and A. Weller, "Discovering Interpretable
       Representations for Both Deep Generative and Discriminative Models",
       ICML 2018.
    .. [2] A. Pati and A. Lerch, "Attribute-based Regularization of Latent
       Spaces for Variational Auto-Encoders", Neural Computing and
       Applications, 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from skarvae.metrics import interpretability_score
    >>> rng = np.random.default_rng(0)
    >>> attributes = rng.uniform(size=(500, 2))
    >>> round(interpretability_score(2 * attributes, attributes), 2)
    1.0
    """
    Z, A, names, sums = _check_latents_attributes(latents, attributes, sums=True)
    dims, names = _check_reg_dims(
        reg_dims, Z.shape[1], names, named=_has_names(attributes)
    )
    mi, _ = _mutual_info(
        Z,
        A,
        estimator=mutual_info,
        n_bins=n_bins,
        strategy=strategy,
        discretize_attributes=discretize_attributes,
        n_neighbors=n_neighbors,
        random_state=random_state,
    )
    per_attribute, chosen = _interpretability_from_matrices(
        mi, _r2_matrix(Z, A, sums), dims
    )
    return _per_attribute_result(per_attribute, chosen, names, return_details)


@validate_metric_params(
    {
        **_DATA_CONSTRAINTS,
        **_REG_DIMS_CONSTRAINT,
        "p_value_threshold": [Interval(Real, 0, 1, closed="both"), None],
    }
)
def scc_score(
    latents,
    attributes,
    *,
    p_value_threshold=0.05,
    reg_dims=None,
    return_details=False,
):
    """Spearman correlation coefficient score (SCC, Pati & Lerch 2020).

    For each attribute, the largest absolute Spearman rank correlation of a
    latent dim with the attribute, then the mean over attributes. As in the
    AR-VAE code, a correlation whose p-value exceeds ``p_value_threshold``
    counts as 0, and a constant latent dim scores 0. SCC is a maximum, not a
    gap: redundant dims are not penalised. It is invariant under strictly
    monotone maps of each dim.

    Parameters
    ----------
    latents : array-like of shape (n_samples, n_dims)
        Latent codes.
    attributes : array-like of shape (n_samples,) or (n_samples, n_attributes)
        Attribute values; none may be constant.
    p_value_threshold : float in [0, 1] or None, default=0.05
        Correlations with a larger two-sided p-value count as 0; None keeps
        every correlation.
    reg_dims : array-like of int of shape (n_attributes,) or dict, default=None
        Latent dim of each attribute, used instead of the best dim. Or a dict
        {attribute name: latent dim}, such as a fitted ARVAE's ``reg_dims_``:
        keys are matched to the DataFrame columns as strings; an array's columns
        take the dict's order and its keys as names.
    return_details : bool, default=False
        Return a :class:`~sklearn.utils.Bunch` with ``score``,
        ``per_attribute``, ``dims`` and ``attribute_names``.

    Returns
    -------
    score : float or Bunch
        Mean SCC over attributes, in [0, 1], higher is better.

    References
    ----------
    .. [1] A. Pati and A. Lerch, "Attribute-based Regularization of Latent
       Spaces for Variational Auto-Encoders", Neural Computing and
       Applications, 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from skarvae.metrics import scc_score
    >>> rng = np.random.default_rng(0)
    >>> attributes = rng.uniform(size=(500, 2))
    >>> round(scc_score(np.exp(5 * attributes), attributes), 2)
    1.0
    """
    Z, A, names = _check_latents_attributes(latents, attributes, min_samples=3)
    dims, names = _check_reg_dims(
        reg_dims, Z.shape[1], names, named=_has_names(attributes)
    )
    rho, p_value = _spearman_matrix(Z, A)
    per_attribute, chosen = _scc_from_spearman(rho, p_value, p_value_threshold, dims)
    return _per_attribute_result(per_attribute, chosen, names, return_details)
