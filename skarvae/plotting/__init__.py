"""Matplotlib pictures; matplotlib is imported only when a function is called."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skarvae.plotting._music import plot_piano_roll

__all__ = ["plot_piano_roll"]
