"""Attribute regularization of Pati & Lerch (2020), Eq. 8."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import torch


def attribute_regularization(z, attributes, delta=1.0, *, include_diagonal=True):
    """AR-VAE regularization loss of every attribute, in one tensor expression.

    For attribute ``l`` regularized on latent column ``z[:, l]``, the loss is
    the mean absolute error between ``tanh(delta_l * D_r)`` and
    ``sign(D_a)`` over the ``m x m`` pairs of the mini-batch, where
    ``D_r[i, j] = z_i - z_j`` and ``D_a[i, j] = a_i - a_j``.

    The defaults follow the original AR-VAE code exactly:

    - every ordered pair counts, the diagonal included (its terms are 0 but
      stay in the mean, so the loss is the sum over pairs divided by
      ``m**2``);
    - tied attribute values have target ``sign(0) = 0``, which pulls the
      latent codes of tied samples together;
    - the estimators pass the sampled ``z``, not the posterior mean.

    Parameters
    ----------
    z : torch.Tensor of shape (m, k)
        The regularized latent columns, column ``l`` for attribute ``l``.
    attributes : torch.Tensor of shape (m, k)
        The attribute values.
    delta : float or torch.Tensor of shape (k,), default=1.0
        Spread of the tanh, one value or one per attribute.
    include_diagonal : bool, default=True
        If False, average over the ``m * (m - 1)`` pairs with ``i != j``.

    Returns
    -------
    loss : torch.Tensor of shape (k,)
        One loss per attribute; weight by gamma and sum for the objective.

    Examples
    --------
    >>> import torch
    >>> from skarvae.losses import attribute_regularization
    >>> z = torch.tensor([[0.0], [1.0]])
    >>> a = torch.tensor([[0.0], [1.0]])
    >>> attribute_regularization(z, a, delta=100.0)
    tensor([0.])
    >>> attribute_regularization(z, -a, delta=100.0)
    tensor([1.])
    """
    dz = z.unsqueeze(1) - z.unsqueeze(0)
    da = attributes.unsqueeze(1) - attributes.unsqueeze(0)
    loss = (torch.tanh(delta * dz) - torch.sign(da)).abs().mean(dim=(0, 1))
    if not include_diagonal:
        m = z.shape[0]
        loss = loss * (m / (m - 1)) if m > 1 else torch.zeros_like(loss)
    return loss
