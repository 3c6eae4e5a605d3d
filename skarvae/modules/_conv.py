"""Convolutional VAEs for images: the paper's dSprites and Morpho-MNIST nets."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import itertools
import math

import torch
from torch import nn

from skarvae.modules._base import VAEModule

_ACTIVATIONS = {"relu": nn.ReLU, "selu": nn.SELU, "tanh": nn.Tanh, "gelu": nn.GELU}


def _image_shape(input_shape, default_image_shape=None):
    """Return the ``(channels, height, width)`` that the convolutions see."""
    shape = tuple(int(s) for s in input_shape)
    if len(shape) == 3:
        return shape
    if len(shape) == 2:
        return (1, *shape)
    if len(shape) == 1:
        if (
            default_image_shape is not None
            and math.prod(default_image_shape) == (shape[0])
        ):
            return tuple(default_image_shape)
        side = math.isqrt(shape[0])
        if side * side == shape[0]:
            return (1, side, side)
        raise ValueError(
            f"Cannot infer an image shape from the flat input_shape {shape}: "
            f"{shape[0]} is not a perfect square; pass image_shape=(C, H, W)."
        )
    raise ValueError(f"input_shape must be (C, H, W), (H, W) or (H * W,); got {shape}.")


def _resolve_image_shape(input_shape, image_shape):
    """The ``(C, H, W)`` of a module: ``image_shape`` if given, else inferred."""
    if image_shape is None:
        return _image_shape(input_shape)
    image_shape = tuple(int(s) for s in image_shape)
    if math.prod(image_shape) != math.prod(input_shape):
        raise ValueError(
            f"image_shape {image_shape} does not have as many values "
            f"as input_shape {tuple(input_shape)}."
        )
    return image_shape


def _xavier_normal_weights(module):
    """Xavier-normal initialise every parameter named ``weight`` (as the paper)."""
    for name, param in module.named_parameters():
        if name.endswith("weight") and param.dim() > 1:
            nn.init.xavier_normal_(param)


class ConvVAE(VAEModule):
    """Configurable convolutional encoder and transposed-convolutional decoder.

    The encoder stacks ``Conv2d -> activation [-> Dropout]`` blocks with the
    given ``channels``, flattens, and applies fully connected layers of
    ``hidden_dims`` before the mean and log-variance heads. The decoder
    mirrors it: fully connected layers back to the flattened convolutional
    size, then ``ConvTranspose2d`` blocks back to the input channels. The
    last transposed convolution has no activation, so the decoder returns
    logits. Spatial sizes are inferred from ``input_shape``; an
    ``output_padding`` is chosen per layer so that the output has exactly
    the input's height and width.

    Inputs may be images ``(batch, C, H, W)`` or flattened
    ``(batch, C * H * W)``; the output always has the shape
    ``(batch, *input_shape)``.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample: ``(C, H, W)``, ``(H, W)`` or ``(H * W,)``.
    latent_dim : int
        Size of the latent code.
    channels : sequence of int, default=(32, 32, 32, 32)
        Output channels of the encoder's convolutions.
    kernel_size : int, default=4
        Kernel size of every (transposed) convolution.
    stride : int, default=2
        Stride of every (transposed) convolution.
    padding : int, default=1
        Padding of every (transposed) convolution.
    hidden_dims : sequence of int, default=(256, 256)
        Widths of the fully connected layers after the convolutions; the
        decoder mirrors them.
    activation : {'relu', 'selu', 'tanh', 'gelu'}, default='relu'
        Activation after every hidden layer.
    conv_dropout : float, default=0.0
        Dropout probability after every hidden (transposed) convolution.
    image_shape : tuple of int, default=None
        ``(C, H, W)`` to use when ``input_shape`` is flat and not a square
        single-channel image.

    Attributes
    ----------
    image_shape : tuple of int
        The ``(C, H, W)`` the convolutions work on.
    conv_shape : tuple of int
        Shape ``(C', H', W')`` of the last convolution's output.

    See Also
    --------
    DSpritesVAE : The paper's dSprites architecture.
    MorphoMNISTVAE : The paper's Morpho-MNIST architecture.

    Examples
    --------
    >>> import torch
    >>> from skarvae.modules import ConvVAE
    >>> module = ConvVAE(input_shape=(1, 28, 28), latent_dim=4, channels=(8, 8))
    >>> module.conv_shape
    (8, 7, 7)
    >>> module(torch.zeros(2, 1, 28, 28)).output.shape
    torch.Size([2, 1, 28, 28])
    """

    def __init__(
        self,
        input_shape,
        latent_dim=8,
        channels=(32, 32, 32, 32),
        kernel_size=4,
        stride=2,
        padding=1,
        hidden_dims=(256, 256),
        activation="relu",
        conv_dropout=0.0,
        image_shape=None,
    ):
        super().__init__()
        self.input_shape = tuple(int(s) for s in input_shape)
        self.image_shape = _resolve_image_shape(self.input_shape, image_shape)
        channels = [int(c) for c in channels]
        if not channels:
            raise ValueError("ConvVAE needs at least one convolution in channels.")
        hidden = [int(h) for h in hidden_dims]
        act = _ACTIVATIONS[activation]
        n_channels, height, width = self.image_shape

        # Encoder convolutions; remember every spatial size for the decoder.
        enc, sizes, c_in = [], [(height, width)], n_channels
        for c_out in channels:
            enc += [nn.Conv2d(c_in, c_out, kernel_size, stride, padding), act()]
            if conv_dropout:
                enc.append(nn.Dropout(conv_dropout))
            h, w = sizes[-1]
            h = (h + 2 * padding - kernel_size) // stride + 1
            w = (w + 2 * padding - kernel_size) // stride + 1
            if h < 1 or w < 1:
                raise ValueError(
                    f"The image {self.image_shape} is too small for "
                    f"{len(channels)} convolutions of kernel {kernel_size} "
                    f"and stride {stride}."
                )
            sizes.append((h, w))
            c_in = c_out
        self.conv_shape = (c_in, *sizes[-1])
        n_flat = math.prod(self.conv_shape)
        widths = [n_flat, *hidden]
        self.encoder_conv = nn.Sequential(*enc)
        fc = []
        for n_in, n_out in itertools.pairwise(widths):
            fc += [nn.Linear(n_in, n_out), act()]
        self.encoder_fc = nn.Sequential(*fc)
        self.mu = nn.Linear(widths[-1], latent_dim)
        self.logvar = nn.Linear(widths[-1], latent_dim)

        # Decoder: latent -> mirrored hidden -> flat conv size -> deconvs.
        dec_widths = [latent_dim, *hidden[::-1], n_flat]
        fc = []
        for n_in, n_out in itertools.pairwise(dec_widths):
            fc += [nn.Linear(n_in, n_out), act()]
        self.decoder_fc = nn.Sequential(*fc)
        dec = []
        outs = [*channels[::-1][1:], n_channels]
        c_in = channels[-1]
        for i, c_out in enumerate(outs):
            (h_in, w_in), (h_out, w_out) = sizes[-1 - i], sizes[-2 - i]
            pad_h = h_out - ((h_in - 1) * stride - 2 * padding + kernel_size)
            pad_w = w_out - ((w_in - 1) * stride - 2 * padding + kernel_size)
            if not (0 <= pad_h < stride and 0 <= pad_w < stride):
                raise ValueError(
                    f"Cannot invert the convolution from {(h_out, w_out)} to "
                    f"{(h_in, w_in)} with kernel {kernel_size}, stride {stride} "
                    f"and padding {padding}; choose other sizes."
                )
            dec.append(
                nn.ConvTranspose2d(
                    c_in,
                    c_out,
                    kernel_size,
                    stride,
                    padding,
                    output_padding=(pad_h, pad_w),
                )
            )
            if i < len(outs) - 1:
                dec.append(act())
                if conv_dropout:
                    dec.append(nn.Dropout(conv_dropout))
            c_in = c_out
        self.decoder_conv = nn.Sequential(*dec)
        _xavier_normal_weights(self)

    def encode(self, x):
        h = self.encoder_conv(x.reshape(x.shape[0], *self.image_shape))
        h = self.encoder_fc(torch.flatten(h, start_dim=1))
        return self.mu(h), self.logvar(h)

    def decode(self, z):
        h = self.decoder_fc(z).view(z.shape[0], *self.conv_shape)
        return self.decoder_conv(h).reshape(z.shape[0], *self.input_shape)


class DSpritesVAE(ConvVAE):
    """The AR-VAE paper's dSprites network (Pati & Lerch 2020, Table 2).

    Encoder: ``Conv2d(1, 32, 4, 2, 1)`` then three ``Conv2d(32, 32, 4, 2, 1)``,
    each followed by ReLU (64 -> 32 -> 16 -> 8 -> 4 pixels), flattened to
    512, then ``Linear(512, 256)``-ReLU-``Linear(256, 256)``-ReLU and linear
    heads to the mean and log-variance. The decoder mirrors it with
    ``ConvTranspose2d`` layers and returns logits. Every weight is
    Xavier-normal initialised, as in the original code. The original
    encoder predicts a log standard deviation; this module predicts the
    log-variance, as the skarvae protocol requires.

    Parameters
    ----------
    input_shape : tuple of int, default=(1, 64, 64)
        Shape of one sample: ``(1, 64, 64)``, ``(64, 64)`` or ``(4096,)``.
    latent_dim : int, default=10
        Size of the latent code (10 in the paper).

    Attributes
    ----------
    image_shape : tuple of int
        Always ``(1, 64, 64)``.
    conv_shape : tuple of int
        Always ``(32, 4, 4)``.

    See Also
    --------
    ConvVAE : The configurable network this one specializes.

    References
    ----------
    .. [1] A. Pati and A. Lerch, "Attribute-based regularization of latent
       spaces for variational auto-encoders", Neural Computing and
       Applications, 2020.

    Examples
    --------
    >>> import torch
    >>> from skarvae.modules import DSpritesVAE
    >>> module = DSpritesVAE()
    >>> mu, logvar = module.encode(torch.zeros(2, 4096))
    >>> mu.shape, module.decode(mu).shape
    (torch.Size([2, 10]), torch.Size([2, 1, 64, 64]))
    """

    def __init__(self, input_shape=(1, 64, 64), latent_dim=10):
        image_shape = _image_shape(input_shape, (1, 64, 64))
        if image_shape != (1, 64, 64):
            raise ValueError(
                f"DSpritesVAE needs 1 x 64 x 64 images; got input_shape "
                f"{tuple(input_shape)}. Use ConvVAE for other sizes."
            )
        super().__init__(
            input_shape,
            latent_dim,
            channels=(32, 32, 32, 32),
            kernel_size=4,
            stride=2,
            padding=1,
            hidden_dims=(256, 256),
            activation="relu",
            conv_dropout=0.0,
            image_shape=image_shape,
        )


class MorphoMNISTVAE(ConvVAE):
    """The AR-VAE paper's Morpho-MNIST network (Pati & Lerch 2020, Table 2).

    Encoder: ``Conv2d(1, 64, 4, 1)``, ``Conv2d(64, 64, 4, 1)`` and
    ``Conv2d(64, 8, 4, 1)``, each followed by SELU and ``Dropout(0.5)``
    (28 -> 25 -> 22 -> 19 pixels), flattened to 8 x 19 x 19 = 2888, then
    ``Linear(2888, 256)``-SELU and linear heads to the mean and
    log-variance. Decoder: ``Linear(16, 256)``-SELU-``Linear(256, 2888)``-SELU,
    then ``ConvTranspose2d(8, 64, 4, 1)`` and ``ConvTranspose2d(64, 64, 4, 1)``
    each with SELU and ``Dropout(0.5)``, and ``ConvTranspose2d(64, 1, 4, 1)``
    returning logits. Every weight is Xavier-normal initialised. The module
    predicts the log-variance (the original code predicts a log standard
    deviation).

    Parameters
    ----------
    input_shape : tuple of int, default=(1, 28, 28)
        Shape of one sample: ``(1, 28, 28)``, ``(28, 28)`` or ``(784,)``.
    latent_dim : int, default=16
        Size of the latent code (16 in the paper).

    Attributes
    ----------
    image_shape : tuple of int
        Always ``(1, 28, 28)``.
    conv_shape : tuple of int
        Always ``(8, 19, 19)``.

    See Also
    --------
    ConvVAE : The configurable network this one specializes.

    References
    ----------
    .. [1] A. Pati and A. Lerch, "Attribute-based regularization of latent
       spaces for variational auto-encoders", Neural Computing and
       Applications, 2020.

    Examples
    --------
    >>> import torch
    >>> from skarvae.modules import MorphoMNISTVAE
    >>> module = MorphoMNISTVAE(input_shape=(784,)).eval()
    >>> module(torch.zeros(3, 784)).output.shape
    torch.Size([3, 784])
    """

    def __init__(self, input_shape=(1, 28, 28), latent_dim=16):
        image_shape = _image_shape(input_shape, (1, 28, 28))
        if image_shape != (1, 28, 28):
            raise ValueError(
                f"MorphoMNISTVAE needs 1 x 28 x 28 images; got input_shape "
                f"{tuple(input_shape)}. Use ConvVAE for other sizes."
            )
        super().__init__(
            input_shape,
            latent_dim,
            channels=(64, 64, 8),
            kernel_size=4,
            stride=1,
            padding=0,
            hidden_dims=(256,),
            activation="selu",
            conv_dropout=0.5,
            image_shape=image_shape,
        )
