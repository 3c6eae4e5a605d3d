"""Plots of an Optuna-backed search: trials, Pareto front, importances."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings

import numpy as np
from sklearn.utils.validation import check_is_fitted

from skarvae.utils._optional import import_optional


def _objective_keys(search):
    return list(search.scorer_)


def _axes(ax):
    if ax is None:
        plt = import_optional("matplotlib.pyplot")
        _, ax = plt.subplots()
    return ax


def plot_search_trials(search, x=None, y=None, *, ax=None):
    """Scatter the trials of a search, with the Pareto front highlighted.

    With several objectives each complete trial is a point (objective ``x``
    against objective ``y``); the Pareto front is drawn as a line through
    its points and the chosen trial (``best_index_``) as a star. With one
    objective the score is plotted against the trial number.

    Parameters
    ----------
    search : ARVAESearchCV
        A fitted search.
    x, y : str, default=None
        Objective names for the axes; None takes the first and second
        objective (the trial number and the objective with one objective).
    ax : matplotlib Axes, default=None
        Axes to draw on; None creates a figure.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skarvae import ARVAE
    >>> from skarvae.datasets import make_attribute_data
    >>> from skarvae.model_selection import ARVAESearchCV
    >>> from skarvae.plotting import plot_search_trials
    >>> data = make_attribute_data(n_samples=80, n_features=6, n_attributes=2,
    ...                            random_state=0)
    >>> est = ARVAE(latent_dim=4, hidden_dims=(16,), max_epochs=2, random_state=0)
    >>> search = ARVAESearchCV(est, scoring=["interpretability", "elbo"],
    ...                        n_trials=3, cv=2, random_state=0)
    >>> ax = plot_search_trials(search.fit(data.data, data.attributes))
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('interpretability', 'elbo')
    """
    check_is_fitted(search, "cv_results_")
    results = search.cv_results_
    keys = _objective_keys(search)
    ax = _axes(ax)
    complete = results["state"] == "COMPLETE"
    pareto = np.isin(results["number"], [t.number for t in search.pareto_front_])
    if len(keys) == 1:
        key = y or keys[0]
        xs, x_label = results["number"].astype(float), "trial"
        ys, y_label = results[f"mean_test_{key}"], key
    else:
        x_key = x or keys[0]
        y_key = y or next(k for k in keys if k != x_key)
        xs, x_label = results[f"mean_test_{x_key}"], x_key
        ys, y_label = results[f"mean_test_{y_key}"], y_key
    ax.scatter(xs[complete], ys[complete], c="0.6", s=20, label="trials")
    order = np.argsort(xs[pareto])
    ax.plot(
        xs[pareto][order],
        ys[pareto][order],
        "o-",
        c="C3",
        ms=6,
        label="Pareto front" if len(keys) > 1 else "best",
    )
    best = getattr(search, "best_index_", None)
    if best is not None:
        ax.scatter(
            [xs[best]], [ys[best]], marker="*", s=200, c="C1", zorder=3, label="chosen"
        )
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.set_title(f"{int(complete.sum())} complete of {len(complete)} trials")
    ax.legend()
    return ax


def plot_param_importances(search, objective=None, *, evaluator=None, ax=None):
    """Bar chart of the parameter importances of a search.

    Importances come from :func:`optuna.importance.get_param_importances`
    over the complete trials, for one objective.

    Parameters
    ----------
    search : ARVAESearchCV
        A fitted search.
    objective : str, default=None
        Objective whose importances to show; None is the first.
    evaluator : optuna importance evaluator, default=None
        E.g. ``optuna.importance.FanovaImportanceEvaluator(seed=0)``; None is
        Optuna's default.
    ax : matplotlib Axes, default=None
        Axes to draw on; None creates a figure.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skarvae import BetaVAE
    >>> from skarvae.datasets import make_attribute_data
    >>> from skarvae.model_selection import ARVAESearchCV
    >>> from skarvae.plotting import plot_param_importances
    >>> X = make_attribute_data(n_samples=80, n_features=6, random_state=0).data
    >>> est = BetaVAE(latent_dim=4, hidden_dims=(16,), max_epochs=2, random_state=0)
    >>> search = ARVAESearchCV(est, n_trials=3, cv=2, random_state=0).fit(X)
    >>> [t.get_text() for t in plot_param_importances(search).get_yticklabels()]
    ['beta']
    """
    check_is_fitted(search, "study_")
    importance = import_optional("optuna.importance")
    keys = _objective_keys(search)
    objective = objective or keys[0]
    if objective not in keys:
        raise ValueError(f"objective={objective!r} is not one of {keys}.")
    target = None
    if len(keys) > 1:
        index = keys.index(objective)

        def target(trial):
            # Negated: every objective is maximized, and evaluators given a
            # target (PED-ANOVA) look for the parameters of low values.
            return -trial.values[index]

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PedAnovaImportanceEvaluator")
        importances = importance.get_param_importances(
            search.study_, evaluator=evaluator, target=target
        )
    ax = _axes(ax)
    names = list(importances)[::-1]
    ax.barh(names, [importances[n] for n in names], color="C0")
    ax.set_xlabel(f"importance for {objective}")
    ax.set_title("Parameter importances")
    return ax
