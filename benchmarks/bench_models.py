"""GLSR-VAE vs ARVAE vs BetaVAE on the chorales and on sprites.

For each data set the three models train with the same module, latent size,
batch size and epochs, and are scored on held-out data with the five
disentanglement metrics of the AR-VAE paper (binned mutual information, each
metric choosing its dims), reconstruction accuracy and training time per
epoch.

- chorales: measures of the Bach chorales (train pieces transposed, test
  pieces not), MeasureVAE, attribute ``note_density``; GLSR uses
  :class:`skarvae.losses.ExpectedNoteDensity`.
- sprites: generated dSprites images, the paper's dSprites network,
  attributes ``scale`` and ``pos_x``; GLSR uses
  :class:`skarvae.losses.MeanIntensity` (area grows with scale) and
  :class:`skarvae.losses.Centroid` ``("x")``.

The defaults are CPU-sized; ``--epochs 30 --n-train 0`` (all data) with
``--device cuda`` approaches the paper's settings.

Usage::

    python benchmarks/bench_models.py [--datasets chorales sprites]
        [--n-train 3000] [--n-test 1000] [--epochs 3] [--device cpu]
"""

import argparse
import time

import numpy as np
import pandas as pd
from _tables import markdown_table

from skarvae import ARVAE, GLSRVAE, BetaVAE
from skarvae.datasets import load_bach_chorales, make_sprites
from skarvae.losses import Centroid, ExpectedNoteDensity, MeanIntensity
from skarvae.metrics import disentanglement_report, reconstruction_accuracy

METRICS = ["interpretability", "mig", "modularity", "sap", "scc"]


def _take(n, *arrays, seed=0):
    if not n or n >= len(arrays[0]):
        return arrays
    index = np.random.default_rng(seed).choice(len(arrays[0]), n, replace=False)
    return tuple(a.iloc[index] if hasattr(a, "iloc") else a[index] for a in arrays)


def chorales(args):
    train = load_bach_chorales(subset="train")
    test = load_bach_chorales(subset="test", vocabulary=train.vocabulary)
    attrs = ["note_density"]
    X, A = _take(args.n_train, train.data, train.attributes[attrs])
    X_test, A_test = _take(args.n_test, test.data, test.attributes[attrs])
    common = {
        "module": "measure_vae",
        "module_params": {"n_tokens": len(train.vocabulary)},
        "batch_size": 256,
        "lr": 1e-3,
    }
    models = {
        # The paper's music settings, rescaled to summed cross-entropy.
        "BetaVAE": BetaVAE(beta=0.024, **common),
        "ARVAE": ARVAE(beta=0.024, gamma=24.0, delta=10.0, **common),
        "GLSRVAE": GLSRVAE(
            [ExpectedNoteDensity(train.vocabulary)],
            beta=0.024,
            gamma=1.0,
            grad_mean=0.1,
            grad_std=0.03,
            gamma_warmup=1,
            **common,
        ),
    }
    return models, (X, A, X_test, A_test)


def sprites(args):
    n = (args.n_train or 20000) + args.n_test
    data = make_sprites(n, random_state=0)
    X = data.images[:, None].astype(np.float32)
    attrs = ["scale", "pos_x"]
    A = data.factors[attrs].reset_index(drop=True)
    split = len(X) - args.n_test
    common = {"module": "dsprites", "batch_size": 128, "lr": 1e-3}
    models = {
        # The paper's image settings: beta 4 for the baseline, 1 for AR-VAE.
        "BetaVAE": BetaVAE(beta=4.0, **common),
        "ARVAE": ARVAE(beta=1.0, gamma=10.0, delta=1.0, **common),
        "GLSRVAE": GLSRVAE(
            [MeanIntensity(), Centroid("x")],
            beta=1.0,
            gamma=1.0,
            grad_mean=[0.006, 0.1],
            grad_std=[0.002, 0.03],
            gamma_warmup=1,
            **common,
        ),
    }
    return models, (X[:split], A[:split], X[split:], A[split:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["chorales", "sprites"])
    parser.add_argument("--n-train", type=int, default=3000, help="0 = all")
    parser.add_argument("--n-test", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rows = []
    for name in args.datasets:
        models, (X, A, X_test, A_test) = {"chorales": chorales, "sprites": sprites}[
            name
        ](args)
        for model_name, model in models.items():
            model.set_params(
                max_epochs=args.epochs, device=args.device, random_state=args.seed
            )
            start = time.perf_counter()
            model.fit(X, A)
            seconds = time.perf_counter() - start
            Z = model.transform(X_test)
            report = disentanglement_report(Z, A_test, metrics=METRICS)
            decoded = model.inverse_transform(Z)
            kind = "tokens" if model.recon_loss_ == "ce" else "binary"
            rows.append(
                {
                    "data": name,
                    "model": model_name,
                    **{m: report.loc["mean", m] for m in METRICS},
                    "recon_acc": reconstruction_accuracy(X_test, decoded, kind=kind),
                    "s_per_epoch": seconds / model.n_iter_,
                }
            )
            print(pd.DataFrame(rows[-1:]).round(3).to_string(index=False))
    table = pd.DataFrame(rows).round(3)
    print(
        f"\nn_train={args.n_train or 'all'}, n_test={args.n_test}, "
        f"epochs={args.epochs}, device={args.device}, seed={args.seed}\n"
    )
    print(markdown_table(table))


if __name__ == "__main__":
    main()
