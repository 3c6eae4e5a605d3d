"""Bach chorales demo: an AR-VAE that controls four attributes of soprano measures.

One command loads every Bach chorale measure (the first run parses the
music21 corpus on every core, then reads a cache), trains ``ARVAE`` with the
fast token network (``module="token_mlp"`` with an 8-dim embedding of the
notes and their MIDI pitches pooled over the measure: their maximum, minimum,
first and last) and the measured recipe (latent 8,
``beta=0.3``, per-attribute ``delta``, ``lr=3e-3``, the edit loss
``edit_weight=3`` with the four attributes as differentiable functions of
the decoder's logits, so that the decoder honours edits, and an average of
the weights, ``ema_decay=0.999``; see docs/networks.md) on all training
measures, and reports on the measures of held-out chorales:

- the token reconstruction accuracy and the five metrics of the AR-VAE
  paper, next to the paper's medians;
- how well the decoded measures follow the latent code: each regularized
  dim is swept over the range the training codes occupy (their 2% to 98%
  quantiles), every held-out measure is decoded at each step, and the
  attribute is measured on the decoded measures. It prints the median
  Spearman correlation between the swept code and the measured attribute,
  the share of traversals whose attribute never decreases, and the share
  of decoded measures that hold a note.

It writes, under ``results/chorales_demo/``, the fitted model
(``arvae.skarvae``), the traversals of four held-out measures as MIDI and
MusicXML, a piano roll of one traversal per attribute labelled in
attribute units (the model's calibration of its codes, ``traversals.png``)
and the figures (``metrics.json``), plus the vocabulary and the held-out
measures that the attribute editor (``python -m skarvae.app``) needs, and
prints the command that opens them there.

Run from the repository root::

    python examples/chorales_demo.py
    python examples/chorales_demo.py --baseline   # adds BetaVAE
    python examples/chorales_demo.py --threads 1  # on a busy machine
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
from skarvae.losses import measure_attribute_functions
from skarvae.metrics import (
    disentanglement_report,
    edit_fidelity,
    reconstruction_accuracy,
)
from skarvae.music import measure_attributes, write_midi, write_musicxml
from skarvae.plotting import plot_piano_roll

#: The five metrics of the AR-VAE paper, in its order.
METRICS = ["interpretability", "modularity", "mig", "sap", "scc"]

#: The paper's median AR-VAE figures on the Bach chorales (its Table 3).
PAPER = {
    "interpretability": 0.96,
    "modularity": 0.69,
    "mig": 0.165,
    "sap": 0.32,
    "scc": 0.975,
    "accuracy": 0.962,
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--output-dir", default="results/chorales_demo")
    parser.add_argument(
        "--n-train", type=int, default=0, help="training measures used; 0 = all"
    )
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--lr-schedule", default="constant")
    parser.add_argument(
        "--ema-decay",
        type=float,
        default=0.999,
        help="end with an exponential moving average of the weights of this decay "
        "(0: the last weights)",
    )
    parser.add_argument("--latent-dim", type=int, default=8)
    parser.add_argument("--hidden-dims", type=int, nargs="+", default=[512, 256])
    parser.add_argument(
        "--pool-dim",
        type=int,
        default=8,
        help="size of the encoder's pooled token embedding (0: none)",
    )
    parser.add_argument(
        "--pool-all-tokens",
        action="store_true",
        help="pool holds and rests too, without pitches (the pool sees the notes "
        "and their pitches by default)",
    )
    parser.add_argument(
        "--no-pool-pitches",
        action="store_true",
        help="pool the learned embedding only (by default each note's MIDI pitch too)",
    )
    parser.add_argument(
        "--no-pool-ends",
        action="store_true",
        help="pool the notes' maximum and minimum only (by default the first and "
        "last note too)",
    )
    parser.add_argument("--beta", type=float, default=0.3)
    parser.add_argument("--gamma", type=float, default=24.0)
    parser.add_argument(
        "--delta",
        type=float,
        nargs="+",
        default=[3.0, 3.0, 1.0, 1.0],
        help="one value, or one per attribute in the order rhythmic_complexity, "
        "pitch_range, note_density, contour",
    )
    parser.add_argument(
        "--edit-weight",
        type=float,
        default=3.0,
        help="weight of the edit loss (0 turns it off)",
    )
    parser.add_argument("--n-steps", type=int, default=10, help="traversal steps")
    parser.add_argument(
        "--quantiles",
        type=float,
        nargs=2,
        default=[0.02, 0.98],
        help="traverse each regularized dim between these quantiles of its "
        "training codes",
    )
    parser.add_argument(
        "--n-write",
        type=int,
        default=4,
        help="held-out measures whose traversals are written as MIDI and MusicXML",
    )
    parser.add_argument("--baseline", action="store_true", help="also fit BetaVAE")
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="torch threads; 0 = torch's default, one per core (use 1 when other "
        "programs keep the cores busy: the threads of this small network then "
        "wait on each other)",
    )
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=0)
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


def traversal_codes(model, Z_train, attribute, n_steps, quantiles):
    """Codes of the attribute's dim from quantiles of the training codes."""
    dim = model.reg_dims_[attribute]
    return np.quantile(Z_train[:, dim], np.linspace(*quantiles, n_steps))


