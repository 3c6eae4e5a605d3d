"""Dataset generators and loaders returning scikit-learn Bunch objects."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skarvae.datasets._mnist import load_mnist
from skarvae.datasets._morphometrics import morphometrics
from skarvae.datasets._sprites import load_dsprites, make_sprites

__all__ = ["load_dsprites", "load_mnist", "make_sprites", "morphometrics"]
