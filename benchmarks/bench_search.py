"""Trials per minute of ARVAESearchCV with 1 and more worker processes.

Each configuration runs a fresh study of ``--n-trials`` trials (ARVAE on
generated tabular data, default gamma/delta/beta space, Interpretability
objective, ``--cv`` folds) on a journal file in a temporary folder. Two
rates are reported: over the whole ``fit`` (worker start-up and refit
included) and over the trials alone (first trial start to last trial end,
from the study's timestamps).

Usage::

    python benchmarks/bench_search.py [--n-trials 16] [--jobs 1 2] [--device cuda]
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import os
import platform
import tempfile
import time

import torch

from skarvae import ARVAE
from skarvae.datasets import make_attribute_data
from skarvae.model_selection import ARVAESearchCV


def run(n_jobs, args, data):
    estimator = ARVAE(
        latent_dim=8,
        hidden_dims=(64,),
        max_epochs=args.epochs,
        batch_size=128,
        device=args.device,
        random_state=0,
    )
    with tempfile.TemporaryDirectory() as tmp:
        search = ARVAESearchCV(
            estimator,
            scoring="interpretability",
            n_trials=args.n_trials,
            cv=args.cv,
            n_jobs=n_jobs,
            storage=os.path.join(tmp, "bench.log"),
            study_name="bench",
            random_state=0,
        )
        start = time.perf_counter()
        search.fit(data.data, data.attributes)
        wall = time.perf_counter() - start
        trials = search.study_.trials
    span = max(t.datetime_complete for t in trials) - min(
        t.datetime_start for t in trials
    )
    return len(trials), wall, span.total_seconds()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=int, default=16)
    parser.add_argument("--n-samples", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--cv", type=int, default=2)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(1)  # the 1-worker run; workers get cpus // n_jobs
    data = make_attribute_data(
        n_samples=args.n_samples, n_features=20, n_attributes=3, random_state=0
    )
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"torch {torch.__version__}, device={args.device}, "
        f"cuda GPUs={torch.cuda.device_count() if args.device != 'cpu' else 0}"
    )
    print(
        f"# {args.n_trials} trials, {args.n_samples} samples, "
        f"{args.epochs} epochs, cv={args.cv}"
    )
    print(
        f"{'workers':>7} {'trials':>6} {'wall s':>7} {'trials/min':>10} "
        f"{'trials/min (trials only)':>24}"
    )
    for n_jobs in args.jobs:
        n, wall, span = run(n_jobs, args, data)
        print(
            f"{n_jobs:>7} {n:>6} {wall:>7.1f} {60 * n / wall:>10.1f} "
            f"{60 * n / span:>24.1f}"
        )


if __name__ == "__main__":
    main()
