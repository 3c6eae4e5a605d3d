"""The fast paths of SAP and DCI against sklearn and hand-computed values."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
from sklearn import config_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso
from sklearn.model_selection import train_test_split

from skarvae.metrics import dci_score, sap_score
from skarvae.metrics._dci import _train_test_indices
from skarvae.metrics._lasso import _lasso_gram, _lasso_gram_numpy
from skarvae.metrics._matrices import _check_latents_attributes, _r2_matrix
from skarvae.metrics._products import _rows_times


def _sklearn_lasso(X, Y, alpha, **kwargs):
    """One Lasso(fit_intercept=False, precompute=gram) per column of Y."""
    fits = [
        Lasso(alpha=alpha, fit_intercept=False, precompute=X.T @ X, **kwargs).fit(X, y)
        for y in Y.T
    ]
    return np.column_stack([f.coef_ for f in fits]), np.array([f.n_iter_ for f in fits])


def _problem(seed, n=120, n_features=6, n_targets=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features)) @ rng.normal(size=(n_features, n_features))
    Y = X[:, :2] @ rng.normal(size=(2, n_targets)) + rng.normal(size=(n, n_targets))
    return X, Y


def _solve(solver, X, Y, alpha, **kwargs):
    out = solver(X.T @ X, X.T @ Y, (Y * Y).sum(axis=0), alpha * X.shape[0], **kwargs)
    return out if solver is _lasso_gram else out[0]


# sklearn's kernel (through _lasso_gram) takes the very steps of Lasso; the
# plain numpy fallback takes other ones, so it is compared at a tight tolerance.
SOLVERS = [(_lasso_gram, {}, 1e-10), (_lasso_gram_numpy, {"tol": 1e-12}, 1e-8)]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(("solver", "tight", "atol"), SOLVERS)
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("alpha", [1e-3, 0.05, 0.5])
def test_lasso_gram_matches_sklearn(solver, tight, atol, seed, alpha):
    X, Y = _problem(seed)
    expected, _ = _sklearn_lasso(X, Y, alpha, **tight, max_iter=100_000)
    coef = _solve(solver, X, Y, alpha, **tight, max_iter=100_000)
    np.testing.assert_allclose(coef, expected, atol=atol)


@pytest.mark.parametrize(("solver", "tight", "atol"), SOLVERS)
def test_lasso_gram_zero_when_alpha_exceeds_every_correlation(solver, tight, atol):
    X, Y = _problem(1)
    alpha = 1.01 * np.abs(X.T @ Y).max() / X.shape[0]
    np.testing.assert_array_equal(_solve(solver, X, Y, alpha), 0.0)


@pytest.mark.parametrize(("solver", "tight", "atol"), SOLVERS)
def test_lasso_gram_zero_and_tiny_columns_and_one_target(solver, tight, atol):
    X, Y = _problem(2, n_targets=1)
    X[:, 1] = 0.0  # a zero column keeps a zero coefficient
    X[:, 3] = 1e-6 * X[:, 4] + 1e-9 * np.sin(np.arange(X.shape[0]))  # nearly constant
    expected, _ = _sklearn_lasso(X, Y, 0.01, **tight, max_iter=100_000)
    coef = _solve(solver, X, Y, 0.01, **tight, max_iter=100_000)
    assert coef.shape == (6, 1)
    assert coef[1, 0] == 0.0
    np.testing.assert_allclose(coef, expected, atol=atol)


def test_numpy_lasso_warns_when_it_does_not_converge():
    X, Y = _problem(3)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        _lasso_gram_numpy(
            X.T @ X, X.T @ Y, (Y * Y).sum(axis=0), 1e-4 * X.shape[0], max_iter=2
        )


@pytest.mark.parametrize("random_state", [0, 7, np.int64(3)])
@pytest.mark.parametrize("n_samples", [4, 10, 1001])
@pytest.mark.parametrize("test_size", [0.25, 0.5, 0.1])
def test_split_is_train_test_split(random_state, n_samples, test_size):
    expected = train_test_split(
        np.arange(n_samples), test_size=test_size, random_state=random_state
    )
    ours = _train_test_indices(n_samples, test_size, random_state)
    for a, b in zip(ours, expected):
        np.testing.assert_array_equal(a, b)


def test_split_with_a_random_state_instance_and_an_empty_train_set():
    ours = _train_test_indices(50, 0.3, np.random.RandomState(5))
    expected = train_test_split(
        np.arange(50), test_size=0.3, random_state=np.random.RandomState(5)
    )
    np.testing.assert_array_equal(ours[0], expected[0])
    with pytest.raises(ValueError, match="resulting train set will be empty"):
        _train_test_indices(4, 0.9, 0)
    with pytest.raises(ValueError, match="resulting train set will be empty"):
        dci_score(np.eye(4), np.arange(4.0), test_size=0.9)


def test_split_of_an_int_seed_is_remembered_read_only():
    first = _train_test_indices(300, 0.25, 11)
    again = _train_test_indices(300, 0.4, 11)
    # The same permutation, cut elsewhere; nobody can change it.
    assert np.shares_memory(first[0], again[0])
    with pytest.raises(ValueError, match="read-only"):
        first[0][0] = 1
    for seed in (12, 11):
        ours = _train_test_indices(300, 0.25, seed)
        expected = train_test_split(np.arange(300), test_size=0.25, random_state=seed)
        for a, b in zip(ours, expected):
            np.testing.assert_array_equal(a, b)
    # Beyond 2**20 samples the permutation is drawn again.
    large = _train_test_indices(2**20 + 1, 0.25, 11)[1]
    assert not np.shares_memory(large, _train_test_indices(2**20 + 1, 0.25, 11)[1])
    # A RandomState instance is drawn from on every call, as sklearn does.
    rng, reference = np.random.RandomState(0), np.random.RandomState(0)
    for _ in range(2):
        ours = _train_test_indices(300, 0.25, rng)
        expected = train_test_split(
            np.arange(300), test_size=0.25, random_state=reference
        )
        np.testing.assert_array_equal(ours[1], expected[1])


def test_rows_times_transposed_in_blocks():
    rng = np.random.default_rng(0)
    # 2**18 / (4 * 3) rows per product: four blocks.
    X, W = rng.normal(size=(70_000, 4)), rng.normal(size=(4, 3))
    out = _rows_times(X, W, transposed=True)
    assert out.shape == (3, 70_000)
    assert out.flags.c_contiguous
    np.testing.assert_allclose(out, (X @ W).T, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(_rows_times(X, W), X @ W, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("offset", [5.0, 1e5])
def test_dci_lasso_matches_one_sklearn_lasso_per_attribute(offset):
    rng = np.random.default_rng(0)
    A = rng.uniform(size=(800, 3))
    Z = np.column_stack([A @ rng.normal(size=(3, 3)), rng.normal(size=(800, 2))])
    # Offsets the standardization removes; 1e5 takes the in-memory centring.
    Z += offset
    A += offset
    details = dci_score(Z, A, alpha=0.02, random_state=3, return_details=True)
    train, test = train_test_split(np.arange(800), test_size=0.25, random_state=3)
    mean, std = Z[train].mean(axis=0), Z[train].std(axis=0)
    for k, a in enumerate(A.T):
        a_mean, a_std = a[train].mean(), a[train].std()
        lasso = Lasso(alpha=0.02).fit(
            (Z[train] - mean) / std, (a[train] - a_mean) / a_std
        )
        np.testing.assert_allclose(
            details.importance[:, k], np.abs(lasso.coef_), atol=1e-8
        )
        score = lasso.score((Z[test] - mean) / std, (a[test] - a_mean) / a_std)
        assert details.informativeness_per_attribute[k] == pytest.approx(
            score, abs=1e-8
        )


def test_sap_hand_computed():
    # Centred a = (-1.5, -.5, .5, 1.5). z0 = a: r² = 1. z1 centred is
    # (.5, -.5, -.5, .5), orthogonal to a: r² = 0. z2 centred is
    # (-.5, -1.5, 1.5, .5): r = 3 / 5, r² = 0.36. SAP = 1 - 0.36.
    a = np.array([1.0, 2.0, 3.0, 4.0])
    Z = np.column_stack([a, [1.0, 0.0, 0.0, 1.0], [2.0, 1.0, 4.0, 3.0]])
    np.testing.assert_allclose(_r2_matrix(Z, a[:, None])[:, 0], [1.0, 0.0, 0.36])
    assert sap_score(Z, a) == pytest.approx(0.64, abs=1e-14)
    assert sap_score(Z, a, reg_dims=[2]) == pytest.approx(0.36 - 1.0, abs=1e-14)


@pytest.mark.parametrize("offset", [0.0, 3.0, 1e4])
def test_r2_matrix_with_offsets_matches_corrcoef(offset):
    rng = np.random.default_rng(1)
    A = rng.uniform(size=(500, 2)) + offset
    Z = np.column_stack([A[:, 0] + rng.normal(size=500), rng.normal(size=(500, 2))])
    Z[:, 1] += offset
    Z[:, 2] = 7.0  # a constant dim scores 0
    expected = np.array(
        [[np.corrcoef(z, a)[0, 1] ** 2 for a in A.T] for z in Z[:, :2].T]
    )
    r2 = _r2_matrix(Z, A)
    np.testing.assert_allclose(r2[:2], expected, atol=1e-12)
    np.testing.assert_array_equal(r2[2], 0.0)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_lean_validation_keeps_the_errors():
    Z = np.random.default_rng(0).normal(size=(100, 3))
    A = np.arange(100.0)
    Z_bad = Z.copy()
    Z_bad[5, 1] = np.nan
    with pytest.raises(ValueError, match="latents contains NaN"):
        sap_score(Z_bad, A)
    with pytest.raises(ValueError, match="attributes contains infinity"):
        dci_score(Z, np.where(A > 50, np.inf, A))
    # Overflowing sums of finite values are fine.
    big = np.full((100, 3), 1e308) * np.r_[1, -1][np.arange(100) % 2][:, None]
    _check_latents_attributes(big, A)
    with config_context(assume_finite=True):
        _check_latents_attributes(Z_bad, A)


def test_constant_attribute_found_past_the_first_rows():
    Z = np.random.default_rng(0).normal(size=(200, 2))
    A = np.ones((200, 2))
    A[150, 0] = 2.0  # varies only late: not constant
    with pytest.raises(ValueError, match="Attribute 'attr1' is constant"):
        sap_score(Z, A)
    A[:, 1] = np.arange(200.0)
    assert np.isfinite(sap_score(Z, A))


_VALIDATED = [
    "mig_score",
    "modularity_score",
    "sap_score",
    "interpretability_score",
    "scc_score",
    "dci_score",
    "disentanglement_report",
]


@pytest.mark.parametrize("name", _VALIDATED)
def test_defaults_satisfy_the_constraints(name):
    # The lean wrapper checks only the parameters given.
    import inspect

    from sklearn.utils._param_validation import make_constraint

    import skarvae.metrics

    func = getattr(skarvae.metrics, name)
    constraints = func._skl_parameter_constraints
    for p in inspect.signature(func).parameters.values():
        assert p.name in constraints
        if p.default is not p.empty:
            assert any(
                make_constraint(c).is_satisfied_by(p.default)
                for c in constraints[p.name]
            ), p.name


def test_lean_wrapper_raises_sklearns_errors():
    from sklearn.utils._param_validation import InvalidParameterError

    Z = np.random.default_rng(0).normal(size=(50, 3))
    A = np.arange(50.0)
    with pytest.raises(InvalidParameterError, match="'alpha' parameter of dci_score"):
        dci_score(Z, A, alpha=-1.0)
    with pytest.raises(InvalidParameterError, match="'return_details' parameter"):
        sap_score(Z, A, return_details="yes")
    with pytest.raises(TypeError, match="missing a required argument: 'attributes'"):
        sap_score(Z)
    with pytest.raises(TypeError, match="unexpected keyword argument 'bins'"):
        sap_score(Z, A, bins=3)
    with pytest.raises(TypeError, match="multiple values for argument 'latents'"):
        sap_score(Z, A, latents=Z)
    with pytest.raises(TypeError, match="too many positional arguments"):
        sap_score(Z, A, None)
    assert sap_score(latents=Z, attributes=A) == sap_score(Z, A)
    with config_context(skip_parameter_validation=True):
        assert sap_score(Z, A, return_details=0) == sap_score(Z, A)


def test_lean_wrapper_switches_nested_validation_off_and_back_on():
    from numbers import Integral

    from sklearn import get_config
    from sklearn.utils._param_validation import Interval, InvalidParameterError

    from skarvae.metrics._params import validate_metric_params

    seen = []

    @validate_metric_params({"x": [Interval(Integral, 0, None, closed="left")]})
    def func(x=0):
        seen.append(get_config()["skip_parameter_validation"])
        if x == 3:
            raise RuntimeError("inside")
        return x

    assert func(2) == 2
    assert seen == [True]
    assert not get_config()["skip_parameter_validation"]
    with pytest.raises(RuntimeError, match="inside"):
        func(3)
    assert not get_config()["skip_parameter_validation"]
    # A value remembered as valid does not vouch for another type or value.
    assert func(1) == 1
    with pytest.raises(
        InvalidParameterError, match=r"'x' parameter of .*func must be an int"
    ):
        func(1.0)
    with pytest.raises(
        InvalidParameterError, match=r"'x' parameter of .*func must be an int"
    ):
        func(-1)
    assert func(x=1) == 1


def test_dci_without_sklearns_kernel_uses_the_numpy_descent(monkeypatch):
    from skarvae.metrics import _lasso

    rng = np.random.default_rng(0)
    A = rng.uniform(size=(600, 3))
    Z = np.column_stack([A @ rng.normal(size=(3, 3)), rng.normal(size=(600, 2))])
    expected = dci_score(Z, A, random_state=0, return_details=True)
    monkeypatch.setattr(_lasso, "enet_coordinate_descent_gram", None)
    fallback = dci_score(Z, A, random_state=0, return_details=True)
    np.testing.assert_allclose(fallback.importance, expected.importance, atol=1e-3)
    np.testing.assert_allclose(
        fallback.informativeness_per_attribute,
        expected.informativeness_per_attribute,
        atol=1e-4,
    )
