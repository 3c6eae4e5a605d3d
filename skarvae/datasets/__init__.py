"""Data sets: synthetic generators and loaders for the paper's domains."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skarvae.datasets._music import (
    get_data_home,
    load_bach_chorales,
    load_folk_tunes,
    load_music_files,
)
from skarvae.datasets._synthetic import make_attribute_data

__all__ = [
    "get_data_home",
    "load_bach_chorales",
    "load_folk_tunes",
    "load_music_files",
    "make_attribute_data",
]
