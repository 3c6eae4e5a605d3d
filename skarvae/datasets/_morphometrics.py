"""Morpho-MNIST morphometrics of digit images, vectorized over batches."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import importlib.util
from numbers import Integral, Real

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy import ndimage
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from skarvae.utils._optional import import_optional

MORPHOMETRICS = ["area", "length", "thickness", "slant", "width", "height"]
_CHUNK = 250
_AUTO_PROGRESS = 2000


def _upscale_operator(n, scale):
    """Matrix of cubic-spline upscaling along one axis, shape (n * scale, n).

    ``scipy.ndimage.zoom`` is linear, so zooming each unit vector gives the
    columns of the operator; pixel areas are kept aligned (``grid_mode``)
    and the outside of the image counts as background.
    """
    eye = np.eye(n)
    columns = [
        ndimage.zoom(e, scale, order=3, mode="grid-constant", grid_mode=True)
        for e in eye
    ]
    return np.stack(columns, axis=1)


def _thin(binary):
    """Zhang-Suen thinning of a batch of binary images with a zero border.

    Both sub-iterations are applied to all still-changing images at once,
    until no pixel changes.
    """
    img = binary.astype(np.uint8)
    active = np.arange(len(img))
    while active.size:
        changed = np.zeros(active.size, dtype=bool)
        for step in (0, 1):
            sub = img[active]
            p = sub[:, 1:-1, 1:-1]
            # Neighbours P2..P9, clockwise from north.
            nb = [
                sub[:, :-2, 1:-1],
                sub[:, :-2, 2:],
                sub[:, 1:-1, 2:],
                sub[:, 2:, 2:],
                sub[:, 2:, 1:-1],
                sub[:, 2:, :-2],
                sub[:, 1:-1, :-2],
                sub[:, :-2, :-2],
            ]
            n_on = sum(nb)
            n_rises = sum((nb[i] == 0) & (nb[(i + 1) % 8] == 1) for i in range(8))
            p2, _, p4, _, p6, _, p8, _ = nb
            if step == 0:
                side = ((p2 & p4 & p6) == 0) & ((p4 & p6 & p8) == 0)
            else:
                side = ((p2 & p4 & p8) == 0) & ((p2 & p6 & p8) == 0)
            delete = (p == 1) & (n_on >= 2) & (n_on <= 6) & (n_rises == 1) & side
            p[delete] = 0
            img[active] = sub
            changed |= delete.any(axis=(1, 2))
        active = active[changed]
    return img.astype(bool)


def _skeleton_length(skel):
    """Length of skeleton curves: 1 per orthogonal and sqrt(2) per diagonal link.

    A diagonal link is only counted when no orthogonal two-step path joins
    the same pixels, so staircase corners are not counted twice.
    """
    s = skel
    orth = (s[:, :, :-1] & s[:, :, 1:]).sum(axis=(1, 2))
    orth += (s[:, :-1, :] & s[:, 1:, :]).sum(axis=(1, 2))
    a, b = s[:, :-1, :-1], s[:, 1:, 1:]
    c, d = s[:, :-1, 1:], s[:, 1:, :-1]
    diag = (a & b & ~c & ~d).sum(axis=(1, 2))
    diag += (c & d & ~a & ~b).sum(axis=(1, 2))
    return orth + np.sqrt(2.0) * diag


def _quantile_extent(coords, weights, bound_frac):
    """Extent of foreground coordinates between the two bound quantiles."""
    values = np.where(weights, coords, np.nan)
    values[~weights.any(axis=1)] = 0.0  # blank images, set to NaN later
    lo = np.nanquantile(values, bound_frac, axis=1)
    hi = np.nanquantile(values, 1 - bound_frac, axis=1)
    return hi - lo + 1.0


def _measure_chunk(images, threshold, scale, bound_frac, ops):
    """Morphometrics of one batch of float images of shape (n, H, W)."""
    up_h, up_w = ops
    up = up_h @ images @ up_w.T
    lo = up.min(axis=(1, 2), keepdims=True)
    hi = up.max(axis=(1, 2), keepdims=True)
    binary = (up >= lo + (hi - lo) * threshold) & (hi > lo)
    n, height, width = binary.shape
    padded = np.zeros((n, height + 2, width + 2), dtype=bool)
    padded[:, 1:-1, 1:-1] = binary

    mass = binary.sum(axis=(1, 2)).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        skel = _thin(padded)
        # One EDT over the stack; the huge spacing between images keeps every
        # distance inside its own image (each has a zero border).
        dist = ndimage.distance_transform_edt(
            padded, sampling=(4.0 * (height + width), 1.0, 1.0)
        )
        n_skel = skel.sum(axis=(1, 2))
        thickness = 2.0 * (dist * skel).sum(axis=(1, 2)) / n_skel / scale
        length = _skeleton_length(skel) / scale

        ys, xs = np.mgrid[0:height, 0:width].astype(float)
        w = binary.reshape(n, -1).astype(float)
        x, y = xs.ravel()[None], ys.ravel()[None]
        xc = (w * x).sum(axis=1, keepdims=True) / mass[:, None]
        yc = (w * y).sum(axis=1, keepdims=True) / mass[:, None]
        mu11 = (w * (x - xc) * (y - yc)).sum(axis=1)
        mu02 = (w * (y - yc) ** 2).sum(axis=1)
        shear = -mu11 / mu02
        slant = np.arctan(shear) + 0.0  # no negative zero
        x_upright = (x - xc) + shear[:, None] * (y - yc)
        fg = w > 0
        width_ = _quantile_extent(x_upright, fg, bound_frac) / scale
        height_ = _quantile_extent(np.broadcast_to(y, w.shape), fg, bound_frac) / scale
    area = mass / scale**2
    out = np.stack([area, length, thickness, slant, width_, height_], axis=1)
    out[mass == 0] = np.nan
    return out


@validate_params(
    {
        "images": ["array-like"],
        "threshold": [Interval(Real, 0, 1, closed="neither")],
        "scale": [Interval(Integral, 1, None, closed="left")],
        "bound_frac": [Interval(Real, 0, 0.5, closed="left")],
        "n_jobs": [Integral, None],
        "verbose": ["boolean", StrOptions({"auto"})],
    },
    prefer_skip_nested_validation=True,
)
def morphometrics(
    images, *, threshold=0.5, scale=4, bound_frac=0.02, n_jobs=None, verbose="auto"
):
    """Measure the Morpho-MNIST morphometrics of digit images.

    Follows the definitions of Castro et al. (2019). Each image is upscaled
    ``scale`` times with cubic-spline interpolation (``scipy.ndimage.zoom``,
    pixel areas aligned; Morpho-MNIST uses a smoothed cubic pyramid
    expansion) and binarized at ``threshold`` of its own grey-level range.
    On the binary digit:

    - ``area``: number of foreground pixels, in original pixels squared;
    - ``length``: length of the skeleton, found by Zhang-Suen thinning,
      counting 1 per orthogonal and sqrt(2) per diagonal link, in original
      pixels. Thinning stops short of the stroke ends: a straight stroke
      measures about its drawn length minus 1.5 times its thickness;
    - ``thickness``: twice the mean Euclidean distance to the background over
      the skeleton pixels (local diameter of the stroke), in original pixels;
    - ``slant``: ``arctan(-mu11 / mu02)`` in radians, from the central
      moments of the binary digit: the horizontal shear that makes the digit
      upright. Positive when the digit leans right (its top to the right);
    - ``width`` and ``height``: extents of the slant-corrected digit (the
      shear above applied) along x and y, between the ``bound_frac`` and
      ``1 - bound_frac`` quantiles of its foreground pixels, in original
      pixels.

    The computation is vectorized over batches of 250 images; batches run in
    parallel with joblib.

    Parameters
    ----------
    images : array-like of shape (n_samples, H, W) or (n_samples, 1, H, W)
        Grey-level images (any range, e.g. uint8 0-255 or floats in [0, 1]).
    threshold : float, default=0.5
        Binarization level, as a fraction of each image's grey-level range.
    scale : int, default=4
        Upscaling factor before binarization.
    bound_frac : float, default=0.02
        Fraction of foreground pixels left out on each side when measuring
        width and height; 0 gives the full bounding box.
    n_jobs : int, default=None
        Number of joblib workers over batches; None means 1.
    verbose : bool or 'auto', default='auto'
        Show a tqdm progress bar; 'auto' shows it for more than 2000 images
        when tqdm is installed.

    Returns
    -------
    metrics : DataFrame of shape (n_samples, 6)
        Columns ``area``, ``length``, ``thickness``, ``slant``, ``width`` and
        ``height``. Blank images get NaN.

    See Also
    --------
    load_mnist : Read the MNIST digits.

    References
    ----------
    .. [1] D. C. Castro, J. Tan, B. Kainz, E. Konukoglu and B. Glocker,
       "Morpho-MNIST: Quantitative assessment and diagnostics for
       representation learning", JMLR 20(178), 2019.
    .. [2] T. Y. Zhang and C. Y. Suen, "A fast parallel algorithm for
       thinning digital patterns", Comm. ACM 27(3), 1984.

    Examples
    --------
    >>> import numpy as np
    >>> from skarvae.datasets import morphometrics
    >>> bar = np.zeros((1, 28, 28))
    >>> bar[0, 4:24, 12:15] = 1.0  # an upright stroke 20 long and 3 thick
    >>> m = morphometrics(bar)
    >>> list(m.columns)
    ['area', 'length', 'thickness', 'slant', 'width', 'height']
    >>> m[["area", "thickness", "width", "slant"]].round(2).iloc[0].tolist()
    [59.75, 3.0, 3.0, 0.0]
    """
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]
    if images.ndim != 3:
        raise ValueError(
            "images must have shape (n_samples, H, W) or (n_samples, 1, H, W); "
            f"got {images.shape}."
        )
    if images.shape[0] == 0 or min(images.shape[1:]) < 3:
        raise ValueError(
            f"images must hold at least one 3 x 3 image; got {images.shape}."
        )
    if not np.issubdtype(images.dtype, np.number) or np.issubdtype(
        images.dtype, np.complexfloating
    ):
        raise ValueError(f"images must be real numbers; got dtype {images.dtype}.")
    images = images.astype(np.float64, copy=False)
    if not np.isfinite(images).all():
        raise ValueError("images contain NaN or infinite values.")

    n, height, width = images.shape
    ops = (_upscale_operator(height, scale), _upscale_operator(width, scale))
    starts = range(0, n, _CHUNK)
    jobs = (
        delayed(_measure_chunk)(
            images[s : s + _CHUNK], threshold, scale, bound_frac, ops
        )
        for s in starts
    )
    results = Parallel(n_jobs=n_jobs, return_as="generator")(jobs)
    if verbose == "auto":
        verbose = n > _AUTO_PROGRESS and importlib.util.find_spec("tqdm") is not None
    if verbose:
        tqdm = import_optional("tqdm").tqdm
        results = tqdm(results, total=len(starts), unit="batch", desc="morphometrics")
    values = np.concatenate(list(results), axis=0)
    return pd.DataFrame(values, columns=MORPHOMETRICS)
