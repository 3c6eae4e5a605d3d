"""reg_dims given as an estimator's dict, and the report's row labels."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pandas as pd
import pytest

from skarvae.metrics import (
    disentanglement_report,
    interpretability_score,
    mig_score,
    sap_score,
    scc_score,
)

METRICS = [mig_score, sap_score, interpretability_score, scc_score]


def _data(columns=("a", "b")):
    rng = np.random.default_rng(0)
    A = rng.uniform(size=(300, 2))
    Z = np.column_stack([rng.normal(size=300), A[:, 1], A[:, 0]])
    return Z, pd.DataFrame(A, columns=list(columns))


@pytest.mark.parametrize("metric", METRICS)
def test_dict_reg_dims_match_the_list_by_column_name(metric):
    Z, A = _data()
    by_list = metric(Z, A, reg_dims=[2, 1], return_details=True)
    # Keys in another order than the columns: looked up by name.
    by_dict = metric(Z, A, reg_dims={"b": 1, "a": 2}, return_details=True)
    assert by_dict.score == pytest.approx(by_list.score, abs=1e-12)
    np.testing.assert_array_equal(by_dict.dims, [2, 1])
    assert by_dict.attribute_names == ["a", "b"]


def test_dict_keys_match_non_string_columns():
    Z, A = _data(columns=(0, 1))
    assert sap_score(Z, A, reg_dims={0: 2, 1: 1}) == pytest.approx(
        sap_score(Z, A, reg_dims=[2, 1])
    )


def test_dict_names_the_columns_of_an_array_in_its_order():
    Z, A = _data()
    report = disentanglement_report(
        Z, A.to_numpy(), metrics="sap", reg_dims={"second": 2, "first": 1}
    )
    assert list(report.index) == ["mean", "second", "first"]
    assert report["sap_dim"].tolist()[1:] == [2, 1]


def test_report_accepts_a_fitted_arvae_reg_dims():
    from skarvae import ARVAE
    from skarvae.datasets import make_attribute_data

    data = make_attribute_data(n_samples=200, random_state=0)
    vae = ARVAE(latent_dim=4, max_epochs=1, random_state=0)
    vae.fit(data.data, data.attributes)
    Z = vae.transform(data.data)
    by_dict = disentanglement_report(
        Z, data.attributes, reg_dims=vae.reg_dims_, metrics=["mig", "sap"]
    )
    by_list = disentanglement_report(
        Z,
        data.attributes,
        reg_dims=[vae.reg_dims_[a] for a in data.attributes.columns],
        metrics=["mig", "sap"],
    )
    pd.testing.assert_frame_equal(by_dict, by_list)
    # Attributes in another column order still find their dims by name.
    reordered = data.attributes[data.attributes.columns[::-1]]
    report = disentanglement_report(Z, reordered, reg_dims=vae.reg_dims_, metrics="sap")
    assert report["sap_dim"].tolist()[1:] == [
        vae.reg_dims_[a] for a in reordered.columns
    ]


@pytest.mark.parametrize(
    ("attributes", "reg_dims", "match"),
    [
        ("frame", {"a": 0}, r"no latent dim for the attribute\(s\) \['b'\]"),
        ("array", {"a": 0, "b": 1, "c": 2}, "3 attributes"),
        ("frame", {"a": 0, "b": 1, 0: 2, "0": 1}, "two keys named '0'"),
        ("frame", {"a": 0, "b": 7}, r"must lie in \[0, 2\]"),
        ("frame", {"a": 0, "b": 0.5}, "must hold integers"),
    ],
)
def test_bad_dict_reg_dims_are_rejected(attributes, reg_dims, match):
    Z, A = _data()
    A = A if attributes == "frame" else A.to_numpy()
    with pytest.raises(ValueError, match=match):
        mig_score(Z, A, reg_dims=reg_dims)
    with pytest.raises(ValueError, match=match):
        disentanglement_report(Z, A, reg_dims=reg_dims, metrics="sap")


def test_report_rejects_an_attribute_named_mean():
    Z, A = _data(columns=("mean", "b"))
    with pytest.raises(ValueError, match="named 'mean'"):
        disentanglement_report(Z, A, metrics="sap")


@pytest.mark.parametrize("columns", [("a", "a"), (0, "0")])
def test_report_rejects_attribute_names_equal_as_strings(columns):
    Z, A = _data(columns=columns)
    with pytest.raises(ValueError, match="unique"):
        disentanglement_report(Z, A, metrics="sap")
