"""DCI disentanglement, completeness and informativeness (Eastwood & Williams 2018)."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import threading
from math import ceil, log
from numbers import Integral, Real

import numpy as np
from scipy.special import xlogy
from sklearn.base import clone
from sklearn.ensemble import RandomForestRegressor
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
)

from skarvae.metrics._disentanglement import _DATA_CONSTRAINTS
from skarvae.metrics._lasso import _lasso_gram
from skarvae.metrics._matrices import _check_latents_attributes
from skarvae.metrics._params import validate_metric_params
from skarvae.metrics._products import _centred_products, _column_sums, _rows_times


def _one_minus_entropy(total, sum_r_log_r, n_outcomes):
    """1 - entropy (base ``n_outcomes``) of weight vectors, from two of their sums.

    The entropy of ``p = r / total`` is ``log(total) - sum(r log r) / total``;
    an all-zero vector counts as uniform (its 1 - entropy is 0).
    """
    if n_outcomes == 1:
        return np.ones(total.shape)
    positive = total > 0
    safe = np.where(positive, total, 1.0)
    # 1 - (log(total) - sum(r log r) / total) / log(n_outcomes)
    score = np.log(safe)
    score -= sum_r_log_r / safe
    score *= -1.0 / log(n_outcomes)
    score += 1.0
    score[~positive] = 0.0
    return score


def _dci_from_importance(importance):
    """Disentanglement and completeness (Eastwood & Williams 2018) of a D x K matrix.

    Returns (disentanglement, completeness, per-dim disentanglement,
    per-attribute completeness). Both scores weight by relative importance, as
    disentanglement_lib does; an all-zero matrix scores 0.
    """
    R = np.abs(importance)
    n_dims, n_attributes = R.shape
    r_log_r = xlogy(R, R)
    dim_total, attribute_total = np.add.reduce(R, axis=1), np.add.reduce(R, axis=0)
    per_dim = _one_minus_entropy(
        dim_total, np.add.reduce(r_log_r, axis=1), n_attributes
    )
    per_attribute = _one_minus_entropy(
        attribute_total, np.add.reduce(r_log_r, axis=0), n_dims
    )
    total = float(np.add.reduce(dim_total))
    if total <= 0:
        return 0.0, 0.0, per_dim, per_attribute
    disentanglement = float(per_dim @ dim_total) / total
    completeness = float(per_attribute @ attribute_total) / total
    return disentanglement, completeness, per_dim, per_attribute


def _importance_model(model, random_state):
    if model == "random_forest":
        return RandomForestRegressor(n_estimators=10, random_state=random_state)
    return clone(model)


def _train_test_indices(n_samples, test_size, random_state):
    """Train and test rows of ``train_test_split(np.arange(n_samples), ...)``.

    The same sizes (``ceil(test_size * n_samples)`` test rows), the same
    permutation of the same random state and the same error for an empty
    training set, without the validation of ``train_test_split``.
    """
    n_test = ceil(test_size * n_samples)
    if n_samples - n_test == 0:
        raise ValueError(
            f"With n_samples={n_samples}, test_size={test_size} and "
            "train_size=None, the resulting train set will be empty. Adjust any "
            "of the aforementioned parameters."
        )
    permutation = _permutation(n_samples, random_state)
    return permutation[n_test:], permutation[:n_test]


#: The last permutation drawn for an int seed: (n_samples, seed, permutation).
_LAST_PERMUTATION = (None, None, None)

#: Most samples of a remembered permutation (8 MiB of indices).
_MAX_REMEMBERED_SAMPLES = 2**20

_SEEDED = threading.local()


def _permutation(n_samples, random_state):
    """``check_random_state(random_state).permutation(n_samples)``, remembered.

    The permutation of an int seed is a pure function of ``n_samples`` and
    the seed; it costs more than a tenth of ``dci_score`` at n = 10,000, and
    scorers call the metric again and again with the same seed on data of
    the same size. The last one is kept (read-only, shared by the callers,
    which only index with it) and handed out again for the same pair, up to
    ``_MAX_REMEMBERED_SAMPLES`` samples (beyond, drawing it is a small part
    of the metric's time).
    """
    global _LAST_PERMUTATION
    if not isinstance(random_state, Integral) or n_samples > _MAX_REMEMBERED_SAMPLES:
        return _random_state(random_state).permutation(n_samples)
    n, seed, permutation = _LAST_PERMUTATION
    if n != n_samples or seed != random_state:
        permutation = _random_state(random_state).permutation(n_samples)
        permutation.flags.writeable = False
        _LAST_PERMUTATION = (n_samples, int(random_state), permutation)
    return permutation


def _random_state(random_state):
    """``check_random_state``, but an int reseeds a reused ``RandomState``.

    ``np.random.RandomState(seed)`` first seeds itself from the operating
    system, which costs more than the whole split here; reseeding a
    thread-local instance gives the same stream.
    """
    if not isinstance(random_state, Integral):
        return check_random_state(random_state)
    rng = getattr(_SEEDED, "rng", None)
    if rng is None:
        rng = _SEEDED.rng = np.random.RandomState()
    rng.seed(random_state)
    return rng


def _lasso_scores(Z, A, train, test, alpha, sums=None):
    """Lasso importances (D, K) and held-out R² (K,) of every attribute.

    What ``Lasso(alpha).fit`` gives for each attribute once latents and
    attribute are standardized with the training mean and std (a zero std
    counts as 1), and its ``score`` on the test rows: the centred Gram matrix
    of the training latents and their products with the attributes, scaled
    to the standardized data, go to one coordinate descent per attribute
    (``_lasso_gram``); R² is the same on the attributes' own scale, so the
    test rows are predicted there, in one product, without standardizing
    them. ``sums`` are the column sums of Z and A if known; the training sums
    are then those minus the test rows' sums. Every step works on all the
    attributes at once, in as few numpy calls as it can: at n = 10,000 a
    call's fixed cost weighs as much as the arithmetic.
    """
    Z_test, A_test = Z.take(test, axis=0), A.take(test, axis=0)
    Z_train, A_train = Z.take(train, axis=0), A.take(train, axis=0)
    n, n_test = train.shape[0], test.shape[0]
    # The test attributes one row each, so that per-attribute offsets and
    # sums run along contiguous rows (on a narrow C-ordered array numpy
    # loops over its rows).
    A_test = A_test.T.copy()
    a_test_sum = np.add.reduce(A_test, axis=1)
    if sums is not None:
        sums = (sums[0] - _column_sums(Z_test), sums[1] - a_test_sum)
    gram, Xy, z_norm2, a_norm2, z_mean, a_mean = _centred_products(
        Z_train, A_train, gram=True, sums=sums
    )
    # n * variance of every latent and attribute (a constant column: n, so
    # that its std counts as 1), then 1 / std of the latents and the
    # attributes' std.
    scale = np.concatenate((z_norm2, a_norm2))
    scale[scale <= 0] = n
    np.sqrt(np.divide(n, scale, out=scale), out=scale)
    z_scale, a_std = scale[: z_norm2.shape[0]], 1.0 / scale[z_norm2.shape[0] :]
    gram *= z_scale
    gram *= z_scale[:, np.newaxis]
    Xy *= z_scale[:, np.newaxis]
    coef = _lasso_gram(gram, Xy / a_std, a_norm2 / (a_std * a_std), alpha * n)
    # Predictions on the attributes' scale, a_mean + ((z - z_mean) * z_scale)
    # @ coef * a_std; the sign of the residual does not matter to R².
    weights = coef * a_std
    weights *= z_scale[:, np.newaxis]
    residual = _rows_times(Z_test, weights, transposed=True)
    residual -= A_test
    residual += (a_mean - z_mean @ weights)[:, np.newaxis]
    ss_res = np.add.reduce(np.square(residual, out=residual), axis=1)
    A_test -= (a_test_sum / n_test)[:, np.newaxis]
    ss_tot = np.add.reduce(np.square(A_test, out=A_test), axis=1)
    # As r2_score: a constant test column scores 1 without error, 0 with some.
    r2 = np.where(ss_res == 0, 1.0, 0.0)
    np.divide(ss_tot - ss_res, ss_tot, out=r2, where=ss_tot > 0)
    return np.abs(coef, out=coef), r2


def _dci_from_data(Z, A, *, model, alpha, test_size, random_state, sums=None):
    """Fit one regressor per attribute; return importances (D, K) and test R² (K,).

    The split is that of ``train_test_split``. The Lasso fits every attribute
    at once on the shared Gram matrix (``_lasso_scores``), without
    re-validating the arrays built here. ``sums`` are the column sums of Z and
    A if known: the training sums are then those minus the test rows' sums.
    """
    train, test = _train_test_indices(Z.shape[0], test_size, random_state)
    if model == "lasso":
        return _lasso_scores(Z, A, train, test, alpha, sums)
    Z_train, Z_test = Z[train], Z[test]
    mean, std = Z_train.mean(axis=0), Z_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    Z_train = (Z_train - mean) / std
    Z_test = (Z_test - mean) / std
    A_train, A_test = A[train], A[test]
    a_mean, a_std = A_train.mean(axis=0), A_train.std(axis=0)
    a_std = np.where(a_std > 0, a_std, 1.0)
    A_train = (A_train - a_mean) / a_std
    A_test = (A_test - a_mean) / a_std
    importance = np.zeros((Z.shape[1], A.shape[1]))
    informativeness = np.zeros(A.shape[1])
    for k in range(A.shape[1]):
        est = _importance_model(model, random_state)
        est.fit(Z_train, A_train[:, k])
        if hasattr(est, "feature_importances_"):
            importance[:, k] = np.abs(est.feature_importances_)
        elif hasattr(est, "coef_"):
            importance[:, k] = np.abs(np.ravel(est.coef_))
        else:
            raise ValueError(
                f"The DCI model {type(est).__name__} has neither "
                "feature_importances_ nor coef_ after fitting."
            )
        informativeness[k] = est.score(Z_test, A_test[:, k])
    return importance, informativeness


@validate_metric_params(
    {
        **_DATA_CONSTRAINTS,
        "model": [
            StrOptions({"lasso", "random_forest"}),
            HasMethods(["fit", "score"]),
        ],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "test_size": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
    }
)
def dci_score(
    latents,
    attributes,
    *,
    model="lasso",
    alpha=0.02,
    test_size=0.25,
    random_state=None,
    return_details=False,
):
    """DCI disentanglement, completeness and informativeness (Eastwood & Williams).

    One regressor per attribute predicts the standardized attribute from the
    standardized latents on a training split; its absolute coefficients or
    feature importances form the D x K importance matrix R.
    Disentanglement is 1 minus the entropy (base K) of each row of R,
    completeness 1 minus the entropy (base D) of each column, both weighted by
    relative importance as in disentanglement_lib. Informativeness is the R²
    on the held-out split (higher is better, unlike the original NRMSE). With
    one attribute (or one dim) disentanglement (or completeness) of every code
    is 1; an all-zero R scores 0.

    Parameters
    ----------
    latents : array-like of shape (n_samples, n_dims)
        Latent codes.
    attributes : array-like of shape (n_samples,) or (n_samples, n_attributes)
        Attribute values; none may be constant.
    model : {'lasso', 'random_forest'} or regressor, default='lasso'
        ``'lasso'``: ``Lasso(alpha=alpha)`` as in the original DCI code.
        ``'random_forest'``: ``RandomForestRegressor(n_estimators=10)``. A
        regressor is cloned and must expose ``coef_`` or
        ``feature_importances_`` once fitted.
    alpha : float, default=0.02
        Regularization of the Lasso.
    test_size : float in (0, 1), default=0.25
        Fraction of samples held out for informativeness.
    random_state : int, RandomState instance or None, default=None
        Seed of the train/test split and of the random forest.
    return_details : bool, default=False
        Return a :class:`~sklearn.utils.Bunch` with ``disentanglement``,
        ``completeness``, ``informativeness``, ``importance`` (D x K),
        ``per_dim`` (disentanglement), ``completeness_per_attribute``,
        ``informativeness_per_attribute``, ``dims`` (the most important dim
        of each attribute) and ``attribute_names``.

    Returns
    -------
    scores : tuple of 3 floats or Bunch
        ``(disentanglement, completeness, informativeness)``.

    References
    ----------
    .. [1] C. Eastwood and C. K. I. Williams, "A Framework for the Quantitative
       Evaluation of Disentangled Representations", ICLR 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from skarvae.metrics import dci_score
    >>> rng = np.random.default_rng(0)
    >>> attributes = rng.uniform(size=(500, 2))
    >>> d, c, i = dci_score(attributes, attributes, random_state=0)
    >>> round(d, 2), round(c, 2), round(i, 2)
    (1.0, 1.0, 1.0)
    """
    Z, A, names, sums = _check_latents_attributes(
        latents, attributes, min_samples=4, sums=True
    )
    importance, informativeness = _dci_from_data(
        Z,
        A,
        model=model,
        alpha=alpha,
        test_size=test_size,
        random_state=random_state,
        sums=sums,
    )
    return _dci_result(importance, informativeness, names, return_details)


def _dci_result(importance, informativeness, names, return_details):
    disentanglement, completeness, per_dim, per_attribute = _dci_from_importance(
        importance
    )
    informativeness_mean = float(np.add.reduce(informativeness))
    scores = (
        disentanglement,
        completeness,
        informativeness_mean / informativeness.shape[0],
    )
    if not return_details:
        return scores
    return Bunch(
        disentanglement=scores[0],
        completeness=scores[1],
        informativeness=scores[2],
        importance=importance,
        per_dim=per_dim,
        completeness_per_attribute=per_attribute,
        informativeness_per_attribute=informativeness,
        dims=importance.argmax(axis=0),
        attribute_names=names,
    )
