"""Pure torch loss functions: VAE terms, AR and GLSR regularization."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skarvae.losses._attribute import attribute_regularization
from skarvae.losses._attribute_functions import (
    ATTRIBUTE_FUNCTIONS,
    Centroid,
    ExpectedMeanPitch,
    ExpectedNoteDensity,
    MeanIntensity,
)
from skarvae.losses._glsr import attribute_derivatives, glsr_regularization
from skarvae.losses._vae import gaussian_kl, reconstruction_loss

__all__ = [
    "ATTRIBUTE_FUNCTIONS",
    "Centroid",
    "ExpectedMeanPitch",
    "ExpectedNoteDensity",
    "MeanIntensity",
    "attribute_derivatives",
    "attribute_regularization",
    "gaussian_kl",
    "glsr_regularization",
    "reconstruction_loss",
]
