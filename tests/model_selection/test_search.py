"""Behaviour of the Optuna-backed search (ARVAESearchCV)."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import os

import numpy as np
import optuna
import pytest
from optuna.distributions import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.storages.journal import JournalFileBackend, JournalStorage
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skarvae import ARVAE, BetaVAE
from skarvae.datasets import make_attribute_data
from skarvae.model_selection import (
    ARVAESearchCV,
    PruningCallback,
    default_param_distributions,
)
from skarvae.model_selection._runner import run_worker, worker_devices
from skarvae.utils._testing import FAST


@pytest.fixture(scope="module")
def data():
    return make_attribute_data(
        n_samples=100, n_features=6, n_attributes=2, random_state=0
    )


def _search(estimator=None, space=None, **params):
    params = {"n_trials": 4, "cv": 2, "random_state": 0, **params}
    return ARVAESearchCV(estimator or ARVAE(**FAST, random_state=0), space, **params)


def _dominated(a, b):
    """Whether point a is dominated by point b (maximizing)."""
    return np.all(b >= a) and np.any(b > a)


def test_search_finds_parameters_and_refits(data):
    space = {
        "gamma": FloatDistribution(0.1, 10, log=True),
        "latent_dim": IntDistribution(2, 6),
    }
    search = _search(space=space, scoring="interpretability")
    search.fit(data.data, data.attributes)

    assert search.n_trials_ == 4
    assert len(search.study_.trials) == 4
    assert sorted(search.best_params_) == ["gamma", "latent_dim"]
    means = search.cv_results_["mean_test_score"]
    assert search.best_score_ == pytest.approx(np.max(means))
    assert search.cv_results_["rank_test_score"][search.best_index_] == 1
    assert search.best_params_ == search.cv_results_["params"][search.best_index_]
    best = search.best_estimator_
    assert best.gamma == search.best_params_["gamma"]
    assert best.latent_dim == search.best_params_["latent_dim"]
    assert search.transform(data.data).shape == (100, best.latent_dim)
    assert search.cv_results_["split1_test_score"].shape == (4,)
    assert len(search.trials_dataframe()) == 4


def test_search_default_space_only_has_estimator_params(data):
    assert sorted(default_param_distributions(ARVAE())) == ["beta", "delta", "gamma"]
    assert sorted(default_param_distributions(BetaVAE())) == ["beta"]
    search = _search(BetaVAE(**FAST, random_state=0), n_trials=2).fit(data.data)
    assert list(search.best_params_) == ["beta"]
    beta = search.cv_results_["param_beta"].astype(float)
    assert np.all((beta >= 1e-3) & (beta <= 10))
    # scoring=None is the ELBO of estimator.score
    assert np.all(search.cv_results_["mean_test_score"] < 0)


def test_search_multi_objective_returns_pareto_front(data):
    search = _search(scoring=["interpretability", "neg_reconstruction_error"])
    search.fit(data.data, data.attributes)

    keys = ["interpretability", "neg_reconstruction_error"]
    points = np.column_stack([search.cv_results_[f"mean_test_{k}"] for k in keys])
    numbers = list(search.cv_results_["number"])
    front = [numbers.index(t.number) for t in search.pareto_front_]
    assert front
    for i in front:
        assert not any(_dominated(points[i], points[j]) for j in range(len(points)))
    for i in set(range(len(points))) - set(front):
        assert any(_dominated(points[i], points[j]) for j in front)
    assert search.best_index_ in front
    assert set(search.best_score_) == set(keys)
    assert search.study_.metric_names == keys


def test_search_refit_by_objective_name_and_callable(data):
    scoring = {"interp": "interpretability", "elbo": "elbo"}
    search = _search(scoring=scoring, refit="elbo").fit(data.data, data.attributes)
    elbo = search.cv_results_["mean_test_elbo"]
    assert search.best_index_ == int(np.argmax(elbo))

    search = _search(scoring=scoring, refit=lambda results: 2, n_trials=3)
    search.fit(data.data, data.attributes)
    assert search.best_index_ == 2
    assert search.best_params_ == search.cv_results_["params"][2]

    search = _search(scoring=scoring, refit=False, n_trials=2)
    search.fit(data.data, data.attributes)
    assert not hasattr(search, "best_estimator_")
    assert search.best_index_ in [t.number for t in search.pareto_front_]


class _InterruptingScorer:
    """ELBO scorer that raises KeyboardInterrupt at its ``at``-th call."""

    def __init__(self, at):
        self.at = at
        self.calls = 0

    def __call__(self, estimator, X, y=None):
        self.calls += 1
        if self.calls == self.at:
            raise KeyboardInterrupt
        return estimator.score(X)


def test_search_resumes_journal_study_without_losing_trials(data, tmp_path):
    storage = str(tmp_path / "study.log")
    est = BetaVAE(**FAST, random_state=0)
    # cv=2: calls 1-4 score trials 0 and 1, call 5 interrupts trial 2.
    first = _search(
        est, scoring=_InterruptingScorer(at=5), storage=storage, study_name="s"
    )
    with pytest.raises(KeyboardInterrupt):
        first.fit(data.data)
    study = optuna.load_study(study_name="s", storage=_journal(storage))
    before = {t.number: t.params for t in study.trials if t.state.name == "COMPLETE"}
    assert len(before) == 2
    assert study.trials[2].user_attrs["interrupted"]

    search = _search(est, scoring="elbo", storage=storage, study_name="s")
    search.fit(data.data)
    trials = search.study_.trials
    complete = [t for t in trials if t.state.name == "COMPLETE"]
    assert len(complete) == 4
    assert [t.number for t in trials] == list(range(5))
    for number, params in before.items():
        assert trials[number].params == params
    assert len({tuple(t.params.items()) for t in complete}) == 4

    # The requested total is already there: nothing new runs.
    again = _search(est, n_trials=3, storage=storage, study_name="s").fit(data.data)
    assert len(again.study_.trials) == 5


def _journal(path):
    return JournalStorage(JournalFileBackend(path))


def test_search_two_workers_share_a_journal_file(data, tmp_path):
    storage = str(tmp_path / "shared.log")
    search = _search(
        BetaVAE(**FAST, random_state=0),
        n_trials=5,
        n_jobs=2,
        storage=storage,
        study_name="shared",
    ).fit(data.data)
    trials = search.study_.trials
    assert len(trials) == 5
    assert all(t.state.name == "COMPLETE" for t in trials)
    pids = {t.user_attrs["pid"] for t in trials}
    assert pids
    assert os.getpid() not in pids
    study = optuna.load_study(study_name="shared", storage=_journal(storage))
    assert len(study.trials) == 5
    assert len(search.cv_results_["number"]) == 5


def test_search_in_memory_with_workers_uses_temporary_journal(data, monkeypatch):
    seen = []

    def run_in_process(self, runner, storage, study, devices, n_existing):
        # What each spawned worker does, without the cost of spawning.
        seen.append(storage)
        for _ in devices:
            run_worker(runner, storage, study.study_name, None, None)

    monkeypatch.setattr(ARVAESearchCV, "_run_workers", run_in_process)
    search = _search(BetaVAE(**FAST, random_state=0), n_trials=3, n_jobs=2)
    search.fit(data.data)
    path = seen[0][0]  # workers get the journal file's path to open
    assert path.endswith(".log")
    assert not os.path.exists(path)
    assert isinstance(search.study_._storage, optuna.storages.InMemoryStorage)
    assert len(search.study_.trials) == 3


def test_search_failing_trial_does_not_stop_search(data):
    space = {"lr": CategoricalDistribution([1e-3, 1e12])}
    search = _search(BetaVAE(**FAST, random_state=0), space)
    with pytest.warns(UserWarning, match="failed and were skipped"):
        search.fit(data.data)
    states = list(search.cv_results_["state"])
    assert len(states) == 4
    assert "FAIL" in states
    assert "COMPLETE" in states
    failed = search.cv_results_["error"][states.index("FAIL")]
    assert failed.startswith("FloatingPointError")
    assert search.best_params_ == {"lr": 1e-3}


def test_search_raises_when_every_trial_fails(data):
    space = {"lr": CategoricalDistribution([1e12])}
    search = _search(BetaVAE(**FAST, random_state=0), space, n_trials=2)
    with pytest.raises(ValueError, match=r"No trial .* completed"):
        search.fit(data.data)


def test_search_uncaught_error_stops_search(data):
    space = {"lr": CategoricalDistribution([1e12])}
    search = _search(BetaVAE(**FAST, random_state=0), space, catch=())
    with pytest.raises(FloatingPointError):
        search.fit(data.data)


@pytest.mark.parametrize(
    "estimator",
    [
        ARVAE(**FAST),
        BetaVAE(**FAST),
        make_pipeline(StandardScaler(), ARVAE(**FAST)),
    ],
    ids=["arvae", "betavae", "pipeline"],
)
def test_clone_keeps_pruning_callback(estimator):
    trial = optuna.create_study().ask()
    key = (
        "arvae__callbacks"
        if "arvae__callbacks" in estimator.get_params()
        else ("callbacks")
    )
    estimator = clone(estimator).set_params(
        **{key: [PruningCallback(trial, monitor="valid_recon")]}
    )
    cloned = clone(estimator)
    callback = cloned.get_params()[key][0]
    assert callback is not estimator.get_params()[key][0]
    assert callback.trial is trial
    assert callback.monitor == "valid_recon"
    assert clone(_search(estimator)).estimator.get_params()[key][0].trial is trial


def test_search_prunes_from_reported_epochs(data):
    callback = PruningCallback(monitor="valid_recon")
    estimator = ARVAE(**FAST, callbacks=[callback], random_state=0)
    pruner = optuna.pruners.MedianPruner(n_startup_trials=1)
    search = _search(estimator, pruner=pruner, n_trials=5)
    search.fit(data.data, data.attributes)

    assert callback.trial is None  # the given estimator is left untouched
    trials = search.study_.trials
    complete = [t for t in trials if t.state.name == "COMPLETE"]
    # two epochs in each of two folds: steps 0-3, values -valid_recon
    assert sorted(complete[0].intermediate_values) == [0, 1, 2, 3]
    assert all(v < 0 for v in complete[0].intermediate_values.values())
    assert "PRUNED" in [t.state.name for t in trials]
    assert np.isnan(
        search.cv_results_["mean_test_score"][search.cv_results_["state"] == "PRUNED"]
    ).all()


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"space": {"gama": FloatDistribution(1, 2)}}, ValueError, "Unknown param"),
        ({"space": {"gamma": [1, 2]}}, TypeError, "optuna distribution"),
        ({"scoring": "interpretabilty"}, ValueError, "Unknown scoring name"),
        ({"scoring": ["mig", 3]}, ValueError, "only names"),
        ({"n_trials": 0}, ValueError, "n_trials"),
        ({"refit": "mig"}, ValueError, "not an objective"),
        (
            {"scoring": ["mig", "elbo"], "pruner": optuna.pruners.MedianPruner()},
            ValueError,
            "single objective",
        ),
        (
            {"n_jobs": 2, "storage": optuna.storages.InMemoryStorage()},
            ValueError,
            "cannot be shared",
        ),
    ],
)
def test_search_rejects_bad_input(data, params, error, match):
    search = _search(**params)
    with pytest.raises(error, match=match):
        search.fit(data.data, data.attributes)


def test_search_rejects_study_with_other_objectives(data, tmp_path):
    storage = str(tmp_path / "s.log")
    est = BetaVAE(**FAST, random_state=0)
    _search(est, n_trials=1, storage=storage, study_name="s").fit(data.data)
    search = _search(
        est,
        scoring=["elbo", "neg_reconstruction_error"],
        storage=storage,
        study_name="s",
    )
    with pytest.raises(ValueError, match="directions"):
        search.fit(data.data)


def test_search_rdb_url_storage_persists(data, tmp_path):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    est = BetaVAE(**FAST, random_state=0)
    _search(est, n_trials=2, storage=url, study_name="db").fit(data.data)
    search = _search(est, n_trials=3, storage=url, study_name="db").fit(data.data)
    assert [t.number for t in search.study_.trials] == [0, 1, 2]


@pytest.mark.parametrize(
    ("device", "n_jobs", "n_gpus", "expected"),
    [
        ("cuda", 3, 2, ["cuda:0", "cuda:1", "cuda:0"]),
        ("auto", 2, 1, ["cuda:0", "cuda:0"]),
        ("cuda", 2, 0, [None, None]),
        ("cuda:1", 2, 2, [None, None]),
        ("cpu", 2, 2, [None, None]),
    ],
)
def test_worker_devices_spread_over_gpus(device, n_jobs, n_gpus, expected):
    assert worker_devices(device, n_jobs, n_gpus) == expected


def test_reconstruction_scorer_keeps_dataframe_feature_names():
    import warnings

    import pandas as pd
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skarvae import BetaVAE
    from skarvae.datasets import make_attribute_data
    from skarvae.model_selection import neg_reconstruction_error_scorer

    data = make_attribute_data(60, n_features=4, random_state=0)
    X = pd.DataFrame(data.data, columns=data.feature_names)
    pipe = make_pipeline(
        StandardScaler(), BetaVAE(latent_dim=2, max_epochs=1, random_state=0)
    ).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "X does not have valid feature names"
        assert neg_reconstruction_error_scorer(pipe, X) < 0
