"""benchmarks/bench_networks.py: every candidate builds, trains and is timed."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse

import numpy as np
import pandas as pd
import pytest

bench = pytest.importorskip("benchmarks.bench_networks")


@pytest.mark.parametrize(
    ("dataset", "shape"), [("sprites", (1, 64, 64)), ("mnist", (1, 28, 28))]
)
def test_every_candidate_takes_an_optimizer_step(dataset, shape):
    names = list(bench.NETWORKS[dataset])
    args = argparse.Namespace(dataset=dataset, batch_size=2, repeats=1)
    ms = bench.time_steps(names, shape, args, n_steps=1)
    assert list(ms) == names
    assert all(np.isfinite(t) and t > 0 for t in ms.values())


def test_the_profile_network_fits_and_is_timed_with_its_options():
    rng = np.random.default_rng(0)
    X = (rng.random((8, 1, 64, 64)) > 0.9).astype(np.float32)
    A = pd.DataFrame(rng.random((8, 5)), columns=[f"a{i}" for i in range(5)])
    args = argparse.Namespace(
        dataset="sprites",
        model="arvae",
        lr=1e-3,
        batch_size=4,
        seed=0,
        model_seed=None,
        repeats=1,
    )
    fit, epoch = bench.time_epochs(["fast_pool_bcast"], X, A, args)
    assert 0 < epoch["fast_pool_bcast"] <= fit["fast_pool_bcast"]
    model = bench.make_model(bench.NETWORKS["sprites"]["fast_pool_bcast"], 10, args, 1)
    assert model.module_params["broadcast_dims"] == (128, 128, 128)
    assert model.gamma == 10.0
