"""Smoke tests of benchmarks/reproduce.py on tiny generated data."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import warnings

import numpy as np
import pandas as pd
import pytest

reproduce = pytest.importorskip("benchmarks.reproduce")
from benchmarks._reproduce import runner  # noqa: E402
from benchmarks._reproduce.config import DELTA  # noqa: E402
from skarvae.datasets import measure_sprites  # noqa: E402
from skarvae.losses import measure_attribute_functions  # noqa: E402
from skarvae.music import Vocabulary  # noqa: E402


@pytest.fixture
def tiny_args(tmp_path, monkeypatch):
    settings = copy.deepcopy(reproduce.SETTINGS)
    fast = settings["fast"]
    fast["sprites"].update(n_train=24, n_test=30, epochs=1)
    fast["mnist"].update(n_train=40, n_test=30, epochs=1)
    fast["sweep"].update(gammas=[0.1, 10.0], deltas=[1.0], n_train=30, epochs=1)
    monkeypatch.setattr(reproduce, "SETTINGS", settings)
    args = reproduce.parse_args(
        ["--n-seeds", "1", "--protocol", "both", "--output-dir", str(tmp_path)]
    )
    args.command = "test"
    return args


def fake_mnist(n_classifier=40, n_test=30, n_train=40, seed=0):
    rng = np.random.default_rng(seed)
    n = n_classifier + n_test + n_train
    X = (rng.random((n, 1, 28, 28)) > 0.7).astype(np.float32)
    y = rng.integers(0, 3, n)
    A = pd.DataFrame(
        {"area": X.sum(axis=(1, 2, 3)), "slant": rng.normal(size=n)},
    )
    A.loc[3, "slant"] = np.nan  # dropped like a blank digit
    cfg = {"n_train": n_train, "n_test": n_test}
    return reproduce.split_mnist(X, y, A, cfg, n_classifier, data_seed=0)


def test_parse_args_defaults_to_the_fast_profile():
    args = reproduce.parse_args([])
    assert args.profile == "fast"
    assert args.seeds == [0, 1, 2]
    assert args.protocols == ["heldout"]
    assert set(args.experiments) == set(reproduce.EXPERIMENTS)
    assert args.settings["mnist"]["recipe"]["lr_schedule"] == "cosine"
    assert args.settings["bach"]["recipe"]["ema_decay"] == 0.999
    assert args.settings["sprites"]["recipe"]["ema_decay"] == 0.999
    paper = reproduce.parse_args(["--paper-protocol", "--profile", "paper"])
    assert paper.protocols == ["paper"]
    assert paper.seeds == list(range(10))
    assert paper.settings["mnist"]["lr"] == 1e-4
    # The paper's appendix: Bach 100 epochs, folk 30.
    assert paper.settings["bach"]["epochs"] == 100
    assert paper.settings["folk"]["epochs"] == 30


@pytest.mark.parametrize(
    ("flag", "profile"), [("--quick", "fast"), ("--full", "paper")]
)
def test_old_mode_flags_are_profile_aliases(flag, profile):
    assert reproduce.parse_args([flag]).profile == profile
    with pytest.raises(SystemExit):
        reproduce.parse_args(["--quick", "--full"])


@pytest.mark.parametrize(
    ("profile", "dataset", "module"),
    [
        ("fast", "sprites", "fast_image"),
        ("fast", "mnist", "fast_image"),
        ("fast", "bach", "token_mlp"),
        ("fast", "folk", "token_mlp"),
        ("paper", "sprites", "dsprites"),
        ("paper", "mnist", "morpho_mnist"),
        ("paper", "folk", "measure_vae"),
        ("paper", "bach", "measure_vae"),
    ],
)
def test_profile_selects_the_network(profile, dataset, module):
    args = reproduce.parse_args(["--profile", profile])
    A = pd.DataFrame({"a": [0.0]})
    vocabulary = Vocabulary(["C4", "D4"])
    data = reproduce.Data(
        dataset,
        np.zeros((1, 4)),
        A,
        np.zeros((1, 4)),
        A,
        n_tokens=len(vocabulary),
        vocabulary=vocabulary,
    )
    model = reproduce.make_model("ARVAE", data, 0, args)
    assert model.module == module
    assert model.lr == args.settings[dataset]["lr"]
    assert model.max_epochs == args.settings[dataset]["epochs"]
    cfg = args.settings[dataset]
    assert model.delta == cfg.get("delta", DELTA[data.kind])
    if "gamma" in cfg:
        assert model.gamma == cfg["gamma"]
    if data.kind == "music":
        pool = {"pool_dim": 8} if profile == "fast" else {}
        if profile == "fast":  # the notes only
            pool["pool_ignore"] = tuple(np.flatnonzero(~vocabulary.is_pitch))
        if profile == "fast" and dataset == "bach":  # their pitches, first and last
            pool["pool_features"] = vocabulary.midi
            pool["pool_ends"] = True
        params = dict(model.module_params)
        np.testing.assert_array_equal(
            params.pop("pool_features", None), pool.pop("pool_features", None)
        )
        assert params == {**pool, "n_tokens": len(vocabulary)}
        assert model.recon_loss == "ce"
    elif dataset == "sprites":
        fast = {"pool_channels": (16, 64), "broadcast_dims": (128, 128, 128)}
        assert (model.module_params or {}) == (fast if profile == "fast" else {})
    # the fast profile's music models train with the edit loss
    assert model.edit_weight == cfg.get("edit_weight", 0.0)
    if model.edit_weight:
        assert model.attribute_fns == measure_attribute_functions(vocabulary)


def test_arvae_beta_sets_the_kl_weight_of_the_arvae_only():
    args = reproduce.parse_args([])
    args.settings["sprites"]["arvae_beta"] = 2.0
    A = pd.DataFrame({"a": [0.0]})
    data = reproduce.Data("sprites", np.zeros((1, 4)), A, np.zeros((1, 4)), A)
    assert reproduce.make_model("ARVAE", data, 0, args).beta == 2.0
    assert reproduce.make_model("BetaVAE", data, 0, args).beta == 4.0


def test_sprites_edits_are_read_back_from_the_decoded_sprites(tiny_args):
    data = reproduce.load_dataset("sprites", tiny_args)
    measure = runner.edit_measure(data)
    assert measure is measure_sprites
    # it reads the test sprites' own attributes back, column for column
    found = measure(data.X_test)
    assert list(found.columns) == list(data.A_test.columns)
    assert (found["shape"].to_numpy() == data.A_test["shape"].to_numpy()).all()
    np.testing.assert_allclose(found["pos_x"], data.A_test["pos_x"], atol=0.035)


def test_split_mnist_sizes_and_nan_rows():
    data = fake_mnist()
    assert len(data.X_test) == 30
    assert len(data.info["y_test"]) == 30
    assert data.info["X_classifier"].shape == (40, 28 * 28)
    assert not data.A_train.isna().any().any()
    assert not data.A_test.isna().any().any()


def test_metrics_content_sweep_and_outputs(tiny_args, tmp_path):
    data = fake_mnist()
    fitted = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = {
            "metrics": reproduce.run_metrics(data, tiny_args, fitted),
            "content": reproduce.run_content(data, tiny_args, fitted),
            "sweep": reproduce.run_sweep(data, tiny_args),
        }
    metrics = pd.DataFrame(results["metrics"])
    assert len(metrics) == 2 * 2  # two models, two protocols, one seed
    assert metrics.recon_acc.between(0, 1).all()
    assert set(metrics.protocol) == {"heldout", "paper"}
    assert set(metrics.network) == {"fast_image"}
    # Edit fidelity: measured for the AR-VAE (morphometrics of the decoded digits).
    arvae = metrics[metrics.model == "ARVAE"]
    assert arvae.edit_spearman.between(-1, 1).all()
    assert arvae.edit_monotone.between(0, 1).all()
    assert metrics.loc[metrics.model == "BetaVAE", "edit_spearman"].isna().all()
    content = pd.DataFrame(results["content"])
    assert content[["clean", "recon", "traversal"]].stack().between(0, 1).all()
    assert len(results["sweep"]) == 2 * 2
    reproduce.write_outputs(results, tiny_args)
    for name in (
        "metrics.csv",
        "content.csv",
        "sweep.csv",
        "tables.md",
        "fig3_metrics_heldout.png",
        "fig5_reconstruction_paper.png",
        "fig8_sweep_heldout.png",
    ):
        assert (tmp_path / name).exists(), name
    table = (tmp_path / "tables.md").read_text()
    assert "| mnist | interpretability |" in table
    assert "AR-VAE (paper)" in table
    assert "### Edit fidelity of the AR-VAE" in table
    assert f"| mnist | ARVAE | fast_image | {len(data.X_train)} | 30 | 1 | 1 |" in table

    merged = tmp_path / "merged"
    reproduce.main(["--collect", str(tmp_path), "--output-dir", str(merged)])
    assert (merged / "tables.md").read_text().count("| mnist |") == table.count(
        "| mnist |"
    )
    # a rerun's folder replaces the same runs of an earlier collection
    rerun = tmp_path / "rerun"
    rerun.mkdir()
    frame = pd.read_csv(tmp_path / "metrics.csv")
    frame.loc[frame.model == "ARVAE", "fit_s"] = -1.0
    frame.to_csv(rerun / "metrics.csv", index=False)
    collected = reproduce.collect([merged, rerun])
    frame = pd.DataFrame(collected["metrics"])
    assert len(frame) == len(results["metrics"])
    assert (frame.loc[frame.model == "ARVAE", "fit_s"] == -1.0).all()
    assert (frame.loc[frame.model == "BetaVAE", "fit_s"] >= 0).all()
    assert len(collected["sweep"]) == len(results["sweep"])


def test_sprites_loader_shapes(tiny_args):
    data = reproduce.load_dataset("sprites", tiny_args)
    assert data.X_train.shape == (24, 1, 64, 64)
    assert len(data.A_test) == 30
    assert list(data.A_train.columns)[:1] == ["shape"]
