"""Inference batch size: encoding and decoding with the built-in networks.

``transform``, ``inverse_transform``, ``score`` and the calibration that
ends every fit run the network over the data in batches. This times
``encode`` then ``decode`` of ``--n-samples`` random inputs with each
network at several batch sizes, interleaved for ``--repeats`` rounds, and
reports the median seconds with each size's speed relative to the largest.
On a CPU the estimators use the smallest size here (256): the paper's
convolutional and recurrent networks run faster on small batches, whose
activations stay in the caches and reuse memory the allocator already
holds, and no network here is slower.

Usage::

    python benchmarks/bench_inference.py [--threads 1] [--repeats 3]
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import statistics
import sys
import time
from pathlib import Path

import pandas as pd
import torch

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_optimizer import NETWORKS as TRAINED_NETWORKS
from skarvae.modules import get_module_class

BATCH_SIZES = (256, 1024, 4096)
NETWORKS = {
    **TRAINED_NETWORKS,
    "fast_image (digits)": ("fast_image", {"input_shape": (28, 28), "latent_dim": 16}),
    "morpho_mnist (paper)": (
        "morpho_mnist",
        {"input_shape": (28, 28), "latent_dim": 16},
    ),
}


def random_inputs(kwargs, n_samples, generator):
    """Token ids for token networks, binary images otherwise."""
    shape = (n_samples, *kwargs["input_shape"])
    if "n_tokens" in kwargs:
        return torch.randint(0, kwargs["n_tokens"], shape, generator=generator)
    return (torch.rand(shape, generator=generator) > 0.8).float()


def time_inference(module, X, batch_size):
    """Seconds to encode ``X`` and decode the posterior means, in batches."""
    start = time.perf_counter()
    with torch.inference_mode():
        for i in range(0, len(X), batch_size):
            mu, _ = module.encode(X[i : i + batch_size])
            module.decode(mu)
    return time.perf_counter() - start


def bench_inference(n_samples, repeats, batch_sizes=BATCH_SIZES, networks=None):
    generator = torch.Generator().manual_seed(0)
    rows = []
    for name in networks or NETWORKS:
        module_name, kwargs = NETWORKS[name]
        torch.manual_seed(0)
        module = get_module_class(module_name)(**kwargs).eval()
        X = random_inputs(kwargs, n_samples, generator)
        time_inference(module, X[: batch_sizes[0]], batch_sizes[0])  # warm-up
        times = {size: [] for size in batch_sizes}
        for _ in range(repeats):
            for size in batch_sizes:
                times[size].append(time_inference(module, X, size))
        medians = {size: statistics.median(t) for size, t in times.items()}
        largest = medians[max(batch_sizes)]
        row = {"network": name}
        for size, seconds in medians.items():
            row[f"batch {size} s"] = round(seconds, 3)
        for size in batch_sizes:
            if size != max(batch_sizes):
                row[f"{size} x faster"] = round(largest / medians[size], 2)
        rows.append(row)
    return pd.DataFrame(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n-samples", type=int, default=8192)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    table = bench_inference(args.n_samples, args.repeats)
    print(table.to_markdown(index=False))


if __name__ == "__main__":
    main()
