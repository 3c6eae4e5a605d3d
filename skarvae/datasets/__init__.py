"""Data sets: synthetic generators and loaders for the paper's domains."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skarvae.datasets._mnist import load_mnist
from skarvae.datasets._morphometrics import morphometrics
from skarvae.datasets._sprites import load_dsprites, make_sprites
from skarvae.datasets._synthetic import make_attribute_data

__all__ = [
    "load_dsprites",
    "load_mnist",
    "make_attribute_data",
    "make_sprites",
    "morphometrics",
]
