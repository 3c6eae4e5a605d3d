"""Pure torch loss functions: VAE terms, AR and GLSR regularization, attributes."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skarvae.losses._attribute import attribute_regularization
from skarvae.losses._attribute_functions import (
    Centroid,
    ExpectedMeanPitch,
    ExpectedNoteDensity,
    MeanIntensity,
)
from skarvae.losses._edit import edit_loss
from skarvae.losses._glsr import attribute_derivatives, glsr_regularization
from skarvae.losses._measure_attributes import (
    ExpectedContour,
    ExpectedPitchRange,
    ExpectedRhythmicComplexity,
    measure_attribute_functions,
)
from skarvae.losses._vae import gaussian_kl, reconstruction_loss

#: Built-in attribute functions by name; ``skarvae.load`` rebuilds only these.
ATTRIBUTE_FUNCTIONS = {
    cls.__name__: cls
    for cls in (
        MeanIntensity,
        Centroid,
        ExpectedNoteDensity,
        ExpectedMeanPitch,
        ExpectedRhythmicComplexity,
        ExpectedPitchRange,
        ExpectedContour,
    )
}

__all__ = [
    "ATTRIBUTE_FUNCTIONS",
    "Centroid",
    "ExpectedContour",
    "ExpectedMeanPitch",
    "ExpectedNoteDensity",
    "ExpectedPitchRange",
    "ExpectedRhythmicComplexity",
    "MeanIntensity",
    "attribute_derivatives",
    "attribute_regularization",
    "edit_loss",
    "gaussian_kl",
    "glsr_regularization",
    "measure_attribute_functions",
    "reconstruction_loss",
]
