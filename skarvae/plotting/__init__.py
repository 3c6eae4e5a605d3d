"""Matplotlib pictures; matplotlib is imported only when a function is called."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skarvae.plotting._images import plot_reconstructions, plot_traversal_grid

__all__ = ["plot_reconstructions", "plot_traversal_grid"]
