"""Compare image networks side by side: time per epoch and held-out quality.

The paper's Table 2 networks (``"dsprites"``, ``"morpho_mnist"``) against
fast candidates (MLPs and light convolutions), each trained as an
``ARVAE`` (beta=1, gamma=10, delta=1; ``--model betavae``: a ``BetaVAE``
with beta=4) on the same training images and scored on the same held-out
images:

- ``s_per_epoch``: fit wall time divided by the epochs (one torch thread);
- the five AR-VAE metrics under the held-out protocol of
  ``benchmarks/reproduce.py`` (posterior means, binned mutual information,
  the regularized dims) and Interpretability per attribute;
- ``recon_acc``: pixel accuracy of the reconstructions (cut at 0.5).

Each candidate is ``name`` or ``name:epochs``; run from the repository root::

    python benchmarks/bench_networks.py --dataset mnist \
        --networks paper:5 fast:5 fast:30
    python benchmarks/bench_networks.py --dataset sprites \
        --networks paper:5 fast:5 fast:20

Timings on a shared machine are noisy: compare candidates of one run (ratios).
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from skarvae import ARVAE, BetaVAE
from skarvae.metrics import disentanglement_report, reconstruction_accuracy

METRICS = ["interpretability", "mig", "modularity", "sap", "scc"]


def _p84(hidden=512, **module_params):
    """``fast_p84``: 8 x 8 then 4 x 4 patches (16, 64 channels), lr 3e-3."""
    patches = {"patch_sizes": (8, 4), "channels": (16, 64)}
    return {
        "module": "fast_image",
        "hidden_dims": (hidden,),
        "module_params": {**patches, **module_params},
        "lr": 3e-3,
    }


# name -> estimator parameters, per data set. "paper" is the Table 2 network.
NETWORKS = {
    "sprites": {
        "paper": {"module": "dsprites"},
        "fast": {"module": "fast_image"},
        "mlp": {"module": "mlp", "hidden_dims": (512, 256)},
        "mlp_small": {"module": "mlp", "hidden_dims": (256, 256)},
        # The default with a pooled branch of stride-2 convolutions (16 then
        # 64 channels): features that do not depend on where the sprite lies,
        # for its shape (docs/networks.md, "sprites-pool").
        "fast_pool": {
            "module": "fast_image",
            "module_params": {"pool_channels": (16, 64)},
        },
        # The fast reproduction profile's network: the same with a
        # spatial-broadcast decoder (three hidden layers of 128 on an 8 x 8
        # grid), which draws turned squares (docs/images.md, "why-discs").
        "fast_pool_bcast": {
            "module": "fast_image",
            "module_params": {
                "pool_channels": (16, 64),
                "broadcast_dims": (128, 128, 128),
            },
        },
        "fast_cosine": {"module": "fast_image", "lr_schedule": "cosine"},
        "fast_b256": {
            "module": "fast_image",
            "batch_size": 256,
            "lr": 3e-3,
            "lr_schedule": "cosine",
        },
        # The same with 5 epochs of KL warm-up.
        "fast_b256_kl": {
            "module": "fast_image",
            "batch_size": 256,
            "lr": 3e-3,
            "lr_schedule": "cosine",
            "beta_warmup": 5,
        },
        # Half the channels, one hidden layer of 256.
        "fast_small": {
            "module": "fast_image",
            "hidden_dims": (256,),
            "module_params": {"channels": (16, 32)},
        },
        "fast_small_b256": {
            "module": "fast_image",
            "hidden_dims": (256,),
            "module_params": {"channels": (16, 32)},
            "batch_size": 256,
            "lr": 3e-3,
            "lr_schedule": "cosine",
        },
        # 8 x 8 patches to 16 channels, then 4 x 4 patches to 64 (a 2 x 2
        # grid), one hidden layer of 512, lr 3e-3: the cheapest network near
        # the paper's quality (docs/networks.md); then with a hidden layer of
        # 256, with a pooled branch of 16 then 32 channels, and with that
        # branch's first convolution at stride 4 (8 x 8 kernels; 16 then 32
        # or 64 channels).
        "fast_p84": _p84(),
        "fast_p84_h256": _p84(hidden=256),
        "fast_p84_pool": _p84(pool_channels=(16, 32)),
        "fast_p84_pool_s4": _p84(pool_channels=(16, 32), pool_stride=4),
        "fast_p84_pool_s4_64": _p84(pool_channels=(16, 64), pool_stride=4),
        # A branch of 8 then 16 channels, trained at batch 128 (the paper's
        # batch for images) with lr 5e-3 and the cosine schedule: about a
        # tenth of the paper network's cost per epoch at better quality
        # (docs/networks.md, "sprites-tenth").
        "fast_p84_816_b128": {
            **_p84(pool_channels=(8, 16), pool_stride=4),
            "batch_size": 128,
            "lr": 5e-3,
            "lr_schedule": "cosine",
        },
        # The same with 32 channels in the second patch stage instead of 64
        # (its output and the dense layers on it halve): a step costs a
        # quarter less at the same quality (docs/networks.md, "sprites-32").
        "fast_p84_32_816_b128": {
            **_p84(channels=(16, 32), pool_channels=(8, 16), pool_stride=4),
            "batch_size": 128,
            "lr": 5e-3,
            "lr_schedule": "cosine",
        },
        # The same without the convolution branch: the magnitudes of the
        # 15 x 8 lowest spatial frequencies, which no translation changes,
        # feed the first layer instead; then with a hidden layer of 384 (the
        # cheapest at the paper network's quality; docs/networks.md,
        # "sprites-spectrum").
        "fast_p84_32_spec8_b128": {
            **_p84(channels=(16, 32), spectrum_size=8),
            "batch_size": 128,
            "lr": 5e-3,
            "lr_schedule": "cosine",
        },
        "fast_p84_32_h384_spec8_b128": {
            **_p84(hidden=384, channels=(16, 32), spectrum_size=8),
            "batch_size": 128,
            "lr": 5e-3,
            "lr_schedule": "cosine",
        },
        # The same encoder with a spatial-broadcast decoder: three hidden
        # layers of 128 on an 8 x 8 grid, which draws turned squares
        # (benchmarks/sprites_decoders.py).
        "fast_p84_bcast": _p84(
            pool_channels=(16, 32),
            pool_stride=4,
            broadcast_dims=(128, 128, 128),
        ),
        # 8 x 8 patches to 16 channels (an 8 x 8 grid), then the dense layer.
        "fast_p8": {
            "module": "fast_image",
            "hidden_dims": (256,),
            "module_params": {"patch_sizes": (8,), "channels": (16,)},
        },
        "patch_conv": {
            "module": "conv",
            "hidden_dims": (256,),
            "module_params": {
                "channels": (32, 64),
                "kernel_size": 4,
                "stride": 4,
                "padding": 0,
            },
        },
        "conv_light": {
            "module": "conv",
            "hidden_dims": (256,),
            "module_params": {"channels": (8, 16, 32, 32)},
        },
    },
    "mnist": {
        "paper": {"module": "morpho_mnist"},
        "fast": {"module": "fast_image"},
        "mlp": {"module": "mlp", "hidden_dims": (512, 256)},
        "mlp_small": {"module": "mlp", "hidden_dims": (256, 128)},
        # The fast network with the recipe's learning-rate schedules.
        "fast_cosine": {"module": "fast_image", "lr_schedule": "cosine"},
        "fast_onecycle": {"module": "fast_image", "lr_schedule": "onecycle"},
        # Batch 256 with the learning rate scaled up and a cosine schedule.
        "fast_b256": {
            "module": "fast_image",
            "batch_size": 256,
            "lr": 3e-3,
            "lr_schedule": "cosine",
        },
        # The same with a stronger attribute regularization (gamma 50).
        "fast_b256_g50": {
            "module": "fast_image",
            "batch_size": 256,
            "lr": 3e-3,
            "lr_schedule": "cosine",
            "gamma": 50.0,
        },
        "conv_light": {
            "module": "conv",
            "hidden_dims": (256,),
            "module_params": {"channels": (16, 32)},
        },
    },
}
LATENT = {"sprites": 10, "mnist": 16}


def load(dataset, n_train, n_test, mnist_path, cache_dir, seed):
    """Training and held-out images with their attributes."""
    if dataset == "sprites":
        from skarvae.datasets import make_sprites

        data = make_sprites(n_train + n_test, random_state=seed)
        X = data.images[:, None].astype(np.float32)
        A = data.factors.reset_index(drop=True)
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from benchmarks._reproduce.data import mnist_with_morphometrics

        X, _, A = mnist_with_morphometrics(mnist_path, cache_dir, n_jobs=None)
        rows = np.random.default_rng(seed).permutation(
            np.flatnonzero(A.notna().all(axis=1).to_numpy())
        )[: n_train + n_test]
        X, A = X[rows], A.iloc[rows].reset_index(drop=True)
    return (
        X[n_test:],
        A.iloc[n_test:],
        X[:n_test],
        A.iloc[:n_test].reset_index(drop=True),
    )


def evaluate(model, X, A, seed):
    Z = model.transform(X)
    reg_dims = None
    if hasattr(model, "reg_dims_"):
        reg_dims = [model.reg_dims_[name] for name in A.columns]
    report = disentanglement_report(
        Z,
        A,
        metrics=METRICS,
        mutual_info="binned",
        reg_dims=reg_dims,
        random_state=seed,
    )
    scores = report.loc["mean", METRICS].astype(float).to_dict()
    scores["recon_acc"] = reconstruction_accuracy(
        X, model.inverse_transform(Z), kind="binary"
    )
    per_attribute = {
        f"interp_{name}": float(report.loc[name, "interpretability"])
        for name in A.columns
    }
    return scores, per_attribute


def make_model(params, latent_dim, args, epochs):
    if args.model == "betavae":
        params = {k: v for k, v in params.items() if k not in ("gamma", "delta")}
        weights = {"beta": 4.0}
    else:
        weights = {"beta": 1.0, "gamma": 10.0, "delta": 1.0}
    defaults = {
        "latent_dim": latent_dim,
        **weights,
        "lr": args.lr,
        "batch_size": args.batch_size,
        "max_epochs": epochs,
        "validation_fraction": None,
        "random_state": args.seed if args.model_seed is None else args.model_seed,
    }
    model = BetaVAE if args.model == "betavae" else ARVAE
    return model(**{**defaults, **params})


def time_epochs(names, X, A, args):
    """Seconds of one training epoch per network: the best of interleaved repeats.

    The candidates take turns, so a change in the machine's load hits all of
    them alike; the minimum over the repeats is the least disturbed epoch.
    Returns the wall time of a one-epoch fit (with the fit's own setup: the
    network's construction and the encoding of the training set that
    calibrates the attribute dims) and the epoch alone (skorch's ``dur``).
    """
    fit = dict.fromkeys(names, np.inf)
    epoch = dict.fromkeys(names, np.inf)
    for _ in range(args.repeats):
        for name in names:
            model = make_model(
                NETWORKS[args.dataset][name], LATENT[args.dataset], args, 1
            )
            start = time.perf_counter()
            model.fit(X, A)
            fit[name] = min(fit[name], time.perf_counter() - start)
            epoch[name] = min(epoch[name], model.net_.history[-1, "dur"])
    return fit, epoch


def time_steps(names, shape, args, n_steps=10):
    """Milliseconds per image of one optimizer step of the bare network.

    Forward, summed binary cross-entropy plus the KL term, backward and an
    Adam step on random binary images of ``args.batch_size``; the best of
    ``n_steps`` steps, networks interleaved ``args.repeats`` times. This is
    the network's own cost, without the estimator's data handling and
    attribute regularization.
    """
    from skarvae.modules import get_module_class

    batch = (torch.rand(args.batch_size, *shape) > 0.8).float()
    best = dict.fromkeys(names, np.inf)
    for _ in range(args.repeats):
        for name in names:
            params = NETWORKS[args.dataset][name]
            options = dict(params.get("module_params", {}))
            if "hidden_dims" in params:
                options["hidden_dims"] = params["hidden_dims"]
            module = get_module_class(params["module"])(
                input_shape=shape, latent_dim=LATENT[args.dataset], **options
            )
            optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
            for _ in range(n_steps):
                start = time.perf_counter()
                out = module(batch)
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    out.output, batch, reduction="sum"
                ) - 0.5 * torch.sum(1 + out.logvar - out.mu**2 - out.logvar.exp())
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                best[name] = min(best[name], time.perf_counter() - start)
    return {name: 1000 * t / args.batch_size for name, t in best.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--dataset", choices=sorted(NETWORKS), default="mnist")
    parser.add_argument(
        "--model",
        choices=["arvae", "betavae"],
        default="arvae",
        help="arvae: beta 1, gamma 10, delta 1; betavae: beta 4 (the paper's baseline)",
    )
    parser.add_argument(
        "--networks",
        nargs="+",
        default=["paper:5", "fast:5", "fast:30"],
        help="candidates NAME[:EPOCHS]; names: "
        + ", ".join(f"{d}: {', '.join(n)}" for d, n in NETWORKS.items()),
    )
    parser.add_argument("--epochs", type=int, default=10, help="when not in NAME")
    parser.add_argument("--n-train", type=int, default=6000)
    parser.add_argument("--n-test", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--model-seed",
        type=int,
        default=None,
        help="seed of the networks' initialization and shuffling (default: --seed, "
        "which also draws the data)",
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--mnist-path", default=os.path.join("..", "shared", "data", "mnist")
    )
    parser.add_argument("--cache-dir", default=os.path.join("results", "cache"))
    parser.add_argument("--out", default=None, help="CSV file for the results")
    parser.add_argument(
        "--time-only",
        type=int,
        default=None,
        metavar="N",
        help="only time one epoch on N training images per network (interleaved)",
    )
    parser.add_argument(
        "--step-only",
        action="store_true",
        help="only time optimizer steps of the bare networks (interleaved)",
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="with --time-only, --step-only"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.step_only:
        names = list(dict.fromkeys(spec.partition(":")[0] for spec in args.networks))
        shape = (1, 64, 64) if args.dataset == "sprites" else (1, 28, 28)
        ms = time_steps(names, shape, args)
        table = pd.DataFrame({"network": names, "ms_per_image": ms.values()})
        table["batch_size"] = args.batch_size
        ref = ms.get("paper", max(ms.values()))
        table["vs_paper"] = ref / table.ms_per_image
        print(table.round(3).to_string(index=False))
        if args.out:
            table.to_csv(args.out, index=False)
        return
    X, A, X_test, A_test = load(
        args.dataset,
        args.n_train,
        args.n_test,
        args.mnist_path,
        args.cache_dir,
        args.seed,
    )
    if args.time_only:
        names = list(dict.fromkeys(spec.partition(":")[0] for spec in args.networks))
        n = args.time_only
        fit, epoch = time_epochs(names, X[:n], A.iloc[:n], args)
        table = pd.DataFrame(
            {
                "network": names,
                "n_images": n,
                "batch_size": [
                    NETWORKS[args.dataset][k].get("batch_size", args.batch_size)
                    for k in names
                ],
                "s_per_epoch": [round(fit[k], 3) for k in names],
                "ms_per_image": [round(1000 * fit[k] / n, 3) for k in names],
                "epoch_s": [round(epoch[k], 3) for k in names],
            }
        )
        ref = "paper" if "paper" in names else max(names, key=fit.get)
        table["vs_paper"] = fit[ref] / table.s_per_epoch
        table["epoch_vs_paper"] = epoch[ref] / table.epoch_s
        print(table.round(2).to_string(index=False))
        if args.out:
            table.to_csv(args.out, index=False)
        return
    rows = []
    for spec in args.networks:
        name, _, epochs = spec.partition(":")
        epochs = int(epochs or args.epochs)
        params = NETWORKS[args.dataset][name]
        model = make_model(params, LATENT[args.dataset], args, epochs)
        start = time.perf_counter()
        model.fit(X, A)
        fit_s = time.perf_counter() - start
        n_params = sum(p.numel() for p in model.net_.module_.parameters())
        scores, per_attribute = evaluate(model, X_test, A_test, args.seed)
        row = {
            "dataset": args.dataset,
            "model": args.model,
            "network": name,
            "seed": model.random_state,
            "lr": model.lr,
            "batch_size": model.batch_size,
            "params": n_params,
            "n_train": len(X),
            "n_test": len(X_test),
            "epochs": epochs,
            "fit_s": round(fit_s, 1),
            "s_per_epoch": round(fit_s / epochs, 2),
            **{k: round(v, 4) for k, v in scores.items()},
            **{k: round(v, 3) for k, v in per_attribute.items()},
        }
        rows.append(row)
        print(row, flush=True)
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    if args.out:
        table.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
