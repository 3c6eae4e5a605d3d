"""Tests of the disentanglement scorers in scikit-learn model selection."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import PCA
from sklearn.model_selection import (
    GridSearchCV,
    RandomizedSearchCV,
    cross_validate,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skarvae.metrics import (
    disentanglement_report,
    disentanglement_scorer,
    make_disentanglement_scorer,
)
from skarvae.metrics._report import SCORE_NAMES


class _RegDimsEncoder(TransformerMixin, BaseEstimator):
    """Stand-in for ARVAE: latents are input columns in ``order``; it claims to
    encode attribute k in latent dim k, which is true for the identity order."""

    def __init__(self, order=(0, 1, 2)):
        self.order = order

    def fit(self, X, y):
        names = list(y.columns) if hasattr(y, "columns") else ["attr0", "attr1"]
        self.attribute_names_in_ = names
        self.reg_dims_ = {n: k for k, n in enumerate(names)}
        return self

    def transform(self, X):
        return np.asarray(X)[:, list(self.order)]


def _data(n=240, as_frame=False):
    rng = np.random.default_rng(0)
    y = rng.uniform(size=(n, 2))
    X = np.column_stack([3 * y[:, 0], y[:, 1], rng.normal(size=(n, 2)) / 100])
    if as_frame:
        y = pd.DataFrame(y, columns=["size", "tilt"])
    return X, y


def test_dict_scorer_in_grid_search_with_refit_mig():
    # Enough samples per fold that the plug-in MI bias of 20 bins stays small.
    X, y = _data(n=1000)
    search = GridSearchCV(
        PCA(),
        {"n_components": [1, 2]},
        cv=2,
        scoring=disentanglement_scorer,
        refit="mig",
    )
    search.fit(X, y)
    assert search.best_params_ == {"n_components": 2}
    for name in SCORE_NAMES:
        assert f"mean_test_{name}" in search.cv_results_
        assert np.all(np.isfinite(search.cv_results_[f"mean_test_{name}"]))


def test_single_metric_scorer_in_cross_validate_and_randomized_search():
    X, y = _data(as_frame=True)
    scorer = make_disentanglement_scorer("scc")
    result = cross_validate(PCA(n_components=2), X, y, scoring=scorer, cv=3)
    assert result["test_score"].shape == (3,)
    assert np.all(result["test_score"] > 0.9)
    search = RandomizedSearchCV(
        PCA(), {"n_components": [1, 2]}, n_iter=2, cv=2, scoring=scorer, random_state=0
    )
    assert search.fit(X, y).best_params_ == {"n_components": 2}


def test_scorer_equals_report_on_the_latents():
    X, y = _data()
    est = PCA(n_components=2).fit(X)
    scores = disentanglement_scorer(est, X, y)
    report = disentanglement_report(est.transform(X), y, random_state=0)
    for name in SCORE_NAMES:
        assert scores[name] == pytest.approx(report.loc["mean", name])
    assert make_disentanglement_scorer("mig")(est, X, y) == pytest.approx(scores["mig"])


@pytest.mark.parametrize("as_frame", [False, True])
def test_scorer_uses_reg_dims_of_pipeline_final_step(as_frame):
    X, y = _data(as_frame=as_frame)
    pipe = make_pipeline(StandardScaler(), _RegDimsEncoder()).fit(X, y)
    free = make_disentanglement_scorer("sap")
    restricted = make_disentanglement_scorer("sap", use_reg_dims=True)
    assert restricted(pipe, X, y) == pytest.approx(free(pipe, X, y))
    # Swapped latents: the free score is unchanged, the restricted one drops.
    pipe.set_params(_regdimsencoder__order=(1, 0, 2)).fit(X, y)
    assert free(pipe, X, y) > 0.9
    assert restricted(pipe, X, y) < 0


def test_reg_dims_scorer_falls_back_without_reg_dims():
    X, y = _data()
    est = PCA(n_components=3).fit(X)
    scorer = make_disentanglement_scorer("all", use_reg_dims=True)
    assert scorer(est, X, y) == disentanglement_scorer(est, X, y)


def test_reg_dims_scorer_in_grid_search():
    X, y = _data(as_frame=True)
    search = GridSearchCV(
        _RegDimsEncoder(),
        {"order": [(1, 0, 2), (0, 1, 2)]},
        cv=2,
        scoring=make_disentanglement_scorer("all", use_reg_dims=True),
        refit="interpretability",
    )
    assert search.fit(X, y).best_params_ == {"order": (0, 1, 2)}


def test_scorer_rejects_mismatched_reg_dims_and_missing_y():
    X, y = _data()
    est = _RegDimsEncoder().fit(X, y)
    scorer = make_disentanglement_scorer("mig", use_reg_dims=True)
    with pytest.raises(ValueError, match="y has 1 attribute column"):
        scorer(est, X, y[:, 0])
    with pytest.raises(ValueError, match="need the attributes as y"):
        scorer(est, X, None)


def test_make_scorer_rejects_unknown_names_and_options():
    with pytest.raises(ValueError, match="'name' parameter"):
        make_disentanglement_scorer("beta")
    with pytest.raises(ValueError, match="'n_bins' parameter"):
        make_disentanglement_scorer("mig", n_bins=1)
    assert "sap" in repr(make_disentanglement_scorer("sap"))
