"""A fast image VAE for CPUs: non-overlapping patch convolutions and an MLP."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import itertools
import math
import numbers

import torch
from torch import nn
from torch.nn import functional as F

from skarvae.modules._base import VAEModule
from skarvae.modules._conv import _ACTIVATIONS, _resolve_image_shape
from skarvae.modules._invariant import (
    _check_pool_branch,
    _check_spectrum,
    _PooledFeatures,
    _positive_ints,
    _SpectrumFeatures,
)


class _Patchify(nn.Module):
    """``Conv2d(c_in, c_out, p, stride=p)`` written as a reshape and a matmul.

    A convolution whose kernel equals its stride is a dense layer applied to
    each non-overlapping ``p x p`` patch; on CPUs the matmul is several times
    faster than the convolution kernels.
    """

    def __init__(self, c_in, c_out, p):
        super().__init__()
        self.p = p
        self.linear = nn.Linear(c_in * p * p, c_out)

    def forward(self, x):
        b, c, h, w = x.shape
        p = self.p
        x = x.reshape(b, c, h // p, p, w // p, p).permute(0, 2, 4, 1, 3, 5)
        x = self.linear(x.reshape(b, h // p, w // p, c * p * p))
        return x.permute(0, 3, 1, 2)


class _Unpatchify(nn.Module):
    """``ConvTranspose2d(c_in, c_out, p, stride=p)`` as a matmul and a reshape."""

    def __init__(self, c_in, c_out, p):
        super().__init__()
        self.p, self.c_out = p, c_out
        self.linear = nn.Linear(c_in, c_out * p * p)

    def forward(self, x):
        b, _, h, w = x.shape
        p = self.p
        x = self.linear(x.permute(0, 2, 3, 1))
        x = x.reshape(b, h, w, self.c_out, p, p).permute(0, 3, 1, 4, 2, 5)
        return x.reshape(b, self.c_out, h * p, w * p)


class _BroadcastDecoder(nn.Module):
    """Spatial-broadcast decoder (Watters et al. 2019) on a coarse grid.

    The code and each cell's ``(x, y)`` in [-1, 1] feed the first hidden
    layer (their linear maps summed), so a cell knows where it is relative to
    what the code describes; an MLP of ``dims`` then maps every cell to its
    ``(C, H / grid, W / grid)`` block of logits.
    """

    def __init__(self, latent_dim, image_shape, grid, dims, act):
        super().__init__()
        n_channels, height, width = image_shape
        self.grid, self.n_channels = grid, n_channels
        self.block = (height // grid, width // grid)
        self.code = nn.Linear(latent_dim, dims[0])
        self.coords = nn.Linear(2, dims[0], bias=False)
        axis = torch.linspace(-1, 1, grid)
        ys, xs = torch.meshgrid(axis, axis, indexing="ij")
        cells = torch.stack([xs, ys], dim=-1).reshape(-1, 2)
        self.register_buffer("cells", cells, persistent=False)
        layers = [act()]
        for n_in, n_out in itertools.pairwise(dims):
            layers += [nn.Linear(n_in, n_out), act()]
        layers.append(nn.Linear(dims[-1], n_channels * math.prod(self.block)))
        self.mlp = nn.Sequential(*layers)

    def forward(self, z):
        b, g, (bh, bw) = z.shape[0], self.grid, self.block
        h = self.code(z)[:, None, :] + self.coords(self.cells)[None]
        out = self.mlp(h).view(b, g, g, self.n_channels, bh, bw)
        return out.permute(0, 3, 1, 4, 2, 5).reshape(b, self.n_channels, g * bh, g * bw)


def _check_broadcast(dims, grid, height, width):
    """``broadcast_dims`` as a tuple; the grid must divide the image if used."""
    dims = _positive_ints("broadcast_dims", dims)
    bad_grid = not isinstance(grid, numbers.Integral) or grid < 1
    if bad_grid or (dims and (height % grid or width % grid)):
        raise ValueError(
            f"broadcast_grid must be a positive integer dividing the image's "
            f"height and width {height, width}; got {grid!r}."
        )
    return dims


class FastImageVAE(VAEModule):
    """Fast image network: optional patch convolutions, then fully connected layers.

    The encoder cuts the image into non-overlapping patches with
    ``Conv2d(kernel_size=p, stride=p)`` stages (one per entry of
    ``patch_sizes``, each followed by the activation), flattens, and applies
    fully connected layers of ``hidden_dims`` before the mean and
    log-variance heads. The decoder mirrors it with
    ``ConvTranspose2d(kernel_size=p, stride=p)`` stages and returns logits,
    or with ``broadcast_dims`` is a spatial-broadcast decoder. With
    ``patch_sizes=()`` the encoder is a plain MLP over the pixels.

    A convolution with kernel equal to its stride is a dense layer applied
    to every patch; the module computes it as a matrix product, which CPUs
    run faster than convolution kernels. It reorders the pixels once into
    patch-major order (the pixels of a first-stage patch, then the patches
    that form a second-stage patch, lie next to each other), so that every
    stage works on a view and only the input and the output are copied.
    Measured on a shared 2-core CPU, one epoch costs about 23-45 times less
    than with :class:`MorphoMNISTVAE` on MNIST digits at equal or better
    held-out disentanglement. On 64 x 64 sprites the default costs about 3
    times less than :class:`DSpritesVAE`; ``patch_sizes=(8, 4)``,
    ``channels=(16, 64)``, ``hidden_dims=(512,)`` with ``lr=3e-3`` 7-12
    times less per epoch (11-15 times per optimizer step) for an AR-VAE at
    the paper network's Modularity, SAP and reconstruction but a MIG 0.03
    lower (``docs/networks.md`` has the measurements).

    Inputs may be images ``(batch, C, H, W)`` or flattened
    ``(batch, C * H * W)``; the output has the shape ``(batch, *input_shape)``.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample: ``(C, H, W)``, ``(H, W)`` or ``(H * W,)`` (a
        square single-channel image).
    latent_dim : int, default=10
        Size of the latent code.
    hidden_dims : sequence of int, default=(512, 256)
        Widths of the encoder's fully connected layers; the decoder mirrors
        them.
    patch_sizes : sequence of int or 'auto', default='auto'
        Kernel and stride of each patch convolution; ``()`` for none. The
        product must divide the image's height and width. ``'auto'`` uses
        ``(4, 4)`` for images of at least 48 x 48 pixels and none for
        smaller ones.
    channels : sequence of int, default=None
        Output channels of the patch convolutions, one per entry of
        ``patch_sizes``; None doubles from 32 (32, 64, ...).
    activation : {'relu', 'selu', 'tanh', 'gelu'}, default='relu'
        Activation after every hidden layer.
    image_shape : tuple of int, default=None
        ``(C, H, W)`` to use when ``input_shape`` is flat and not a square
        single-channel image.
    pool_channels : sequence of int, default=()
        Output channels of an encoder branch of strided convolutions (each
        followed by a ReLU) whose maximum and mean over the positions feed
        the first hidden layer too; ``()`` for none. The patch stages see
        every pattern through the patch it falls in; the pooled features are
        the same wherever it lies, which is what an attribute such as a
        sprite's shape needs. Their linear map into the first layer starts at
        zero. On the sprites, ``(16, 64)`` lifted an AR-VAE's
        Interpretability from 0.59 to 0.85 and the shape's from 0.16 to 0.95
        (one seed; see the "Choosing a network" page of the docs).
    pool_stride : int, default=2
        Stride of the branch's first convolution, whose kernel is twice as
        wide (4 x 4 for 2); the others have kernel 3 and stride 2. A stride
        of 4 (8 x 8 kernels) convolves a quarter of the positions: with
        ``patch_sizes=(8, 4)`` and ``pool_channels=(16, 32)`` on the sprites
        it kept most of the gain (Interpretability 0.589 without the branch,
        0.792 with stride 4, 0.835 with 2; seed 0) at 5.8 to 7.8 times less
        cost than :class:`DSpritesVAE`, and scored higher than it on every
        disentanglement metric on 3 seeds when both were trained alike.
    broadcast_dims : sequence of int, default=()
        Hidden widths of a spatial-broadcast decoder (Watters et al. 2019)
        that replaces the patch decoder; ``()`` keeps the patch decoder. The
        code and the coordinates of each cell of a ``broadcast_grid`` x
        ``broadcast_grid`` grid feed an MLP of these widths, which draws the
        cell's block of pixels: every cell knows where it lies relative to
        what the code describes. Trained on the sprites' true factors for 15
        epochs, the patch decoders and :class:`DSpritesVAE`'s draw turned
        squares as discs (``benchmarks/sprites_decoders.py``); an AR-VAE with
        ``(128, 128, 128)`` on an 8 x 8 grid drew them turned, with rounded
        corners, after 15 epochs on 30,000 sprites at ``lr=3e-3``. With
        ``pool_channels=(16, 64)`` (the fast reproduction profile's sprites
        network) it adds about 5% to the cost of an epoch, which stays 1.5
        times below :class:`DSpritesVAE`'s.
    broadcast_grid : int, default=8
        Cells per side of the broadcast decoder's grid; it must divide the
        image's height and width.
    spectrum_size : int, default=0
        Feed the first hidden layer the magnitudes of the image's lowest
        spatial frequencies too: ``log(1 + |F|)`` of the Fourier coefficients
        of vertical frequencies ``-spectrum_size + 1`` to
        ``spectrum_size - 1`` and horizontal ``0`` to ``spectrum_size - 1``
        per channel (``(2 * spectrum_size - 1) * spectrum_size`` features,
        computed with two small matrix products). A translation only turns
        the phases, so on a blank background these are the same wherever a
        pattern lies, like the pooled branch's features, without its
        convolutions to train; ``0`` for none, at most half the shorter side.
        Their linear map starts at zero. On the sprites, ``8`` in place of
        ``pool_channels=(8, 16)`` scored higher on every disentanglement
        metric at a fifth less cost per epoch (3 seeds; the "Choosing a
        network" page of the docs).

    Attributes
    ----------
    image_shape : tuple of int
        The ``(C, H, W)`` the network works on.
    patch_sizes : tuple of int
        The patch sizes in use (``'auto'`` resolved).
    conv_shape : tuple of int
        Shape ``(C', H', W')`` entering the fully connected layers.

    See Also
    --------
    DSpritesVAE, MorphoMNISTVAE : The paper's slower convolutional networks.
    MLPVAE : The general fully connected network.

    Examples
    --------
    >>> import torch
    >>> from skarvae.modules import FastImageVAE
    >>> module = FastImageVAE(input_shape=(1, 64, 64))
    >>> module.patch_sizes, module.conv_shape
    ((4, 4), (64, 4, 4))
    >>> module(torch.zeros(2, 4096)).output.shape
    torch.Size([2, 1, 64, 64])
    >>> FastImageVAE(input_shape=(28, 28), latent_dim=16).patch_sizes
    ()
    """

    def __init__(
        self,
        input_shape,
        latent_dim=10,
        hidden_dims=(512, 256),
        patch_sizes="auto",
        channels=None,
        activation="relu",
        image_shape=None,
        pool_channels=(),
        pool_stride=2,
        broadcast_dims=(),
        broadcast_grid=8,
        spectrum_size=0,
    ):
        super().__init__()
        self.input_shape = tuple(int(s) for s in input_shape)
        self.image_shape = _resolve_image_shape(self.input_shape, image_shape)
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(_ACTIVATIONS)}; got {activation!r}."
            )
        n_channels, height, width = self.image_shape
        if isinstance(patch_sizes, str):
            if patch_sizes != "auto":
                raise ValueError(
                    f"patch_sizes must be 'auto' or a sequence of ints; got "
                    f"{patch_sizes!r}."
                )
            patch_sizes = (4, 4) if min(height, width) >= 48 else ()
        self.patch_sizes = tuple(int(p) for p in patch_sizes)
        if channels is None:
            channels = [32 * 2**i for i in range(len(self.patch_sizes))]
        channels = [int(c) for c in channels]
        if any(c < 1 for c in channels):
            raise ValueError(f"channels must be positive integers; got {channels}.")
        if len(channels) != len(self.patch_sizes):
            raise ValueError(
                f"channels needs one entry per patch size; got {len(channels)} "
                f"channels for patch_sizes {self.patch_sizes}."
            )
        stride = math.prod(self.patch_sizes)
        if any(p < 1 for p in self.patch_sizes) or height % stride or width % stride:
            raise ValueError(
                f"The patch sizes {self.patch_sizes} (product {stride}) must be "
                f"positive and divide the image's height and width {height, width}."
            )
        hidden = [int(h) for h in hidden_dims]
        if not hidden or any(h < 1 for h in hidden):
            raise ValueError(
                "hidden_dims must be positive integers, at least one; got "
                f"{hidden_dims!r}."
            )
        act = _ACTIVATIONS[activation]

        enc, c_in = [], n_channels
        for p, c_out in zip(self.patch_sizes, channels):
            enc += [_Patchify(c_in, c_out, p), act()]
            c_in = c_out
        self.conv_shape = (c_in, height // stride, width // stride)
        self.encoder_conv = nn.Sequential(*enc)
        widths = [math.prod(self.conv_shape), *hidden]
        fc = []
        for n_in, n_out in itertools.pairwise(widths):
            fc += [nn.Linear(n_in, n_out), act()]
        self.encoder_fc = nn.Sequential(*fc)
        self.mu = nn.Linear(hidden[-1], latent_dim)
        self.logvar = nn.Linear(hidden[-1], latent_dim)
        self.pool_channels = _check_pool_branch(
            pool_channels, pool_stride, height, width
        )
        self.pool_stride = int(pool_stride)
        if self.pool_channels:
            self.pool_features = _PooledFeatures(
                n_channels, self.pool_channels, self.pool_stride
            )
            self.pool = nn.Linear(self.pool_features.n_features, hidden[0], bias=False)
            # The branch starts silent and grows where it helps.
            nn.init.zeros_(self.pool.weight)

        self.spectrum_size = _check_spectrum(spectrum_size, height, width)
        if self.spectrum_size:
            self.spectrum_features = _SpectrumFeatures(
                self.image_shape, self.spectrum_size
            )
            self.spectrum = nn.Linear(
                self.spectrum_features.n_features, hidden[0], bias=False
            )
            nn.init.zeros_(self.spectrum.weight)

        self.broadcast_dims = _check_broadcast(
            broadcast_dims, broadcast_grid, height, width
        )
        self.broadcast_grid = int(broadcast_grid)
        if self.broadcast_dims:
            self.broadcast = _BroadcastDecoder(
                latent_dim,
                self.image_shape,
                self.broadcast_grid,
                self.broadcast_dims,
                act,
            )
        else:
            self._build_patch_decoder(latent_dim, hidden, channels, act)

    def _build_patch_decoder(self, latent_dim, hidden, channels, act):
        """``decoder_fc`` and ``decoder_conv``: the encoder's mirror image."""
        c_in, n_channels = self.conv_shape[0], self.image_shape[0]
        dec_widths = [latent_dim, *hidden[::-1]]
        fc = []
        for n_in, n_out in itertools.pairwise(dec_widths):
            fc += [nn.Linear(n_in, n_out), act()]
        fc.append(nn.Linear(hidden[0], math.prod(self.conv_shape)))
        dec = []
        outs = [*channels[::-1][1:], n_channels]
        for i, (p, c_out) in enumerate(zip(self.patch_sizes[::-1], outs)):
            # The fully connected output feeds the first deconvolution.
            if i == 0:
                fc.append(act())
            dec.append(_Unpatchify(c_in, c_out, p))
            if i < len(outs) - 1:
                dec.append(act())
            c_in = c_out
        self.decoder_fc = nn.Sequential(*fc)
        self.decoder_conv = nn.Sequential(*dec)

    def _order(self):
        """Axes that take ``(b, C, Hs, pK..p1, Ws, pK..p1)`` to patch-major order.

        Patch-major order is ``(b, Hs, Ws, pK, pK, ..., p1, p1, C)``: the
        pixels of every first-stage patch, channels last, lie next to each
        other, and so do the first-stage outputs that form a second-stage
        patch. Every stage is then one matrix product on a view.
        """
        k = len(self.patch_sizes)
        pairs = [axis for i in range(k) for axis in (3 + i, 4 + k + i)]
        return [0, 2, 3 + k, *pairs, 1]

    def _stages(self, sequential):
        layers = list(sequential)
        return [
            (layers[i].linear, layers[i + 1] if i + 1 < len(layers) else None)
            for i in range(0, len(layers), 2)
        ]

    def _first_layer(self, x):
        """The first fully connected layer's pre-activation, through the patches."""
        b = x.shape[0]
        if not self.patch_sizes:
            return self.encoder_fc[0](x.reshape(b, -1))
        n_channels = self.image_shape[0]
        c_last, hs, ws = self.conv_shape
        coarse_to_fine = self.patch_sizes[::-1]
        # The stage-by-stage modules (``encoder_conv``) would permute the
        # activations between stages; permuting the input once and the
        # (small) weights instead computes the same function with views.
        h = x.reshape(b, n_channels, hs, *coarse_to_fine, ws, *coarse_to_fine)
        h = h.permute(self._order())
        c_in = n_channels
        for p, (linear, act) in zip(self.patch_sizes, self._stages(self.encoder_conv)):
            c_out = linear.out_features
            weight = linear.weight.view(c_out, c_in, p, p).permute(0, 2, 3, 1)
            h = act(
                F.linear(
                    h.reshape(-1, p * p * c_in), weight.reshape(c_out, -1), linear.bias
                )
            )
            c_in = c_out
        first = self.encoder_fc[0]
        weight = first.weight.view(-1, c_last, hs, ws).permute(0, 2, 3, 1)
        return F.linear(h.reshape(b, -1), weight.reshape(len(weight), -1), first.bias)

    def encode(self, x):
        h = self._first_layer(x)
        image = x.reshape(x.shape[0], *self.image_shape)
        if self.pool_channels:
            h = h + self.pool(self.pool_features(image))
        if self.spectrum_size:
            h = h + self.spectrum(self.spectrum_features(image))
        h = self.encoder_fc[1:](h)
        return self.mu(h), self.logvar(h)

    def decode(self, z):
        b = z.shape[0]
        if self.broadcast_dims:
            return self.broadcast(z).reshape(b, *self.input_shape)
        if not self.patch_sizes:
            return self.decoder_fc(z).reshape(b, *self.input_shape)
        n_layers = len(self.decoder_fc)
        h = self.decoder_fc[: n_layers - 2](z)
        last, act = self.decoder_fc[n_layers - 2], self.decoder_fc[n_layers - 1]
        c_in, hs, ws = self.conv_shape
        weight = last.weight.view(c_in, hs, ws, -1).permute(1, 2, 0, 3)
        bias = last.bias.view(c_in, hs, ws).permute(1, 2, 0)
        h = act(F.linear(h, weight.reshape(-1, weight.shape[-1]), bias.reshape(-1)))
        for p, (linear, act) in zip(
            self.patch_sizes[::-1], self._stages(self.decoder_conv)
        ):
            c_out = linear.out_features // (p * p)
            weight = linear.weight.view(c_out, p, p, c_in).permute(1, 2, 0, 3)
            bias = linear.bias.view(c_out, p, p).permute(1, 2, 0)
            h = F.linear(
                h.reshape(-1, c_in), weight.reshape(-1, c_in), bias.reshape(-1)
            )
            if act is not None:
                h = act(h)
            c_in = c_out
        coarse_to_fine = self.patch_sizes[::-1]
        pairs = [q for p in coarse_to_fine for q in (p, p)]
        h = h.reshape(b, hs, ws, *pairs, self.image_shape[0])
        inverse = sorted(range(h.dim()), key=self._order().__getitem__)
        return h.permute(inverse).reshape(b, *self.input_shape)
