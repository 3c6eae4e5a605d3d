"""benchmarks/bench_inference.py: the networks it times and its table."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import pytest
import torch

bench = pytest.importorskip("benchmarks.bench_inference")


@pytest.mark.parametrize("name", list(bench.NETWORKS))
def test_random_inputs_suit_each_network(name):
    _, kwargs = bench.NETWORKS[name]
    X = bench.random_inputs(kwargs, 3, torch.Generator().manual_seed(0))
    assert X.shape == (3, *kwargs["input_shape"])
    if "n_tokens" in kwargs:
        assert X.dtype == torch.int64
        assert X.max() < kwargs["n_tokens"]
    else:
        assert set(X.unique().tolist()) <= {0.0, 1.0}


def test_bench_inference_times_each_batch_size():
    table = bench.bench_inference(
        n_samples=20, repeats=1, batch_sizes=(4, 16), networks=["fast_image (digits)"]
    )
    assert table["network"].tolist() == ["fast_image (digits)"]
    assert (table[["batch 4 s", "batch 16 s"]] > 0).all(axis=None)
    assert table["4 x faster"].iloc[0] > 0
