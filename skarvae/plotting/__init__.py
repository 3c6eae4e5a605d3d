"""Matplotlib pictures; matplotlib is imported only when a plot is drawn."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skarvae.plotting._editing import plot_attribute_surface, plot_attribute_traversal
from skarvae.plotting._images import plot_reconstructions, plot_traversal_grid
from skarvae.plotting._music import plot_piano_roll
from skarvae.plotting._search import plot_param_importances, plot_search_trials

__all__ = [
    "plot_attribute_surface",
    "plot_attribute_traversal",
    "plot_param_importances",
    "plot_piano_roll",
    "plot_reconstructions",
    "plot_search_trials",
    "plot_traversal_grid",
]
