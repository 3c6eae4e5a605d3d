"""Benchmark AR-VAE against beta-VAE on generated sprites and MNIST digits.

For each data set (dSprites-like images from
:func:`skarvae.datasets.make_sprites`, MNIST test digits with Morpho-MNIST
attributes from :func:`skarvae.datasets.morphometrics`) both models are
trained with the paper's Table 2 network on a training split and evaluated on
a held-out split:

- ``pixel_acc``: share of pixels whose reconstruction, thresholded at 0.5,
  matches the input thresholded at 0.5 (the paper's reconstruction accuracy);
- ``fg_iou``: intersection over union of the foreground pixels, which the
  mostly black background cannot inflate;
- ``spearman``: mean absolute Spearman correlation between each attribute
  and its regularized latent dimension (for beta-VAE, the same dimension
  indices), a quick interpretability proxy;
- the disentanglement metrics of :mod:`skarvae.metrics` when that module is
  available (skipped otherwise).

CPU-sized defaults; sizes and epochs are arguments. Results are printed as a
table and written to CSV with ``--out``.
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import importlib
import os
import time

import numpy as np
import pandas as pd
import torch
from scipy.stats import spearmanr

from skarvae import ARVAE, BetaVAE
from skarvae.datasets import load_mnist, make_sprites, morphometrics

_METRICS = ("interpretability_score", "mig_score", "modularity_score", "sap_score")


def sprites_data(n_samples, seed):
    data = make_sprites(n_samples, random_state=seed)
    return data.images[:, None].astype(np.float32), data.factors, "dsprites", 10


def mnist_data(n_samples, path, n_jobs):
    digits = load_mnist(path, kind="t10k")
    X = (digits.images[:n_samples] / 255.0).astype(np.float32)[:, None]
    attributes = morphometrics(X, n_jobs=n_jobs)
    keep = attributes.notna().all(axis=1).to_numpy()
    return X[keep], attributes[keep].reset_index(drop=True), "morpho_mnist", 16


def reconstruction_scores(model, X):
    recon = model.inverse_transform(model.transform(X)) > 0.5
    truth = X > 0.5
    union = np.logical_or(recon, truth).sum()
    return {
        "pixel_acc": float(np.mean(recon == truth)),
        "fg_iou": float(np.logical_and(recon, truth).sum() / max(union, 1)),
    }


def attribute_scores(Z, attributes, dims):
    rhos = [
        abs(spearmanr(Z[:, dim], attributes[name]).statistic)
        for name, dim in dims.items()
    ]
    scores = {"spearman": float(np.nanmean(rhos))}
    try:
        metrics = importlib.import_module("skarvae.metrics")
    except ImportError:
        return scores
    for name in _METRICS:
        func = getattr(metrics, name, None)
        if func is None:
            continue
        try:
            scores[name.removesuffix("_score")] = float(func(Z, attributes.to_numpy()))
        except Exception as exc:  # report and go on: one metric must not stop all
            print(f"  {name} failed: {exc}")
    return scores


def bench(dataset, X, attributes, module, latent_dim, args):
    n_test = max(1, int(len(X) * args.test_fraction))
    X_train, X_test = X[n_test:], X[:n_test]
    y_train, y_test = attributes.iloc[n_test:], attributes.iloc[:n_test]
    common = {
        "module": module,
        "latent_dim": latent_dim,
        "max_epochs": args.epochs,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "random_state": args.seed,
    }
    models = {
        "ARVAE": ARVAE(gamma=args.gamma, **common),
        "BetaVAE": BetaVAE(beta=args.beta, **common),
    }
    dims = {name: i for i, name in enumerate(attributes.columns)}
    rows = []
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(X_train, y_train)
        fit_s = time.perf_counter() - start
        row = {"dataset": dataset, "model": name, "n_train": len(X_train)}
        row["epochs"] = args.epochs
        row["fit_s"] = round(fit_s, 1)
        row.update(reconstruction_scores(model, X_test))
        row.update(attribute_scores(model.transform(X_test), y_test, dims))
        rows.append(row)
        print(row)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-sprites", type=int, default=1200)
    parser.add_argument("--n-digits", type=int, default=1000)
    parser.add_argument(
        "--mnist-path", default=os.path.join("..", "shared", "data", "mnist")
    )
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--gamma", type=float, default=10.0)
    parser.add_argument("--beta", type=float, default=1.0)
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=None)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--only", choices=["sprites", "mnist"], default=None)
    parser.add_argument("--out", default=None, help="CSV file for the results")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    rows = []
    if args.only in (None, "sprites"):
        start = time.perf_counter()
        data = sprites_data(args.n_sprites, args.seed)
        print(f"sprites: generated in {time.perf_counter() - start:.2f} s")
        rows += bench("sprites", *data, args)
    if args.only in (None, "mnist"):
        start = time.perf_counter()
        data = mnist_data(args.n_digits, args.mnist_path, args.n_jobs)
        print(f"mnist: loaded + morphometrics in {time.perf_counter() - start:.1f} s")
        rows += bench("mnist", *data, args)
    table = pd.DataFrame(rows)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    if args.out:
        table.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
