"""Optuna-backed hyperparameter search for skarvae estimators."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import os
import shutil
import tempfile
import time
import uuid
import warnings
from numbers import Integral, Real

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import BaseEstimator, MetaEstimatorMixin, _fit_context, clone
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, indexable

from skarvae.model_selection._results import (
    build_cv_results,
    choose_best_index,
    trial_error,
)
from skarvae.model_selection._runner import (
    SURPLUS_ATTR,
    TrialRunner,
    find_param,
    run_workers,
    worker_devices,
)
from skarvae.model_selection._scoring import resolve_scoring
from skarvae.model_selection._spaces import check_param_distributions
from skarvae.model_selection._storage import open_storage
from skarvae.utils._optional import import_optional


def _estimator_has(attr):
    def check(self):
        return hasattr(self.best_estimator_, attr)

    return check


class ARVAESearchCV(MetaEstimatorMixin, BaseEstimator):
    """Hyperparameter search for skarvae estimators with an Optuna study.

    Each trial draws parameters from ``param_distributions``, fits a clone
    of ``estimator`` on every CV split and records the mean test score of
    each objective. One scoring gives a single-objective study; several
    give a multi-objective study whose Pareto front is ``pareto_front_``.
    Finished trials are kept in ``storage``, so a search restarted with the
    same ``storage`` and ``study_name`` resumes where it stopped.

    Parameters
    ----------
    estimator : estimator object
        The estimator to tune: ``ARVAE``, ``BetaVAE``, another skarvae
        estimator or a pipeline ending in one.
    param_distributions : dict of str to optuna distribution, default=None
        Search space, e.g. ``{"gamma": FloatDistribution(0.1, 100, log=True),
        "latent_dim": IntDistribution(4, 16)}``; any parameter of
        ``estimator`` (``step__param`` for pipelines). None searches
        log-uniform ``gamma`` in [0.01, 100], ``delta`` in [0.01, 100] and
        ``beta`` in [0.001, 10], as far as the estimator has them (see
        :func:`default_param_distributions`).
    scoring : str, callable, list of str or dict, default=None
        Objectives, all maximized. A name (``'interpretability'``,
        ``'mig'``, ``'sap'``, ``'scc'``, ``'modularity'``, ``'dci_*'``,
        ``'elbo'``, ``'neg_reconstruction_error'``,
        ``'reconstruction_accuracy'``) or a callable ``scorer(estimator, X,
        y)`` gives one objective; a list of names or a dict of names or
        callables gives one objective per entry. None is the ELBO
        (``estimator.score``). Disentanglement names score each attribute on
        its regularized dimension when the estimator has ``reg_dims_``.
    n_trials : int, default=10
        Total number of finished trials wanted in the study, counting those
        of earlier runs and, with heartbeats, of every other process and
        machine working on it: complete, pruned and failed trials count;
        trials failed by an interruption, stale trials that were retried
        and surplus trials (see Notes) do not.
    cv : int, cross-validation generator or iterable, default=3
        Splits of ``X``, as in scikit-learn; the same splits for every trial.
    refit : bool, str or callable, default=True
        Refit ``best_estimator_`` on all data with the chosen parameters.
        The choice: the best mean score with one objective; with several, the
        Pareto trial nearest the ideal point after min-max scaling each
        objective over the front (:func:`knee_index`); a str names the
        objective to maximize; a callable takes ``cv_results_`` and returns
        the index of a complete trial. False skips refitting.
    sampler : optuna.samplers.BaseSampler, default=None
        None is ``TPESampler(seed=random_state)`` (worker ``i`` uses
        ``seed + i``).
    pruner : optuna.pruners.BasePruner, default=None
        Prunes poor trials from the per-epoch values a
        :class:`PruningCallback` reports (``valid_loss`` by default, or the
        settings of a ``PruningCallback`` in the estimator's callbacks).
        Single objective only. None disables pruning.
    storage : None, str, path-like or optuna storage, default=None
        Where the study lives. None keeps it in memory (with ``n_jobs > 1``
        a temporary journal file is used and copied back to memory); a file
        path is a journal file, shared by processes of one machine (also over
        NFS); a URL (``'postgresql://...'``, ``'mysql+pymysql://...'``,
        ``'sqlite:///...'``) is an RDB storage, shared by many machines,
        with heartbeats (see ``heartbeat_interval``).
    study_name : str, default=None
        Name of the study; an existing study of that name in ``storage`` is
        resumed. None creates a new study.
    n_jobs : int, default=None
        Worker processes (spawn start method) running trials in parallel on
        the shared storage; None means 1 (trials run in this process), -1
        means one per GPU when the estimator's device is ``'cuda'`` (or
        ``'auto'`` with a GPU), otherwise one per CPU. CUDA workers are spread
        over the visible GPUs, several per GPU when ``n_jobs`` exceeds their
        number. Scripts must guard the call with
        ``if __name__ == "__main__":``.
    timeout : float, default=None
        Stop starting new trials (and waiting for other workers' trials)
        after this many seconds.
    heartbeat_interval : int or None, default=30
        Seconds between the heartbeats a running trial records in an RDB
        storage given as a URL. A trial without a heartbeat for
        ``grace_period`` seconds (its worker was killed or lost the
        connection) is failed by another worker and retried. With
        heartbeats, ``n_trials`` is exact across all workers, and ``fit``
        returns only when no trial of the study runs any more. None
        disables heartbeats. Ignored for other storages; pass an
        ``optuna.storages.RDBStorage`` of your own for other settings.
    grace_period : int or None, default=None
        Seconds without heartbeat after which a running trial is stale;
        None is ``2 * heartbeat_interval``. Must exceed
        ``heartbeat_interval``.
    max_retry : int or None, default=3
        How many times a stale trial is run again with the same parameters
        (a new trial, whose ``system_attrs['failed_trial']`` is the first
        number); once exhausted, the stale trial counts as failed. 0 never
        retries (the stale trial counts as failed), None retries without
        limit.
    catch : tuple of exception types, default=(Exception,)
        Errors of a trial (e.g. ``FloatingPointError`` for a NaN loss,
        ``torch.OutOfMemoryError``) that mark it failed, with the message in
        its ``'error'`` user attribute, and let the search go on. Other
        errors stop the search.
    random_state : int, RandomState instance or None, default=None
        Seeds the default sampler.
    verbose : int, default=0
        0 silences Optuna's per-trial log lines during ``fit``.

    Attributes
    ----------
    study_ : optuna.study.Study
        The study (in memory when ``storage`` was None).
    cv_results_ : dict of ndarray
        One entry per finished trial of the study: ``number``, ``state``,
        ``params``, ``param_<name>``, ``split<k>_test_<key>``,
        ``mean_test_<key>``, ``std_test_<key>``, ``rank_test_<key>``,
        ``mean_fit_time``... and ``error``. ``<key>`` is ``score`` for one
        unnamed objective, else the objective names. Pruned and failed trials
        have NaN scores.
    pareto_front_ : list of optuna.trial.FrozenTrial
        Trials not dominated by any other complete trial (the best trials
        with one objective), in trial order.
    best_index_ : int
        Index into ``cv_results_`` of the chosen trial.
    best_trial_ : optuna.trial.FrozenTrial
        The chosen trial.
    best_params_ : dict
        Its parameters.
    best_score_ : float or dict
        Its mean CV score; a dict by objective name with several objectives.
    best_estimator_ : estimator object
        ``estimator`` with ``best_params_``, refit on all data (when
        ``refit`` is not False).
    refit_time_ : float
        Seconds spent refitting.
    scorer_ : dict of str to callable
        The objectives, in order.
    n_splits_ : int
        Number of CV splits.
    n_trials_ : int
        Number of finished trials in the study (surplus ones left out).
    n_features_in_ : int
        Number of features of ``X`` (when the refit estimator has it).

    See Also
    --------
    PruningCallback : The callback reporting epochs to the trial.
    sklearn.model_selection.RandomizedSearchCV : Search without a study.

    Notes
    -----
    Before starting a trial, a worker fails the stale trials of the study
    and counts the trials that count towards ``n_trials`` (with heartbeats:
    also those running anywhere, and waiting retries). After asking for a
    trial it counts again the trials numbered below it: when another worker
    took the last place between the two counts, the new trial is failed at
    once with the user attribute ``surplus`` and left out of
    ``cv_results_``. So no more than ``n_trials`` trials ever run, even
    when workers on several machines start trials at the same moment.

    Examples
    --------
    >>> from optuna.distributions import FloatDistribution
    >>> from skarvae import ARVAE
    >>> from skarvae.datasets import make_attribute_data
    >>> from skarvae.model_selection import ARVAESearchCV
    >>> data = make_attribute_data(n_samples=80, n_features=6, n_attributes=2,
    ...                            random_state=0)
    >>> search = ARVAESearchCV(
    ...     ARVAE(latent_dim=4, hidden_dims=(16,), max_epochs=2, random_state=0),
    ...     {"gamma": FloatDistribution(0.1, 10, log=True)},
    ...     scoring=["interpretability", "elbo"], n_trials=3, cv=2, random_state=0,
    ... ).fit(data.data, data.attributes)
    >>> sorted(search.best_params_)
    ['gamma']
    >>> len(search.pareto_front_) >= 1
    True
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "get_params", "set_params"])],
        "param_distributions": [None, dict],
        "scoring": [None, str, callable, list, tuple, dict],
        "n_trials": [Interval(Integral, 1, None, closed="left")],
        "cv": ["cv_object"],
        "refit": ["boolean", str, callable],
        "sampler": [None, HasMethods(["sample_independent"])],
        "pruner": [None, HasMethods(["prune"])],
        "storage": [None, str, os.PathLike, HasMethods(["create_new_study"])],
        "study_name": [None, str],
        "n_jobs": [
            None,
            Interval(Integral, None, -1, closed="right"),
            Interval(Integral, 1, None, closed="left"),
        ],
        "timeout": [None, Interval(Real, 0, None, closed="neither")],
        "heartbeat_interval": [None, Interval(Integral, 1, None, closed="left")],
        "grace_period": [None, Interval(Integral, 1, None, closed="left")],
        "max_retry": [None, Interval(Integral, 0, None, closed="left")],
        "catch": [tuple],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator,
        param_distributions=None,
        *,
        scoring=None,
        n_trials=10,
        cv=3,
        refit=True,
        sampler=None,
        pruner=None,
        storage=None,
        study_name=None,
        n_jobs=None,
        timeout=None,
        heartbeat_interval=30,
        grace_period=None,
        max_retry=3,
        catch=(Exception,),
        random_state=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.scoring = scoring
        self.n_trials = n_trials
        self.cv = cv
        self.refit = refit
        self.sampler = sampler
        self.pruner = pruner
        self.storage = storage
        self.study_name = study_name
        self.n_jobs = n_jobs
        self.timeout = timeout
        self.heartbeat_interval = heartbeat_interval
        self.grace_period = grace_period
        self.max_retry = max_retry
        self.catch = catch
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------- checks

    def _check_settings(self):
        """Validate everything a trial needs before any trial runs."""
        space = check_param_distributions(self.estimator, self.param_distributions)
        scorers = resolve_scoring(self.scoring)
        keys = list(scorers)
        if isinstance(self.refit, str) and self.refit not in keys:
            raise ValueError(
                f"refit={self.refit!r} is not an objective; objectives: {keys}."
            )
        if not all(
            isinstance(c, type) and issubclass(c, BaseException) for c in self.catch
        ):
            raise TypeError(f"catch must hold exception types; got {self.catch!r}.")
        if (
            self.heartbeat_interval is not None
            and self.grace_period is not None
            and self.grace_period <= self.heartbeat_interval
        ):
            raise ValueError(
                f"grace_period={self.grace_period} must exceed "
                f"heartbeat_interval={self.heartbeat_interval}: else running "
                "trials are failed as stale between two heartbeats."
            )
        pruning = None
        if self.pruner is not None:
            if len(keys) > 1:
                raise ValueError(
                    "Pruning needs a single objective (Optuna cannot prune "
                    f"multi-objective trials); got {len(keys)} objectives. Set "
                    "pruner=None or use one scoring."
                )
            if find_param(self.estimator, "callbacks") is None:
                raise ValueError(
                    f"pruner needs an estimator with a 'callbacks' parameter; "
                    f"{type(self.estimator).__name__} has none."
                )
            fraction = find_param(self.estimator, "validation_fraction")
            validate = fraction and self.estimator.get_params()[fraction]
            pruning = {"monitor": "valid_loss" if validate else "train_loss"}
        return space, scorers, pruning

    def _n_workers(self):
        device_key = find_param(self.estimator, "device")
        device = self.estimator.get_params()[device_key] if device_key else "cpu"
        n_gpus = 0
        if str(device) in ("cuda", "auto"):
            import torch

            n_gpus = torch.cuda.device_count()
        if self.n_jobs == -1 and n_gpus:
            n_jobs = n_gpus
        else:
            n_jobs = effective_n_jobs(self.n_jobs)
        return n_jobs, worker_devices(device, n_jobs, n_gpus)

    def _sampler(self, worker, n_existing=0):
        """Sampler of worker ``worker`` on a study with ``n_existing`` trials.

        Seeds differ per worker and per resumption, so that neither parallel
        workers nor a resumed search draw the same parameters again.
        """
        optuna = import_optional("optuna")
        if self.sampler is None:
            seed = self.random_state
            if seed is not None:
                if not isinstance(seed, Integral):
                    seed = int(check_random_state(seed).randint(2**31 - 1))
                if worker or n_existing:
                    entropy = [seed, worker, n_existing]
                    seed = int(np.random.SeedSequence(entropy).generate_state(1)[0])
            return optuna.samplers.TPESampler(seed=seed)
        sampler = copy.deepcopy(self.sampler)
        if worker or n_existing:
            sampler.reseed_rng()
        return sampler

    # ---------------------------------------------------------------- fit

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Run the trials missing from the study, then refit the chosen one.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, \\*shape)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_attributes), \
default=None
            Attributes (needed by ``ARVAE`` and the disentanglement scorings).

        Returns
        -------
        self : ARVAESearchCV
            The fitted search.
        """
        optuna = import_optional("optuna")
        space, scorers, pruning = self._check_settings()
        X, y = indexable(X, y)
        cv = check_cv(self.cv, y, classifier=False)
        splits = list(cv.split(X, y))
        n_jobs, devices = self._n_workers()
        keys = list(scorers)
        run_id = uuid.uuid4().hex

        verbosity = optuna.logging.get_verbosity()
        if not self.verbose:
            optuna.logging.set_verbosity(optuna.logging.WARNING)
        tmpdir = None
        try:
            storage = self.storage
            if storage is None and n_jobs > 1:
                tmpdir = tempfile.mkdtemp(prefix="skarvae-search-")
                storage = os.path.join(tmpdir, "study.log")
            # workers open URLs and paths themselves, with the same settings
            spec = (storage, self.heartbeat_interval, self.grace_period, self.max_retry)
            storage = open_storage(*spec)
            if not isinstance(spec[0], (str, os.PathLike)):
                spec = storage
            if n_jobs > 1 and isinstance(storage, optuna.storages.InMemoryStorage):
                raise ValueError(
                    "n_jobs > 1 needs a storage the worker processes share; an "
                    "InMemoryStorage cannot be shared. Pass storage=None, a "
                    "journal file path or an RDB URL."
                )
            study, n_existing = self._create_study(storage, keys, pruning)
            runner = TrialRunner(
                self.estimator,
                X,
                y,
                space=space,
                scorers=scorers,
                splits=splits,
                pruning=pruning,
                catch=tuple(self.catch),
                n_trials=self.n_trials,
                run_id=run_id,
                timeout=self.timeout,
            )
            if n_jobs == 1:
                runner.device = devices[0]
                runner.run(study)
            else:
                self._run_workers(runner, spec, study, devices, n_existing)
            if tmpdir is not None:
                memory = optuna.storages.InMemoryStorage()
                optuna.copy_study(
                    from_study_name=study.study_name,
                    from_storage=storage,
                    to_storage=memory,
                )
                storage = memory
            self.study_ = optuna.load_study(
                study_name=study.study_name,
                storage=storage,
                sampler=study.sampler,
                pruner=study.pruner,
            )
        finally:
            optuna.logging.set_verbosity(verbosity)
            if tmpdir is not None:
                shutil.rmtree(tmpdir, ignore_errors=True)
        self.scorer_ = scorers
        self.n_splits_ = len(splits)
        self._store_results(keys, run_id)
        if self.refit is not False:
            estimator = clone(self.estimator).set_params(**self.best_params_)
            start = time.perf_counter()
            self.best_estimator_ = estimator.fit(X, y)
            self.refit_time_ = time.perf_counter() - start
            if hasattr(self.best_estimator_, "n_features_in_"):
                self.n_features_in_ = self.best_estimator_.n_features_in_
        return self

    def _create_study(self, storage, keys, pruning):
        optuna = import_optional("optuna")
        directions = ["maximize"] * len(keys)
        pruner = self.pruner if pruning else optuna.pruners.NopPruner()
        study = optuna.create_study(
            storage=storage,
            study_name=self.study_name,
            directions=directions,
            sampler=self._sampler(0),
            pruner=pruner,
            load_if_exists=True,
        )
        found = [d.name.lower() for d in study.directions]
        if found != directions:
            raise ValueError(
                f"Study {study.study_name!r} in this storage has directions "
                f"{found}, but the scoring gives {len(keys)} objective(s) to "
                "maximize; use another study_name."
            )
        names = study.metric_names
        if names is not None and list(names) != keys:
            raise ValueError(
                f"Study {study.study_name!r} was run with objectives {names}, "
                f"not {keys}; use the same scoring or another study_name."
            )
        n_existing = len(study.get_trials(deepcopy=False))
        study.sampler = self._sampler(0, n_existing)
        if names is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                study.set_metric_names(keys)
        return study, n_existing

    def _run_workers(self, runner, storage, study, devices, n_existing):
        samplers = [self._sampler(i, n_existing) for i in range(len(devices))]
        run_workers(runner, storage, study, devices, samplers, not self.verbose)

    def _store_results(self, keys, run_id):
        optuna = import_optional("optuna")
        trials = self.study_.get_trials(deepcopy=False)
        results = build_cv_results(trials, keys, self.n_splits_)
        self.cv_results_ = results
        self.n_trials_ = len(results["number"])
        failed = [
            t
            for t in trials
            if t.state == optuna.trial.TrialState.FAIL
            and t.user_attrs.get("skarvae_run") == run_id
            and not t.user_attrs.get(SURPLUS_ATTR)
        ]
        if not np.any(results["state"] == "COMPLETE"):
            errors = sorted({trial_error(t) for t in failed})
            raise ValueError(
                f"No trial of study {self.study_.study_name!r} completed; "
                f"errors: {errors}."
            )
        if failed:
            errors = sorted({trial_error(t) for t in failed})[:3]
            warnings.warn(
                f"{len(failed)} trial(s) failed and were skipped; first errors: "
                f"{errors}. See cv_results_['error'].",
                UserWarning,
                stacklevel=3,
            )
        self.pareto_front_ = sorted(self.study_.best_trials, key=lambda t: t.number)
        pareto = [t.number for t in self.pareto_front_]
        self.best_index_ = choose_best_index(results, keys, self.refit, pareto)
        number = int(results["number"][self.best_index_])
        self.best_trial_ = next(t for t in trials if t.number == number)
        self.best_params_ = dict(self.best_trial_.params)
        scores = {k: float(results[f"mean_test_{k}"][self.best_index_]) for k in keys}
        self.best_score_ = scores[keys[0]] if len(keys) == 1 else scores

    # ------------------------------------------------------------ helpers

    def trials_dataframe(self, **kwargs):
        """The study's trials as a DataFrame (``Study.trials_dataframe``).

        Parameters
        ----------
        **kwargs : dict
            Passed to :meth:`optuna.study.Study.trials_dataframe`, e.g.
            ``attrs=("number", "value", "params", "state")``.

        Returns
        -------
        df : pandas.DataFrame
            One row per trial.
        """
        check_is_fitted(self, "study_")
        return self.study_.trials_dataframe(**kwargs)

    @available_if(_estimator_has("transform"))
    def transform(self, X):
        """Transform X with ``best_estimator_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to encode.

        Returns
        -------
        Z : ndarray of shape (n_samples, latent_dim)
            Latent codes.
        """
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.transform(X)

    @available_if(_estimator_has("inverse_transform"))
    def inverse_transform(self, X):
        """Decode X with ``best_estimator_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, latent_dim)
            Latent codes.

        Returns
        -------
        X_decoded : ndarray
            Decoded data.
        """
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.inverse_transform(X)
