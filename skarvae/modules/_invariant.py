"""Translation-invariant encoder branches of :class:`FastImageVAE`.

The patch stages see every pattern through the fixed patch it falls in, so
the same shape at two positions reaches the dense layers as two unrelated
inputs. These branches compute features that stay (nearly) the same
wherever a pattern lies and add their linear map to the first hidden layer:
strided convolutions pooled over the positions, or the magnitudes of the
image's lowest spatial frequencies.
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import math
import numbers

import torch
from torch import nn


def _pool_layers(n_layers, stride):
    """``(kernel, stride)`` of the pooled branch's convolutions."""
    return [(2 * stride, stride), *[(3, 2)] * (n_layers - 1)]


class _PooledFeatures(nn.Module):
    """Strided convolutions, then the maximum and mean over the positions.

    The features are the same wherever in the image a pattern lies (up to
    the branch's total stride), which the patch stages, tied to fixed
    patches, are not. The first convolution has stride ``stride`` and a
    kernel twice as wide, the others kernel 3 and stride 2.
    """

    def __init__(self, c_in, channels, stride=2):
        super().__init__()
        layers = []
        for c_out, (k, s) in zip(channels, _pool_layers(len(channels), stride)):
            layers += [nn.Conv2d(c_in, c_out, k, stride=s), nn.ReLU()]
            c_in = c_out
        self.conv = nn.Sequential(*layers)
        self.n_features = 2 * c_in

    def forward(self, x):
        f = self.conv(x)
        return torch.cat([f.amax(dim=(2, 3)), f.mean(dim=(2, 3))], dim=1)


def _positive_ints(name, values):
    """``values`` as a tuple of ints; a clear error unless all are >= 1."""
    ok = not isinstance(values, str) and hasattr(values, "__iter__")
    values = tuple(values) if ok else values
    if not ok or not all(isinstance(v, numbers.Integral) and v >= 1 for v in values):
        raise ValueError(
            f"{name} must be a sequence of positive integers; got {values!r}."
        )
    return tuple(int(v) for v in values)


def _check_pool_branch(pool_channels, pool_stride, height, width):
    channels = _positive_ints("pool_channels", pool_channels)
    if not isinstance(pool_stride, numbers.Integral) or pool_stride < 1:
        raise ValueError(f"pool_stride must be an integer >= 1; got {pool_stride!r}.")
    side = min(height, width)
    for i, (kernel, stride) in enumerate(_pool_layers(len(channels), pool_stride)):
        if side < kernel:
            raise ValueError(
                f"pool_channels={channels} with pool_stride={pool_stride} needs "
                f"larger images than {height} x {width}: its layer {i + 1} has a "
                f"{kernel} x {kernel} kernel but only {side} pixel(s) on the "
                "shorter side to convolve."
            )
        side = (side - kernel) // stride + 1
    return channels


def _check_spectrum(spectrum_size, height, width):
    if (
        not isinstance(spectrum_size, numbers.Integral)
        or not 0 <= spectrum_size <= min(height, width) // 2
    ):
        raise ValueError(
            "spectrum_size must be an integer from 0 to half the shorter side "
            f"of the {height} x {width} images ({min(height, width) // 2}); got "
            f"{spectrum_size!r}."
        )
    return int(spectrum_size)


def _dft_table(n, freqs):
    """``cos`` and ``-sin`` of ``2 pi f t / n``, ``t < n``: ``(len(freqs), n)`` each."""
    angles = 2 * math.pi * (torch.outer(freqs, torch.arange(n)) % n) / n
    return angles.cos(), -angles.sin()


class _SpectrumFeatures(nn.Module):
    """``log(1 + |DFT|)`` of the lowest ``size`` spatial frequencies per axis.

    A translation changes only the phase of an image's Fourier coefficients,
    so their magnitudes are the same wherever a pattern on a blank
    background lies; the low frequencies describe its outline and extent.
    The coefficients of vertical frequencies ``-size + 1 .. size - 1`` and
    horizontal ``0 .. size - 1`` (the others follow by conjugate symmetry)
    are two small matrix products with fixed cosine and sine tables, cheaper
    on a CPU than a full FFT. ``log1p`` keeps them on a scale of a few units
    however large the pattern.
    """

    def __init__(self, image_shape, size):
        super().__init__()
        n_channels, height, width = image_shape
        self.size = size
        self.n_features = n_channels * (2 * size - 1) * size
        # The transform along every row is ``x @ cols`` (W, 2k), then along
        # every column ``rows @ .`` (2m, H); each table holds the real then
        # the imaginary parts of exp(-2 pi i f t / n) for its frequencies.
        cols = torch.cat(_dft_table(width, torch.arange(size)), dim=0).T
        rows = torch.cat(_dft_table(height, torch.arange(-size + 1, size)), dim=0)
        self.register_buffer("cols", cols.contiguous(), persistent=False)
        self.register_buffer("rows", rows, persistent=False)

    def forward(self, x):
        b, n_channels, height, width = x.shape
        k, m = self.size, 2 * self.size - 1
        g = (x.reshape(-1, width) @ self.cols).reshape(b * n_channels, height, 2 * k)
        q = self.rows @ g
        # (c + i s)(a + i b): the real and imaginary parts of the 2-D coefficients.
        real = q[:, :m, :k] - q[:, m:, k:]
        imag = q[:, :m, k:] + q[:, m:, :k]
        return torch.log1p(torch.sqrt(real * real + imag * imag)).reshape(b, -1)
