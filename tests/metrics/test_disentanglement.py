"""Property, known-value and edge-case tests of the disentanglement metrics."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pandas as pd
import pytest

from skarvae.metrics import (
    dci_score,
    interpretability_score,
    mig_score,
    modularity_score,
    sap_score,
    scc_score,
)
from skarvae.metrics._dci import _dci_from_importance
from skarvae.metrics._disentanglement import _modularity_from_mi

N_SAMPLES = 3000

GAP_METRICS = [mig_score, sap_score]
ALL_FLOAT_METRICS = [
    mig_score,
    modularity_score,
    sap_score,
    interpretability_score,
    scc_score,
]


def _attributes(n=N_SAMPLES, k=3, seed=0):
    return np.random.default_rng(seed).uniform(size=(n, k))


def _ksg(metric):
    def score(latents, attributes, **kwargs):
        return metric(latents, attributes, mutual_info="ksg", random_state=0, **kwargs)

    return score


MI_METRICS = [mig_score, modularity_score, interpretability_score]


@pytest.mark.parametrize("metric", ALL_FLOAT_METRICS)
def test_metric_identity_latents_score_about_one(metric):
    A = _attributes()
    assert metric(A, A) == pytest.approx(1.0, abs=0.03)


@pytest.mark.parametrize("metric", MI_METRICS)
def test_ksg_metric_identity_latents_score_about_one(metric):
    A = _attributes(n=600, k=2)
    assert _ksg(metric)(A, A) == pytest.approx(1.0, abs=0.03)


def test_dci_identity_latents_score_about_one():
    A = _attributes()
    scores = dci_score(A, A, random_state=0)
    np.testing.assert_allclose(scores, 1.0, atol=0.02)


@pytest.mark.parametrize("metric", [mig_score, sap_score, interpretability_score])
def test_metric_random_latents_score_about_zero(metric):
    rng = np.random.default_rng(1)
    assert metric(rng.normal(size=(N_SAMPLES, 6)), _attributes()) < 0.05


def test_ksg_metrics_random_latents_score_about_zero():
    rng = np.random.default_rng(1)
    Z, A = rng.normal(size=(600, 4)), _attributes(n=600, k=2)
    assert _ksg(mig_score)(Z, A) < 0.05
    assert _ksg(interpretability_score)(Z, A) < 0.05


@pytest.mark.parametrize("metric", [*ALL_FLOAT_METRICS, _ksg(mig_score)])
def test_metric_invariant_to_permutation_and_affine_maps(metric):
    rng = np.random.default_rng(2)
    A = _attributes(n=800)
    Z = A @ rng.normal(size=(3, 3)) * 0.3 + A + rng.normal(size=(800, 3)) * 0.2
    Z = np.column_stack([Z, rng.normal(size=800)])
    mapped = (Z * np.array([-3.0, 2.0, 0.5, -1.0]) + 7.0)[:, [2, 0, 3, 1]]
    assert metric(mapped, A) == pytest.approx(metric(Z, A), abs=1e-9)


def test_scc_invariant_to_monotone_maps():
    rng = np.random.default_rng(3)
    A = _attributes(n=500)
    Z = A + rng.normal(size=(500, 3)) * 0.3
    monotone = np.column_stack([np.exp(5 * Z[:, 0]), -(Z[:, 1] ** 3), np.tanh(Z[:, 2])])
    assert scc_score(monotone, A) == pytest.approx(scc_score(Z, A), abs=1e-12)


@pytest.mark.parametrize("metric", GAP_METRICS)
def test_gap_metric_duplicated_latent_scores_zero(metric):
    A = _attributes(n=1000)
    assert metric(np.column_stack([A, A]), A) == pytest.approx(0.0, abs=1e-12)


def test_scc_and_modularity_not_penalised_by_duplicated_latent():
    A = _attributes(n=1000)
    Z = np.column_stack([A, A])
    assert scc_score(Z, A) == pytest.approx(1.0)
    assert modularity_score(Z, A) > 0.95


def test_metrics_return_details_per_attribute_and_dims():
    A = pd.DataFrame(_attributes(n=500), columns=["x", "y", "z"])
    Z = A.to_numpy()[:, [2, 0, 1]]
    for metric in [mig_score, sap_score, interpretability_score, scc_score]:
        details = metric(Z, A, return_details=True)
        np.testing.assert_array_equal(details.dims, [1, 2, 0])
        assert details.per_attribute.shape == (3,)
        assert details.score == pytest.approx(details.per_attribute.mean())
        assert details.attribute_names == ["x", "y", "z"]
    assert modularity_score(Z, A, return_details=True).per_dim.shape == (3,)
    dci = dci_score(Z, A, random_state=0, return_details=True)
    np.testing.assert_array_equal(dci.dims, [1, 2, 0])
    assert dci.importance.shape == (3, 3)


def test_reg_dims_choose_the_scored_dim():
    A = _attributes(n=500, k=2)
    Z = np.column_stack([A, A[:, 0] * 0.5])
    for metric in [mig_score, sap_score, interpretability_score, scc_score]:
        details = metric(Z, A, reg_dims=[2, 1], return_details=True)
        np.testing.assert_array_equal(details.dims, [2, 1])
    # A wrong regularized dim gives a negative gap.
    assert sap_score(Z, A, reg_dims=[1, 0]) < 0


@pytest.mark.parametrize(
    ("mi", "expected"),
    [
        (np.diag(5.0 * np.ones(5)), 1.0),
        (np.array([[1.0, 0], [0, 1], [0, 0]]), 2 / 3),
        (np.zeros((5, 5)), 0.0),
        (np.vstack([np.diag(np.ones(5)), np.diag(np.ones(5))]), 1.0),
        (np.diag(np.ones(5))[:2], 1.0),
        (np.hstack([np.diag(np.ones(5)), np.diag(np.ones(5))]), 1 - 1 / 9),
    ],
)
def test_modularity_known_matrices(mi, expected):
    assert _modularity_from_mi(mi)[0] == pytest.approx(expected)


def test_modularity_exclude_empty_codes():
    mi = np.array([[1.0, 0], [0, 1], [0, 0]])
    assert _modularity_from_mi(mi, "exclude")[0] == pytest.approx(1.0)
    assert _modularity_from_mi(np.zeros((3, 2)), "exclude")[0] == 0.0


def test_dci_known_importance_matrices():
    one_minus = 1 - np.log(2) / np.log(10)
    diag = np.diag(np.ones(5))
    assert _dci_from_importance(diag)[:2] == pytest.approx((1.0, 1.0))
    # Each code explains two of ten factors.
    shared_code = np.kron(np.eye(5), np.ones((1, 2)))
    assert _dci_from_importance(shared_code)[0] == pytest.approx(one_minus)
    # Each factor is explained by two of ten codes.
    redundant = np.kron(np.eye(5), np.ones((2, 1)))
    assert _dci_from_importance(redundant)[1] == pytest.approx(one_minus)
    assert _dci_from_importance(np.zeros((4, 3)))[:2] == (0.0, 0.0)


def test_constant_latent_dim_contributes_zero():
    A = _attributes(n=500, k=2)
    Z = np.column_stack([A, np.full(500, 3.0)])
    for metric in [mig_score, sap_score, interpretability_score, scc_score]:
        details = metric(Z, A, return_details=True)
        assert np.all(np.isfinite(details.per_attribute))
        np.testing.assert_array_equal(details.dims, [0, 1])
    assert modularity_score(Z, A, return_details=True).per_dim[2] == 0.0
    assert modularity_score(Z, A, empty_codes="exclude") > modularity_score(Z, A)


@pytest.mark.parametrize("metric", [*ALL_FLOAT_METRICS, dci_score])
def test_metric_rejects_constant_attribute(metric):
    A = _attributes(n=100, k=2)
    A[:, 1] = 1.0
    with pytest.raises(ValueError, match="Attribute 'attr1' is constant"):
        metric(A, A)


@pytest.mark.parametrize("metric", ALL_FLOAT_METRICS)
def test_metric_single_attribute(metric):
    A = _attributes(n=500, k=1)
    Z = np.column_stack([A[:, 0], np.random.default_rng(0).normal(size=500)])
    assert metric(Z, A[:, 0]) > 0.8
    assert metric(Z, pd.Series(A[:, 0], name="s"), return_details=True).dims.shape == (
        1,
    )


def test_dci_single_attribute_and_single_dim():
    A = _attributes(n=400, k=1)
    disentanglement, completeness, _ = dci_score(A, A, random_state=0)
    assert disentanglement == 1.0
    assert completeness == 1.0


@pytest.mark.parametrize("metric", ALL_FLOAT_METRICS)
def test_metric_single_latent_dim_is_defined(metric):
    A = _attributes(n=500, k=2)
    score = metric(A[:, :1], A)
    assert np.isfinite(score)
    assert 0.0 <= score <= 1.0


def test_gap_with_single_latent_dim_counts_missing_second_as_zero():
    A = _attributes(n=500, k=1)
    assert sap_score(A, A) == pytest.approx(1.0)


def test_binned_needs_at_least_n_bins_samples():
    A = _attributes(n=10, k=2)
    with pytest.raises(ValueError, match="needs at least n_bins=20 samples"):
        mig_score(A, A)
    assert np.isfinite(mig_score(A, A, n_bins=5))


def test_ksg_needs_more_samples_than_neighbors():
    A = _attributes(n=3, k=1)
    with pytest.raises(ValueError, match="more than n_neighbors=3"):
        mig_score(A, A, mutual_info="ksg")


@pytest.mark.parametrize("metric", [*ALL_FLOAT_METRICS, dci_score])
def test_metric_rejects_nan(metric):
    A = _attributes(n=100, k=2)
    Z = A.copy()
    Z[3, 1] = np.nan
    with pytest.raises(ValueError, match="Input latents contains NaN"):
        metric(Z, A)
    with pytest.raises(ValueError, match="Input attributes contains NaN"):
        metric(A, Z)


@pytest.mark.parametrize("metric", [*ALL_FLOAT_METRICS, dci_score])
def test_metric_rejects_shape_mismatch(metric):
    A = _attributes(n=100, k=2)
    with pytest.raises(ValueError, match="different numbers of samples: 99 != 100"):
        metric(A[:99], A)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_bins": 1}, "'n_bins' parameter"),
        ({"mutual_info": "kde"}, "'mutual_info' parameter"),
        ({"strategy": "kmeans"}, "'strategy' parameter"),
        ({"n_neighbors": 0}, "'n_neighbors' parameter"),
        ({"discretize_attributes": "yes"}, "'discretize_attributes' parameter"),
    ],
)
def test_mig_rejects_out_of_range_params(kwargs, match):
    A = _attributes(n=50, k=2)
    with pytest.raises(ValueError, match=match):
        mig_score(A, A, **kwargs)


def test_other_params_are_validated():
    A = _attributes(n=50, k=2)
    with pytest.raises(ValueError, match="'p_value_threshold' parameter"):
        scc_score(A, A, p_value_threshold=1.5)
    with pytest.raises(ValueError, match="'empty_codes' parameter"):
        modularity_score(A, A, empty_codes="drop")
    with pytest.raises(ValueError, match="'test_size' parameter"):
        dci_score(A, A, test_size=1.0)
    with pytest.raises(ValueError, match="'model' parameter"):
        dci_score(A, A, model="svm")


@pytest.mark.parametrize(
    ("reg_dims", "match"),
    [
        ([0], "one latent dim per attribute"),
        ([0, 5], r"must lie in \[0, 1\]"),
        ([0.5, 1.0], "must hold integers"),
    ],
)
def test_reg_dims_are_checked(reg_dims, match):
    A = _attributes(n=50, k=2)
    with pytest.raises(ValueError, match=match):
        sap_score(A, A, reg_dims=reg_dims)


def test_scc_p_value_mask_option():
    rng = np.random.default_rng(0)
    Z, A = rng.normal(size=(30, 2)), _attributes(n=30, k=1)
    assert scc_score(Z, A, p_value_threshold=None) >= scc_score(Z, A)
    assert scc_score(Z, A, p_value_threshold=0.0) == 0.0


def test_quantile_strategy_robust_to_outlier():
    A = _attributes(n=N_SAMPLES)
    Z = A.copy()
    Z[0, 0] = 1e3
    assert mig_score(Z, A, strategy="quantile") > mig_score(Z, A) + 0.1


def test_dci_random_forest_and_estimator_models():
    from sklearn.linear_model import Ridge

    A = _attributes(n=300, k=2)
    Z = np.column_stack([A, np.random.default_rng(0).normal(size=300)])
    assert dci_score(Z, A, model="random_forest", random_state=0)[0] > 0.8
    assert dci_score(Z, A, model=Ridge(), random_state=0)[0] > 0.8
