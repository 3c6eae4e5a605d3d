"""Tests for the dSprites-like generator and the dSprites loader."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest

from skarvae.datasets import load_dsprites, make_sprites
from skarvae.datasets._sprites import _render


def test_make_sprites_layout_and_grid_values():
    data = make_sprites(50, image_size=32, random_state=0)
    assert data.images.shape == (50, 32, 32)
    assert data.images.dtype == np.uint8
    assert set(np.unique(data.images)) <= {0, 1}
    assert list(data.factors.columns) == [
        "shape",
        "scale",
        "orientation",
        "pos_x",
        "pos_y",
    ]
    factors = data.factors
    assert set(factors["shape"]) <= {1, 2, 3}
    assert np.isin(factors["scale"], np.linspace(0.5, 1, 6)).all()
    assert factors["orientation"].between(0, 2 * np.pi, inclusive="left").all()
    assert np.isin(factors["pos_x"], np.linspace(0, 1, 32)).all()
    # factor_classes index the grid values.
    np.testing.assert_allclose(
        np.linspace(0.5, 1, 6)[data.factor_classes[:, 1]], factors["scale"]
    )
    # Every sprite is visible.
    assert (data.images.sum(axis=(1, 2)) > 0).all()


def test_make_sprites_is_seeded():
    a = make_sprites(10, image_size=16, random_state=3)
    b = make_sprites(10, image_size=16, random_state=3)
    np.testing.assert_array_equal(a.images, b.images)
    assert a.factors.equals(b.factors)
    images, _ = make_sprites(10, image_size=16, random_state=3, return_X_y=True)
    np.testing.assert_array_equal(images, a.images)


def test_render_geometry_follows_factors():
    centre = [0.5, 0.5]
    factors = np.array(
        [
            [1, 1.0, 0.0, *centre],  # axis-aligned square
            [1, 0.5, 0.0, *centre],  # half-size square
            [2, 1.0, 0.0, *centre],  # ellipse, long axis along x
            [2, 1.0, np.pi / 2, *centre],  # ellipse turned upright
            [3, 1.0, 0.0, *centre],
            [1, 1.0, 0.0, 0.0, 1.0],  # bottom left
        ]
    )
    images = _render(factors, 64)
    rows, cols = np.nonzero(images[0])
    # A scale-1 square is 0.22 of the image wide: 14 of 64 pixels.
    assert cols.max() - cols.min() + 1 == 14
    assert rows.max() - rows.min() + 1 == 14
    assert images[0].sum() == 196
    # Half the scale, half the side (7 pixels, up to one more at the edges).
    assert 7**2 <= images[1].sum() <= 8**2
    ellipse_rows, ellipse_cols = np.nonzero(images[2])
    assert np.ptp(ellipse_cols) > 1.5 * np.ptp(ellipse_rows)
    np.testing.assert_array_equal(images[3], images[2].T)
    # Hearts point down: more pixels in the top half than in the bottom half.
    assert images[4][:32].sum() > images[4][32:].sum()
    rows, cols = np.nonzero(images[5])
    assert cols.min() > 0
    assert cols.max() < 32
    assert rows.min() > 32
    assert rows.max() < 63


def test_make_sprites_full_grid_is_memory_mapped(tmp_path):
    data = make_sprites(
        shapes=["heart", "square"],
        n_scales=2,
        n_orientations=3,
        n_positions=2,
        image_size=16,
        directory=tmp_path,
    )
    assert isinstance(data.images, np.memmap)
    assert (tmp_path / "sprites_images.npy").exists()
    assert data.images.shape == (2 * 2 * 3 * 2 * 2, 16, 16)
    # Grid order as in dSprites: shape slowest, pos_y fastest.
    assert data.factors["shape"].tolist()[::24] == [1, 3]
    assert data.factors["pos_y"].tolist()[:2] == [0.0, 1.0]
    np.testing.assert_array_equal(data.images[:], _render(data.factors.to_numpy(), 16))


def test_make_sprites_errors(tmp_path):
    with pytest.raises(ValueError, match="directory"):
        make_sprites()
    with pytest.raises(ValueError, match="shapes must be"):
        make_sprites(3, shapes=["triangle"])
    with pytest.raises(ValueError, match="n_samples"):
        make_sprites(0)


def _fake_dsprites(path, n=5):
    rng = np.random.default_rng(0)
    classes = np.stack(
        [
            np.zeros(n, int),
            rng.integers(0, 3, n),
            rng.integers(0, 6, n),
            rng.integers(0, 40, n),
            rng.integers(0, 32, n),
            rng.integers(0, 32, n),
        ],
        axis=1,
    )
    values = np.stack(
        [
            np.ones(n),
            classes[:, 1] + 1.0,
            np.linspace(0.5, 1, 6)[classes[:, 2]],
            np.linspace(0, 2 * np.pi, 40)[classes[:, 3]],
            np.linspace(0, 1, 32)[classes[:, 4]],
            np.linspace(0, 1, 32)[classes[:, 5]],
        ],
        axis=1,
    )
    imgs = rng.integers(0, 2, (n, 64, 64)).astype(np.uint8)
    np.savez_compressed(path, imgs=imgs, latents_values=values, latents_classes=classes)
    return imgs, values, classes


def test_load_dsprites_reads_official_layout(tmp_path):
    path = tmp_path / "dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz"
    imgs, values, classes = _fake_dsprites(path)
    data = load_dsprites(path)
    np.testing.assert_array_equal(data.images, imgs)
    assert list(data.factors.columns) == [
        "shape",
        "scale",
        "orientation",
        "pos_x",
        "pos_y",
    ]
    np.testing.assert_allclose(data.factors.to_numpy(), values[:, 1:])
    assert data.factors["shape"].dtype == np.int64
    np.testing.assert_array_equal(data.factor_classes, classes[:, 1:])
    sub = load_dsprites(path, n_samples=3, random_state=0)
    assert sub.images.shape == (3, 64, 64)
    images, factors = load_dsprites(path, return_X_y=True)
    assert len(images) == len(factors) == 5


def test_load_dsprites_rejects_other_files(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, imgs=np.zeros((2, 64, 64), np.uint8))
    with pytest.raises(ValueError, match="lacks the arrays"):
        load_dsprites(path)
    np.savez(
        path,
        imgs=np.zeros((2, 64, 64), np.uint8),
        latents_values=np.zeros((3, 6)),
        latents_classes=np.zeros((2, 6)),
    )
    with pytest.raises(ValueError, match="latents_values must have shape"):
        load_dsprites(path)
