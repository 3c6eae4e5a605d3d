"""The image example runs end to end on a few sprites and picks its recipe."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse

import pytest


@pytest.fixture(scope="module")
def images_example(load_example):
    return load_example("train_sprites_and_mnist")


def test_each_part_has_its_recipe_unless_the_command_line_sets_it(images_example):
    unset = argparse.Namespace(epochs=None, lr=None, lr_schedule=None, ema_decay=None)
    sprites = images_example.SPRITES_RECIPE
    assert images_example._recipe(unset, **sprites) == (15, 3e-3, "constant", 0.999)
    given = argparse.Namespace(epochs=2, lr=None, lr_schedule="cosine", ema_decay=0)
    assert images_example._recipe(given, **sprites) == (2, 3e-3, "cosine", 0)
    digits = images_example.DIGITS_RECIPE
    assert images_example._recipe(unset, **digits) == (20, 1e-3, "cosine", 0)


def test_sprites_part_writes_its_pictures(images_example, tmp_path, capsys):
    images_example.main(
        [
            "--only",
            "sprites",
            "--n-sprites",
            "96",
            "--epochs",
            "1",
            "--pool-channels",
            "4",
            "--broadcast-dims",
            "8",
            "--n-fidelity",
            "0",
            "--out-dir",
            str(tmp_path),
        ]
    )
    out = capsys.readouterr().out
    assert "sprites: fitted 96 images" in out
    assert out.count("spearman(z_") == 5
    assert "edit fidelity" not in out  # --n-fidelity 0
    for name in ("traversal_sprites.png", "recon_sprites.png"):
        assert (tmp_path / name).stat().st_size > 0
