"""Geodesic latent space regularization (Hadjeres, Nielsen and Pachet, 2017)."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import torch


def attribute_derivatives(decode, z, attribute_fns, dims):
    """Derivative of each attribute of the decoded data along its latent dim.

    For attribute ``l`` the derivative is ``d a_l(decode(z)) / d z[:, dims[l]]``
    for every sample at once, computed with forward-mode automatic
    differentiation (one Jacobian-vector product per attribute along the unit
    vector of its latent dimension). Gradients flow through the result, so
    it can be trained on.

    Parameters
    ----------
    decode : callable
        Maps latent codes of shape (batch, latent_dim) to decoder output.
    z : torch.Tensor of shape (batch, latent_dim)
        Latent codes, e.g. posterior samples.
    attribute_fns : sequence of callable
        Differentiable torch functions, each mapping the decoder output to one
        value per sample, shape (batch,). Each sample's value must depend on
        that sample alone.
    dims : sequence of int
        Latent dimension of each attribute.

    Returns
    -------
    values : torch.Tensor of shape (batch, n_attributes)
        The attributes of the decoded data.
    derivatives : torch.Tensor of shape (batch, n_attributes)
        Their derivatives along the regularized dims.

    Examples
    --------
    >>> import torch
    >>> from skarvae.losses import attribute_derivatives
    >>> decode = lambda z: z * torch.tensor([2.0, -3.0])
    >>> first, second = (lambda out: out[:, 0]), (lambda out: out[:, 1] ** 2)
    >>> z = torch.tensor([[1.0, 1.0], [0.5, -1.0]])
    >>> attribute_derivatives(decode, z, [first, second], [0, 1])[1]
    tensor([[ 2., 18.],
            [ 2., -18.]])
    """
    from torch.func import jvp  # imported here: torch.func is slow to import

    values, derivatives = [], []
    for fn, dim in zip(attribute_fns, dims):
        tangent = torch.zeros_like(z)
        tangent[:, dim] = 1.0
        value, derivative = jvp(lambda code, fn=fn: fn(decode(code)), (z,), (tangent,))
        values.append(value)
        derivatives.append(derivative)
    return torch.stack(values, dim=1), torch.stack(derivatives, dim=1)


def glsr_regularization(derivatives, mean, std):
    """Negative log-density of the derivatives under N(mean, std**2).

    Parameters
    ----------
    derivatives : torch.Tensor of shape (batch, n_attributes)
        Derivatives of the attributes along their latent dims, see
        :func:`attribute_derivatives`.
    mean, std : float or torch.Tensor of shape (n_attributes,)
        The target distribution of each derivative: a positive mean makes the
        attribute grow along its dim, a small standard deviation at a steady
        rate.

    Returns
    -------
    loss : torch.Tensor of shape (n_attributes,)
        The mean over the batch, one value per attribute.

    Examples
    --------
    >>> import torch
    >>> from skarvae.losses import glsr_regularization
    >>> loss = glsr_regularization(torch.tensor([[1.0], [3.0]]), 2.0, 1.0)
    >>> round(loss.item(), 4)  # 0.5 + log(sqrt(2 pi))
    1.4189
    """
    std = torch.as_tensor(std, dtype=derivatives.dtype, device=derivatives.device)
    z = (derivatives - mean) / std
    return (0.5 * z.square() + torch.log(std) + 0.5 * math.log(2 * math.pi)).mean(0)
