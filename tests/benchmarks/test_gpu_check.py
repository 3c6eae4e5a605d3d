"""benchmarks/gpu_check.py: its helpers, and a smoke run of every stage."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gpu_check(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    return importlib.import_module("gpu_check")


def test_parse_rows_reads_key_value_lines(gpu_check):
    lines = [
        (1.0, "mnist: 6,000 train, 2,000 test"),
        (5.0, "dataset=mnist model=BetaVAE seed=0 fit_s=3.5 mig=0.120"),
        (6.0, "results written to x/"),
    ]
    rows = gpu_check.parse_rows(lines)
    assert rows == [
        {
            "dataset": "mnist",
            "model": "BetaVAE",
            "seed": 0.0,
            "fit_s": 3.5,
            "mig": 0.12,
            "t": 5.0,
        }
    ]


def test_run_logged_kills_a_command_past_its_time(gpu_check, tmp_path):
    code = "print('started', flush=True); import time; time.sleep(60)"
    log = tmp_path / "run.log"
    rc, lines, seconds = gpu_check.run_logged(
        [sys.executable, "-c", code], log, timeout=3
    )
    assert rc is None
    assert [line for _, line in lines] == ["started"]
    assert seconds < 30
    assert "killed after 3 s" in log.read_text()


def test_estimate_by_hand(gpu_check):
    lines = [(2.0, "mnist: 6,000 train, 2,000 test")]
    rows = [
        {"model": "BetaVAE", "fit_s": 4.0, "t": 7.0},  # pays one-time costs
        {"model": "ARVAE", "fit_s": 2.0, "t": 10.0},
    ]
    est = gpu_check.estimate("mnist", lines, rows, epochs=2, n_train=None)
    # epoch 2.0 / 2 = 1 s; each model 100 epochs + 1 s evaluation.
    assert est["epoch_s"] == 1.0
    assert est["load_s"] == 2.0
    assert est["one_seed_s"] == 2.0 + 2 * 101
    assert est["paper_profile_s"] == 2.0 + 10 * 2 * 101


def test_estimate_scales_a_subset_to_the_paper_size(gpu_check):
    rows = [{"model": "ARVAE", "fit_s": 1.0, "t": 1.0, "n_test": 0}]
    n = gpu_check.PAPER_N_TRAIN["sprites"] // 4
    est = gpu_check.estimate("sprites", [], rows, epochs=1, n_train=n)
    assert est["n_train_scale"] == 4.0
    assert est["epoch_s"] == 4.0


@pytest.mark.parametrize(
    ("help_text", "paper_flags"),
    [
        ("--profile {fast,paper} --datasets {sprites,mnist} --epochs E", ["--profile"]),
        ("--quick --full --datasets {sprites,mnist} --epochs E", ["--full"]),
    ],
)
def test_reproduce_argv_adapts_to_the_flags(gpu_check, help_text, paper_flags):
    gpu_check._HELP["text"] = help_text
    try:
        args = gpu_check.parse_args(["--smoke"])
        argv = gpu_check.reproduce_argv(
            "mnist", args, paper=True, epochs=3, out_dir="o"
        )
        assert argv[2] == paper_flags[0]
        assert argv[argv.index("--datasets") + 1] == "mnist"
        assert argv[argv.index("--epochs") + 1] == "3"
        assert "--experiments" not in argv  # not offered by this help text
        assert gpu_check.reproduce_argv("bach", args, paper=True, out_dir="o") is None
    finally:
        gpu_check._HELP.clear()


def test_smoke_run_writes_every_stage(tmp_path):
    pytest.importorskip("matplotlib")  # reproduce.py draws its figures
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    env.pop("OUT", None)
    result = subprocess.run(
        [sys.executable, "benchmarks/gpu_check.py", "--smoke", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    # What comes back from the GPU machine: few files, plain names.
    files = sorted(p.name for p in out.iterdir())
    assert len(files) <= 8
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", name) for name in files)
    assert {"results.json", "summary.md", "cuda_tests.xml", "run.log"} <= set(files)
    data = json.loads((out / "results.json").read_text())
    stages = data["stages"]
    assert set(stages) == {"tests", "throughput", "timing", "paper"}
    assert stages["tests"]["status"].startswith("passed")
    assert sum(stages["tests"]["counts"].values()) == len(stages["tests"]["tests"]) > 0
    rows = stages["throughput"]["rows"]
    for domain, module in [("sprites", "dsprites"), ("music", "measure_vae")]:
        mine = [r for r in rows if (r["domain"], r["module"]) == (domain, module)]
        assert {r["precision"] for r in mine} == {"fp32", "bf16"}
        fp32 = next(r for r in mine if r["precision"] == "fp32")
        assert fp32["samples_per_s"] > 0, fp32
    timing = stages["timing"]["datasets"]["sprites"]
    assert timing["status"] == "done", timing
    assert timing["estimate"]["paper_profile_s"] > timing["estimate"]["one_seed_s"] > 0
    paper = stages["paper"]["datasets"]["sprites"]
    assert paper["status"] == "done", paper
    assert {r["model"] for r in paper["rows"]} == {"BetaVAE", "ARVAE"}
    assert all(0 <= r["recon_acc"] <= 1 for r in paper["rows"])
    summary = (out / "summary.md").read_text()
    assert "## 2. Training throughput" in summary
    assert "| sprites | dsprites | fp32 | 8 |" in summary
