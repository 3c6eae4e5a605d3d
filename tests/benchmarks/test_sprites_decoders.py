"""benchmarks/sprites_decoders.py: its scores on hand-made cases, a tiny run."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pandas as pd
import pytest

decoders = pytest.importorskip("benchmarks.sprites_decoders")


def test_foreground_iou_by_hand():
    true = np.zeros((2, 4, 4), bool)
    pred = np.zeros((2, 4, 4), bool)
    true[0, 0, :3] = True  # 3 pixels
    pred[0, 0, 2:4] = True  # 2 pixels, 1 shared: 1 / 4
    true[1, 1:3, 1:3] = pred[1, 1:3, 1:3] = True
    np.testing.assert_allclose(decoders.foreground_iou(pred, true), [0.25, 1.0])


def test_disc_like_keeps_a_disc_and_rounds_a_square():
    ys, xs = np.mgrid[:64, :64]
    disc = (ys - 30.0) ** 2 + (xs - 21.0) ** 2 <= 8.0**2
    square = (abs(ys - 40) <= 7) & (abs(xs - 30) <= 7)
    images = np.stack([disc, square])
    found = decoders.disc_like(images)
    np.testing.assert_allclose(found.sum((1, 2)), images.sum((1, 2)), rtol=0.05)
    iou = decoders.foreground_iou(found, images)
    assert iou[0] > 0.97
    # A disc of a square's area misses its corners: IoU about 0.83.
    assert 0.78 < iou[1] < 0.88


def test_factor_features_harmonics_and_one_hot():
    factors = pd.DataFrame(
        {
            "shape": [1, 2, 3],
            "scale": [0.5, 0.75, 1.0],
            "orientation": [0.0, np.pi / 4, np.pi / 2],
            "pos_x": [0.1, 0.5, 0.9],
            "pos_y": [0.9, 0.5, 0.1],
        }
    )
    features = decoders.factor_features(factors)
    assert features.shape == (3, 12)
    np.testing.assert_array_equal(features[:, :3], np.eye(3))
    harmonics = features[:, 4:10].reshape(3, 3, 2)
    np.testing.assert_allclose((harmonics**2).sum(-1), 1.0, rtol=1e-6)
    # A quarter turn leaves a square's harmonic (cos 4t, sin 4t) unchanged.
    np.testing.assert_allclose(harmonics[2, 2], harmonics[0, 2], atol=1e-6)


def test_tiny_run_scores_every_candidate(tmp_path):
    out, figure = tmp_path / "scores.csv", tmp_path / "decoded.png"
    argv = ["--decoders", "fast_p84", "broadcast", "--n-train", "96"]
    argv += ["--n-test", "32", "--epochs", "2", "--encoder-probe"]
    argv += ["--probe-epochs", "1", "--out", str(out), "--figure", str(figure)]
    table = decoders.main(argv)
    assert list(table["candidate"]) == ["disc", *["fast_p84"] * 2, *["broadcast"] * 2]
    scores = table.dropna(subset=["epoch"])
    ious = scores[["iou_square", "iou_ellipse", "iou_heart"]].to_numpy()
    assert ((ious >= 0) & (ious <= 1)).all()
    assert scores["pixel_acc"].between(0, 1).all()
    assert (scores["train_s"] > 0).all()
    # The rotation probe runs for modules with an encoder, on the last epoch.
    last = scores.groupby("candidate").tail(1).set_index("candidate")
    assert np.isfinite(last.loc["fast_p84", "rotation_r2"])
    assert np.isnan(last.loc["broadcast", "rotation_r2"])
    pd.testing.assert_frame_equal(pd.read_csv(out), table, check_dtype=False)
    assert figure.stat().st_size > 0
