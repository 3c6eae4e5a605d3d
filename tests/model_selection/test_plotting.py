"""Plots of search results (skarvae.plotting)."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import subprocess
import sys

import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("optuna")

import matplotlib

from skarvae import ARVAE
from skarvae.datasets import make_attribute_data
from skarvae.model_selection import ARVAESearchCV
from skarvae.plotting import plot_param_importances, plot_search_trials
from skarvae.utils._testing import FAST

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def search():
    data = make_attribute_data(
        n_samples=100, n_features=6, n_attributes=2, random_state=0
    )
    return ARVAESearchCV(
        ARVAE(**FAST, random_state=0),
        scoring=["interpretability", "neg_reconstruction_error"],
        n_trials=5,
        cv=2,
        random_state=0,
    ).fit(data.data, data.attributes)


def test_plot_search_trials_highlights_pareto_front(search):
    ax = plot_search_trials(search)
    assert ax.get_xlabel() == "interpretability"
    assert ax.get_ylabel() == "neg_reconstruction_error"
    (front,) = ax.get_lines()
    assert len(front.get_xdata()) == len(search.pareto_front_)
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["trials", "Pareto front", "chosen"]
    swapped = plot_search_trials(search, x="neg_reconstruction_error")
    assert swapped.get_ylabel() == "interpretability"


def test_plot_param_importances_per_objective(search):
    ax = plot_param_importances(search, "neg_reconstruction_error")
    names = sorted(t.get_text() for t in ax.get_yticklabels())
    assert names == ["beta", "delta", "gamma"]
    assert "neg_reconstruction_error" in ax.get_xlabel()
    with pytest.raises(ValueError, match="not one of"):
        plot_param_importances(search, "mig")


def test_import_stays_light():
    code = (
        "import sys, skarvae.model_selection, skarvae.plotting; "
        "print('optuna' in sys.modules, 'matplotlib' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False"]
