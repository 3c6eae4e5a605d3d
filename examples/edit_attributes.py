"""Edit attributes to chosen values: tabular, bar images, MNIST digits, chorales."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

# Run from the repository root:
#     python examples/edit_attributes.py [--quick] [--out DIR]
#         [--parts tabular bars mnist chorales] [--mnist-path DIR]
# Each part fits an ARVAE, reports how well ``predict`` reads the attributes
# of held-out data, edits one attribute to a ladder of requested values and
# measures the attribute on the decoded output. Figures go to --out. The MNIST
# part needs the MNIST test digits (t10k-*-idx*-ubyte[.gz]) in --mnist-path.

import argparse
import os
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import r2_score

from skarvae import ARVAE
from skarvae.metrics import content_preservation_score, edit_fidelity
from skarvae.plotting import (
    plot_attribute_surface,
    plot_attribute_traversal,
    plot_traversal_grid,
)


def report_predict(vae, X_test, A_test):
    """Spearman rho and R^2 of predict against the true held-out attributes."""
    P = vae.predict(X_test)
    for column in A_test:
        rho = spearmanr(P[column], A_test[column]).statistic
        r2 = r2_score(A_test[column], P[column])
        print(f"  predict {column:>12}: Spearman {rho:.3f}  R^2 {r2:.3f}")


def report_edit(vae, X, attribute, targets, measure):
    """Edit fidelity: requested vs measured values, and the other attributes.

    ``skarvae.metrics.edit_fidelity`` sets the attribute of every sample to
    each requested value, decodes, and measures the decoded outputs again.
    Measurements may be NaN (e.g. a decoded digit with no pixel above 0.5):
    such samples are counted in ``unmeasured`` and left out of the
    correlations.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # clipped requests
        details = edit_fidelity(
            vae,
            X,
            measure,
            attributes=[attribute],
            values={attribute: targets},
            return_details=True,
        )
    row = details.table.loc[attribute]
    print(
        f"  edit {attribute}: Spearman(requested, measured) {row['spearman']:.3f} "
        f"(median per sample), monotone for {row['monotone']:.0%} of samples, "
        f"relative error {row['relative_error']:.3f}, unmeasured "
        f"{row['unmeasured']:.0%}; other attributes move {row['leakage']:.3f} sd "
        f"while {attribute} moves {row['movement']:.3f} sd"
    )
    print("    requested:", np.round(targets, 3))
    measured = details.measured[attribute]
    print("    measured (median):", np.round(np.nanmedian(measured, axis=0), 3))


# ---------------------------------------------------------------- tabular


def make_tabular(n, seed):
    """Features whose attributes are the means of features 0-2 and 3-5."""
    rng = np.random.default_rng(seed)
    F = rng.uniform(-1, 1, (n, 3))
    X = np.repeat(F, [3, 3, 2], axis=1) + 0.05 * rng.standard_normal((n, 8))
    return X.astype(np.float32), pd.DataFrame(F[:, :2], columns=["left", "right"])


def measure_tabular(X):
    X = np.asarray(X)
    return pd.DataFrame({"left": X[:, :3].mean(1), "right": X[:, 3:6].mean(1)})


# ------------------------------------------------------------------ images


def make_bars(n, seed, size=12):
    """Anti-aliased vertical bars: attributes thickness (px) and position."""
    rng = np.random.default_rng(seed)
    width = rng.uniform(1.0, 5.0, n)
    center = rng.uniform(3.5, size - 3.5, n)
    edges = np.arange(size)
    lo = np.maximum(edges[None], (center - width / 2)[:, None])
    hi = np.minimum(edges[None] + 1, (center + width / 2)[:, None])
    row = np.clip(hi - lo, 0, 1)
    images = np.repeat(row[:, None, None, :], size, axis=2).astype(np.float32)
    return images, pd.DataFrame({"thickness": width, "position": center})


def measure_bars(images):
    images = np.asarray(images, dtype=np.float64)
    rows = images.reshape(len(images), -1, images.shape[-1])
    ink = rows.sum(axis=2).mean(axis=1)
    cols = rows.mean(axis=1)
    position = (cols * (np.arange(cols.shape[1]) + 0.5)).sum(1) / cols.sum(1)
    return pd.DataFrame({"thickness": ink, "position": position})


# ------------------------------------------------------------------ digits


def measure_digits(images):
    """Morpho-MNIST attributes of decoded digits, probabilities cut at 0.5."""
    from skarvae.datasets import morphometrics

    binary = (np.asarray(images) > 0.5).astype(np.float32)
    return morphometrics(binary, verbose=False)


