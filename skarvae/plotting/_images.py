"""Pictures of images: latent traversal grids and reconstructions."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import math
import os
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params

from skarvae.utils._optional import import_optional


def _images(array, name, lead_dims):
    """Reshape ``array`` to ``(*lead, H, W)`` or raise a ValueError naming it."""
    array = np.asarray(array, dtype=np.float64)
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values.")
    if array.ndim == lead_dims + 3 and array.shape[lead_dims] == 1:
        array = array[(slice(None),) * lead_dims + (0,)]
    if array.ndim == lead_dims + 1:
        side = math.isqrt(array.shape[-1])
        if side * side != array.shape[-1]:
            raise ValueError(
                f"{name} holds flat images of {array.shape[-1]} pixels, which "
                "is not a square; reshape them to (..., H, W)."
            )
        array = array.reshape(*array.shape[:-1], side, side)
    if array.ndim != lead_dims + 2:
        raise ValueError(
            f"{name} must have {lead_dims} leading axes then (H, W), (1, H, W) "
            f"or (H * W,); got shape {array.shape}."
        )
    return array


def _montage(grid, gap=1):
    """Tile (rows, cols, H, W) images into one picture with NaN gaps."""
    n_rows, n_cols, h, w = grid.shape
    out = np.full((n_rows * (h + gap) - gap, n_cols * (w + gap) - gap), np.nan)
    for r in range(n_rows):
        for c in range(n_cols):
            out[
                r * (h + gap) : r * (h + gap) + h, c * (w + gap) : c * (w + gap) + w
            ] = grid[r, c]
    return out


def _new_figure(figsize):
    # pyplot is imported to check that matplotlib is installed; the figure is
    # built without pyplot's registry, so nothing accumulates in scripts, and
    # saving renders with the Agg canvas.
    import_optional("matplotlib.pyplot")
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def _show_grid(ax, grid, cmap, vmin, vmax):
    import_optional("matplotlib.pyplot")
    from matplotlib import colormaps

    colormap = colormaps[cmap].with_extremes(bad="white")
    ax.imshow(_montage(grid), cmap=colormap, vmin=vmin, vmax=vmax)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def _save(fig, path, dpi):
    if path is not None:
        fig.savefig(os.fspath(path), dpi=dpi, format="png")


@validate_params(
    {
        "images": ["array-like", dict],
        "row_labels": ["array-like", None],
        "col_values": ["array-like", None],
        "titles": ["array-like", None],
        "cmap": [str],
        "vmin": [Real],
        "vmax": [Real],
        "path": [str, os.PathLike, None],
        "dpi": [Interval(Integral, 10, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def plot_traversal_grid(
    images,
    *,
    row_labels=None,
    col_values=None,
    titles=None,
    cmap="gray",
    vmin=0.0,
    vmax=1.0,
    path=None,
    dpi=100,
):
    """Plot latent traversals as grids of images, one panel per attribute.

    In the style of the AR-VAE paper's Figures 9 and 10: each row starts
    from one sample, each column sets the traversed latent dimension to one
    value, and the images are tiled into one panel per attribute.

    Parameters
    ----------
    images : array-like of shape (n_samples, n_steps, H, W) or dict
        Decoded images of the traversal; ``(n_samples, n_steps, 1, H, W)``
        and flattened square images ``(n_samples, n_steps, H * W)`` work
        too. A dict maps each attribute name to such an array and gives one
        panel per attribute, titled by its key.
    row_labels : array-like of str, default=None
        Label of each row (sample), shown left of the first panel.
    col_values : array-like of float, default=None
        Latent value of each column, shown under every panel.
    titles : array-like of str, default=None
        Panel titles; defaults to the dict keys (none for a single array).
    cmap : str, default='gray'
        Matplotlib colormap.
    vmin, vmax : float, default=0.0, 1.0
        Grey-level range (probabilities by default).
    path : str or path-like, default=None
        If given, the figure is saved there as PNG.
    dpi : int, default=100
        Resolution of the saved PNG.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure, with one axes per panel.

    See Also
    --------
    plot_reconstructions : Originals above their reconstructions.

    Examples
    --------
    >>> import numpy as np
    >>> from skarvae.plotting import plot_traversal_grid
    >>> rng = np.random.default_rng(0)
    >>> grid = rng.random((3, 5, 8, 8))
    >>> grids = {"thickness": grid, "slant": 1 - grid}
    >>> fig = plot_traversal_grid(grids, col_values=np.linspace(-2, 2, 5))
    >>> len(fig.axes)
    2
    """
    if isinstance(images, dict):
        names = list(images)
        panels = [_images(images[k], f"images[{k!r}]", 2) for k in names]
        titles = names if titles is None else list(titles)
    else:
        panels = [_images(images, "images", 2)]
        titles = [None] if titles is None else list(titles)
    if not panels:
        raise ValueError("images is an empty dict; give at least one panel.")
    if len(titles) != len(panels):
        raise ValueError(f"titles has {len(titles)} entries for {len(panels)} panels.")
    n_rows, n_cols, h, w = panels[0].shape
    for panel in panels[1:]:
        if panel.shape[:2] != (n_rows, n_cols):
            raise ValueError(
                "Every panel must have the same number of samples and steps; "
                f"got {panels[0].shape[:2]} and {panel.shape[:2]}."
            )
    if row_labels is not None and len(row_labels) != n_rows:
        raise ValueError(f"row_labels has {len(row_labels)} entries for {n_rows} rows.")
    if col_values is not None and len(col_values) != n_cols:
        raise ValueError(
            f"col_values has {len(col_values)} entries for {n_cols} steps."
        )

    panel_w = max(1.5, 0.45 * n_cols * w / max(h, 1) + 0.3)
    fig = _new_figure((panel_w * len(panels) + 0.6, 0.45 * n_rows + 0.9))
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, panel, title in zip(axes, panels, titles):
        _show_grid(ax, panel, cmap, vmin, vmax)
        if title is not None:
            ax.set_title(str(title))
        if col_values is not None:
            ax.set_xticks(np.arange(n_cols) * (w + 1) + (w - 1) / 2)
            ax.set_xticklabels([f"{v:.3g}" for v in np.asarray(col_values, float)])
            ax.tick_params(axis="x", labelsize=7, length=0)
    if row_labels is not None:
        axes[0].set_yticks(np.arange(n_rows) * (h + 1) + (h - 1) / 2)
        axes[0].set_yticklabels([str(label) for label in row_labels])
        axes[0].tick_params(axis="y", labelsize=7, length=0)
    _save(fig, path, dpi)
    return fig


@validate_params(
    {
        "originals": ["array-like"],
        "reconstructions": ["array-like"],
        "n_images": [Interval(Integral, 1, None, closed="left")],
        "n_cols": [Interval(Integral, 1, None, closed="left"), None],
        "labels": ["array-like"],
        "cmap": [str],
        "path": [str, os.PathLike, None],
        "dpi": [Interval(Integral, 10, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def plot_reconstructions(
    originals,
    reconstructions,
    *,
    n_images=10,
    n_cols=None,
    labels=("original", "reconstruction"),
    cmap="gray",
    path=None,
    dpi=100,
):
    """Plot images above their reconstructions.

    Parameters
    ----------
    originals : array-like of shape (n_samples, H, W)
        Input images; ``(n_samples, 1, H, W)`` and flattened square images
        ``(n_samples, H * W)`` work too. Grey levels are shown in [0, 1].
    reconstructions : array-like of the same shape as ``originals``
        Decoded images, e.g. the probabilities of ``inverse_transform``.
    n_images : int, default=10
        Number of images shown (the first ones).
    n_cols : int, default=None
        Images per row; all of them in one row when None.
    labels : array-like of str, default=('original', 'reconstruction')
        Titles of the two panels.
    cmap : str, default='gray'
        Matplotlib colormap.
    path : str or path-like, default=None
        If given, the figure is saved there as PNG.
    dpi : int, default=100
        Resolution of the saved PNG.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure, with two axes: originals, then reconstructions.

    See Also
    --------
    plot_traversal_grid : Grids of latent traversals.

    Examples
    --------
    >>> import numpy as np
    >>> from skarvae.plotting import plot_reconstructions
    >>> x = np.random.default_rng(0).random((4, 64))
    >>> len(plot_reconstructions(x, 1 - x).axes)
    2
    """
    originals = _images(originals, "originals", 1)
    reconstructions = _images(reconstructions, "reconstructions", 1)
    if originals.shape != reconstructions.shape:
        raise ValueError(
            f"originals {originals.shape} and reconstructions "
            f"{reconstructions.shape} must have the same shape."
        )
    if len(labels) != 2:
        raise ValueError(f"labels must hold two titles; got {len(labels)}.")
    n = min(n_images, len(originals))
    n_cols = n if n_cols is None else min(n_cols, n)
    n_rows = math.ceil(n / n_cols)
    h, w = originals.shape[1:]

    def grid(images):
        padded = np.full((n_rows * n_cols, h, w), np.nan)
        padded[:n] = images[:n]
        return padded.reshape(n_rows, n_cols, h, w)

    fig = _new_figure((0.5 * n_cols + 0.5, 2 * (0.5 * n_rows * h / w + 0.4)))
    axes = fig.subplots(2, 1, squeeze=False)[:, 0]
    for ax, images, label in zip(axes, (originals, reconstructions), labels):
        _show_grid(ax, grid(images), cmap, 0.0, 1.0)
        ax.set_title(str(label), fontsize=9)
    _save(fig, path, dpi)
    return fig
