"""Screen sprites networks on the fast reproduction profile's data.

Fits one ARVAE per model seed on the profile's sprites (30,000 training
sprites, 5,000 held out, data seed 0; ``benchmarks/reproduce.py``'s
``make_model`` with the profile's loss weights) and prints the held-out
protocol's five metrics and the pixel accuracy, one JSON line per fit. The
network starts from the one at about a tenth of the paper network's cost
(docs/networks.md, "sprites-tenth"); ``--set`` replaces its parameters,
``--module-params`` entries of its ``module_params``, both as JSON::

    python benchmarks/sprites_screen.py --seeds 0 1 2
    python benchmarks/sprites_screen.py --seeds 0 1 2 \
        --module-params '{"channels": [16, 32]}'
    python benchmarks/sprites_screen.py --seeds 0 --set '{"hidden_dims": [384]}'
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import copy
import json
import sys
from pathlib import Path

import torch

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._reproduce import runner
from benchmarks._reproduce.config import METRICS, SETTINGS
from benchmarks._reproduce.data import load_sprites
from benchmarks.bench_networks import NETWORKS

# About a tenth of the paper network's cost per epoch (docs/networks.md,
# "sprites-tenth"): bench_networks.py's network with the profile's gamma, 10
# epochs and no average of the weights.
TENTH = {
    **NETWORKS["sprites"]["fast_p84_816_b128"],
    "max_epochs": 10,
    "gamma": 100.0,
    "ema_decay": None,
}


def _tuples(params):
    """JSON arrays as the tuples the estimators and modules take."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}


def network_params(overrides=None, module_overrides=None):
    """``TENTH`` with ``overrides`` and ``module_params`` entries replaced."""
    params = _tuples({**TENTH, **(overrides or {})})
    params["module_params"] = _tuples(
        {**params["module_params"], **(module_overrides or {})}
    )
    return params


def screen(seed, params, data, settings):
    args = argparse.Namespace(
        settings=settings, profile="fast", device="cpu", data_seed=0
    )
    estimator = runner.make_model("ARVAE", data, seed, args, **params)
    estimator, fit_s = runner.fit(estimator, data)
    Z = runner.encode(estimator, data.X_test, "heldout", seed)
    means = runner.report(estimator, Z, data.A_test, "heldout", seed).loc["mean"]
    return {
        "seed": seed,
        **{metric: round(float(means[metric]), 3) for metric in METRICS},
        "pixel_acc": round(float(runner.recon_accuracy(estimator, data, Z)), 4),
        "fit_s": round(fit_s, 1),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--set", type=json.loads, default={})
    parser.add_argument("--module-params", type=json.loads, default={})
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    params = network_params(args.set, args.module_params)
    settings = copy.deepcopy(SETTINGS["fast"])
    data = load_sprites(settings["sprites"], 0)
    for seed in args.seeds:
        print(json.dumps(screen(seed, params, data, settings)), flush=True)


if __name__ == "__main__":
    main()
