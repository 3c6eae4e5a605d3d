"""Tests for the image pictures."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from skarvae.datasets import make_sprites
from skarvae.plotting import plot_reconstructions, plot_traversal_grid


def _grid(n_rows=2, n_steps=4, size=8, seed=0):
    return np.random.default_rng(seed).random((n_rows, n_steps, size, size))


def test_plot_traversal_grid_writes_png_with_one_axes_per_panel(tmp_path):
    path = tmp_path / "traversal.png"
    grids = {"scale": _grid(), "pos_x": _grid(seed=1), "pos_y": _grid(seed=2)}
    fig = plot_traversal_grid(
        grids,
        row_labels=["a", "b"],
        col_values=np.linspace(-2, 2, 4),
        path=path,
    )
    assert len(fig.axes) == 3
    assert [ax.get_title() for ax in fig.axes] == ["scale", "pos_x", "pos_y"]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == [
        "-2",
        "-0.667",
        "0.667",
        "2",
    ]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["a", "b"]
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_traversal_grid_tiles_images_in_order():
    grid = _grid(n_rows=2, n_steps=3, size=4)
    fig = plot_traversal_grid(grid[:, :, None])  # with a channel axis
    assert len(fig.axes) == 1
    picture = fig.axes[0].get_images()[0].get_array()
    assert picture.shape == (2 * 4 + 1, 3 * 4 + 2)
    # Row 1, step 2 sits below the gap row and right of two gap columns.
    np.testing.assert_allclose(picture[5:9, 10:14], grid[1, 2])
    assert np.ma.getmaskarray(picture)[4].all()


def test_plot_traversal_grid_accepts_flat_images():
    fig = plot_traversal_grid(_grid().reshape(2, 4, 64), titles=["flat"])
    assert fig.axes[0].get_title() == "flat"


def test_plot_traversal_grid_errors():
    with pytest.raises(ValueError, match="same number of samples"):
        plot_traversal_grid({"a": _grid(), "b": _grid(n_rows=3)})
    with pytest.raises(ValueError, match="col_values has 2 entries"):
        plot_traversal_grid(_grid(), col_values=[0, 1])
    with pytest.raises(ValueError, match="not a square"):
        plot_traversal_grid(np.zeros((2, 3, 10)))
    with pytest.raises(ValueError, match="NaN"):
        plot_traversal_grid(np.full((1, 1, 4, 4), np.nan))


def test_plot_reconstructions_writes_png(tmp_path):
    sprites = make_sprites(6, image_size=16, random_state=0).images
    path = tmp_path / "recon.png"
    fig = plot_reconstructions(sprites, 1 - sprites, n_images=5, n_cols=3, path=path)
    assert len(fig.axes) == 2
    assert [ax.get_title() for ax in fig.axes] == ["original", "reconstruction"]
    picture = fig.axes[1].get_images()[0].get_array()
    assert picture.shape == (2 * 16 + 1, 3 * 16 + 2)
    np.testing.assert_allclose(picture[:16, :16], 1 - sprites[0])
    assert path.stat().st_size > 0
    with pytest.raises(ValueError, match="same shape"):
        plot_reconstructions(sprites, sprites[:, :8])
