"""Benchmark ARVAE vs BetaVAE on Bach chorale and folk tune measures.

For each corpus, both models are trained with the same MeasureVAE network
and settings on the augmented training measures, then scored on the
measures of held-out pieces: the five metrics of the AR-VAE paper
(Interpretability, Modularity, MIG, SAP, SCC, from
``skarvae.metrics.disentanglement_report``) and the token reconstruction
accuracy. ARVAE's metrics use its regularized dims (``reg_dims``); BetaVAE's
let each metric pick the best dim per attribute.

Defaults are CPU-sized; ``--full`` uses the paper's settings (every training
measure, 30 epochs, batch 256, latent 32). Loss weights: the paper's
``beta=1e-3, gamma=1`` with the cross-entropy averaged over the 24 tokens of
a measure equal skarvae's ``beta=0.024, gamma=24`` (skarvae sums it), the
defaults here; ``delta=10``.

Run from the repository root::

    python benchmarks/bench_music_models.py
    python benchmarks/bench_music_models.py --full
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time

import numpy as np
import pandas as pd
import torch
from _tables import markdown_table

METRICS = ["interpretability", "modularity", "mig", "sap", "scc"]


def load(corpus):
    from skarvae.datasets import load_bach_chorales, load_folk_tunes

    loader = {"chorales": load_bach_chorales, "folk": load_folk_tunes}[corpus]
    return loader(subset="train"), loader(subset="test")


def run(corpus, args):
    from skarvae.estimators import ARVAE, BetaVAE
    from skarvae.metrics import disentanglement_report, reconstruction_accuracy

    train, test = load(corpus)
    rng = np.random.default_rng(args.random_state)
    rows = rng.permutation(len(train.data))
    if args.n_train:
        rows = rows[: args.n_train]
    X, A = train.data[rows], train.attributes.iloc[rows]
    common = {
        "module": "measure_vae",
        "latent_dim": args.latent_dim,
        "module_params": {"n_tokens": len(train.vocabulary)},
        "beta": args.beta,
        "batch_size": args.batch_size,
        "max_epochs": args.epochs,
        "random_state": args.random_state,
    }
    results = []
    for name in ("ARVAE", "BetaVAE"):
        if name == "ARVAE":
            model = ARVAE(gamma=args.gamma, delta=args.delta, **common)
            start = time.perf_counter()
            model.fit(X, A)
            reg_dims = list(model.reg_dims_.values())
        else:
            model = BetaVAE(**common)
            start = time.perf_counter()
            model.fit(X)
            reg_dims = None
        fit_s = time.perf_counter() - start
        Z = model.transform(test.data)
        report = disentanglement_report(
            Z, test.attributes, metrics=METRICS, reg_dims=reg_dims, random_state=0
        )
        accuracy = reconstruction_accuracy(
            test.data, model.inverse_transform(Z), kind="tokens"
        )
        row = {"corpus": corpus, "model": name}
        row |= report.loc["mean", METRICS].astype(float).to_dict()
        row |= {"token_accuracy": accuracy, "fit_s": fit_s}
        results.append(row)
        print(
            f"{corpus} {name}: {len(X):,} training measures, {len(test.data):,} "
            f"test measures, fit {fit_s:.0f} s, token accuracy {accuracy:.3f}",
            flush=True,
        )
        print(report[METRICS].round(3).to_string(), flush=True)
    return results


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--corpora", nargs="+", default=["chorales", "folk"])
    parser.add_argument("--n-train", type=int, default=3000, help="0 = all")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--latent-dim", type=int, default=32)
    parser.add_argument("--beta", type=float, default=0.024)
    parser.add_argument("--gamma", type=float, default=24.0)
    parser.add_argument("--delta", type=float, default=10.0)
    parser.add_argument("--full", action="store_true", help="paper settings")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args()
    if args.full:
        args.n_train, args.epochs, args.batch_size, args.latent_dim = 0, 30, 256, 32
    torch.set_num_threads(args.threads)
    results = []
    for corpus in args.corpora:
        results += run(corpus, args)
    table = pd.DataFrame(results).set_index(["corpus", "model"])
    print("\n" + markdown_table(table.round(3), index=True))


if __name__ == "__main__":
    main()
