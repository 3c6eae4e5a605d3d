"""Search results: cv_results_ from the study's trials, and refit rules."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral

import numpy as np
from scipy.stats import rankdata

from skarvae.utils._optional import import_optional


def _masked(values):
    array = np.ma.MaskedArray(np.empty(len(values), dtype=object), mask=True)
    for i, value in enumerate(values):
        if value is not None:
            array[i] = value
    return array


def _rank(means):
    """Rank 1 for the highest mean; NaN (failed or pruned) ranks last."""
    filled = np.where(np.isnan(means), -np.inf, means)
    return rankdata(-filled, method="min").astype(np.int32)


def trial_error(trial):
    """The error of a failed trial ('' for others)."""
    optuna = import_optional("optuna")
    if trial.state != optuna.trial.TrialState.FAIL or "error" in trial.user_attrs:
        return trial.user_attrs.get("error", "")
    return "stale: no heartbeat within the grace period (worker lost)"


def build_cv_results(trials, keys, n_splits):
    """``cv_results_`` dict with one entry per finished trial.

    Complete trials have their fold scores; pruned and failed trials have
    NaN scores, and failed ones their error message in ``'error'``. Surplus
    trials (failed at once, never run) are left out.
    """
    optuna = import_optional("optuna")
    states = optuna.trial.TrialState
    finished = (states.COMPLETE, states.PRUNED, states.FAIL)
    trials = [
        t for t in trials if t.state in finished and not t.user_attrs.get("surplus")
    ]
    trials.sort(key=lambda t: t.number)
    results = {
        "number": np.array([t.number for t in trials], dtype=np.int64),
        "state": np.array([t.state.name for t in trials], dtype=object),
        "params": [dict(t.params) for t in trials],
        "error": np.array([trial_error(t) for t in trials], dtype=object),
    }
    names = sorted({name for t in trials for name in t.params})
    for name in names:
        results[f"param_{name}"] = _masked([t.params.get(name) for t in trials])
    for kind in ("fit", "score"):
        times = [t.user_attrs.get(f"{kind}_time") for t in trials]
        results[f"mean_{kind}_time"] = np.array(
            [np.mean(v) if v else np.nan for v in times]
        )
        results[f"std_{kind}_time"] = np.array(
            [np.std(v) if v else np.nan for v in times]
        )
    for key in keys:
        splits = np.full((len(trials), n_splits), np.nan)
        for i, t in enumerate(trials):
            values = t.user_attrs.get(f"split_test_{key}")
            if t.state == states.COMPLETE and values and len(values) == n_splits:
                splits[i] = values
        for k in range(n_splits):
            results[f"split{k}_test_{key}"] = splits[:, k]
        complete = ~np.isnan(splits).any(axis=1)
        means = np.full(len(trials), np.nan)
        stds = np.full(len(trials), np.nan)
        means[complete] = splits[complete].mean(axis=1)
        stds[complete] = splits[complete].std(axis=1)
        results[f"mean_test_{key}"] = means
        results[f"std_test_{key}"] = stds
        results[f"rank_test_{key}"] = _rank(means)
    return results


def knee_index(values):
    """Index of the Pareto point nearest the ideal point.

    Each objective is min-max scaled to [0, 1] over ``values`` (an objective
    that is constant over them scales to 1) and the point with the smallest
    Euclidean distance to (1, ..., 1) wins; ties go to the first point.

    Parameters
    ----------
    values : array-like of shape (n_points, n_objectives)
        Objective values to maximize, typically the Pareto front.

    Returns
    -------
    index : int
        Row of the chosen point.

    Examples
    --------
    >>> from skarvae.model_selection import knee_index
    >>> knee_index([[0.9, -5.0], [0.7, -1.0], [0.2, -0.5]])
    1
    """
    values = np.asarray(values, dtype=float)
    low, high = values.min(axis=0), values.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    scaled = np.where(high > low, (values - low) / span, 1.0)
    return int(np.argmin(np.linalg.norm(1.0 - scaled, axis=1)))


def choose_best_index(results, keys, refit, pareto_numbers):
    """Index into ``results`` of the trial to refit (see ARVAESearchCV)."""
    complete = np.flatnonzero(results["state"] == "COMPLETE")
    if callable(refit):
        index = refit(results)
        if not isinstance(index, Integral) or not 0 <= index < len(results["state"]):
            raise IndexError(
                "The refit callable must return an index into cv_results_; got "
                f"{index!r}."
            )
        if results["state"][index] != "COMPLETE":
            raise ValueError(
                f"The refit callable chose trial {results['number'][index]}, "
                f"which is {results['state'][index]}, not COMPLETE."
            )
        return int(index)
    if isinstance(refit, str):
        means = results[f"mean_test_{refit}"][complete]
        return int(complete[np.argmax(means)])
    if len(keys) == 1:
        return int(complete[np.argmax(results[f"mean_test_{keys[0]}"][complete])])
    front = np.flatnonzero(np.isin(results["number"], pareto_numbers))
    values = np.column_stack([results[f"mean_test_{k}"][front] for k in keys])
    return int(front[knee_index(values)])
