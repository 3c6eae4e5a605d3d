"""Tests for the MNIST IDX loader and the Morpho-MNIST morphometrics."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import gzip
import struct

import numpy as np
import pytest

from skarvae.datasets import _morphometrics as morpho_module
from skarvae.datasets import load_mnist, morphometrics


def _write_idx(path, array, magic=None, compress=False, cut=0):
    array = np.asarray(array, dtype=np.uint8)
    magic = 0x0800 + array.ndim if magic is None else magic
    raw = struct.pack(f">{1 + array.ndim}I", magic, *array.shape) + array.tobytes()
    raw = raw[: len(raw) - cut]
    opener = gzip.open if compress else open
    with opener(path, "wb") as handle:
        handle.write(raw)


@pytest.mark.parametrize("compress", [False, True])
def test_load_mnist_reads_idx_files(tmp_path, compress):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 28, 28))
    labels = np.array([0, 9, 3, 3, 1])
    suffix = ".gz" if compress else ""
    _write_idx(tmp_path / f"train-images-idx3-ubyte{suffix}", images, compress=compress)
    _write_idx(tmp_path / f"train-labels-idx1-ubyte{suffix}", labels, compress=compress)
    data = load_mnist(tmp_path, kind="train")
    assert data.images.dtype == np.uint8
    np.testing.assert_array_equal(data.images, images)
    np.testing.assert_array_equal(data.target, labels)
    X, y = load_mnist(str(tmp_path), kind="train", return_X_y=True)
    assert X.shape == (5, 28, 28)
    assert y.shape == (5,)


def test_load_mnist_errors(tmp_path):
    images = np.zeros((3, 4, 4))
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte"):
        load_mnist(tmp_path)
    _write_idx(tmp_path / "t10k-images-idx3-ubyte", images, cut=5)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(3))
    with pytest.raises(ValueError, match="truncated"):
        load_mnist(tmp_path)
    _write_idx(tmp_path / "t10k-images-idx3-ubyte", images, magic=0x0D03)
    with pytest.raises(ValueError, match="magic number"):
        load_mnist(tmp_path)
    _write_idx(tmp_path / "t10k-images-idx3-ubyte", images)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(2))
    with pytest.raises(ValueError, match="3 images but 2 labels"):
        load_mnist(tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(b"\x00\x00")
    with pytest.raises(ValueError, match="shorter than"):
        load_mnist(tmp_path)
    with pytest.raises(ValueError, match="kind"):
        load_mnist(tmp_path, kind="test")


def _bar(rows, cols, size=28):
    image = np.zeros((size, size))
    image[rows, cols] = 1.0
    return image


def test_morphometrics_thicker_stroke_has_more_thickness_and_area():
    thin = _bar(slice(4, 24), slice(12, 15))
    thick = _bar(slice(4, 24), slice(11, 16))
    m = morphometrics(np.stack([thin, thick]))
    assert m["thickness"][0] == pytest.approx(3.0, abs=0.3)
    assert m["thickness"][1] == pytest.approx(5.0, abs=0.3)
    assert m["area"][0] == pytest.approx(60.0, abs=1.0)
    assert m["area"][1] == pytest.approx(100.0, abs=1.0)


def test_morphometrics_shear_changes_slant():
    upright = _bar(slice(4, 24), slice(12, 15))
    right = np.zeros((28, 28))
    for row in range(4, 24):
        start = 8 + (24 - row) // 2  # top to the right
        right[row, start : start + 3] = 1.0
    left = right[:, ::-1]
    m = morphometrics(np.stack([upright, right, left]))
    assert m["slant"][0] == pytest.approx(0.0, abs=1e-9)
    # The stroke moves 10 pixels right over 20 rows: arctan(0.5) = 0.46 rad.
    assert m["slant"][1] == pytest.approx(np.arctan(0.5), abs=0.08)
    assert m["slant"][2] == pytest.approx(-m["slant"][1])
    # Once upright, the sheared stroke is about as wide as the upright one.
    assert m["width"][1] == pytest.approx(m["width"][0], abs=0.8)


def test_morphometrics_width_and_height_follow_bounding_box():
    boxes = np.stack(
        [_bar(slice(5, 15), slice(3, 9)), _bar(slice(2, 26), slice(4, 22))]
    )
    m = morphometrics(boxes, bound_frac=0.0)
    np.testing.assert_allclose(m["width"], [6, 18], atol=0.5)
    np.testing.assert_allclose(m["height"], [10, 24], atol=0.5)
    # The default bound_frac trims at most a little.
    trimmed = morphometrics(boxes)
    assert (trimmed["height"] <= m["height"]).all()
    assert (trimmed["height"] > 0.9 * m["height"]).all()


def test_morphometrics_straight_line_length_matches_drawn_length():
    short = _bar(slice(14, 15), slice(9, 19))  # 10 long, 1 thick
    long = _bar(slice(14, 15), slice(4, 24))  # 20 long, 1 thick
    thick_short = _bar(slice(13, 15), slice(9, 19))  # 10 long, 2 thick
    thick_long = _bar(slice(13, 15), slice(4, 24))  # 20 long, 2 thick
    diagonal = np.eye(28)[::-1] + np.eye(28, k=1)[::-1]  # 2-pixel-wide diagonal
    m = morphometrics(np.stack([short, long, thick_short, thick_long, diagonal]))
    length = m["length"].to_numpy()
    # Thinning shortens a stroke by about 1.5 times its thickness.
    np.testing.assert_allclose(length[:2], [10, 20], atol=2)
    np.testing.assert_allclose(length[2:4], [10 - 3, 20 - 3], atol=1)
    assert length[1] - length[0] == pytest.approx(10, abs=0.5)
    assert length[3] - length[2] == pytest.approx(10, abs=0.5)
    # Diagonal steps count sqrt(2): the drawn diagonal is 27 * sqrt(2) long.
    assert length[4] == pytest.approx(27 * np.sqrt(2), abs=3)


def test_morphometrics_layouts_scales_and_blank_images():
    bars = np.stack([_bar(slice(4, 24), slice(12, 15)), np.zeros((28, 28))])
    m = morphometrics(bars)
    assert m.iloc[1].isna().all()
    m4 = morphometrics((bars[:, None] * 255).astype(np.uint8))
    np.testing.assert_allclose(m4.to_numpy(), m.to_numpy())
    m2 = morphometrics(bars[:1], scale=2)
    assert m2["area"][0] == pytest.approx(60.0, abs=1.0)


def test_morphometrics_batches_keep_order(monkeypatch):
    bars = np.stack([_bar(slice(4, 24), slice(12, 12 + w)) for w in (1, 2, 3, 4, 5)])
    full = morphometrics(bars)
    monkeypatch.setattr(morpho_module, "_CHUNK", 2)
    chunked = morphometrics(bars, verbose=True)
    np.testing.assert_allclose(chunked.to_numpy(), full.to_numpy())
    assert full["area"].is_monotonic_increasing


def test_morphometrics_rejects_bad_images():
    with pytest.raises(ValueError, match="NaN"):
        morphometrics(np.full((1, 8, 8), np.nan))
    with pytest.raises(ValueError, match="must have shape"):
        morphometrics(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="threshold"):
        morphometrics(np.zeros((1, 8, 8)), threshold=1.5)
