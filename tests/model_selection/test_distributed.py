"""One search shared by several processes: exact totals, killed workers.

The PostgreSQL test runs worker processes on one study of a real server
(the ``postgres_url`` fixture of ``conftest.py``) and kills one mid-trial;
the SQLite tests check the same rules in this process.
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import json
import os
import signal
import subprocess
import sys
import time
import uuid
import warnings
from pathlib import Path

import numpy as np
import optuna
import pytest
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState, create_trial

from skarvae import BetaVAE
from skarvae.model_selection import ARVAESearchCV, _runner
from skarvae.model_selection._runner import TrialRunner, counted_trials, run_worker
from skarvae.model_selection._storage import fail_stale_trials, open_storage
from skarvae.utils._testing import FAST

ROOT = Path(__file__).resolve().parents[2]
SPACE = {"beta": FloatDistribution(0.01, 1.0, log=True)}

# The same script runs on every "machine": one storage URL, one study name.
WORKER = """
import json, os, sys, time

import numpy as np
import optuna
from optuna.distributions import FloatDistribution

from skarvae import BetaVAE
from skarvae.model_selection import ARVAESearchCV


def elbo(estimator, X, y=None):
    if os.environ.get("SKARVAE_TEST_HANG") == "1":
        time.sleep(600)  # this worker's trial runs until the test kills it
    return estimator.score(X)


if __name__ == "__main__":
    url, name, n_trials, mode = sys.argv[1:5]
    if mode == "refit":
        sys.stdin.readline()  # imported already; start when the test says so
    if os.environ.get("SKARVAE_TEST_AFTER_RUNNING") == "1":
        # start once the hanging worker runs its trial
        storage = None
        while True:
            try:
                storage = storage or optuna.storages.RDBStorage(url)
                study = optuna.load_study(study_name=name, storage=storage)
                if study.get_trials(states=(optuna.trial.TrialState.RUNNING,)):
                    break
            except Exception:  # no study yet, or its tables being created
                pass
            time.sleep(0.2)
    X = np.random.RandomState(0).rand(40, 4).astype("float32")
    search = ARVAESearchCV(
        BetaVAE(latent_dim=2, hidden_dims=(8,), max_epochs=1, random_state=0),
        {"beta": FloatDistribution(0.01, 1.0, log=True)},
        scoring=elbo,
        n_trials=int(n_trials),
        cv=2,
        storage=url,
        study_name=name,
        heartbeat_interval=1,
        # Generous against a loaded machine, where a live worker's beat can
        # come seconds late and a tight grace period marks its trial stale.
        grace_period=6,
        refit=mode == "refit",
    ).fit(X)
    out = {"best_params": search.best_params_, "n_study": len(search.study_.trials)}
    if mode == "refit":
        out["latent"] = list(search.transform(X).shape)
    print("RESULT " + json.dumps(out))
