"""Matplotlib pictures; matplotlib is imported only when a function is called."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skarvae.plotting._editing import plot_attribute_surface, plot_attribute_traversal
from skarvae.plotting._images import plot_reconstructions, plot_traversal_grid

__all__ = [
    "plot_attribute_surface",
    "plot_attribute_traversal",
    "plot_reconstructions",
    "plot_traversal_grid",
]
