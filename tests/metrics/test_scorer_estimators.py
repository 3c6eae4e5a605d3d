"""The disentanglement scorers drive searches over the real estimators."""

import numpy as np
from sklearn.model_selection import GridSearchCV, cross_validate

from skarvae import ARVAE, BetaVAE
from skarvae.datasets import make_attribute_data
from skarvae.metrics import disentanglement_scorer, make_disentanglement_scorer


def test_grid_search_over_gamma_refits_on_the_best_metric():
    data = make_attribute_data(600, n_features=8, n_attributes=2, random_state=0)
    est = ARVAE(latent_dim=4, hidden_dims=(32,), max_epochs=6, random_state=0)
    scorer = make_disentanglement_scorer("all", use_reg_dims=True, n_bins=10)
    search = GridSearchCV(
        est, {"gamma": [0.0, 10.0]}, scoring=scorer, refit="sap", cv=2
    ).fit(data.data, data.attributes)
    results = search.cv_results_
    for name in ("mig", "sap", "interpretability", "scc", "modularity"):
        assert np.isfinite(results[f"mean_test_{name}"]).all()
    # Regularization makes each attribute readable from its own dim.
    assert search.best_params_ == {"gamma": 10.0}
    sap = dict(zip(results["param_gamma"], results["mean_test_sap"]))
    assert sap[10.0] > sap[0.0] + 0.2
    assert search.best_estimator_.reg_dims_ == {"a0": 0, "a1": 1}


def test_baseline_runs_in_the_same_cross_validation():
    data = make_attribute_data(300, n_features=8, n_attributes=2, random_state=0)
    scores = cross_validate(
        BetaVAE(latent_dim=4, hidden_dims=(16,), max_epochs=2, random_state=0),
        data.data,
        data.attributes,
        scoring=disentanglement_scorer,
        cv=2,
    )
    assert np.isfinite(scores["test_mig"]).all()
    assert np.isfinite(scores["test_interpretability"]).all()