def mnist(args, out):
    from skarvae.datasets import load_mnist, morphometrics

    n_train, n_test = (600, 200) if args.quick else (args.mnist_train, 300)
    digits = load_mnist(args.mnist_path, kind="t10k")
    X = (digits.images[: n_train + n_test] / 255.0).astype(np.float32)[:, None]
    A = morphometrics(X)
    keep = A.notna().all(axis=1).to_numpy()
    X, A, y = X[keep], A[keep].reset_index(drop=True), digits.target[: len(keep)]
    y = y[keep]
    X_train, X_test = X[:n_train], X[n_train:]
    A_train, A_test = A.iloc[:n_train], A.iloc[n_train:].reset_index(drop=True)
    vae = ARVAE(
        module="fast_image",
        latent_dim=16,
        max_epochs=3 if args.quick else args.mnist_epochs,
        lr=1e-3,
        batch_size=64,
        random_state=0,
    )
    start = time.perf_counter()
    vae.fit(X_train, A_train)
    print(f"  fit on {n_train} digits: {time.perf_counter() - start:.0f} s")
    report_predict(vae, X_test, A_test)
    lo, hi = vae.calibration_["thickness"]["values"][[0, -1]]
    print(f"  reachable thickness (calibrated range): {lo:.2f} .. {hi:.2f}")
    targets = np.linspace(1.5, 4.5, 7)
    report_edit(vae, X_test, "thickness", targets, measure_digits)

    # Does the edited digit stay the same digit? A linear classifier of the
    # training digits, scored against its own labels of the unedited digits.
    classifier = LogisticRegression(max_iter=300).fit(
        X_train.reshape(n_train, -1), y[:n_train]
    )
    ladder = vae.traverse(X_test, "thickness", values=targets)
    shares = [
        content_preservation_score(classifier, ladder[:, k], X_original=X_test)
        for k in range(len(targets))
    ]
    recon = vae.inverse_transform(vae.transform(X_test))
    baseline = content_preservation_score(classifier, recon, X_original=X_test)
    print(f"    same digit class after reconstruction only: {baseline:.3f}")
    print("    same digit class after the edit:", np.round(shares, 3))

    plot_attribute_traversal(
        vae,
        X_test,
        "thickness",
        measure_digits,
        values=targets,
        path=out / "mnist_thickness.png",
    )
    rows = ladder[:8, :, 0]
    plot_traversal_grid(
        {"thickness": rows},
        row_labels=[f"digit {label}" for label in y[n_train : n_train + 8]],
        col_values=targets,
        path=out / "mnist_thickness_grid.png",
    )


# ---------------------------------------------------------------- chorales


def chorales(args, out):
    from skarvae.datasets import load_bach_chorales

    quick = args.quick
    from skarvae.music import measure_attributes

    train = load_bach_chorales(max_pieces=40 if quick else 120, progress=False)
    test = load_bach_chorales(
        subset="test", max_pieces=40 if quick else 120, progress=False
    )
    vocabulary = train.vocabulary
    attrs = ["rhythmic_complexity", "note_density"]
    vae = ARVAE(
        module="measure_vae",
        latent_dim=16,
        module_params={"n_tokens": len(vocabulary), "hidden_size": 64},
        max_epochs=3 if quick else 15,
        batch_size=128,
        random_state=0,
    )
    start = time.perf_counter()
    vae.fit(train.data, train.attributes[attrs])
    print(f"  fit on {len(train.data)} measures: {time.perf_counter() - start:.0f} s")
    X_test = test.data[:400]
    report_predict(vae, X_test, test.attributes[attrs].iloc[:400])

    def measure(ids):
        return measure_attributes(ids, vocabulary=vocabulary)[attrs]

    lo, hi = vae.calibration_["note_density"]["values"][[0, -1]]
    report_edit(vae, X_test, "note_density", np.linspace(lo, hi, 6), measure)
    plot_attribute_traversal(
        vae,
        X_test[:100],
        "note_density",
        measure,
        n_steps=6,
        path=out / "chorale_note_density.png",
    )


def tabular(args, out):
    X, A = make_tabular(2000, 0)
    X_test, A_test = make_tabular(500, 1)
    vae = ARVAE(
        latent_dim=4,
        hidden_dims=(64,),
        max_epochs=10 if args.quick else 40,
        lr=3e-3,
        batch_size=64,
        random_state=0,
    ).fit(X, A)
    report_predict(vae, X_test, A_test)
    report_edit(vae, X_test, "left", np.linspace(-0.8, 0.8, 5), measure_tabular)


def bars(args, out):
    images, A = make_bars(3000, 0)
    images_test, A_test = make_bars(500, 1)
    vae = ARVAE(
        latent_dim=6,
        hidden_dims=(128, 64),
        max_epochs=10 if args.quick else 40,
        lr=2e-3,
        batch_size=64,
        random_state=0,
    ).fit(images, A)
    report_predict(vae, images_test, A_test)
    report_edit(vae, images_test, "thickness", np.linspace(1.5, 4.5, 7), measure_bars)
    plot_attribute_traversal(
        vae,
        images_test[:200],
        "thickness",
        measure_bars,
        n_steps=7,
        path=out / "bars_thickness.png",
    )
    plot_attribute_surface(
        vae, "thickness", measure_bars, X=images_test, path=out / "bars_surface.png"
    )


PARTS = {
    "tabular": "Tabular: attributes are means of feature groups",
    "bars": "Bar images: thickness and position",
    "mnist": "MNIST digits: thickness (Morpho-MNIST)",
    "chorales": "Bach chorale measures: note density",
}
RUNNERS = {"tabular": tabular, "bars": bars, "mnist": mnist, "chorales": chorales}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs")
    parser.add_argument("--out", default="edit_figures", help="figure folder")
    parser.add_argument(
        "--parts",
        nargs="+",
        choices=PARTS,
        default=list(PARTS),
        help="which parts to run",
    )
    parser.add_argument(
        "--skip-chorales", action="store_true", help="leave out the chorales"
    )
    parser.add_argument(
        "--mnist-path",
        default=os.path.join("..", "shared", "data", "mnist"),
        help="folder with the MNIST test digits (t10k-*-idx*-ubyte[.gz])",
    )
    parser.add_argument(
        "--mnist-epochs", type=int, default=30, help="epochs of the MNIST part"
    )
    parser.add_argument(
        "--mnist-train",
        type=int,
        default=1500,
        help="training digits (the first ones); the next 300 are held out",
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    out = Path(args.out)
    out.mkdir(exist_ok=True)
    parts = [p for p in args.parts if not (args.skip_chorales and p == "chorales")]
    for part in parts:
        print(PARTS[part])
        RUNNERS[part](args, out)


if __name__ == "__main__":
    main()
