"""Read the dSprites factors back from images, for decoded sprites."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from functools import lru_cache
from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval, validate_params

from skarvae.datasets._sprites import (
    _HALF_SIZE,
    _POS_SPAN,
    FACTOR_NAMES,
    SHAPE_NAMES,
    _factor_grid,
    _render,
)

# Sub-pixel shifts of the templates per axis, and images matched at a time.
_SUBPIXEL = 4
_CHUNK = 512


def _as_square_images(images):
    """``(n, H, W)`` float array from (n, H, W), (n, 1, H, W) or (n, H * W)."""
    X = np.asarray(images, dtype=np.float32)
    if X.ndim == 4 and X.shape[1] == 1:
        X = X[:, 0]
    elif X.ndim == 2:
        side = round(np.sqrt(X.shape[1]))
        if side * side != X.shape[1]:
            raise ValueError(
                f"Flat images need a square number of pixels; got {X.shape[1]}."
            )
        X = X.reshape(len(X), side, side)
    if X.ndim != 3 or X.shape[1] != X.shape[2] or X.shape[1] < 16:
        raise ValueError(
            "images must be square single-channel sprites of shape (n, H, W), "
            f"(n, 1, H, W) or (n, H * W) with H >= 16; got {np.shape(images)}."
        )
    if not np.isfinite(X).all():
        raise ValueError("images contain NaN or infinite values.")
    return X


def _centroids(mask):
    """Row and column centroids of boolean images (NaN when empty)."""
    size = mask.shape[1]
    count = mask.sum((1, 2)).astype(np.float64)
    index = np.arange(size, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        rows = mask.sum(2) @ index / count
        cols = mask.sum(1) @ index / count
    return rows, cols


def _windows(mask, rows, cols, radius):
    """The ``2 radius + 1`` square centred on each rounded centroid, flattened."""
    padded = np.pad(mask, ((0, 0), (radius, radius), (radius, radius)))
    side = 2 * radius + 1
    r0 = np.rint(rows).astype(int)
    c0 = np.rint(cols).astype(int)
    offsets = np.arange(side)
    out = padded[
        np.arange(len(mask))[:, None, None],
        (r0[:, None] + offsets)[:, :, None],
        (c0[:, None] + offsets)[:, None, :],
    ]
    return out.reshape(len(mask), side * side)


@lru_cache(maxsize=4)
def _templates(size, n_scales, n_orientations):
    """Every shape, scale and orientation, cut around its centroid.

    Each is rendered centred and moved by a quarter of a pixel at a time, so
    that one template lines up with any sprite within an eighth of a pixel
    once both are cut around their centroids. Returns the factors of each
    template (shape, scale, orientation and the two shifts), the flattened
    windows, each sprite centre relative to its window's middle (the rounded
    centroid) and the window's radius; the arrays are read-only, as they are
    cached.
    """
    values = _factor_grid(SHAPE_NAMES, n_scales, n_orientations, 1)[:3]
    shifts = np.arange(_SUBPIXEL) / _SUBPIXEL
    grid = np.stack(
        np.meshgrid(*values, shifts, shifts, indexing="ij"), axis=-1
    ).reshape(-1, 5)
    centre = (size - 1) / 2 + grid[:, 3:]  # sprite centres, index coordinates
    positions = 0.5 + ((centre[:, ::-1] + 0.5) / size - 0.5) / _POS_SPAN
    templates = _render(np.column_stack([grid[:, :3], positions]), size).astype(bool)
    rows, cols = _centroids(templates)
    # Half-diagonal of the largest sprite, in pixels, plus a margin.
    radius = int(np.ceil(np.sqrt(2) * _HALF_SIZE * 1.3 * size)) + 1
    windows = _windows(templates, rows, cols, radius).astype(np.float32)
    to_centre = centre - np.column_stack([np.rint(rows), np.rint(cols)])
    for array in (grid, windows, to_centre):
        array.flags.writeable = False
    return grid, windows, to_centre, radius


@validate_params(
    {
        "images": ["array-like"],
        "threshold": [Interval(Real, None, None, closed="neither")],
        "n_scales": [Interval(Integral, 1, None, closed="left")],
        "n_orientations": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def measure_sprites(images, *, threshold=0.5, n_scales=6, n_orientations=40):
    """Read the factors of sprite images back, e.g. of decoded sprites.

    The inverse of :func:`make_sprites`, for scoring what a model draws
    (:func:`skarvae.metrics.edit_fidelity`). Each image is cut at
    ``threshold``; its foreground is matched against every shape, scale and
    orientation of the factor grid, rendered as :func:`make_sprites` renders
    them, in a window around the foreground's centroid, and the template of
    highest intersection over union gives ``shape``, ``scale`` and
    ``orientation``. The position is the centroid, corrected by that
    template's offset between centroid and sprite centre (hearts are not
    centred on their centroid), in :func:`make_sprites` units.

    Parameters
    ----------
    images : array-like of shape (n_samples, H, W), (n_samples, 1, H, W) \
            or (n_samples, H * W)
        Square images, binary or probabilities (decoded outputs), H >= 16.
    threshold : float, default=0.5
        Pixels above it are foreground.
    n_scales : int, default=6
        Scales of the template grid, as in :func:`make_sprites`.
    n_orientations : int, default=40
        Orientations of the template grid, as in :func:`make_sprites`.

    Returns
    -------
    factors : pandas.DataFrame of shape (n_samples, 5)
        Columns ``shape`` (1 square, 2 ellipse, 3 heart), ``scale``,
        ``orientation`` (radians), ``pos_x``, ``pos_y``, as in
        :func:`make_sprites`; a row of NaN for an image with no foreground
        pixel. A square looks the same after a quarter turn and an ellipse
        after a half turn, so their orientation is read modulo that turn
        (the smallest equivalent angle); only hearts show it whole.

    See Also
    --------
    make_sprites : Render sprites from their factors.

    Examples
    --------
    >>> import numpy as np
    >>> from skarvae.datasets import make_sprites, measure_sprites
    >>> sprites = make_sprites(200, random_state=0)
    >>> found = measure_sprites(sprites.images)
    >>> bool(np.mean(found["shape"] == sprites.factors["shape"]) > 0.95)
    True
    >>> bool(np.abs(found["pos_x"] - sprites.factors["pos_x"]).mean() < 0.01)
    True
    """
    X = _as_square_images(images)
    size = X.shape[1]
    mask = X > threshold
    rows, cols = _centroids(mask)
    empty = ~np.isfinite(rows)
    rows[empty] = cols[empty] = (size - 1) / 2

    grid, T, to_centre, radius = _templates(size, n_scales, n_orientations)
    t_sizes = T.sum(1)
    found = np.empty((len(X), 5))
    for start in range(0, len(X), _CHUNK):
        part = slice(start, start + _CHUNK)
        W = _windows(mask[part], rows[part], cols[part], radius).astype(np.float32)
        inter = W @ T.T
        union = W.sum(1)[:, None] + t_sizes[None, :] - inter
        best = np.argmax(inter / np.maximum(union, 1.0), axis=1)
        middle = np.column_stack([np.rint(rows[part]), np.rint(cols[part])])
        row, col = (middle + to_centre[best]).T
        found[part, :3] = grid[best, :3]
        found[part, 3] = 0.5 + ((col + 0.5) / size - 0.5) / _POS_SPAN
        found[part, 4] = 0.5 + ((row + 0.5) / size - 0.5) / _POS_SPAN
    found[empty] = np.nan
    return pd.DataFrame(found, columns=FACTOR_NAMES)
