"""Tests of disentanglement_report and reconstruction_accuracy."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pandas as pd
import pytest

from skarvae.metrics import (
    dci_score,
    disentanglement_report,
    interpretability_score,
    mig_score,
    modularity_score,
    reconstruction_accuracy,
    sap_score,
    scc_score,
)


def _data(n=400):
    rng = np.random.default_rng(0)
    A = pd.DataFrame(rng.uniform(size=(n, 2)), columns=["size", "tilt"])
    Z = np.column_stack([A["tilt"] + 0.1 * rng.normal(size=n), rng.normal(size=(n, 2))])
    Z[:, 2] += A["size"]
    return Z, A


@pytest.mark.parametrize("mutual_info", ["binned", "ksg"])
def test_report_matches_single_metric_functions(mutual_info):
    Z, A = _data()
    mi = {"mutual_info": mutual_info, "random_state": 0}
    report = disentanglement_report(Z, A, **mi)
    assert list(report.index) == ["mean", "size", "tilt"]
    for name, metric in [
        ("mig", mig_score),
        ("interpretability", interpretability_score),
    ]:
        details = metric(Z, A, return_details=True, **mi)
        assert report.loc["mean", name] == pytest.approx(details.score)
        np.testing.assert_allclose(report[name].iloc[1:], details.per_attribute)
        np.testing.assert_array_equal(report[f"{name}_dim"].iloc[1:], details.dims)
    assert report.loc["mean", "modularity"] == pytest.approx(
        modularity_score(Z, A, **mi)
    )
    for name, metric in [("sap", sap_score), ("scc", scc_score)]:
        details = metric(Z, A, return_details=True)
        np.testing.assert_allclose(report[name].iloc[1:], details.per_attribute)
    dci = dci_score(Z, A, random_state=0)
    np.testing.assert_allclose(
        report.loc[
            "mean", ["dci_disentanglement", "dci_completeness", "dci_informativeness"]
        ].to_numpy(dtype=float),
        dci,
    )
    np.testing.assert_array_equal(report["sap_dim"].iloc[1:], [2, 0])


def test_report_marks_per_code_metrics_and_missing_dims():
    Z, A = _data()
    report = disentanglement_report(Z, A, random_state=0)
    assert report["modularity"].iloc[1:].isna().all()
    assert report["dci_disentanglement"].iloc[1:].isna().all()
    assert (
        report.loc["mean"]
        .drop([c for c in report.columns if c.endswith("_dim")])
        .notna()
        .all()
    )
    assert report["mig_dim"].dtype == "Int64"
    assert report.loc["mean", "mig_dim"] is pd.NA


def test_report_metric_subset_and_reg_dims():
    Z, A = _data()
    report = disentanglement_report(Z, A, metrics=["sap", "scc"], reg_dims=[2, 0])
    assert list(report.columns) == ["sap", "scc", "sap_dim", "scc_dim"]
    np.testing.assert_array_equal(report["scc_dim"].iloc[1:], [2, 0])
    assert list(disentanglement_report(Z, A, metrics="mig").columns) == [
        "mig",
        "mig_dim",
    ]


def test_report_rejects_unknown_metric_names():
    Z, A = _data(50)
    with pytest.raises(ValueError, match=r"Unknown metric names \['beta'\]"):
        disentanglement_report(Z, A, metrics=["mig", "beta"])
    with pytest.raises(ValueError, match="'metrics' parameter"):
        disentanglement_report(Z, A, metrics="beta")


def test_report_rejects_bad_input():
    Z, A = _data(50)
    with pytest.raises(ValueError, match="different numbers of samples"):
        disentanglement_report(Z[:40], A)
    Z[0, 0] = np.nan
    with pytest.raises(ValueError, match="Input latents contains NaN"):
        disentanglement_report(Z, A)
    with pytest.raises(ValueError, match="'n_bins' parameter"):
        disentanglement_report(Z, A, n_bins=0)


def test_reconstruction_accuracy_binary_images():
    rng = np.random.default_rng(0)
    images = (rng.uniform(size=(4, 6, 6)) > 0.5).astype(float)
    assert reconstruction_accuracy(images, images * 0.8 + 0.1) == 1.0
    assert reconstruction_accuracy(images, 1 - images) == 0.0
    logits = np.where(images > 0, 2.0, -2.0)
    assert reconstruction_accuracy(images, logits, threshold=0.0) == 1.0


def test_reconstruction_accuracy_tokens():
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 5, size=(3, 8))
    scores = np.eye(5)[tokens]
    assert reconstruction_accuracy(tokens, scores) == 1.0
    scores[0, :4] = np.eye(5)[(tokens[0, :4] + 1) % 5]
    assert reconstruction_accuracy(tokens, scores) == pytest.approx(1 - 4 / 24)
    assert reconstruction_accuracy(tokens, tokens, kind="tokens") == 1.0


def test_reconstruction_accuracy_rejects_bad_input():
    with pytest.raises(ValueError, match="incompatible shapes"):
        reconstruction_accuracy(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="Input y_pred contains NaN"):
        reconstruction_accuracy(np.zeros((2, 3)), np.full((2, 3), np.nan))
    with pytest.raises(ValueError, match="'kind' parameter"):
        reconstruction_accuracy(np.zeros((2, 3)), np.zeros((2, 3)), kind="pixels")
