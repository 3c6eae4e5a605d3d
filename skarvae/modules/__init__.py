"""Neural network modules following the skarvae VAE protocol."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skarvae.modules._base import VAEModule, VAEOutput
from skarvae.modules._conv import ConvVAE, DSpritesVAE, MorphoMNISTVAE
from skarvae.modules._image import FastImageVAE
from skarvae.modules._measure import MeasureVAE
from skarvae.modules._mlp import MLPVAE
from skarvae.modules._registry import MODULES, get_module_class
from skarvae.modules._tokens import TokenConvVAE, TokenMLPVAE

__all__ = [
    "MLPVAE",
    "MODULES",
    "ConvVAE",
    "DSpritesVAE",
    "FastImageVAE",
    "MeasureVAE",
    "MorphoMNISTVAE",
    "TokenConvVAE",
    "TokenMLPVAE",
    "VAEModule",
    "VAEOutput",
    "get_module_class",
]