def follows_the_code(ids, codes, attribute, vocabulary):
    """How the measured attribute of decoded traversals follows the code.

    ``ids`` holds token ids of shape ``(n_seeds, n_steps, 24)``. Returns the
    median Spearman correlation over seeds (0 for a traversal whose
    attribute stays constant), the share of traversals whose attribute
    never decreases and changes, the share of decoded measures holding a
    note, and the measured values.
    """
    n_seeds, n_steps, _ = ids.shape
    flat = ids.reshape(-1, ids.shape[-1])
    values = measure_attributes(flat, vocabulary=vocabulary)[attribute].to_numpy()
    values = values.reshape(n_seeds, n_steps)
    rho = [
        0.0 if np.ptp(row) == 0 else spearmanr(codes, row).statistic for row in values
    ]
    steps = np.diff(values, axis=1)
    monotone = np.all(steps >= 0, axis=1) & np.any(steps > 0, axis=1)
    has_note = vocabulary.is_pitch[flat].any(axis=1)
    return {
        "spearman_median": float(np.median(rho)),
        "monotone_share": float(monotone.mean()),
        "has_note_share": float(has_note.mean()),
    }, values


def main(argv=None):
    args = parse_args(argv)
    begin = time.perf_counter()
    if args.threads:
        torch.set_num_threads(args.threads)
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)

    # the first call parses the corpus on every core, later ones read the cache
    train = load_bach_chorales(subset="train", n_jobs=-1)
    test = load_bach_chorales(subset="test")
    vocabulary = train.vocabulary
    rng = np.random.default_rng(args.random_state)
    rows = rng.permutation(len(train.data))
    if args.n_train:
        rows = rows[: args.n_train]
    X, A = train.data[rows], train.attributes.iloc[rows]
    print(
        f"Loaded in {time.perf_counter() - begin:.1f} s: {len(train.data):,} "
        f"training measures ({train.n_pieces} chorales, transposed), training "
        f"on {len(X):,}; {len(test.data):,} test measures ({test.n_pieces} "
        f"held-out chorales); vocabulary {len(vocabulary)} tokens."
    )

    pool = {"pool_dim": args.pool_dim} if args.pool_dim else {}
    if pool and not args.pool_all_tokens:
        # holds and rests carry no pitch: the pool's extremes are the notes'
        pool["pool_ignore"] = tuple(np.flatnonzero(~vocabulary.is_pitch).tolist())
        if not args.no_pool_pitches:  # the exact highest and lowest pitch
            pool["pool_features"] = vocabulary.midi
        if not args.no_pool_ends:  # the first and last note: the contour
            pool["pool_ends"] = True
    common = {
        "module": "token_mlp",
        "hidden_dims": tuple(args.hidden_dims),
        "module_params": pool or None,
        "latent_dim": args.latent_dim,
        "beta": args.beta,
        "lr": args.lr,
        "lr_schedule": args.lr_schedule,
        "ema_decay": args.ema_decay or None,
        "batch_size": args.batch_size,
        "max_epochs": args.epochs,
        "validation_fraction": None,
        "random_state": args.random_state,
        "verbose": args.verbose,
    }
    delta = args.delta[0] if len(args.delta) == 1 else list(args.delta)
    models = {
        "ARVAE": ARVAE(
            gamma=args.gamma,
            delta=delta,
            attribute_fns=measure_attribute_functions(vocabulary),
            edit_weight=args.edit_weight,
            **common,
        )
    }
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
        reg_dims = model.reg_dims_ if name == "ARVAE" else None
        report, accuracy = evaluate(model, test, reg_dims and list(reg_dims.values()))
        print(f"\n{name}: fit {fit_s:.0f} s, {model.n_iter_} epochs")
        print(report[METRICS].round(3).to_string())
        summary[name] = {
            "accuracy": accuracy,
            **report.loc["mean", METRICS].to_dict(),
            "fit_s": fit_s,
        }
    table = pd.DataFrame({**summary, "paper AR-VAE": PAPER}).T
    print("\nHeld-out measures (token accuracy and the paper's five metrics):")
    print(table[["accuracy", *METRICS, "fit_s"]].round(3).to_string())

    model = models["ARVAE"]
    model.save(out / "arvae.skarvae")
    # what the attribute editor needs besides the model: the token vocabulary
    # (a model file holds only token ids) and start measures
    (out / "vocabulary.json").write_text(json.dumps(vocabulary.to_dict()))
    np.save(out / "test_measures.npy", test.data)
    Z_train = model.transform(X)
    print(
        "\nTraversals of every held-out measure along each regularized dim, "
        f"{args.n_steps} steps between the {args.quantiles[0]:.0%} and "
        f"{args.quantiles[1]:.0%} quantiles of its training codes:"
    )
    fidelity, panels, labels = {}, {}, {}
    # the measures written to MIDI and MusicXML; the first is drawn
    written = rng.choice(len(test.data), args.n_write, replace=False)
    for attribute in model.attribute_names_in_:
        codes = traversal_codes(model, Z_train, attribute, args.n_steps, args.quantiles)
        ids = model.traverse(test.data, attribute, codes, mode="latent")
        fidelity[attribute], measured = follows_the_code(
            ids, codes, attribute, vocabulary
        )
        calibration = model.calibration_[attribute]
        asked = np.interp(codes, calibration["codes"], calibration["values"])
        row = fidelity[attribute]
        print(
            f"  {attribute} (z{model.reg_dims_[attribute]} from {codes[0]:.2f} to "
            f"{codes[-1]:.2f}, calibrated {asked[0]:.3f} to {asked[-1]:.3f}): "
            f"median Spearman {row['spearman_median']:.3f}, monotone "
            f"{row['monotone_share']:.1%}, measures with a note "
            f"{row['has_note_share']:.1%}; measured mean {measured[:, 0].mean():.3f} "
            f"to {measured[:, -1].mean():.3f}"
        )
        flat = ids[written].reshape(-1, ids.shape[-1])
        write_midi(flat, out / f"traversal_{attribute}.mid", vocabulary=vocabulary)
        write_musicxml(
            flat, out / f"traversal_{attribute}.musicxml", vocabulary=vocabulary
        )
        panels[attribute] = ids[written[0]]
        labels[attribute] = [f"{v:.2f}" for v in asked]
    # The same question in attribute units: edit every held-out measure to
    # values across the range the model reads on them, measure the result.
    edits = edit_fidelity(
        model,
        test.data,
        lambda ids: measure_attributes(ids, vocabulary=vocabulary),
        n_steps=args.n_steps,
    )
    print("\nEdit fidelity (skarvae.metrics.edit_fidelity, attribute units):")
    edit_columns = ["spearman", "monotone", "relative_error", "leakage", "low", "high"]
    print(edits[edit_columns].round(3).to_string())
    plot_piano_roll(
        panels,
        vocabulary=vocabulary,
        measure_labels=labels,
        titles=[f"{a} (z{model.reg_dims_[a]}; labels: calibrated {a})" for a in panels],
        path=out / "traversals.png",
    )
    total_s = time.perf_counter() - begin
    figures = {
        "models": summary,
        "traversals": fidelity,
        "edit_fidelity": edits.to_dict(orient="index"),
        "total_s": total_s,
    }
    (out / "metrics.json").write_text(json.dumps(figures, indent=2))
    print(
        f"\nWrote the model, MIDI, MusicXML, traversals.png and metrics.json to "
        f"{out}/ in {total_s:.0f} s. Open the model in the attribute editor "
        "(pip install -e '.[app]'), then browse to http://127.0.0.1:7860:\n"
        f"  python -m skarvae.app {out / 'arvae.skarvae'} --vocabulary "
        f"{out / 'vocabulary.json'} --data {out / 'test_measures.npy'}"
    )


if __name__ == "__main__":
    main()