"""


def _start(script, url, name, n_trials, mode="search", **env):
    environ = {**os.environ, "OMP_NUM_THREADS": "1", **env}
    environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    return subprocess.Popen(
        [sys.executable, str(script), url, name, str(n_trials), mode],
        env=environ,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(condition, timeout, what, procs=()):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        for proc in procs:
            if proc.poll() is not None:
                raise AssertionError(f"a worker ended early: {proc.communicate()}")
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _result(proc, timeout=240, stdin=None):
    out, err = proc.communicate(stdin, timeout=timeout)
    assert proc.returncode == 0, err[-3000:]
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def _trials(storage, name, states=None):
    try:
        study = optuna.load_study(study_name=name, storage=storage)
    except KeyError:  # not created yet
        return []
    return study.get_trials(deepcopy=False, states=states)


def test_workers_on_postgres_survive_a_killed_worker(postgres_url, tmp_path):
    url, name, n_trials = postgres_url, f"kill-{uuid.uuid4().hex[:8]}", 6
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    start = time.perf_counter()
    victim = _start(script, url, name, n_trials, SKARVAE_TEST_HANG="1")
    workers = [
        _start(script, url, name, n_trials, SKARVAE_TEST_AFTER_RUNNING="1")
        for _ in range(2)
    ]
    # A fresh process, to read the study once the search is over.
    fresh = _start(script, url, name, n_trials, mode="refit")
    procs = [victim, *workers, fresh]
    try:
        _check_killed_worker_run(url, name, n_trials, victim, workers, fresh)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert time.perf_counter() - start < 240


def _check_killed_worker_run(url, name, n_trials, victim, workers, fresh):
    storage = open_storage(url)  # may be created with the workers' tables
    # Kill the hanging worker once the others have finished a trial.
    _wait_for(
        lambda: _trials(storage, name, (TrialState.COMPLETE,)),
        180,
        "a complete trial",
        [victim, *workers, fresh],
    )
    victim.send_signal(signal.SIGKILL)
    victim.wait(30)
    results = [_result(w) for w in workers]
    assert victim.returncode == -signal.SIGKILL

    trials = _trials(storage, name)
    by_state = {s: [t for t in trials if t.state == s] for s in TrialState}
    # Each worker returned once no trial ran any more: none is left RUNNING.
    assert not by_state[TrialState.RUNNING]
    assert not by_state[TrialState.WAITING]
    assert len(by_state[TrialState.COMPLETE]) == n_trials
    # The killed worker's trial was failed as stale and retried once.
    killed = [t for t in trials if t.user_attrs.get("pid") == victim.pid]
    assert [t.state for t in killed] == [TrialState.FAIL]
    retries = [t for t in trials if t.system_attrs.get("failed_trial") is not None]
    assert [t.system_attrs["failed_trial"] for t in retries] == [killed[0].number]
    assert retries[0].state == TrialState.COMPLETE
    assert retries[0].params == killed[0].params
    # Other failures can only be surplus trials, failed before they ran.
    others = [t for t in by_state[TrialState.FAIL] if t.number != killed[0].number]
    assert all(t.user_attrs.get("surplus") for t in others)
    # each worker saw the whole study (all but late surplus trials)
    assert all(r["n_study"] >= n_trials + 1 for r in results)

    # A fresh process resumes the finished study: no new trial, best, refit.
    fresh = _result(fresh, stdin="go\n")
    study = optuna.load_study(study_name=name, storage=storage)
    assert len(study.trials) == len(trials)
    assert fresh["best_params"] == study.best_params
    assert fresh["latent"] == [40, 2]


def _sqlite(tmp_path):
    return f"sqlite:///{tmp_path / 'study.db'}"


@pytest.fixture(scope="module")
def X():
    return np.random.RandomState(0).rand(60, 4).astype(np.float32)


def _search(storage, **params):
    params = {"n_trials": 3, "cv": 2, "random_state": 0, **params}
    return ARVAESearchCV(
        BetaVAE(**FAST, random_state=0), SPACE, storage=storage, **params
    )


def test_search_retries_a_stale_trial_on_sqlite(tmp_path, X):
    url = _sqlite(tmp_path)
    storage = optuna.storages.RDBStorage(url)
    study = optuna.create_study(storage=storage, study_name="s", direction="maximize")
    # A worker that died mid-trial: RUNNING, with a last heartbeat.
    dead = study.ask(fixed_distributions=SPACE)
    storage.record_heartbeat(dead._trial_id)

    start = time.perf_counter()
    search = _search(url, study_name="s", heartbeat_interval=1, grace_period=2)
    search.fit(X)
    assert time.perf_counter() - start >= 2  # waited for the grace period
    trials = search.study_.trials
    states = [t.state.name for t in trials]
    assert states.count("COMPLETE") == 3
    assert "RUNNING" not in states
    assert trials[0].state == TrialState.FAIL
    retry = next(t for t in trials if t.system_attrs.get("failed_trial") == 0)
    assert retry.params == dead.params
    assert retry.state == TrialState.COMPLETE
    assert search.cv_results_["error"][0].startswith("stale")


def test_search_without_heartbeat_ignores_other_runs_running_trials(tmp_path, X):
    url = _sqlite(tmp_path)
    study = optuna.create_study(storage=url, study_name="s", direction="maximize")
    study.ask(fixed_distributions=SPACE)  # left RUNNING, no heartbeat
    search = _search(url, study_name="s", heartbeat_interval=None).fit(X)
    states = [t.state.name for t in search.study_.trials]
    assert states == ["RUNNING", "COMPLETE", "COMPLETE", "COMPLETE"]


def test_search_fails_a_surplus_trial(tmp_path, X, monkeypatch):
    ask = optuna.Study.ask
    calls = []

    def racing_ask(study, fixed_distributions=None):
        calls.append(1)
        if len(calls) == 2:  # another worker takes the last place meanwhile
            study.add_trial(
                create_trial(params={"beta": 0.5}, distributions=SPACE, values=[-1.0])
            )
        return ask(study, fixed_distributions)

    monkeypatch.setattr(optuna.Study, "ask", racing_ask)
    search = _search(_sqlite(tmp_path), n_trials=2, study_name="s")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no "trials failed" warning
        search.fit(X)
    states = [t.state.name for t in search.study_.trials]
    assert states == ["COMPLETE", "COMPLETE", "FAIL"]
    assert search.study_.trials[2].user_attrs["surplus"]
    assert list(search.cv_results_["number"]) == [0, 1]


def test_open_storage_survives_workers_creating_tables_at_once(tmp_path, monkeypatch):
    import sqlalchemy

    rdb, calls = optuna.storages.RDBStorage, []

    def colliding(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:  # what PostgreSQL says to the second creator
            raise sqlalchemy.exc.IntegrityError("CREATE TYPE", {}, Exception("dup"))
        return rdb(*args, **kwargs)

    monkeypatch.setattr(optuna.storages, "RDBStorage", colliding)
    storage = open_storage(_sqlite(tmp_path), heartbeat_interval=1, grace_period=2)
    assert len(calls) == 2
    assert storage.get_heartbeat_interval() == 1
    assert storage.grace_period == 2
    assert storage.get_heartbeat_stale_trial_callback()._max_retry == 3


def test_counted_trials_rules():
    def trial(state, number, user_attrs=None, system_attrs=None):
        values = [1.0] if state == TrialState.COMPLETE else None
        frozen = create_trial(
            state=state,
            values=values,
            user_attrs=user_attrs or {},
            system_attrs=system_attrs or {},
        )
        frozen.number = number
        return frozen

    trials = [
        trial(TrialState.COMPLETE, 0),
        trial(TrialState.PRUNED, 1),
        trial(TrialState.FAIL, 2, {"error": "FloatingPointError: nan"}),
        trial(TrialState.FAIL, 3, {"interrupted": True}),
        trial(TrialState.FAIL, 4),  # stale, retried by trial 8
        trial(TrialState.FAIL, 5, {"surplus": True}),
        trial(TrialState.RUNNING, 6, {"skarvae_run": "me"}),
        trial(TrialState.RUNNING, 7, {"skarvae_run": "other"}),
        trial(TrialState.WAITING, 8, system_attrs={"retry_history": [4]}),
        trial(TrialState.FAIL, 9),  # stale, not retried: counts
    ]
    # 0, 1, 2, 6, 8, 9 (+ 7 when running trials of all runs count)
    assert counted_trials(trials, "me", shared=False) == 6
    assert counted_trials(trials, "me", shared=True) == 7
    assert counted_trials(trials, "me", shared=True, below=7) == 4


@pytest.mark.filterwarnings("ignore:Heartbeat of storage:UserWarning")
def test_worker_waits_for_the_retry_of_a_trial_just_failed(tmp_path, monkeypatch):
    # Another worker failed trial 1 as stale and has not added its retry yet:
    # the study looks finished, but stopping now would miss the retry.
    storage = open_storage(_sqlite(tmp_path), heartbeat_interval=1, grace_period=2)
    study = optuna.create_study(storage=storage, study_name="s")
    study.add_trial(create_trial(params={"beta": 0.5}, distributions=SPACE, value=1))
    stale = study.ask(fixed_distributions=SPACE)
    storage.set_trial_state_values(stale._trial_id, TrialState.FAIL)
    runner = TrialRunner(
        None, None, None, space=SPACE, scorers={}, splits=[], pruning=None,
        catch=(), n_trials=2, run_id="me",
    )  # fmt: skip
    unretried = {}
    assert runner._next_trial(study, True, set(), unretried) == "wait"
    assert list(unretried) == [1]

    # The retry arrives: it is the next trial to run.
    retry = storage.get_heartbeat_stale_trial_callback()
    retry(study, storage.get_trial(stale._trial_id))
    trial = runner._next_trial(study, True, set(), unretried)
    assert trial.number == 2
    assert trial.params == stale.params

    # A failed trial never retried (its worker died first) stops the wait.
    other = study.ask(fixed_distributions=SPACE)
    storage.set_trial_state_values(trial._trial_id, TrialState.COMPLETE, [1.0])
    storage.set_trial_state_values(other._trial_id, TrialState.FAIL)
    assert runner._next_trial(study, True, set(), unretried) == "wait"
    monkeypatch.setattr(_runner, "RETRY_SETTLE", 0.0)
    assert runner._next_trial(study, True, set(), unretried) == "stop"
    # Without heartbeats no trial is retried: nothing to wait for.
    assert runner._next_trial(study, False, set(), {}) == "stop"


def test_search_rejects_grace_period_not_above_interval(X):
    search = _search(None, heartbeat_interval=2, grace_period=2)
    with pytest.raises(ValueError, match="grace_period=2 must exceed"):
        search.fit(X)


def test_heartbeats_keep_a_long_trial_alive(tmp_path, X):
    url, seen = _sqlite(tmp_path), []

    def slow_elbo(estimator, X, y=None):
        if not seen:
            time.sleep(3.5)  # longer than the grace period
            # what another worker does before it starts a trial
            other = optuna.load_study(study_name="s", storage=open_storage(url, 1, 2))
            fail_stale_trials(other)
            seen.append([t.state for t in other.get_trials()])
        return estimator.score(X)

    search = _search(url, study_name="s", scoring=slow_elbo, n_trials=1)
    search.set_params(heartbeat_interval=1, grace_period=2).fit(X)
    assert seen == [[TrialState.RUNNING]]
    assert search.study_.trials[0].state == TrialState.COMPLETE


def test_trial_failed_as_stale_while_it_runs_is_dropped(tmp_path, X):
    url, failed = _sqlite(tmp_path), []

    def elbo(estimator, X, y=None):
        if not failed:  # another worker wrongly took this trial for dead
            storage = optuna.storages.RDBStorage(url)
            study = optuna.load_study(study_name="s", storage=storage)
            (trial,) = study.get_trials(states=(TrialState.RUNNING,))
            storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
            failed.append(trial.number)
        return estimator.score(X)

    search = _search(url, study_name="s", scoring=elbo, n_trials=2)
    with (
        pytest.warns(UserWarning, match="Trial 0 was failed by another worker"),
        pytest.warns(UserWarning, match=r"1 trial\(s\) failed .*'stale: no heart"),
    ):
        search.fit(X)
    states = [t.state.name for t in search.study_.trials]
    assert states == ["FAIL", "COMPLETE"]


def test_workers_open_the_url_with_the_search_settings(tmp_path, X, monkeypatch):
    seen = []

    def run_in_process(self, runner, storage, study, devices, n_existing):
        # What each spawned worker does, without the cost of spawning.
        seen.append(storage)
        for _ in devices:
            run_worker(runner, storage, study.study_name, None, None)

    monkeypatch.setattr(ARVAESearchCV, "_run_workers", run_in_process)
    url = _sqlite(tmp_path)
    search = _search(url, study_name="s", n_jobs=2, heartbeat_interval=5)
    search.fit(X)
    assert seen == [(url, 5, None, 3)]
    assert len(search.study_.trials) == 3


def test_search_names_a_dead_local_worker(tmp_path, X, monkeypatch):
    import concurrent.futures
    from concurrent.futures.process import BrokenProcessPool

    class DeadPool:
        """A pool whose worker was killed, without the cost of spawning."""

        def __init__(self, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def submit(self, *args):
            future = concurrent.futures.Future()
            future.set_exception(BrokenProcessPool("terminated abruptly"))
            return future

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", DeadPool)
    search = _search(_sqlite(tmp_path), study_name="s", n_jobs=2)
    with pytest.raises(RuntimeError, match="worker process of the search died"):
        search.fit(X)
