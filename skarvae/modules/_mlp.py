"""Fully connected VAE for tabular data and token sequences."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import itertools
import math

import torch
from torch import nn

from skarvae.modules._base import VAEModule

_ACTIVATIONS = {"relu": nn.ReLU, "selu": nn.SELU, "tanh": nn.Tanh, "gelu": nn.GELU}


def _mlp(widths, activation, dropout):
    layers = []
    for n_in, n_out in itertools.pairwise(widths):
        layers += [nn.Linear(n_in, n_out), _ACTIVATIONS[activation]()]
        if dropout:
            layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class MLPVAE(VAEModule):
    """Multi-layer perceptron encoder and decoder.

    Inputs of any per-sample shape are flattened; the decoder output is
    reshaped back to ``input_shape``. With ``n_tokens`` set, inputs are
    integer token ids that are one-hot encoded, and the decoder returns
    logits of shape ``(batch, *input_shape, n_tokens)``.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample, e.g. ``(n_features,)``.
    latent_dim : int, default=8
        Size of the latent code.
    hidden_dims : sequence of int, default=(128, 64)
        Widths of the encoder's hidden layers; the decoder mirrors them.
    activation : {'relu', 'selu', 'tanh', 'gelu'}, default='relu'
        Activation after every hidden layer.
    dropout : float, default=0.0
        Dropout probability after every hidden layer.
    n_tokens : int, default=None
        Vocabulary size for token inputs; None for continuous inputs.

    Examples
    --------
    >>> import torch
    >>> from skarvae.modules import MLPVAE
    >>> module = MLPVAE(input_shape=(24,), latent_dim=4, n_tokens=10)
    >>> module.decode(torch.zeros(2, 4)).shape
    torch.Size([2, 24, 10])
    """

    def __init__(
        self,
        input_shape,
        latent_dim=8,
        hidden_dims=(128, 64),
        activation="relu",
        dropout=0.0,
        n_tokens=None,
    ):
        super().__init__()
        self.input_shape = tuple(input_shape)
        self.n_tokens = n_tokens
        self.data_kind = "continuous" if n_tokens is None else "tokens"
        n_in = math.prod(self.input_shape) * (n_tokens or 1)
        hidden = [int(h) for h in hidden_dims]
        self.encoder = _mlp([n_in, *hidden], activation, dropout)
        width = hidden[-1] if hidden else n_in
        self.mu = nn.Linear(width, latent_dim)
        self.logvar = nn.Linear(width, latent_dim)
        self.decoder = nn.Sequential(
            _mlp([latent_dim, *hidden[::-1]], activation, dropout),
            nn.Linear(hidden[0] if hidden else latent_dim, n_in),
        )

    def encode(self, x):
        if self.n_tokens is not None:
            x = nn.functional.one_hot(x.long(), self.n_tokens).float()
        h = self.encoder(torch.flatten(x, start_dim=1))
        return self.mu(h), self.logvar(h)

    def decode(self, z):
        out = self.decoder(z)
        tail = () if self.n_tokens is None else (self.n_tokens,)
        return out.view(z.shape[0], *self.input_shape, *tail)
