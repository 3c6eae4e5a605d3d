"""Edit fidelity on hand-made editors whose answer is known, and on a real ARVAE."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skarvae.metrics import edit_fidelity, make_edit_fidelity_scorer


class FakeEditor(BaseEstimator):
    """An 'AR-VAE' whose data are its attributes: column j is attribute j.

    ``traverse`` sets column ``attribute`` to ``gain * value + bias`` (a
    perfect editor for gain 1, bias 0), adds ``leak * value`` to the other
    columns and writes NaN where ``nan_at`` says.
    """

    def __init__(self, gain=1.0, bias=0.0, leak=0.0, nan_at=None, flat=False):
        self.gain = gain
        self.bias = bias
        self.leak = leak
        self.nan_at = nan_at
        self.flat = flat

    def fit(self, X, y=None):
        self.attribute_names_in_ = ["a", "b"]
        self.reg_dims_ = {"a": 0, "b": 1}
        X = np.asarray(X, dtype=float)
        self.calibration_ = {
            name: {"codes": np.sort(X[:, j]), "values": np.sort(X[:, j])}
            for j, name in enumerate(self.attribute_names_in_)
        }
        return self

    def predict(self, X):
        return pd.DataFrame(np.asarray(X, dtype=float), columns=["a", "b"])

    def transform(self, X):
        return np.asarray(X, dtype=float)

    def traverse(self, X, attribute, values=None, *, mode=None):
        assert mode == "value"
        X = np.asarray(X, dtype=float)
        j = self.reg_dims_[attribute]
        out = np.repeat(X[:, None, :], len(values), axis=1)
        for other in range(X.shape[1]):
            if other != j:
                out[:, :, other] += self.leak * np.asarray(values)
        out[:, :, j] = 0.0 if self.flat else self.gain * np.asarray(values) + self.bias
        if self.nan_at is not None:
            rows, steps = self.nan_at
            out[rows, steps, j] = np.nan
        return out


def identity(decoded):
    return pd.DataFrame(decoded, columns=["a", "b"])


@pytest.fixture
def X():
    rng = np.random.default_rng(0)
    return np.column_stack([np.linspace(0, 10, 101), rng.normal(size=101)])


def test_a_perfect_editor_scores_perfectly(X):
    editor = FakeEditor().fit(X)
    details = edit_fidelity(editor, X, identity, n_steps=5, return_details=True)
    table = details.table
    assert list(table.index) == ["a", "b"]
    np.testing.assert_allclose(table["spearman"], 1.0)
    np.testing.assert_allclose(table["pooled_spearman"], 1.0)
    np.testing.assert_allclose(table["monotone"], 1.0)
    np.testing.assert_allclose(table["relative_error"], 0.0, atol=1e-12)
    np.testing.assert_allclose(table["leakage"], 0.0)
    np.testing.assert_allclose(table["unmeasured"], 0.0)
    # Requested: 5 values between the 5 % and 95 % quantiles of the reading.
    np.testing.assert_allclose(details.requested["a"], np.linspace(0.5, 9.5, 5))
    assert table.loc["a", "low"] == pytest.approx(0.5)
    # Movement: the whole span (9) in standard deviations of a over X.
    assert table.loc["a", "movement"] == pytest.approx(9.0 / X[:, 0].std())
    np.testing.assert_allclose(
        details.measured["a"], np.tile(np.linspace(0.5, 9.5, 5), (101, 1))
    )


def test_error_reversal_flat_and_leakage_have_known_values(X):
    biased = edit_fidelity(FakeEditor(bias=0.9).fit(X), X, identity, attributes="a")
    # |error| is the bias everywhere; the span is 9.
    assert biased.loc["a", "mean_abs_error"] == pytest.approx(0.9)
    assert biased.loc["a", "relative_error"] == pytest.approx(0.1)
    assert biased.loc["a", "spearman"] == pytest.approx(1.0)

    reversed_ = edit_fidelity(FakeEditor(gain=-1.0).fit(X), X, identity)
    np.testing.assert_allclose(reversed_["spearman"], -1.0)
    np.testing.assert_allclose(reversed_["monotone"], 0.0)

    flat = edit_fidelity(FakeEditor(flat=True).fit(X), X, identity)
    np.testing.assert_allclose(flat["spearman"], 0.0)
    np.testing.assert_allclose(flat["monotone"], 0.0)
    np.testing.assert_allclose(flat["movement"], 0.0)

    leaky = edit_fidelity(
        FakeEditor(leak=0.5).fit(X), X, identity, attributes=["a"], n_steps=3
    )
    # b moves by half of a's span (9), in standard deviations of b.
    assert leaky.loc["a", "leakage"] == pytest.approx(4.5 / X[:, 1].std())


def test_nan_measurements_are_counted_and_left_out(X):
    # Samples 0 and 1 cannot be measured at step 2 of 4.
    editor = FakeEditor(nan_at=([0, 1], [2, 2])).fit(X)
    details = edit_fidelity(
        editor, X, identity, attributes="a", n_steps=4, return_details=True
    )
    row = details.table.loc["a"]
    assert row["unmeasured"] == pytest.approx(2 / (101 * 4))
    assert np.isnan(details.measured["a"][:2, 2]).all()
    assert row["spearman"] == 1.0
    assert row["monotone"] == 1.0
    assert row["relative_error"] == pytest.approx(0.0, abs=1e-12)

    everything_nan = FakeEditor(nan_at=(slice(None), slice(None))).fit(X)
    row = edit_fidelity(everything_nan, X, identity, attributes="a").loc["a"]
    assert row["unmeasured"] == 1.0
    assert np.isnan(row[["spearman", "monotone", "relative_error", "movement"]]).all()


def test_array_measures_and_explicit_values(X):
    editor = FakeEditor().fit(X)
    # An (m, 2) array follows attribute_names_in_; (m,) is the one attribute.
    table = edit_fidelity(editor, X, lambda D: np.asarray(D) * 1.0)
    np.testing.assert_allclose(table["spearman"], 1.0)
    table = edit_fidelity(editor, X, lambda D: D[:, 1], values={"b": [-1.0, 0.0, 1.0]})
    assert list(table.index) == ["b"]
    assert table.loc["b", "low"] == -1.0
    assert table.loc["b", "high"] == 1.0
    whole = edit_fidelity(editor, X, identity, quantiles=None, n_steps=3)
    assert whole.loc["a", "low"] == 0.0
    assert whole.loc["a", "high"] == 10.0


def test_scorer_returns_table_means_and_works_in_a_search(X):
    editor = FakeEditor(bias=0.9).fit(X)
    scorer = make_edit_fidelity_scorer(identity, score="all", attributes="a")
    scores = scorer(editor, X)
    assert scores["spearman"] == 1.0
    assert scores["neg_relative_error"] == pytest.approx(-0.1)
    single = make_edit_fidelity_scorer(identity, score="neg_relative_error")
    # The mean over both attributes: 0.9 over each one's requested span.
    spans = [9.0, np.subtract(*np.quantile(X[:, 1], [0.95, 0.05]))]
    assert single(editor, X) == pytest.approx(-np.mean(0.9 / np.array(spans)))
    search = GridSearchCV(
        FakeEditor(),
        {"bias": [0.0, 0.9, 3.0]},
        scoring=make_edit_fidelity_scorer(identity, score="neg_relative_error"),
        cv=2,
    ).fit(X)
    assert search.best_params_ == {"bias": 0.0}
    assert "make_edit_fidelity_scorer(" in repr(scorer)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"attributes": ["c"]}, ValueError, r"Unknown attributes \['c'\]"),
        ({"quantiles": (0.9, 0.1)}, ValueError, "two increasing numbers"),
        ({"values": {"a": [1.0, 1.0]}}, ValueError, "strictly increasing"),
        ({"values": {"a": [1.0, np.nan]}}, ValueError, "finite"),
        ({"attributes": "b", "values": {"a": [0, 1]}}, ValueError, "no requested"),
        ({"n_steps": 1}, ValueError, "n_steps"),
    ],
)
def test_bad_options_are_rejected(X, kwargs, error, match):
    with pytest.raises(error, match=match):
        edit_fidelity(FakeEditor().fit(X), X, identity, **kwargs)


def test_bad_measures_and_estimators_are_rejected(X):
    editor = FakeEditor().fit(X)
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        edit_fidelity(editor, X, lambda D: np.zeros((len(D), 3)))
    with pytest.raises(ValueError, match="one row per sample"):
        edit_fidelity(editor, X, lambda D: np.zeros((5, 2)))
    with pytest.raises(ValueError, match="none of them 'a'"):
        edit_fidelity(editor, X, lambda D: pd.DataFrame({"z": D[:, 0]}))
    with pytest.raises(ValueError, match="numbers"):
        edit_fidelity(editor, X, lambda D: pd.DataFrame({"a": ["x"] * len(D)}))
    with pytest.raises(TypeError, match="lacks"):
        edit_fidelity(StandardScaler().fit(X), X, identity)
    constant = np.column_stack([np.ones(20), np.arange(20.0)])
    with (
        pytest.warns(UserWarning, match="reads one value"),
        pytest.raises(ValueError, match="single value"),
    ):
        edit_fidelity(FakeEditor().fit(constant), constant, identity)


def test_a_collapsed_reading_falls_back_to_the_calibrated_range(X):
    editor = FakeEditor().fit(X)
    same = np.column_stack([np.full(10, 3.0), np.linspace(-1, 1, 10)])
    with pytest.warns(UserWarning, match="whole calibrated range"):
        table = edit_fidelity(editor, same, identity, attributes="a")
    assert table.loc["a", "low"] == 0.0
    assert table.loc["a", "high"] == 10.0


def test_real_arvae_with_an_identity_like_measure():
    from sklearn.linear_model import LinearRegression

    from skarvae import ARVAE
    from skarvae.datasets import make_attribute_data

    data = make_attribute_data(n_samples=200, random_state=0)
    vae = ARVAE(latent_dim=4, max_epochs=15, random_state=0)
    vae.fit(data.data, data.attributes)
    # The attributes read back from (decoded) data by a linear map.
    reader = LinearRegression().fit(data.data, data.attributes)
    table = edit_fidelity(vae, data.data[:80], reader.predict)
    assert list(table.index) == ["a0", "a1", "a2"]
    assert (table["spearman"] > 0.8).all()
    assert (table["monotone"] > 0.5).all()
    assert (table["leakage"] < table["movement"]).all()
    # Through a pipeline: the decoded outputs go back through the scaler.
    pipe = make_pipeline(StandardScaler(), ARVAE(latent_dim=4, max_epochs=15))
    pipe.set_params(arvae__random_state=0).fit(data.data, data.attributes)
    table = edit_fidelity(pipe, data.data[:80], reader.predict)
    assert (table["spearman"] > 0.8).all()
