"""Pure torch loss functions: the VAE terms and the attribute regularization."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skarvae.losses._attribute import attribute_regularization
from skarvae.losses._vae import gaussian_kl, reconstruction_loss

__all__ = ["attribute_regularization", "gaussian_kl", "reconstruction_loss"]
