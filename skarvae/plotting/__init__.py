"""Matplotlib pictures; matplotlib is imported only when a function is called."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skarvae.plotting._editing import plot_attribute_surface, plot_attribute_traversal

__all__ = ["plot_attribute_surface", "plot_attribute_traversal"]
