"""Dataset loaders returning scikit-learn Bunch objects."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skarvae.datasets._music import (
    get_data_home,
    load_bach_chorales,
    load_folk_tunes,
    load_music_files,
)

__all__ = [
    "get_data_home",
    "load_bach_chorales",
    "load_folk_tunes",
    "load_music_files",
]
