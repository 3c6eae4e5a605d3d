"""dSprites-like images: a vectorized procedural generator and the official loader."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import os
import zipfile
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, validate_params

#: Shape names by their dSprites code (``latents_values`` column 1 holds 1, 2, 3).
SHAPE_NAMES = ("square", "ellipse", "heart")
FACTOR_NAMES = ["shape", "scale", "orientation", "pos_x", "pos_y"]

# Geometry, in units of the image width: the sprite centre moves over
# 0.5 +- _POS_SPAN / 2 and a scale-1 sprite has half-size _HALF_SIZE, so a
# scale-1 square is 0.22 of the image wide (14 of 64 pixels) and even a
# rotated scale-1 square stays inside the image.
_POS_SPAN = 0.64
_HALF_SIZE = 0.11
_CHUNK = 1024

_DESCR = """Procedural dSprites-like images.

Binary sprites (square, ellipse, heart) rendered from the factor grid of
dSprites (Matthey et al. 2017): shape, scale (0.5 to 1), orientation
(0 to 2 pi) and x/y position (0 to 1). ``images`` are uint8 in {0, 1};
``factors`` is a DataFrame with columns shape (1, 2, 3 as in dSprites),
scale, orientation (radians), pos_x and pos_y; ``factor_classes`` holds
the grid indices of the same five factors.
"""


def _factor_grid(shapes, n_scales, n_orientations, n_positions):
    """Return the values of each factor, in dSprites order."""
    codes = np.array([SHAPE_NAMES.index(s) + 1 for s in shapes], dtype=float)
    return [
        codes,
        np.linspace(0.5, 1.0, n_scales),
        np.linspace(0.0, 2 * np.pi, n_orientations, endpoint=False),
        np.linspace(0.0, 1.0, n_positions),
        np.linspace(0.0, 1.0, n_positions),
    ]


def _render(factors, image_size):
    """Render sprites for an (n, 5) array of factor values, all at once.

    Every pixel centre is moved into the sprite's own frame (translated to
    the sprite centre, rotated by minus its orientation and divided by its
    size) and tested against the implicit function of its shape.
    """
    factors = np.asarray(factors, dtype=np.float32)
    out = np.empty((len(factors), image_size, image_size), dtype=np.uint8)
    grid = (np.arange(image_size, dtype=np.float32) + 0.5) / image_size
    for code in np.unique(factors[:, 0]):
        rows = factors[:, 0] == code
        _, scale, angle, pos_x, pos_y = (factors[rows, i, None, None] for i in range(5))
        dx = grid[None, None, :] - (0.5 + (pos_x - 0.5) * _POS_SPAN)
        dy = grid[None, :, None] - (0.5 + (pos_y - 0.5) * _POS_SPAN)
        size = scale * _HALF_SIZE
        cos, sin = np.cos(angle) / size, np.sin(angle) / size
        a = cos * dx + sin * dy
        b = cos * dy - sin * dx
        if code == 1:
            inside = np.maximum(np.abs(a), np.abs(b)) <= 1.0
        elif code == 2:
            inside = a**2 + (2.0 * b) ** 2 <= 1.0
        else:
            # Heart: (p^2 + q^2 - 1)^3 - p^2 q^3 <= 0, q pointing up the image.
            p, q = 1.2 * a, 0.15 - 1.2 * b
            inside = (p**2 + q**2 - 1.0) ** 3 - p**2 * q**3 <= 0.0
        out[rows] = inside
    return out


def _check_shapes(shapes):
    shapes = [shapes] if isinstance(shapes, str) else list(shapes)
    unknown = [s for s in shapes if s not in SHAPE_NAMES]
    if not shapes or unknown or len(set(shapes)) != len(shapes):
        raise ValueError(
            f"shapes must be distinct names from {SHAPE_NAMES}; got {shapes}."
        )
    return sorted(shapes, key=SHAPE_NAMES.index)


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left"), None],
        "shapes": [list, tuple, str],
        "n_scales": [Interval(Integral, 1, None, closed="left")],
        "n_orientations": [Interval(Integral, 1, None, closed="left")],
        "n_positions": [Interval(Integral, 1, None, closed="left")],
        "image_size": [Interval(Integral, 8, None, closed="left")],
        "directory": [str, os.PathLike, None],
        "return_X_y": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_sprites(
    n_samples=None,
    *,
    shapes=SHAPE_NAMES,
    n_scales=6,
    n_orientations=40,
    n_positions=32,
    image_size=64,
    directory=None,
    return_X_y=False,
    random_state=None,
):
    """Generate dSprites-like binary images from the dSprites factor grid.

    Sprites are rendered procedurally (no download): each of the three
    shapes (square, ellipse, heart) at ``n_scales`` scales linearly spaced in
    [0.5, 1], ``n_orientations`` orientations evenly spaced in [0, 2 pi) and
    ``n_positions`` x and y positions in [0, 1]. The defaults give the
    737,280-point grid of dSprites. The sprite centre is
    ``0.5 + 0.64 * (pos - 0.5)`` of the image width and height (``pos_x``
    moves along columns, ``pos_y`` down the rows); a scale-1 square is 0.22
    of the image wide (14 pixels at 64 x 64), the ellipse is twice as long
    as it is wide, and the heart is the implicit curve
    ``(x^2 + y^2 - 1)^3 - x^2 y^3 <= 0``. Rendering samples each pixel
    centre, vectorized over batches of sprites.

    Parameters
    ----------
    n_samples : int, default=None
        Number of grid points drawn at random without replacement (with
        replacement when larger than the grid). None renders the whole grid,
        in grid order, into a memory-mapped ``.npy`` file in ``directory``.
    shapes : list of {'square', 'ellipse', 'heart'}, \
            default=('square', 'ellipse', 'heart')
        Shapes in the grid.
    n_scales : int, default=6
        Number of scales in [0.5, 1].
    n_orientations : int, default=40
        Number of orientations in [0, 2 pi).
    n_positions : int, default=32
        Number of x positions and of y positions in [0, 1].
    image_size : int, default=64
        Height and width of the images in pixels.
    directory : str or path-like, default=None
        Where the full grid is written as ``sprites_images.npy`` (an
        existing file is overwritten); required when ``n_samples`` is None
        and ignored otherwise. Images are written in batches of 1024, so
        memory use stays small.
    return_X_y : bool, default=False
        If True, return ``(images, factors)`` instead of a Bunch.
    random_state : int, RandomState instance or None, default=None
        Seed of the random draw of grid points.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        images : ndarray of shape (n_samples, image_size, image_size)
            uint8 images with values in {0, 1} (a read-only ``np.memmap``
            when ``n_samples`` is None). Use
            ``images[:, None].astype(np.float32)`` for the conv modules.
        factors : DataFrame of shape (n_samples, 5)
            Columns ``shape`` (1 = square, 2 = ellipse, 3 = heart, the
            dSprites codes), ``scale``, ``orientation`` (radians),
            ``pos_x`` and ``pos_y``.
        factor_classes : ndarray of shape (n_samples, 5)
            Index of each factor value in its grid.
        feature_names : list of str
            The factor names.
        shape_names : tuple of str
            Shape names by code: ``shape_names[code - 1]``.
        DESCR : str
            Description of the data.

    (images, factors) : tuple
        Returned when ``return_X_y`` is True.

    See Also
    --------
    load_dsprites : Read the official dSprites file into the same layout.

    References
    ----------
    .. [1] L. Matthey, I. Higgins, D. Hassabis and A. Lerchner, "dSprites:
       Disentanglement testing Sprites dataset", 2017.

    Examples
    --------
    >>> from skarvae.datasets import make_sprites
    >>> sprites = make_sprites(16, image_size=32, random_state=0)
    >>> sprites.images.shape, sprites.images.dtype
    ((16, 32, 32), dtype('uint8'))
    >>> list(sprites.factors.columns)
    ['shape', 'scale', 'orientation', 'pos_x', 'pos_y']
    """
    shapes = _check_shapes(shapes)
    values = _factor_grid(shapes, n_scales, n_orientations, n_positions)
    dims = tuple(len(v) for v in values)
    n_grid = int(np.prod(dims))
    if n_samples is None:
        if directory is None:
            raise ValueError(
                "n_samples=None renders the whole grid into a memory-mapped "
                "file; pass directory= to say where it goes."
            )
        index = np.arange(n_grid)
    else:
        rng = check_random_state(random_state)
        index = rng.choice(n_grid, n_samples, replace=n_samples > n_grid)
    classes = np.stack(np.unravel_index(index, dims), axis=1)
    factor_values = np.stack([v[c] for v, c in zip(values, classes.T)], axis=1)

    shape = (len(index), image_size, image_size)
    if n_samples is None:
        os.makedirs(directory, exist_ok=True)
        file = os.path.join(os.fspath(directory), "sprites_images.npy")
        images = np.lib.format.open_memmap(file, mode="w+", dtype=np.uint8, shape=shape)
    else:
        images = np.empty(shape, dtype=np.uint8)
    for start in range(0, len(index), _CHUNK):
        stop = start + _CHUNK
        images[start:stop] = _render(factor_values[start:stop], image_size)
    if n_samples is None:
        images.flush()
        del images
        images = np.load(file, mmap_mode="r")

    factors = pd.DataFrame(factor_values, columns=FACTOR_NAMES)
    factors["shape"] = factors["shape"].astype(np.int64)
    if return_X_y:
        return images, factors
    return Bunch(
        images=images,
        factors=factors,
        factor_classes=classes,
        feature_names=list(FACTOR_NAMES),
        shape_names=SHAPE_NAMES,
        DESCR=_DESCR,
    )


def _read_npz(path):
    """The three arrays of a dSprites file; ValueError when it is unreadable."""
    keys = ("imgs", "latents_values", "latents_classes")
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = set(keys) - set(archive.files)
            arrays = None if missing else [archive[key] for key in keys]
    except (ValueError, TypeError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(
            f"{os.fspath(path)!r} is not a readable dSprites .npz file: it is "
            f"corrupt, truncated or of another format ({type(exc).__name__})."
        ) from exc
    if missing:
        raise ValueError(
            f"{os.fspath(path)!r} is not a dSprites file: it lacks the arrays "
            f"{sorted(missing)}."
        )
    return arrays


@validate_params(
    {
        "path": [str, os.PathLike],
        "n_samples": [Interval(Integral, 1, None, closed="left"), None],
        "return_X_y": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def load_dsprites(path, *, n_samples=None, return_X_y=False, random_state=None):
    """Load the official dSprites file into the layout of :func:`make_sprites`.

    Reads ``dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz`` (keys ``imgs``,
    ``latents_values`` and ``latents_classes``). The colour factor, constant
    in dSprites, is dropped. The whole file is decompressed in memory
    (about 3 GB for the full set) before an optional subsample is drawn.

    Parameters
    ----------
    path : str or path-like
        Path to the ``.npz`` file.
    n_samples : int, default=None
        If given, draw this many images at random without replacement.
    return_X_y : bool, default=False
        If True, return ``(images, factors)`` instead of a Bunch.
    random_state : int, RandomState instance or None, default=None
        Seed of the subsample.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images`` (uint8 in {0, 1}, shape (n, 64, 64)), ``factors``
        (DataFrame with columns shape, scale, orientation, pos_x, pos_y),
        ``factor_classes``, ``feature_names``, ``shape_names`` and
        ``DESCR``, as in :func:`make_sprites`.

    (images, factors) : tuple
        Returned when ``return_X_y`` is True.

    See Also
    --------
    make_sprites : Render the same kind of images without a download.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from skarvae.datasets import load_dsprites
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.npz")
    >>> values = np.array([[1, 2, 0.5, 0.0, 0.25, 0.75]] * 2)
    >>> np.savez(path, imgs=np.zeros((2, 64, 64), np.uint8),
    ...          latents_values=values, latents_classes=np.zeros((2, 6), int))
    >>> load_dsprites(path).factors["shape"].tolist()
    [2, 2]
    """
    imgs, latents_values, latents_classes = _read_npz(path)
    n = imgs.shape[0]
    if imgs.ndim != 3:
        raise ValueError(f"imgs must have shape (n, H, W); got {imgs.shape}.")
    for name, array in [
        ("latents_values", latents_values),
        ("latents_classes", latents_classes),
    ]:
        if array.shape != (n, 6):
            raise ValueError(
                f"{name} must have shape ({n}, 6) to match imgs; got {array.shape}."
            )
    if n_samples is not None:
        rng = check_random_state(random_state)
        index = rng.choice(n, n_samples, replace=False) if n_samples <= n else None
        if index is None:
            raise ValueError(
                f"n_samples={n_samples} exceeds the {n} images in the file."
            )
        imgs, latents_values, latents_classes = (
            imgs[index],
            latents_values[index],
            latents_classes[index],
        )
    factors = pd.DataFrame(latents_values[:, 1:], columns=FACTOR_NAMES)
    factors["shape"] = np.rint(factors["shape"]).astype(np.int64)
    images = np.asarray(imgs, dtype=np.uint8)
    if return_X_y:
        return images, factors
    return Bunch(
        images=images,
        factors=factors,
        factor_classes=np.asarray(latents_classes[:, 1:], dtype=np.int64),
        feature_names=list(FACTOR_NAMES),
        shape_names=SHAPE_NAMES,
        DESCR=_DESCR.replace("Procedural dSprites-like", "The dSprites"),
    )
