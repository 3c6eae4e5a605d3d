"""Run search trials: evaluate one trial by cross-validation, loop, workers."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import copy
import math
import os
import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.utils import _safe_indexing

from skarvae.model_selection._pruning import PruningCallback
from skarvae.model_selection._storage import (
    Heartbeat,
    fail_stale_trials,
    heartbeat_interval,
    open_storage,
    quiet_heartbeat_warnings,
    record_heartbeat,
)
from skarvae.utils._optional import import_optional

#: User attribute that tags the trials started by one ``fit`` call.
RUN_ATTR = "skarvae_run"
#: User attribute of a trial started when the study already had ``n_trials``.
SURPLUS_ATTR = "surplus"
#: Seconds a worker waits for the retry of a trial just failed as stale.
RETRY_SETTLE = 10.0


def find_param(estimator, name):
    """Full name of parameter ``name`` (``name`` or ``step__name``), or None.

    For a pipeline the last match wins, i.e. the final step's parameter.
    """
    matches = [
        key
        for key in estimator.get_params(deep=True)
        if key == name or key.endswith(f"__{name}")
    ]
    return matches[-1] if matches else None


def counted_trials(trials, run_id, shared, below=None):
    """Number of ``trials`` that count towards ``n_trials``.

    Complete, pruned and waiting trials count; failed ones too, except those
    failed by an interruption, surplus trials and stale trials that were
    retried (their retry counts instead). Running trials count when
    ``shared`` (the storage has heartbeats, so dead workers' trials are
    failed in time), else only those of this run (``run_id``). ``below``
    counts only trials numbered below it.
    """
    optuna = import_optional("optuna")
    states = optuna.trial.TrialState
    retried = {n for t in trials for n in t.system_attrs.get("retry_history", ())}
    count = 0
    for trial in trials:
        if below is not None and trial.number >= below:
            continue
        if trial.state in (states.COMPLETE, states.PRUNED, states.WAITING):
            count += 1
        elif trial.state == states.FAIL:
            attrs = trial.user_attrs
            dropped = attrs.get("interrupted") or attrs.get(SURPLUS_ATTR)
            count += not (dropped or trial.number in retried)
        elif trial.state == states.RUNNING:
            count += shared or trial.user_attrs.get(RUN_ATTR) == run_id
    return count


class TrialRunner:
    """Evaluate trials of a study by cross-validation; picklable for workers.

    Parameters hold everything a worker needs: the estimator, the data, the
    fixed CV splits, the search space, the scorers and the run's settings.
    """

    def __init__(
        self,
        estimator,
        X,
        y,
        *,
        space,
        scorers,
        splits,
        pruning,
        catch,
        n_trials,
        run_id,
        timeout=None,
        device=None,
    ):
        self.estimator = estimator
        self.X = X
        self.y = y
        self.space = space
        self.scorers = scorers
        self.splits = splits
        self.pruning = pruning
        self.catch = catch
        self.n_trials = n_trials
        self.run_id = run_id
        self.timeout = timeout
        self.device = device

    def _trial_estimator(self, params):
        estimator = clone(self.estimator).set_params(**params)
        if self.device is not None:
            estimator.set_params(**{find_param(estimator, "device"): self.device})
        return estimator

    def _fold_estimator(self, estimator, trial, fold):
        estimator = clone(estimator)
        if self.pruning is None:
            return estimator
        key = find_param(estimator, "callbacks")
        params = estimator.get_params(deep=True)
        callbacks = list(params[key] or [])
        mine = [cb for cb in callbacks if isinstance(cb, PruningCallback)]
        others = [cb for cb in callbacks if not isinstance(cb, PruningCallback)]
        template = mine[-1] if mine else PruningCallback(**self.pruning)
        epochs_key = find_param(estimator, "max_epochs")
        epochs = int(params[epochs_key]) if epochs_key else 0
        callback = clone(template)
        callback.set_params(trial=trial, step_offset=fold * epochs)
        return estimator.set_params(**{key: [*others, callback]})

    def evaluate(self, trial):
        """Cross-validated mean scores of ``trial``; records the details."""
        estimator = self._trial_estimator(trial.params)
        scores = {key: [] for key in self.scorers}
        fit_times, score_times = [], []
        for fold, (train, test) in enumerate(self.splits):
            fold_estimator = self._fold_estimator(estimator, trial, fold)
            X_train = _safe_indexing(self.X, train)
            y_train = None if self.y is None else _safe_indexing(self.y, train)
            X_test = _safe_indexing(self.X, test)
            y_test = None if self.y is None else _safe_indexing(self.y, test)
            start = time.perf_counter()
            fold_estimator.fit(X_train, y_train)
            fit_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            for key, scorer in self.scorers.items():
                value = float(scorer(fold_estimator, X_test, y_test))
                if not math.isfinite(value):
                    raise FloatingPointError(
                        f"Scorer {key!r} returned {value} in fold {fold}."
                    )
                scores[key].append(value)
            score_times.append(time.perf_counter() - start)
        for key, values in scores.items():
            trial.set_user_attr(f"split_test_{key}", values)
        trial.set_user_attr("fit_time", fit_times)
        trial.set_user_attr("score_time", score_times)
        return [float(np.mean(values)) for values in scores.values()]

    def run_trial(self, study, trial):
        """Evaluate ``trial`` and tell the study its outcome."""
        optuna = import_optional("optuna")
        states = optuna.trial.TrialState
        try:
            values = self.evaluate(trial)
        except optuna.exceptions.UpdateFinishedTrialError:
            self._warn_stale(trial)
            return
        except optuna.TrialPruned:
            study.tell(trial, state=states.PRUNED, skip_if_finished=True)
        except KeyboardInterrupt:
            with contextlib.suppress(optuna.exceptions.UpdateFinishedTrialError):
                trial.set_user_attr("interrupted", True)
                trial.set_user_attr("error", "KeyboardInterrupt")
            study.tell(trial, state=states.FAIL, skip_if_finished=True)
            raise
        except Exception as exc:
            try:
                trial.set_user_attr("error", f"{type(exc).__name__}: {exc}")
            except optuna.exceptions.UpdateFinishedTrialError:
                self._warn_stale(trial)
            study.tell(trial, state=states.FAIL, skip_if_finished=True)
            if not isinstance(exc, self.catch):
                raise
        else:
            study.tell(trial, values, skip_if_finished=True)

    @staticmethod
    def _warn_stale(trial):
        warnings.warn(
            f"Trial {trial.number} was failed by another worker while it ran: "
            "no heartbeat reached the storage within the grace period (raise "
            "grace_period). Its result is dropped; its retry, if any, counts "
            "instead.",
            UserWarning,
            stacklevel=3,
        )

    @staticmethod
    def _retry_due(study, trials, unretried):
        """Whether a trial failed as stale may still get its retry.

        ``fail_stale_trials`` fails a trial, then adds its retry: in between,
        other workers see a failed trial without one. Each such trial is
        waited for ``RETRY_SETTLE`` seconds from when this worker first saw
        it (``unretried`` maps its number to that time), in case the worker
        failing it dies before the retry or its retries are used up.
        """
        if study._storage.get_heartbeat_stale_trial_callback() is None:
            return False
        states = import_optional("optuna").trial.TrialState
        retried = {n for t in trials for n in t.system_attrs.get("retry_history", ())}
        own_fail = ("error", "interrupted", SURPLUS_ATTR)
        now, due = time.monotonic(), False
        for trial in trials:
            if (
                trial.state == states.FAIL
                and trial.number not in retried
                and not any(key in trial.user_attrs for key in own_fail)
            ):
                since = unretried.setdefault(trial.number, now)
                due = due or now - since < RETRY_SETTLE
        return due

    def _next_trial(self, study, shared, seen, unretried):
        """A trial to run now, or what to do: stop, wait or look again."""
        optuna = import_optional("optuna")
        states = optuna.trial.TrialState
        if shared:
            fail_stale_trials(study)
        trials = study.get_trials(deepcopy=False)
        running = [t for t in trials if t.state == states.RUNNING]
        if shared:
            # A trial whose worker died before its first heartbeat would
            # never go stale: give each running trial one beat when first
            # seen, so that it goes stale one grace period later if dead.
            for trial in running:
                if trial.number not in seen:
                    seen.add(trial.number)
                    record_heartbeat(study, trial)
        waiting = any(t.state == states.WAITING for t in trials)
        if counted_trials(trials, self.run_id, shared) >= self.n_trials:
            if not waiting:
                # Trials of other workers may still fail and be retried.
                if shared and (running or self._retry_due(study, trials, unretried)):
                    return "wait"
                return "stop"
        with quiet_heartbeat_warnings():
            trial = study.ask(fixed_distributions=self.space)
        trial.set_user_attr(RUN_ATTR, self.run_id)
        trial.set_user_attr("pid", os.getpid())
        trials = study.get_trials(deepcopy=False)
        if counted_trials(trials, self.run_id, shared, trial.number) >= self.n_trials:
            # Another worker took the last place between the count and ask.
            trial.set_user_attr(SURPLUS_ATTR, True)
            study.tell(trial, state=states.FAIL, skip_if_finished=True)
            return "again"
        return trial

    def run(self, study, lock=None):
        """Run trials until the study has ``n_trials`` counted ones.

        With heartbeats, also wait for the trials other workers run, so that
        those of dead workers are failed and retried before returning.
        """
        lock = contextlib.nullcontext() if lock is None else lock
        deadline = None if self.timeout is None else time.time() + self.timeout
        interval = heartbeat_interval(study._storage)
        shared, seen, unretried = interval is not None, set(), {}
        while deadline is None or time.time() < deadline:
            with lock:
                trial = self._next_trial(study, shared, seen, unretried)
            if isinstance(trial, str):
                if trial == "stop":
                    return
                if trial == "wait":  # poll at most every 5 s
                    pause = min(interval, 5.0)
                    if deadline is not None:
                        pause = min(pause, max(0.0, deadline - time.time()))
                    time.sleep(pause)
                continue
            with Heartbeat(study, trial, interval):
                self.run_trial(study, trial)


_WORKER_LOCK = None


def _init_worker(lock, n_threads, quiet):
    global _WORKER_LOCK
    _WORKER_LOCK = lock
    import torch

    torch.set_num_threads(n_threads)
    if quiet:
        import_optional("optuna").logging.set_verbosity(30)


def run_worker(runner, storage, study_name, sampler, pruner):
    """Entry point of a worker process: load the study and run trials.

    ``storage`` is a storage object or the ``(storage, heartbeat_interval,
    grace_period, max_retry)`` arguments of :func:`open_storage`.
    """
    optuna = import_optional("optuna")
    if isinstance(storage, tuple):
        storage = open_storage(*storage)
    study = optuna.load_study(
        study_name=study_name, storage=storage, sampler=sampler, pruner=pruner
    )
    runner.run(study, _WORKER_LOCK)
    return os.getpid()


def run_workers(runner, storage, study, devices, samplers, quiet):
    """Run ``runner`` in one spawned process per device, all on ``study``."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    n_jobs = len(devices)
    context = multiprocessing.get_context("spawn")
    lock = context.Lock()
    n_threads = max(1, (os.cpu_count() or 1) // n_jobs)
    with ProcessPoolExecutor(
        max_workers=n_jobs,
        mp_context=context,
        initializer=_init_worker,
        initargs=(lock, n_threads, quiet),
    ) as pool:
        futures = []
        for device, sampler in zip(devices, samplers):
            worker_runner = copy.copy(runner)
            worker_runner.device = device
            futures.append(
                pool.submit(
                    run_worker,
                    worker_runner,
                    storage,
                    study.study_name,
                    sampler,
                    study.pruner,
                )
            )
        for future in futures:
            try:
                future.result()
            except BrokenProcessPool as exc:
                raise RuntimeError(
                    "A worker process of the search died (killed, or out of "
                    "memory?) and the others were stopped. The study keeps its "
                    "finished trials unless storage=None (a temporary file): "
                    "fit again with the same storage and study_name to resume; "
                    "with an RDB URL the trials left running are retried after "
                    "grace_period."
                ) from exc


def worker_devices(device, n_jobs, n_gpus):
    """Device of each worker: CUDA workers are spread over the visible GPUs.

    ``device`` is the estimator's device; ``'cuda'`` and ``'auto'`` (with a
    GPU) give worker ``i`` the GPU ``i % n_gpus``, so several workers share
    a GPU when ``n_jobs > n_gpus``. A fixed ``'cuda:N'``, ``'cpu'`` or a
    machine without GPUs leaves the device unchanged (None).
    """
    device = str(device)
    if n_gpus < 1 or device not in ("cuda", "auto"):
        return [None] * n_jobs
    return [f"cuda:{i % n_gpus}" for i in range(n_jobs)]
