"""Edit loss: decoded attributes of codes with one regularized dim swapped."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import torch


def edit_loss(decode, z, attributes, attribute_fns, dims, *, scale=1.0):
    """Squared error of the attribute a decoder gives a code after an edit.

    AR-VAE orders each attribute along its latent dim in the *encoder*; the
    decoder only sees codes of real samples. This loss asks the decoder to
    honour edits too. For each sample ``i`` of the batch it draws one
    attribute ``l`` (among those with a function) and a donor ``j``, replaces
    ``z[i, dims[l]]`` by the donor's code ``z[j, dims[l]]``, decodes, and
    compares the attribute of the output, ``attribute_fns[l]``, with the
    donor's attribute ``attributes[j, l]``::

        mean_i ((f_l(decode(z'))_i - a_{j, l}) / scale_l) ** 2

    The donors and attributes come from torch's global random generator.

    Parameters
    ----------
    decode : callable
        The decoder, from codes of shape ``(m, latent_dim)`` to outputs.
    z : torch.Tensor of shape (m, latent_dim)
        Codes of the batch; detach them to train only the decoder.
    attributes : torch.Tensor of shape (m, k)
        The attribute values of the batch.
    attribute_fns : sequence of callable or None, length k
        Differentiable function of the decoder output per attribute,
        returning one value per sample; attributes with None take no part.
    dims : sequence of int, length k
        Latent dim of each attribute.
    scale : float or torch.Tensor of shape (k,), default=1.0
        Unit of each attribute's error, e.g. its standard deviation.

    Returns
    -------
    loss : torch.Tensor
        Scalar mean over the batch.

    Examples
    --------
    >>> import torch
    >>> from skarvae.losses import edit_loss
    >>> z = torch.tensor([[0.0, 5.0], [1.0, 5.0], [2.0, 5.0]])
    >>> a = z[:, :1] * 10  # the attribute is 10 times the code of dim 0
    >>> decode = lambda code: code  # an identity "decoder" ...
    >>> fns = [lambda output: 10 * output[:, 0]]  # ... that honours every edit
    >>> edit_loss(decode, z, a, fns, [0])
    tensor(0.)
    >>> blind = [lambda output: 10 * output[:, 1]]  # reads the wrong dim
    >>> bool(edit_loss(decode, z, a, blind, [0]) > 0)
    True
    """
    active = [k for k, fn in enumerate(attribute_fns) if fn is not None]
    if not active:
        raise ValueError("edit_loss needs an attribute function; all are None.")
    m = len(z)
    device = z.device
    chosen = torch.as_tensor(active, device=device)[
        torch.randint(len(active), (m,), device=device)
    ]
    donors = torch.randint(m, (m,), device=device)
    columns = torch.as_tensor(list(dims), device=device)[chosen]
    edited = z.clone()
    edited[torch.arange(m, device=device), columns] = z[donors, columns]
    output = decode(edited)
    # each function runs only on the samples whose attribute was drawn
    # (one host sync for the group sizes; the rows keep their batch order)
    counts = torch.bincount(chosen, minlength=len(attribute_fns)).tolist()
    order = torch.argsort(chosen, stable=True)
    groups = order.split(counts)
    parts = [attribute_fns[k](output[groups[k]]) for k in active if counts[k]]
    values = torch.empty(m, device=device, dtype=z.dtype)
    values[order] = torch.cat(parts).to(z.dtype)
    error = values - attributes[donors, chosen].to(z.dtype)
    scale = torch.as_tensor(scale, device=device, dtype=z.dtype)
    if scale.ndim:
        scale = scale[chosen]
    return ((error / scale) ** 2).mean()
