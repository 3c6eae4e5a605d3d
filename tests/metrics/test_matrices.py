"""Tests of the shared score matrices against straightforward per-pair code."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.feature_selection import mutual_info_regression
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mutual_info_score

from skarvae.metrics._ksg import _ksg_mutual_info
from skarvae.metrics._matrices import (
    _binned_mutual_info,
    _discretize_columns,
    _r2_matrix,
    _spearman_matrix,
)


def _per_pair_binned_mi(Z, A, n_bins):
    """Reference: np.histogram bins per latent dim, mutual_info_score per pair."""
    mi = np.empty((Z.shape[1], A.shape[1]))
    for d in range(Z.shape[1]):
        edges = np.histogram(Z[:, d], n_bins)[1]
        z_bins = np.digitize(Z[:, d], edges[:-1])
        for k in range(A.shape[1]):
            mi[d, k] = mutual_info_score(A[:, k], z_bins)
    entropy = np.array([mutual_info_score(a, a) for a in A.T])
    return mi, entropy


@pytest.mark.parametrize("n_bins", [2, 7, 20])
def test_binned_mutual_info_matches_per_pair_reference(n_bins):
    rng = np.random.default_rng(0)
    A = rng.integers(0, 5, size=(300, 3)).astype(float)
    Z = np.column_stack([A[:, 0] + rng.normal(size=300), rng.normal(size=(300, 3))])
    Z[:, 2] = 1.5  # a constant dim
    mi, entropy = _binned_mutual_info(
        Z, A, n_bins=n_bins, strategy="uniform", discretize_attributes=False
    )
    ref_mi, ref_entropy = _per_pair_binned_mi(Z, A, n_bins)
    np.testing.assert_allclose(mi, ref_mi, rtol=0, atol=1e-9)
    np.testing.assert_allclose(entropy, ref_entropy, rtol=0, atol=1e-9)
    assert np.all(mi[2] == 0)


def test_binned_mutual_info_sparse_path_matches_dense(monkeypatch):
    rng = np.random.default_rng(0)
    A = rng.integers(0, 40, size=(200, 2)).astype(float)
    Z = A[:, :1] + rng.normal(size=(200, 2))
    kwargs = {"n_bins": 5, "strategy": "uniform", "discretize_attributes": False}
    dense = _binned_mutual_info(Z, A, **kwargs)
    monkeypatch.setattr("skarvae.metrics._matrices._MAX_CELLS", 1)
    sparse = _binned_mutual_info(Z, A, **kwargs)
    np.testing.assert_allclose(sparse[0], dense[0], atol=1e-12)
    np.testing.assert_allclose(sparse[1], dense[1], atol=1e-12)


def test_binned_mutual_info_attribute_groups_agree(monkeypatch):
    rng = np.random.default_rng(0)
    A = rng.uniform(size=(250, 2))
    Z = rng.normal(size=(250, 3))
    kwargs = {"n_bins": 10, "strategy": "quantile", "discretize_attributes": True}
    whole = _binned_mutual_info(Z, A, **kwargs)[0]
    # One attribute per joint histogram (3 dims x 10 bins x 10 levels each)
    # instead of both in one.
    monkeypatch.setattr("skarvae.metrics._matrices._MAX_CELLS", 3 * 10 * 10)
    np.testing.assert_allclose(_binned_mutual_info(Z, A, **kwargs)[0], whole)


def test_binned_mutual_info_in_steps_of_dims_agrees(monkeypatch):
    rng = np.random.default_rng(0)
    A = rng.integers(0, 4, size=(300, 3)).astype(float)
    Z = np.column_stack([A + rng.normal(size=(300, 3)), rng.normal(size=(300, 2))])
    kwargs = {"n_bins": 6, "strategy": "uniform", "discretize_attributes": "auto"}
    whole = _binned_mutual_info(Z, A, **kwargs)
    # Index arrays for 2 dims at a time (300 samples x 3 attributes each).
    monkeypatch.setattr("skarvae.metrics._matrices._MAX_INDEX", 2 * 300 * 3)
    steps = _binned_mutual_info(Z, A, **kwargs)
    np.testing.assert_array_equal(steps[0], whole[0])
    np.testing.assert_array_equal(steps[1], whole[1])


def test_discretize_columns_matches_known_histogram():
    x = np.array([[0.1], [0.2], [0.3], [0.4], [0.5], [0.6]])
    np.testing.assert_array_equal(
        _discretize_columns(x, 3, "uniform")[:, 0], [0, 0, 1, 1, 2, 2]
    )


def test_binned_entropy_of_three_equal_levels_is_log_three():
    A = np.array([[1.0], [1], [2], [2], [3], [3]])
    _, entropy = _binned_mutual_info(
        A, A, n_bins=3, strategy="uniform", discretize_attributes="auto"
    )
    np.testing.assert_allclose(entropy, [np.log(3)])


def test_ksg_mutual_info_close_to_sklearn_and_reproducible():
    rng = np.random.default_rng(0)
    A = rng.uniform(size=(400, 2))
    Z = np.column_stack([A[:, 0] + 0.3 * rng.normal(size=400), rng.normal(size=400)])
    mi, self_mi = _ksg_mutual_info(Z, A, n_neighbors=3, random_state=0)
    for k in range(2):
        ref = mutual_info_regression(Z, A[:, k], n_neighbors=3, random_state=0)
        np.testing.assert_allclose(mi[:, k], ref, atol=1e-6)
        ref_self = mutual_info_regression(A[:, [k]], A[:, k], random_state=0)
        np.testing.assert_allclose(self_mi[k], ref_self[0], atol=1e-6)
    again, _ = _ksg_mutual_info(Z, A, n_neighbors=3, random_state=0)
    np.testing.assert_array_equal(mi, again)


def test_r2_matrix_matches_linear_regression_score():
    rng = np.random.default_rng(0)
    Z, A = rng.normal(size=(50, 3)), rng.normal(size=(50, 2))
    A[:, 0] += Z[:, 1]
    ref = [
        [LinearRegression().fit(Z[:, [d]], a).score(Z[:, [d]], a) for a in A.T]
        for d in range(3)
    ]
    np.testing.assert_allclose(_r2_matrix(Z, A), ref, atol=1e-9)


def test_spearman_matrix_matches_scipy_per_pair():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(40, 3))
    Z[:, 2] = np.round(Z[:, 2])  # ties
    A = np.column_stack([Z[:, 0] ** 3 + rng.normal(size=40), rng.normal(size=40)])
    rho, p_value = _spearman_matrix(Z, A)
    for d in range(3):
        for k in range(2):
            ref = spearmanr(Z[:, d], A[:, k])
            assert rho[d, k] == pytest.approx(ref.statistic, abs=1e-9)
            assert p_value[d, k] == pytest.approx(ref.pvalue, abs=1e-9)


@pytest.mark.parametrize("n_bins", [3, 7, 20])
def test_uniform_discretization_matches_digitize_at_edges(n_bins):
    rng = np.random.default_rng(0)
    edges_hit = np.linspace(-1.3, 2.9, 4 * n_bins + 1)
    X = np.column_stack(
        [edges_hit, rng.permutation(edges_hit), np.full(edges_hit.size, 2.0)]
    )
    X = np.vstack([X, rng.integers(-1, 3, size=(50, 3)) * 0.7])
    codes = _discretize_columns(X, n_bins, "uniform")
    for j in range(X.shape[1]):
        edges = np.histogram(X[:, j], n_bins)[1]
        np.testing.assert_array_equal(codes[:, j], np.digitize(X[:, j], edges[:-1]) - 1)
