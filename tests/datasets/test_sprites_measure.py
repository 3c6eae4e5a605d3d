"""measure_sprites reads back the factors make_sprites rendered."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pandas as pd
import pytest

from skarvae.datasets import make_sprites, measure_sprites
from skarvae.datasets._sprites import _render

# Turns after which each shape looks the same: square, ellipse, heart.
PERIOD = {1: np.pi / 2, 2: np.pi, 3: 2 * np.pi}


@pytest.fixture(scope="module")
def sprites():
    return make_sprites(400, random_state=3)


@pytest.fixture(scope="module")
def found(sprites):
    return measure_sprites(sprites.images)


def test_round_trip_recovers_every_factor(sprites, found):
    true = sprites.factors
    assert list(found.columns) == list(true.columns)
    assert np.mean(found["shape"] == true["shape"]) > 0.99
    assert np.mean(np.isclose(found["scale"], true["scale"])) > 0.97
    # one grid step of the position is 1 / 31
    for name in ("pos_x", "pos_y"):
        error = np.abs(found[name] - true[name])
        assert error.mean() < 0.006
        assert error.max() < 0.035


def test_orientation_is_read_modulo_the_shapes_symmetry(sprites, found):
    true = sprites.factors
    period = true["shape"].map(PERIOD).to_numpy()
    assert (found["orientation"].to_numpy() < period + 1e-9).all()
    turn = (found["orientation"] - true["orientation"]).to_numpy()
    off = np.abs((turn + period / 2) % period - period / 2)
    assert np.mean(off < 1e-6) > 0.8
    assert np.degrees(np.median(off)) < 1e-6


def test_a_quarter_turn_of_a_square_reads_the_same():
    sprite = make_sprites(1, shapes="square", random_state=0)
    factors = sprite.factors.to_numpy(float)
    turned = factors.copy()
    turned[0, 2] += np.pi / 2
    images = _render(np.vstack([factors, turned]), 64)
    found = measure_sprites(images)
    pd.testing.assert_series_equal(found.iloc[0], found.iloc[1], check_names=False)


def test_layouts_and_probabilities_read_alike(sprites, found):
    images = sprites.images[:50].astype(np.float32)
    rng = np.random.default_rng(0)
    # decoded probabilities: foreground above the threshold, background below
    soft = np.where(images > 0, 0.6 + 0.4 * rng.random(images.shape), 0.4)
    expected = found.iloc[:50].reset_index(drop=True)
    for layout in (soft, soft[:, None], soft.reshape(50, -1)):
        pd.testing.assert_frame_equal(measure_sprites(layout), expected)


def test_an_empty_image_is_a_row_of_nan(sprites):
    images = sprites.images[:3].copy()
    images[1] = 0
    found = measure_sprites(images)
    assert found.iloc[1].isna().all()
    assert found.drop(index=1).notna().all().all()


@pytest.mark.parametrize(
    ("images", "message"),
    [
        (np.zeros((2, 64, 32)), "square single-channel"),
        (np.zeros((2, 8, 8)), "H >= 16"),
        (np.zeros((2, 1000)), "square number of pixels"),
        (np.full((2, 32, 32), np.nan), "NaN"),
    ],
)
def test_bad_images_are_refused(images, message):
    with pytest.raises(ValueError, match=message):
        measure_sprites(images)
