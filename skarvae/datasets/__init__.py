"""Data sets: synthetic generators and loaders for the paper's domains."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skarvae.datasets._synthetic import make_attribute_data

__all__ = ["make_attribute_data"]
