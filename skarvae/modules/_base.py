"""The VAE module protocol shared by every skarvae network."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from typing import NamedTuple

import torch
from torch import nn


class VAEOutput(NamedTuple):
    """What :meth:`VAEModule.forward` returns.

    Attributes
    ----------
    output : torch.Tensor
        Decoder output for the sampled ``z``: values for continuous data,
        logits for binary data (shape ``(batch, *input_shape)``) or for tokens
        (shape ``(batch, *input_shape, n_tokens)``).
    mu : torch.Tensor of shape (batch, latent_dim)
        Posterior means.
    logvar : torch.Tensor of shape (batch, latent_dim)
        Posterior log-variances.
    z : torch.Tensor of shape (batch, latent_dim)
        One reparameterized sample from the posterior.
    """

    output: torch.Tensor
    mu: torch.Tensor
    logvar: torch.Tensor
    z: torch.Tensor


class VAEModule(nn.Module):
    """Base class of the modules that skarvae estimators train.

    A module maps a batch ``x`` of shape ``(batch, *input_shape)`` to a
    diagonal Gaussian posterior and decodes latent codes back to the data
    space. Subclasses implement :meth:`encode` and :meth:`decode`;
    :meth:`forward` and :meth:`reparameterize` come for free.

    The estimators build a module as
    ``module(input_shape=..., latent_dim=..., **options)`` where ``options``
    holds ``n_tokens`` for token data (``recon_loss="ce"``), the estimator's
    ``hidden_dims`` when it is set and the constructor accepts it, and the
    estimator's ``module_params``. The default of the constructor's
    ``latent_dim`` is used when the estimator's ``latent_dim`` is None.
    Any :class:`torch.nn.Module` subclass that follows this protocol can be
    passed as ``module=`` to the estimators.

    Attributes
    ----------
    data_kind : {'continuous', 'tokens'}
        What the module consumes. Token modules take integer ids and return
        logits with a trailing ``n_tokens`` axis; ``recon_loss="auto"``
        chooses cross-entropy for them. The estimators also treat a module
        given ``n_tokens`` in ``module_params`` (e.g. ``MLPVAE``) as a token
        model, and refuse ``recon_loss="mse"`` or ``"bce"`` for token
        models.

    Examples
    --------
    >>> import torch
    >>> from skarvae.modules import MLPVAE
    >>> module = MLPVAE(input_shape=(5,), latent_dim=2)
    >>> out = module(torch.zeros(3, 5))
    >>> out.output.shape, out.mu.shape, out.z.shape
    (torch.Size([3, 5]), torch.Size([3, 2]), torch.Size([3, 2]))
    """

    data_kind = "continuous"

    def encode(self, x):
        """Return the posterior parameters ``(mu, logvar)`` of a batch."""
        raise NotImplementedError

    def decode(self, z):
        """Return the decoder output (values or logits) for latent codes."""
        raise NotImplementedError

    @staticmethod
    def reparameterize(mu, logvar):
        """Draw ``z = mu + sigma * eps`` with ``eps ~ N(0, I)``."""
        return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)

    def forward(self, x):
        """Encode, sample once from the posterior and decode the sample."""
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar)
        return VAEOutput(self.decode(z), mu, logvar, z)
