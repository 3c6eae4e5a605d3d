"""Data sets: synthetic generators and loaders for the paper's domains."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skarvae.datasets._mnist import load_mnist
from skarvae.datasets._morphometrics import morphometrics
from skarvae.datasets._music import (
    get_data_home,
    load_bach_chorales,
    load_folk_tunes,
    load_music_files,
)
from skarvae.datasets._sprites import load_dsprites, make_sprites
from skarvae.datasets._sprites_measure import measure_sprites
from skarvae.datasets._synthetic import make_attribute_data

__all__ = [
    "get_data_home",
    "load_bach_chorales",
    "load_dsprites",
    "load_folk_tunes",
    "load_mnist",
    "load_music_files",
    "make_attribute_data",
    "make_sprites",
    "measure_sprites",
    "morphometrics",
]
