"""Reproduce the experiments of the AR-VAE paper (Pati & Lerch 2020) with skarvae.

Four data sets (generated dSprites-like sprites, MNIST test digits with
Morpho-MNIST attributes, Bach chorale measures, folk tune measures), two
models (``BetaVAE``, ``ARVAE``), several seeds. Experiments:

- ``metrics``: the five disentanglement metrics of the paper's Fig. 3
  (Interpretability, MIG, Modularity, SAP, SCC) on held-out data;
- ``recon``: reconstruction accuracy (Fig. 5) of the same fitted models;
- ``content``: content preservation on MNIST (Fig. 7): a pixel classifier
  trained on digits used neither to train nor to evaluate the VAEs scores
  the inputs, the reconstructions and latent traversals;
- ``sweep``: the gamma x delta sensitivity sweep on MNIST (Fig. 8), plotted
  as interpretability against reconstruction accuracy.

Two profiles (``--profile``): ``fast`` (default, for CPUs) trains the fast
built-in networks (``"fast_image"`` for images, an MLP over one-hot tokens
for music) with the fast recipe; ``paper`` trains the paper's networks
(Table 2 convolutions, MeasureVAE) with its epochs, lr 1e-4 and 10 seeds,
for GPUs (``--device cuda``). ``--quick`` and ``--full`` are the old names of
``--profile fast`` and ``--profile paper``.

Two evaluation protocols (``--protocol``): ``heldout`` (default) encodes
the held-out data to posterior means, uses binned mutual information with a
fixed seed and scores an ARVAE on its regularized dims; ``paper``
(``--paper-protocol``) follows the original code: one posterior sample per
input (``sample_latent``), the KSG mutual-information estimator and the
dims each metric chooses. ``both`` evaluates the same fitted models both
ways.

The code lives in ``benchmarks/_reproduce/``: ``config.py`` (data sets,
profiles, the paper's medians), ``data.py`` (loaders and splits),
``runner.py`` (models and experiments) and ``report.py`` (tables, figures).
Run from the repository root::

    python benchmarks/reproduce.py --protocol both
    python benchmarks/reproduce.py --profile paper --device cuda
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import copy
import os
import sys
import time
from pathlib import Path

import pandas as pd
import torch

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._reproduce.config import (
    ALIASES,
    DATASETS,
    EXPERIMENTS,
    MODELS,
    PROTOCOLS,
    SETTINGS,
)
from benchmarks._reproduce.data import (
    Data,
    load_dataset,
    mnist_with_morphometrics,
    split_mnist,
)
from benchmarks._reproduce.report import collect, write_outputs
from benchmarks._reproduce.runner import (
    make_model,
    run_content,
    run_metrics,
    run_sweep,
)

__all__ = [
    "DATASETS",
    "MODELS",
    "SETTINGS",
    "Data",
    "load_dataset",
    "main",
    "make_model",
    "mnist_with_morphometrics",
    "parse_args",
    "run_content",
    "run_metrics",
    "run_sweep",
    "split_mnist",
    "write_outputs",
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="See docs/results.md for the protocol and the committed results.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    profile = parser.add_mutually_exclusive_group()
    profile.add_argument(
        "--profile",
        choices=sorted(SETTINGS),
        default="fast",
        help="fast: the fast networks and recipe, sized for 2 CPU cores; paper: "
        "the paper's networks, epochs, lr 1e-4 and 10 seeds (meant for --device cuda)",
    )
    for flag, target in ALIASES.items():
        profile.add_argument(
            f"--{flag}",
            dest="profile",
            action="store_const",
            const=target,
            help=f"the same as --profile {target}",
        )
    parser.add_argument(
        "--experiments",
        nargs="+",
        choices=EXPERIMENTS,
        default=list(EXPERIMENTS),
        help="metrics: Fig. 3; recon: Fig. 5 (same fits as metrics); "
        "content: Fig. 7 on MNIST; sweep: Fig. 8 on MNIST",
    )
    parser.add_argument(
        "--datasets",
        nargs="+",
        choices=DATASETS,
        default=list(DATASETS),
        help="data sets of the metrics/recon experiments",
    )
    parser.add_argument(
        "--n-seeds",
        type=int,
        default=None,
        help="model seeds 0..n-1 (default: 3 fast, 10 paper)",
    )
    parser.add_argument(
        "--protocol",
        choices=[*PROTOCOLS, "both"],
        default="heldout",
        help="heldout: posterior means, binned MI, ARVAE scored on its "
        "regularized dims; paper: one posterior sample, KSG MI, dims chosen by "
        "each metric; both: evaluate the same fits both ways",
    )
    parser.add_argument(
        "--paper-protocol",
        action="store_const",
        dest="protocol",
        const="paper",
        help="shorthand for --protocol paper",
    )
    parser.add_argument(
        "--mnist-path",
        default=os.path.join("..", "shared", "data", "mnist"),
        help="folder with t10k-images-idx3-ubyte(.gz) and t10k-labels-idx1-ubyte(.gz)",
    )
    parser.add_argument(
        "--folk-collection",
        choices=["all", "ryansMammoth", "oneills1850"],
        default="all",
        help="music21 folk collection(s) of load_folk_tunes",
    )
    parser.add_argument(
        "--output-dir",
        default=os.path.join("results", "reproduce"),
        help="where CSVs, PNGs and tables.md go",
    )
    parser.add_argument(
        "--cache-dir",
        default=os.path.join("results", "cache"),
        help="folder of the MNIST morphometrics cache (kept across output dirs)",
    )
    parser.add_argument("--device", default="cpu", help="torch device, e.g. cuda")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch CPU threads per process"
    )
    parser.add_argument(
        "--n-jobs", type=int, default=None, help="joblib workers for morphometrics"
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="override the epochs of every data set (not of the sweep)",
    )
    parser.add_argument(
        "--n-train",
        type=int,
        default=None,
        help="override the training samples of every data set (0 = all)",
    )
    parser.add_argument(
        "--collect",
        nargs="+",
        metavar="DIR",
        default=None,
        help="train nothing: merge the CSVs of earlier runs' output folders and "
        "write the tables and plots of the merged results to --output-dir",
    )
    parser.add_argument(
        "--data-seed",
        type=int,
        default=0,
        help="seed of the data subsets and splits (fixed across model seeds)",
    )
    args = parser.parse_args(argv)
    args.settings = copy.deepcopy(SETTINGS[args.profile])
    for name in DATASETS:
        if args.epochs is not None:
            args.settings[name]["epochs"] = args.epochs
        if args.n_train is not None:
            args.settings[name]["n_train"] = args.n_train
    args.seeds = list(range(args.n_seeds or args.settings["n_seeds"]))
    args.protocols = list(PROTOCOLS) if args.protocol == "both" else [args.protocol]
    return args


def main(argv=None):
    args = parse_args(argv)
    args.command = "python benchmarks/reproduce.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    torch.set_num_threads(args.threads)
    results, fitted = {}, {}
    start = time.perf_counter()
    if args.collect:
        results = collect(args.collect)
        if "metrics" in results:
            frame = pd.DataFrame(results["metrics"])
            args.seeds = sorted(set(frame.seed))
        found = {row["protocol"] for rows in results.values() for row in rows}
        args.protocols = [p for p in PROTOCOLS if p in found]
        write_outputs(results, args)
        return
    if {"metrics", "recon"} & set(args.experiments):
        results["metrics"] = []
        for name in args.datasets:
            data = load_dataset(name, args)
            print(f"{name}: {len(data.X_train):,} train, {len(data.X_test):,} test")
            results["metrics"] += run_metrics(data, args, fitted)
    if {"content", "sweep"} & set(args.experiments):
        data = load_dataset("mnist", args)
        if "content" in args.experiments:
            results["content"] = run_content(data, args, fitted)
        if "sweep" in args.experiments:
            results["sweep"] = run_sweep(data, args)
    write_outputs(results, args)
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
