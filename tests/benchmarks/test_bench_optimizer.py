"""benchmarks/bench_optimizer.py: the networks it times and its table."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import pytest
import torch

bench = pytest.importorskip("benchmarks.bench_optimizer")


def test_time_steps_updates_the_parameters():
    p = torch.nn.Parameter(torch.zeros(3))
    p.grad = torch.ones(3)
    seconds = bench.time_steps([p], {"fused": True}, n_steps=3)
    assert seconds > 0
    # five Adam steps against a constant gradient move each weight by 5 lr
    torch.testing.assert_close(p.detach(), torch.full((3,), -5e-3))


def test_bench_steps_times_every_network_and_implementation():
    table = bench.bench_steps(repeats=1, n_steps=1)
    assert table["network"].tolist() == list(bench.NETWORKS)
    for impl in bench.IMPLEMENTATIONS:
        assert (table[f"{impl} ms"] > 0).all()
    assert (table["parameters"] > 100_000).all()
    assert (table["fused x faster"] > 0).all()
