"""Reconstruction and KL terms of the VAE objective."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import torch
from torch.nn import functional as F


def gaussian_kl(mu, logvar):
    """KL divergence from N(mu, exp(logvar)) to N(0, I), one value per sample.

    Parameters
    ----------
    mu, logvar : torch.Tensor of shape (batch, latent_dim)
        Posterior means and log-variances.

    Returns
    -------
    kl : torch.Tensor of shape (batch,)
        The divergence summed over latent dimensions.

    Examples
    --------
    >>> import torch
    >>> from skarvae.losses import gaussian_kl
    >>> gaussian_kl(torch.zeros(2, 3), torch.zeros(2, 3))
    tensor([0., 0.])
    """
    return 0.5 * (torch.exp(logvar) + mu.square() - 1.0 - logvar).sum(dim=1)


def reconstruction_loss(output, target, kind):
    """Negative log-likelihood of ``target`` under the decoder, per sample.

    Parameters
    ----------
    output : torch.Tensor
        Decoder output: values for ``"mse"``, logits of shape
        ``(batch, *shape)`` for ``"bce"``, logits of shape
        ``(batch, *shape, n_tokens)`` for ``"ce"``.
    target : torch.Tensor of shape (batch, \\*shape)
        The data: real values, values in [0, 1], or integer token ids.
    kind : {'mse', 'bce', 'ce'}
        Squared error, binary cross-entropy with logits, or token
        cross-entropy.

    Returns
    -------
    loss : torch.Tensor of shape (batch,)
        The loss summed over every feature, pixel or token of a sample.

    Examples
    --------
    >>> import torch
    >>> from skarvae.losses import reconstruction_loss
    >>> reconstruction_loss(torch.ones(2, 3), torch.zeros(2, 3), "mse")
    tensor([3., 3.])
    """
    if kind == "mse":
        loss = (output - target).square()
    elif kind == "bce":
        loss = F.binary_cross_entropy_with_logits(output, target, reduction="none")
    elif kind == "ce":
        loss = F.cross_entropy(output.movedim(-1, 1), target.long(), reduction="none")
    else:
        raise ValueError(f"Unknown reconstruction loss {kind!r}.")
    return loss.flatten(start_dim=1).sum(dim=1)
