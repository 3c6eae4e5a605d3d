"""Benchmark the token networks for measures side by side: cost and quality.

For each corpus and network, ARVAE (and with ``--baseline`` BetaVAE) is
trained on the augmented training measures and scored on the measures of
held-out pieces: seconds per epoch over the whole training set (measured
on the measures trained on, scaled to the full set), the token
reconstruction accuracy and the five metrics of the AR-VAE paper
(Interpretability, Modularity, MIG, SAP, SCC, from
``skarvae.metrics.disentanglement_report``). ARVAE's metrics use its
regularized dims; BetaVAE's let each metric pick the best dim per
attribute.

Networks are given as ``name:epochs`` so that each gets its own budget: the
default trains the fast networks (``token_mlp``, ``token_conv``) for 25
epochs and the paper's recurrent MeasureVAE for 2, about the same wall
time. All use the cosine learning-rate schedule, batch 256, latent 32,
``gamma=24, delta=10`` (the paper's ``gamma=1`` with the cross-entropy
summed over the 24 tokens instead of averaged) and ``beta=0.3``;
``--beta 0.024`` gives the paper's ``beta=1e-3``.

``token_mlp_pool8`` is ``token_mlp`` with ``module_params={"pool_dim": 8}``
(a max- and min-pooled token embedding in the encoder);
``token_mlp_pool8_notes`` pools the notes only (``pool_ignore`` the hold,
rest, START and END tokens).

``--edit-weights 0 3`` trains one ARVAE per weight of the edit loss
(``edit_weight``, with :func:`skarvae.losses.measure_attribute_functions`)
and every ARVAE row reports its edit fidelity: the median Spearman
correlation between the values asked for by editing each held-out measure
and the attribute measured on the decoded measure
(:func:`skarvae.metrics.edit_fidelity`, 10 steps).

Run from the repository root::

    python benchmarks/bench_music_models.py                     # every measure
    python benchmarks/bench_music_models.py --n-train 20000 \\
        --networks token_mlp:10 token_conv:10 measure_vae:1    # quicker
    python benchmarks/bench_music_models.py --networks token_mlp:25 \\
        --lr 3e-3 --lr-schedule constant --delta 3 1 1 1 \\
        --edit-weights 0 1 3                                   # the edit loss
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time

import numpy as np
import pandas as pd
import torch
from _tables import markdown_table

from skarvae.music import SPECIAL_TOKENS

METRICS = ["interpretability", "modularity", "mig", "sap", "scc"]
#: Short column names of the edit fidelity per attribute.
ABBREVIATIONS = {
    "rhythmic_complexity": "rc",
    "pitch_range": "pr",
    "note_density": "nd",
    "contour": "co",
}

#: Per-network constructor settings (``module`` defaults to the name;
#: ``module_params`` add to ``n_tokens``).
NETWORKS = {
    "token_mlp": {"hidden_dims": (512, 256)},
    "token_mlp_pool8": {
        "module": "token_mlp",
        "hidden_dims": (512, 256),
        "module_params": {"pool_dim": 8},
    },
    "token_mlp_pool8_notes": {
        "module": "token_mlp",
        "hidden_dims": (512, 256),
        # a Vocabulary gives its special tokens the first ids
        "module_params": {
            "pool_dim": 8,
            "pool_ignore": tuple(range(len(SPECIAL_TOKENS))),
        },
    },
    "token_conv": {},
    "mlp": {"hidden_dims": (512, 256)},  # MLPVAE on one-hot tokens
    "measure_vae": {},
}


def load(corpus):
    from skarvae.datasets import load_bach_chorales, load_folk_tunes

    loader = {"chorales": load_bach_chorales, "folk": load_folk_tunes}[corpus]
    return loader(subset="train"), loader(subset="test")


def fit_and_score(model, X, A, test, reg_dims):
    from skarvae.metrics import (
        disentanglement_report,
        edit_fidelity,
        reconstruction_accuracy,
    )
    from skarvae.music import measure_attributes

    start = time.perf_counter()
    if A is None:
        model.fit(X)
    else:
        model.fit(X, A)
    fit_s = time.perf_counter() - start
    Z = model.transform(test.data)
    report = disentanglement_report(
        Z, test.attributes, metrics=METRICS, reg_dims=reg_dims, random_state=0
    )
    accuracy = reconstruction_accuracy(
        test.data, model.inverse_transform(Z), kind="tokens"
    )
    edits = None
    if A is not None:
        edits = edit_fidelity(
            model,
            test.data,
            lambda ids: measure_attributes(ids, vocabulary=test.vocabulary),
            n_steps=10,
        )["spearman"]
    return fit_s, accuracy, report, edits


def run(corpus, args):
    from skarvae.estimators import ARVAE, BetaVAE
    from skarvae.losses import measure_attribute_functions

    train, test = load(corpus)
    rng = np.random.default_rng(args.random_state)
    rows = rng.permutation(len(train.data))
    if args.n_train:
        rows = rows[: args.n_train]
    X, A = train.data[rows], train.attributes.iloc[rows]
    results = []
    for spec in args.networks:
        network, _, epochs = spec.partition(":")
        epochs = int(epochs or args.epochs)
        settings = dict(NETWORKS.get(network, {}))
        module_params = settings.pop("module_params", {})
        common = {
            "module": settings.pop("module", network),
            "latent_dim": args.latent_dim,
            "module_params": {"n_tokens": len(train.vocabulary), **module_params},
            "beta": args.beta,
            "lr": args.lr,
            "lr_schedule": args.lr_schedule,
            "batch_size": args.batch_size,
            "max_epochs": epochs,
            "validation_fraction": None,
            "random_state": args.random_state,
            **settings,
        }
        delta = args.delta[0] if len(args.delta) == 1 else list(args.delta)
        models = {}
        for weight in args.edit_weights:
            name = f"ARVAE edit {weight:g}" if weight else "ARVAE"
            models[name] = ARVAE(
                gamma=args.gamma,
                delta=delta,
                attribute_fns=measure_attribute_functions(train.vocabulary),
                edit_weight=weight,
                **common,
            )
        if args.baseline:
            models["BetaVAE"] = BetaVAE(**common)
        for name, model in models.items():
            regularized = name.startswith("ARVAE")
            fit_s, accuracy, report, edits = fit_and_score(
                model,
                X,
                A if regularized else None,
                test,
                list(range(A.shape[1])) if regularized else None,
            )
            epoch_s = fit_s / epochs * len(train.data) / len(X)
            row = {"corpus": corpus, "network": network, "model": name}
            row |= {"epochs": epochs, "s_per_epoch": epoch_s, "fit_s": fit_s}
            row |= {"token_accuracy": accuracy}
            row |= report.loc["mean", METRICS].astype(float).to_dict()
            if edits is not None:
                row |= {f"edit_{short}": edits[a] for a, short in ABBREVIATIONS.items()}
            results.append(row)
            print(
                f"{corpus} {network} {name}: {len(X):,} training measures, "
                f"{epochs} epochs in {fit_s:.0f} s ({epoch_s:.1f} s per epoch of "
                f"all {len(train.data):,}), token accuracy {accuracy:.3f}",
                flush=True,
            )
            print(report[METRICS].round(3).to_string(), flush=True)
            if edits is not None:
                print(f"edit fidelity (Spearman): {edits.round(3).to_dict()}")
    return results


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--corpora", nargs="+", default=["chorales"])
    parser.add_argument(
        "--networks",
        nargs="+",
        default=["token_mlp:25", "token_conv:25", "measure_vae:2"],
        help="module names, each with ':epochs' (default --epochs)",
    )
    parser.add_argument("--n-train", type=int, default=0, help="0 = all")
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument(
        "--lr-schedule", default="cosine", choices=["constant", "cosine", "onecycle"]
    )
    parser.add_argument("--latent-dim", type=int, default=8)
    parser.add_argument("--beta", type=float, default=0.3)
    parser.add_argument("--gamma", type=float, default=24.0)
    parser.add_argument(
        "--delta",
        type=float,
        nargs="+",
        default=[10.0, 1.0, 1.0, 1.0],
        help="one value, or one per attribute (rhythmic complexity, pitch range, "
        "note density, contour)",
    )
    parser.add_argument(
        "--edit-weights",
        type=float,
        nargs="+",
        default=[0.0],
        help="one ARVAE per edit_weight (0: no edit loss)",
    )
    parser.add_argument("--baseline", action="store_true", help="also fit BetaVAE")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    results = []
    for corpus in args.corpora:
        results += run(corpus, args)
    table = pd.DataFrame(results).set_index(["corpus", "network", "model"])
    print("\n" + markdown_table(table.round(3), index=True))


if __name__ == "__main__":
    main()
