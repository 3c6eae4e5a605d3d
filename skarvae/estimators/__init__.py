"""Public scikit-learn estimators."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skarvae.estimators._arvae import ARVAE
from skarvae.estimators._betavae import BetaVAE
from skarvae.estimators._glsrvae import GLSRVAE

__all__ = ["ARVAE", "GLSRVAE", "BetaVAE"]
