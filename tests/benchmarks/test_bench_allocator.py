"""benchmarks/bench_allocator.py: the step it times and the children it starts."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import subprocess

import pytest

bench = pytest.importorskip("benchmarks.bench_allocator")


def test_every_network_has_its_batch_size():
    assert set(bench.BATCH_SIZES) == set(bench.NETWORKS)


@pytest.mark.parametrize("name", ["fast_image (digits)", "token_mlp (chorales demo)"])
def test_time_step_trains_the_network(name):
    assert bench.time_step(name, n_steps=1, warmup=0) > 0


@pytest.mark.parametrize("raised", [False, True])
def test_children_get_the_thresholds_only_when_raised(monkeypatch, raised):
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "1")  # the parent's own is dropped
    seen = {}

    def run(command, env, **kwargs):
        seen.update(command=command, env=env)
        return subprocess.CompletedProcess(command, 0, stdout="12.5\n", stderr="")

    monkeypatch.setattr(bench.subprocess, "run", run)
    assert bench.time_in_child("dsprites (paper)", 4, 1, raised) == 12.5
    assert seen["command"][-6:] == [
        "--child",
        "dsprites (paper)",
        "--steps",
        "4",
        "--threads",
        "1",
    ]
    for key, value in bench.RAISED.items():
        assert seen["env"].get(key) == (value if raised else None)


def test_bench_allocator_compares_both_environments():
    table = bench.bench_allocator(1, 1, networks=["fast_image (digits)"])
    row = table.iloc[0]
    assert row["network"] == "fast_image (digits)"
    assert row["batch"] == 256
    assert row["default ms"] > 0
    assert row["raised ms"] > 0
