"""Attribute-regularized variational auto-encoders as scikit-learn estimators."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from importlib.metadata import PackageNotFoundError, version

from skarvae.estimators import ARVAE, GLSRVAE, BetaVAE
from skarvae.estimators._persistence import load

try:
    __version__ = version("skarvae")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["ARVAE", "GLSRVAE", "BetaVAE", "__version__", "load"]
