"""glibc's allocator thresholds: training steps with the defaults and raised.

On Linux, glibc's ``malloc`` hands every large block (from 128 KiB, a
threshold it raises as blocks are freed, to at most 32 MiB) to the kernel
with ``mmap`` and returns it on ``free``, and it gives back the top of the
heap whenever more than twice that threshold lies free there. A network
whose activations are such blocks then pays fresh page faults for them on
every step. Raising both thresholds above any block size, through the
environment variables ``MALLOC_MMAP_THRESHOLD_`` and
``MALLOC_TRIM_THRESHOLD_``, keeps the memory in the process for reuse
(raising only the first fixes the trim threshold at 128 KiB, which is
worse).

This times one training step (forward, reconstruction loss and KL,
backward, Adam) of each built-in network at its recipe's batch size, in
child processes started with the default environment and with the raised
thresholds, the two interleaved for ``--repeats`` rounds, and reports the
median milliseconds per step and their ratio. The thresholds are read when
a process starts, so they cannot be compared within one process.

Usage::

    python benchmarks/bench_allocator.py [--repeats 3] [--steps 10]
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import torch

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_inference import NETWORKS, random_inputs
from skarvae.losses import gaussian_kl, reconstruction_loss
from skarvae.modules import get_module_class

RAISED = {
    "MALLOC_MMAP_THRESHOLD_": "4294967296",
    "MALLOC_TRIM_THRESHOLD_": "4294967296",
}
# the batch size each network trains with in its recipe
BATCH_SIZES = {
    "token_mlp (Bach profile)": 256,
    "token_mlp (chorales demo)": 256,
    "measure_vae (paper)": 256,
    "fast_image (sprites, a tenth)": 128,
    "fast_image (sprites profile)": 64,
    "dsprites (paper)": 128,
    "fast_image (digits)": 256,
    "morpho_mnist (paper)": 128,
}


def time_step(name, n_steps, warmup=3):
    """Milliseconds per training step of network ``name``, after ``warmup``."""
    module_name, kwargs = NETWORKS[name]
    torch.manual_seed(0)
    module = get_module_class(module_name)(**kwargs)
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
    X = random_inputs(kwargs, BATCH_SIZES[name], torch.Generator().manual_seed(0))

    kind = "ce" if X.dtype == torch.int64 else "bce"

    def step():
        out = module(X)
        loss = reconstruction_loss(out.output, X, kind) + gaussian_kl(
            out.mu, out.logvar
        )
        optimizer.zero_grad()
        loss.mean().backward()
        optimizer.step()

    for _ in range(warmup):
        step()
    start = time.perf_counter()
    for _ in range(n_steps):
        step()
    return 1e3 * (time.perf_counter() - start) / n_steps


def time_in_child(name, n_steps, threads, raised):
    """``time_step`` in a fresh process, with the raised thresholds or not."""
    env = {k: v for k, v in os.environ.items() if k not in RAISED}
    if raised:
        env.update(RAISED)
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        name,
        "--steps",
        str(n_steps),
        "--threads",
        str(threads),
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"timing {name!r} failed:\n{result.stderr}")
    return float(result.stdout.split()[-1])


def bench_allocator(repeats, n_steps, threads=1, networks=None):
    rows = []
    for name in networks or NETWORKS:
        times = {False: [], True: []}
        for _ in range(repeats):
            for raised in times:
                times[raised].append(time_in_child(name, n_steps, threads, raised))
        default, raised = (statistics.median(times[k]) for k in (False, True))
        rows.append(
            {
                "network": name,
                "batch": BATCH_SIZES[name],
                "default ms": round(default, 1),
                "raised ms": round(raised, 1),
                "x faster": round(default / raised, 2),
            }
        )
    return pd.DataFrame(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.child:
        print(time_step(args.child, args.steps))
        return
    table = bench_allocator(args.repeats, args.steps, args.threads)
    print(table.to_markdown(index=False))


if __name__ == "__main__":
    main()
