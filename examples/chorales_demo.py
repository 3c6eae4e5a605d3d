"""Bach chorales demo: an AR-VAE on soprano measures and its latent traversals.

One command loads the chorale measures (the first run parses the music21
corpus, about 3 minutes, then reads a cache), trains ``ARVAE`` with the
MeasureVAE network on the four measure attributes, prints the
disentanglement metrics and the token reconstruction accuracy on held-out
chorales, and writes, for every attribute, a latent traversal as MIDI and
MusicXML, plus a piano roll of all traversals with the attribute values of
each generated measure (``traversals.png``). It saves the model, its
vocabulary and the test measures, and prints the command that opens them in
the attribute editor (``python -m skarvae.app``).

The defaults are CPU-sized (a few minutes on two cores once the corpus is
cached); ``--n-train 0 --epochs 30`` trains on every training measure for
the paper's 30 epochs. ``beta=0.024`` and ``gamma=24`` are the paper's
``1e-3`` and ``1`` rescaled, because skarvae sums the token cross-entropy
over the 24 ticks of a measure where the original averaged it.

Run from the repository root::

    python examples/chorales_demo.py
    python examples/chorales_demo.py --baseline   # adds BetaVAE
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.stats import spearmanr

from skarvae.datasets import load_bach_chorales
from skarvae.estimators import ARVAE, BetaVAE
from skarvae.metrics import disentanglement_report, reconstruction_accuracy
from skarvae.music import measure_attributes, write_midi, write_musicxml
from skarvae.plotting import plot_piano_roll

#: The five metrics of the AR-VAE paper, in its order.
METRICS = ["interpretability", "modularity", "mig", "sap", "scc"]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--output-dir", default="results/chorales_demo")
    parser.add_argument(
        "--n-train",
        type=int,
        default=6000,
        help="training measures drawn from the augmented train subset; 0 = all",
    )
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--latent-dim", type=int, default=32)
    parser.add_argument("--beta", type=float, default=0.024)
    parser.add_argument("--gamma", type=float, default=24.0)
    parser.add_argument("--delta", type=float, default=10.0)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--n-steps", type=int, default=8, help="traversal steps")
    parser.add_argument(
        "--sweep",
        type=float,
        default=4.0,
        help="traverse each regularized dim over [-sweep, sweep]; 0 uses the "
        "2%%-98%% quantiles of the training codes of that dim instead",
    )
    parser.add_argument(
        "--n-seeds", type=int, default=3, help="test measures traversed per attribute"
    )
    parser.add_argument("--baseline", action="store_true", help="also fit BetaVAE")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=1)
    return parser.parse_args(argv)


def evaluate(model, test, reg_dims=None):
    """The five metrics and the token accuracy on the test measures."""
    Z = model.transform(test.data)
    report = disentanglement_report(
        Z, test.attributes, metrics=METRICS, reg_dims=reg_dims, random_state=0
    )
    accuracy = reconstruction_accuracy(
        test.data, model.inverse_transform(Z), kind="tokens"
    )
    return report, accuracy


def traverse(model, seeds, Z_train, attribute, n_steps, sweep):
    """Decode ``seeds`` with the attribute's dim swept over a range of values.

    The range is ``[-sweep, sweep]``, or with ``sweep=0`` the 2%-98%
    quantiles of the training codes of the dim. Returns the values swept and
    token ids of shape ``(n_seeds, n_steps, 24)``.
    """
    dim = model.reg_dims_[attribute]
    if sweep:
        low, high = -sweep, sweep
    else:
        low, high = np.quantile(Z_train[:, dim], [0.02, 0.98])
    values = np.linspace(low, high, n_steps)
    Z = np.repeat(model.transform(seeds)[:, None, :], n_steps, axis=1)
    Z[:, :, dim] = values
    ids = model.inverse_transform(Z.reshape(-1, Z.shape[-1]))
    return values, ids.reshape(len(seeds), n_steps, -1)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)

    start = time.perf_counter()
    train = load_bach_chorales(subset="train")
    test = load_bach_chorales(subset="test")
    vocabulary = train.vocabulary
    rng = np.random.default_rng(args.random_state)
    rows = rng.permutation(len(train.data))
    if args.n_train:
        rows = rows[: args.n_train]
    X, A = train.data[rows], train.attributes.iloc[rows]
    print(
        f"Loaded in {time.perf_counter() - start:.1f} s: {len(train.data):,} "
        f"training measures ({train.n_pieces} chorales, transposed), training "
        f"on {len(X):,}; {len(test.data):,} test measures ({test.n_pieces} "
        f"held-out chorales); vocabulary {len(vocabulary)} tokens."
    )

    common = {
        "module": "measure_vae",
        "latent_dim": args.latent_dim,
        "module_params": {"n_tokens": len(vocabulary)},
        "beta": args.beta,
        "lr": args.lr,
        "batch_size": args.batch_size,
        "max_epochs": args.epochs,
        "random_state": args.random_state,
        "verbose": args.verbose,
    }
    models = {"ARVAE": ARVAE(gamma=args.gamma, delta=args.delta, **common)}
    if args.baseline:
        models["BetaVAE"] = BetaVAE(**common)
    summary = {}
    for name, model in models.items():
        start = time.perf_counter()
        if name == "ARVAE":
            model.fit(X, A)
        else:
            model.fit(X)
        fit_s = time.perf_counter() - start
        reg_dims = list(model.reg_dims_.values()) if name == "ARVAE" else None
        report, accuracy = evaluate(model, test, reg_dims)
        print(f"\n{name}: fit {fit_s:.0f} s, {model.n_iter_} epochs")
        print(report[METRICS].round(3).to_string())
        print(f"token reconstruction accuracy (test): {accuracy:.3f}")
        summary[name] = {**report.loc["mean", METRICS].to_dict(), "accuracy": accuracy}
        summary[name]["fit_s"] = fit_s
    if len(summary) > 1:
        print("\nSummary (test set):")
        print(pd.DataFrame(summary).T.round(3).to_string())

    model = models["ARVAE"]
    model.save(out / "arvae.skarvae")
    # what the attribute editor needs besides the model: the token vocabulary
    # (a model file holds only token ids) and start measures
    (out / "vocabulary.json").write_text(json.dumps(vocabulary.to_dict()))
    np.save(out / "test_measures.npy", test.data)
    Z_train = model.transform(X)
    seeds = test.data[rng.choice(len(test.data), args.n_seeds, replace=False)]
    panels, labels = {}, {}
    print(
        "\nTraversals: Spearman of each attribute with the swept value (0 if constant)"
    )
    for attribute in model.attribute_names_in_:
        values, ids = traverse(
            model, seeds, Z_train, attribute, args.n_steps, args.sweep
        )
        generated = measure_attributes(
            ids.reshape(-1, ids.shape[-1]), vocabulary=vocabulary
        )
        rho = []
        for seed_ids in ids:
            seen = measure_attributes(seed_ids, vocabulary=vocabulary)[attribute]
            constant = np.ptp(seen.to_numpy()) == 0
            rho.append(0.0 if constant else spearmanr(values, seen)[0])
        print(
            f"  {attribute}: z{model.reg_dims_[attribute]} from {values[0]:.2f} to "
            f"{values[-1]:.2f}; rho per seed {np.round(rho, 2).tolist()}; "
            f"attribute from {generated[attribute].min():.2f} to "
            f"{generated[attribute].max():.2f}"
        )
        flat = ids.reshape(-1, ids.shape[-1])
        write_midi(flat, out / f"traversal_{attribute}.mid", vocabulary=vocabulary)
        write_musicxml(
            flat, out / f"traversal_{attribute}.musicxml", vocabulary=vocabulary
        )
        panels[attribute] = ids[0]
        labels[attribute] = [f"{v:.1f}" for v in values]
    plot_piano_roll(
        panels,
        vocabulary=vocabulary,
        measure_labels=labels,
        titles=[f"{a} (z{model.reg_dims_[a]})" for a in panels],
        path=out / "traversals.png",
    )
    print(f"\nWrote MIDI, MusicXML and traversals.png to {out}/")
    print(
        "Open the model in the attribute editor (pip install -e '.[app]'), then "
        "browse to http://127.0.0.1:7860:\n"
        f"  python -m skarvae.app {out / 'arvae.skarvae'} --vocabulary "
        f"{out / 'vocabulary.json'} --data {out / 'test_measures.npy'}"
    )


if __name__ == "__main__":
    main()
