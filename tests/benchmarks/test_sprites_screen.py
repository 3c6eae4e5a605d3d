"""benchmarks/sprites_screen.py: the parameters it screens and one small fit."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import copy

import numpy as np
import pytest

bench = pytest.importorskip("benchmarks.sprites_screen")


def test_network_params_replace_entries_and_keep_the_rest():
    params = bench.network_params({"hidden_dims": [384]}, {"channels": [16, 32]})
    assert params["hidden_dims"] == (384,)
    assert params["module_params"] == {
        "patch_sizes": (8, 4),
        "channels": (16, 32),
        "pool_channels": (8, 16),
        "pool_stride": 4,
    }
    assert params["ema_decay"] is None
    assert params["batch_size"] == 128
    assert params["lr_schedule"] == "cosine"
    assert bench.TENTH["module_params"]["channels"] == (16, 64)  # left alone


def test_screen_fits_and_scores_one_seed():
    from benchmarks._reproduce.config import METRICS, SETTINGS
    from benchmarks._reproduce.data import load_sprites

    settings = copy.deepcopy(SETTINGS["fast"])
    settings["sprites"].update(n_train=64, n_test=32)
    data = load_sprites(settings["sprites"], 0)
    params = bench.network_params({"max_epochs": 1, "batch_size": 32})
    row = bench.screen(0, params, data, settings)
    assert row["seed"] == 0
    assert all(np.isfinite(row[metric]) for metric in METRICS)
    assert 0 <= row["pixel_acc"] <= 1
