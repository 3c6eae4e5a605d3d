"""Study storages of the search, and the heartbeats of RDB storages."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import os
import threading
import time
import warnings

from skarvae.utils._optional import import_optional


@contextlib.contextmanager
def quiet_heartbeat_warnings():
    """Ignore Optuna's warnings that heartbeats are experimental, and that
    they are meant for ``Study.optimize`` (the search runs its own loop)."""
    optuna = import_optional("optuna")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        warnings.filterwarnings("ignore", "Heartbeat of storage is supposed")
        yield


def open_storage(storage, heartbeat_interval=None, grace_period=None, max_retry=3):
    """An optuna storage for the search's ``storage`` parameter.

    None is in memory; a string with ``://`` is an RDB URL, opened with
    heartbeats every ``heartbeat_interval`` seconds (None: none), trials
    without one for ``grace_period`` seconds failed as stale and retried up
    to ``max_retry`` times; any other string or path is a journal file; an
    optuna storage object is used as is.
    """
    optuna = import_optional("optuna")
    if storage is None:
        return optuna.storages.InMemoryStorage()
    if isinstance(storage, str) and "://" in storage:
        settings = {}
        if heartbeat_interval is not None:
            settings = {
                "heartbeat_interval": heartbeat_interval,
                "grace_period": grace_period,
            }
            if max_retry is None or max_retry > 0:
                with quiet_heartbeat_warnings():
                    retry = optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry)
                settings["heartbeat_stale_trial_callback"] = retry
        return _rdb_storage(storage, settings)
    if isinstance(storage, (str, os.PathLike)):
        journal = import_optional("optuna.storages.journal")
        return journal.JournalStorage(journal.JournalFileBackend(os.fspath(storage)))
    if isinstance(storage, optuna.storages.BaseStorage):
        return storage
    raise TypeError(
        "storage must be None, a journal file path, an RDB URL such as "
        "'postgresql+psycopg://user@host/db', or an optuna storage; got "
        f"{type(storage).__name__}."
    )


def _rdb_storage(url, settings, attempts=5):
    """``RDBStorage(url, **settings)``, tried again when workers started at
    once on an empty database collide creating its tables."""
    optuna = import_optional("optuna")
    sqlalchemy = import_optional("sqlalchemy")
    errors = sqlalchemy.exc
    collisions = (
        errors.IntegrityError,
        errors.ProgrammingError,
        errors.OperationalError,
    )
    for attempt in range(attempts):
        try:
            with quiet_heartbeat_warnings():
                return optuna.storages.RDBStorage(url, **settings)
        except collisions:
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    return None  # not reached


def heartbeat_interval(storage):
    """Seconds between heartbeats of ``storage``; None without heartbeats."""
    get = getattr(storage, "get_heartbeat_interval", None)
    return None if get is None else get()


def fail_stale_trials(study):
    """Fail the trials whose worker stopped beating; retry them if so set."""
    optuna = import_optional("optuna")
    with quiet_heartbeat_warnings():
        optuna.storages.fail_stale_trials(study)


def record_heartbeat(study, trial):
    """Record one heartbeat of ``trial`` (a Trial or FrozenTrial) now."""
    study._storage.record_heartbeat(trial._trial_id)


class Heartbeat:
    """Context beating for ``trial`` every ``interval`` seconds in a thread.

    The first beat is recorded on entry. A beat that fails (the storage is
    unreachable for a moment) is tried again at the next interval. A None
    interval does nothing.
    """

    def __init__(self, study, trial, interval):
        self.study = study
        self.trial = trial
        self.interval = interval
        self._stop = threading.Event()
        self._thread = None

    def _beat(self):
        while not self._stop.wait(self.interval):
            with contextlib.suppress(Exception):  # the next beat tries again
                record_heartbeat(self.study, self.trial)

    def __enter__(self):
        if self.interval is not None:
            record_heartbeat(self.study, self.trial)
            self._thread = threading.Thread(
                target=self._beat, name="skarvae-heartbeat", daemon=True
            )
            self._thread.start()
        return self

    def __exit__(self, *exc):
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
        return False
