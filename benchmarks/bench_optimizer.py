"""Adam's step on the built-in networks: torch's implementations side by side.

The estimators train with ``torch.optim.Adam`` and its default
implementation, which on a CPU is a loop over the parameters. ``foreach``
groups the parameters, ``fused`` runs one kernel per parameter group. For
each network this times ``optimizer.step()`` alone on the network's real
parameter shapes (random gradients), the three implementations
interleaved for ``--repeats`` rounds, and reports the median milliseconds
per step with its ratio to the default.

``--fit`` also times short fits of the chorales demo's recipe on the Bach
training measures (``--fit-epochs`` epochs) with the default and the fused
Adam, interleaved. The estimators do not expose Adam's options, so the
script swaps ``torch.optim.Adam`` for ``functools.partial(Adam, fused=True)``
during the fused fits. The fused step computes the same update with other
rounding, so the trained weights differ the way two thread counts do.

Usage::

    python benchmarks/bench_optimizer.py [--threads 1] [--repeats 5]
    python benchmarks/bench_optimizer.py --fit --threads 2
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import functools
import statistics
import time

import numpy as np
import pandas as pd
import torch

from skarvae.modules import get_module_class

IMPLEMENTATIONS = {
    "default": {},
    "foreach": {"foreach": True},
    "fused": {"fused": True},
}
MIDI = np.r_[[np.nan] * 4, np.arange(55, 94)]  # a 43-token Bach vocabulary

# name -> (module, constructor arguments)
NETWORKS = {
    "token_mlp (Bach profile)": (
        "token_mlp",
        {
            "input_shape": (24,),
            "latent_dim": 32,
            "n_tokens": 43,
            "pool_dim": 8,
            "pool_ignore": (0, 1, 2, 3),
            "pool_features": MIDI,
            "pool_ends": True,
        },
    ),
    "token_mlp (chorales demo)": (
        "token_mlp",
        {
            "input_shape": (24,),
            "latent_dim": 8,
            "n_tokens": 43,
            "pool_dim": 8,
            "pool_ignore": (0, 1, 2, 3),
            "pool_features": MIDI,
            "pool_ends": True,
        },
    ),
    "measure_vae (paper)": (
        "measure_vae",
        {"input_shape": (24,), "latent_dim": 32, "n_tokens": 43},
    ),
    "fast_image (sprites, a tenth)": (
        "fast_image",
        {
            "input_shape": (1, 64, 64),
            "latent_dim": 10,
            "hidden_dims": (512,),
            "patch_sizes": (8, 4),
            "channels": (16, 64),
            "pool_channels": (8, 16),
            "pool_stride": 4,
        },
    ),
    "fast_image (sprites profile)": (
        "fast_image",
        {
            "input_shape": (1, 64, 64),
            "latent_dim": 10,
            "pool_channels": (16, 64),
            "broadcast_dims": (128, 128, 128),
        },
    ),
    "dsprites (paper)": ("dsprites", {"input_shape": (1, 64, 64), "latent_dim": 10}),
}


def time_steps(parameters, options, n_steps):
    """Seconds per ``Adam.step()`` over ``n_steps``, after two warm-up steps."""
    optimizer = torch.optim.Adam(parameters, lr=1e-3, **options)
    for _ in range(2):
        optimizer.step()
    start = time.perf_counter()
    for _ in range(n_steps):
        optimizer.step()
    return (time.perf_counter() - start) / n_steps


def bench_steps(repeats, n_steps):
    rows = []
    for name, (module, kwargs) in NETWORKS.items():
        torch.manual_seed(0)
        network = get_module_class(module)(**kwargs)
        parameters = list(network.parameters())
        for p in parameters:
            p.grad = torch.randn_like(p)
        times = {impl: [] for impl in IMPLEMENTATIONS}
        for _ in range(repeats):
            for impl, options in IMPLEMENTATIONS.items():
                times[impl].append(time_steps(parameters, options, n_steps))
        medians = {impl: statistics.median(t) for impl, t in times.items()}
        row = {"network": name, "parameters": sum(p.numel() for p in parameters)}
        for impl, seconds in medians.items():
            row[f"{impl} ms"] = round(1e3 * seconds, 3)
        for impl in ("foreach", "fused"):
            row[f"{impl} x faster"] = round(medians["default"] / medians[impl], 1)
        rows.append(row)
    return pd.DataFrame(rows)


def bench_fit(repeats, epochs):
    """Fits of the chorales demo's recipe with the default and the fused Adam."""
    import skarvae.estimators._base as base
    from skarvae import ARVAE
    from skarvae.datasets import load_bach_chorales
    from skarvae.losses import measure_attribute_functions

    train = load_bach_chorales(subset="train", progress=False)
    vocabulary = train.vocabulary
    X, A = np.asarray(train.data), train.attributes
    params = {
        "module": "token_mlp",
        "hidden_dims": (512, 256),
        "module_params": {
            "pool_dim": 8,
            "pool_ignore": (0, 1, 2, 3),
            "pool_features": vocabulary.midi,
            "pool_ends": True,
        },
        "latent_dim": 8,
        "beta": 0.3,
        "gamma": 24,
        "delta": [3, 3, 1, 1],
        "attribute_fns": measure_attribute_functions(vocabulary),
        "edit_weight": 3,
        "lr": 3e-3,
        "ema_decay": 0.999,
        "batch_size": 256,
        "max_epochs": epochs,
        "validation_fraction": None,
        "random_state": 0,
    }
    adam = base.torch.optim.Adam
    times = {"default": [], "fused": []}
    try:
        for _ in range(repeats):
            for impl in times:
                base.torch.optim.Adam = (
                    functools.partial(adam, fused=True) if impl == "fused" else adam
                )
                start = time.perf_counter()
                ARVAE(**params).fit(X, A)
                times[impl].append(time.perf_counter() - start)
    finally:
        base.torch.optim.Adam = adam
    medians = {impl: statistics.median(t) for impl, t in times.items()}
    return pd.DataFrame(
        [
            {
                "fit": f"chorales demo recipe, {epochs} epochs, {len(X):,} measures",
                "default s": round(medians["default"], 2),
                "fused s": round(medians["fused"], 2),
                "x faster": round(medians["default"] / medians["fused"], 2),
            }
        ]
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--fit", action="store_true")
    parser.add_argument("--fit-epochs", type=int, default=2)
    parser.add_argument("--fit-repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s)")
    print(bench_steps(args.repeats, args.steps).to_markdown(index=False))
    if args.fit:
        print(bench_fit(args.fit_repeats, args.fit_epochs).to_markdown(index=False))


if __name__ == "__main__":
    main()
