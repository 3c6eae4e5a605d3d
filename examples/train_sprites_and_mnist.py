"""Train AR-VAEs on generated sprites and on MNIST digits, and draw traversals.

Two image experiments of the AR-VAE paper (Pati & Lerch 2020), CPU-sized:

1. dSprites-like images from :func:`skarvae.datasets.make_sprites`,
   regularizing latent dimensions 0-4 with shape, scale, orientation, pos_x
   and pos_y (10 latent dims);
2. MNIST test digits, regularizing dimensions 0-5 with the Morpho-MNIST
   morphometrics (area, length, thickness, slant, width, height) computed by
   :func:`skarvae.datasets.morphometrics` (16 latent dims).

Both use the fast built-in image network ``module="fast_image"``
(:class:`skarvae.modules.FastImageVAE`); for the sprites with its pooled
branch (``--pool-channels``), which reads the shape, and a spatial-broadcast
decoder (``--broadcast-dims``), which draws it, trained 15 epochs at a
constant learning rate of 3e-3 and ended with an average of the weights
(``--ema-decay``); for the digits 20 epochs at 1e-3 with a
cosine schedule. ``--network paper`` trains the paper's Table 2
convolutions (``"dsprites"``, ``"morpho_mnist"``) instead, at many times the
cost per epoch (``docs/networks.md``).

For each, a traversal grid (paper's Figures 9 and 10) is written as PNG:
every row starts from one image, and each column sets the regularized
dimension to a value between its 5th and 95th percentile over the data.

Run ``python examples/train_sprites_and_mnist.py --help`` for the options;
the defaults take about 7 minutes on one CPU core, most of it for the
sprites. The models are
trained and evaluated on the same images: see ``benchmarks/bench_images.py``
for held-out scores.
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import os
import time

import numpy as np
import torch

from skarvae import ARVAE
from skarvae.datasets import (
    load_mnist,
    make_sprites,
    measure_sprites,
    morphometrics,
)
from skarvae.metrics import edit_fidelity
from skarvae.plotting import plot_reconstructions, plot_traversal_grid

# Epochs, learning rate, schedule and average of the weights where the
# command line sets none. The sprites' broadcast decoder needs the steps and
# the larger learning rate to draw the shapes (docs/images.md, "Why discs"),
# and the average keeps the unused latent dims from following the position
# (docs/networks.md, "sprites-average"); the digits and the paper's networks
# train with the digits' recipe.
SPRITES_RECIPE = {
    "epochs": 15,
    "lr": 3e-3,
    "lr_schedule": "constant",
    "ema_decay": 0.999,
}
DIGITS_RECIPE = {"epochs": 20, "lr": 1e-3, "lr_schedule": "cosine", "ema_decay": 0}


def traversals(model, X, n_rows=4, n_steps=7):
    """Decode traversals of every regularized dimension for ``n_rows`` images.

    Returns a dict attribute -> array (n_rows, n_steps, H, W) and the
    traversal values (in units of each dimension's 5-95 percentile range,
    mapped to -1 .. 1 for the column labels).
    """
    Z = model.transform(X)
    base = Z[:n_rows]
    grids = {}
    for name, dim in model.reg_dims_.items():
        lo, hi = np.percentile(Z[:, dim], [5, 95])
        codes = np.repeat(base[:, None], n_steps, axis=1)
        codes[:, :, dim] = np.linspace(lo, hi, n_steps)
        decoded = model.inverse_transform(codes.reshape(-1, Z.shape[1]))
        side = int(np.sqrt(decoded[0].size))
        grids[name] = decoded.reshape(n_rows, n_steps, side, side)
    return grids, np.linspace(-1, 1, n_steps)


def pixel_accuracy(model, X):
    """Share of pixels whose binarized reconstruction matches the input."""
    recon = model.inverse_transform(model.transform(X))
    return float(np.mean((recon > 0.5) == (X > 0.5)))


def attribute_correlations(model, X, attributes):
    """Spearman correlation of each regularized dimension with its attribute."""
    from scipy.stats import spearmanr

    Z = model.transform(X)
    return {
        name: float(spearmanr(Z[:, dim], attributes[name]).statistic)
        for name, dim in model.reg_dims_.items()
    }


def run_sprites(args):
    sprites = make_sprites(args.n_sprites, random_state=args.seed)
    X = sprites.images[:, None].astype(np.float32)
    fast = args.network == "fast"
    recipe = SPRITES_RECIPE if fast else DIGITS_RECIPE
    epochs, lr, schedule, ema_decay = _recipe(args, **recipe)
    # The pooled branch reads the shape wherever the sprite lies; a
    # spatial-broadcast decoder (``--broadcast-dims``) draws it.
    options = {
        "pool_channels": tuple(args.pool_channels),
        "broadcast_dims": tuple(args.broadcast_dims),
        "broadcast_grid": args.broadcast_grid,
    }
    model = ARVAE(
        module="fast_image" if fast else "dsprites",
        module_params=options if fast else None,
        latent_dim=10,
        lr_schedule=schedule,
        gamma=100.0 if args.gamma is None else args.gamma,
        max_epochs=epochs,
        batch_size=args.batch_size,
        lr=lr,
        ema_decay=ema_decay or None,
        random_state=args.seed,
        verbose=args.verbose,
    )
    start = time.perf_counter()
    model.fit(X, sprites.factors)
    print(f"sprites: fitted {len(X)} images in {time.perf_counter() - start:.1f} s")
    report(model, X, sprites.factors, "sprites", args.out_dir)
    # Edit fidelity: set each factor of a few sprites to values across the
    # range they occupy, decode, and read the factors of the decoded sprites
    # back (measure_sprites matches them against the rendered factor grid).
    print_fidelity(model, X[: args.n_fidelity], measure_sprites, "sprites")


def run_mnist(args):
    digits = load_mnist(args.mnist_path, kind="t10k")
    X = (digits.images[: args.n_digits] / 255.0).astype(np.float32)[:, None]
    start = time.perf_counter()
    attributes = morphometrics(X, n_jobs=args.n_jobs)
    print(f"mnist: morphometrics in {time.perf_counter() - start:.1f} s")
    keep = attributes.notna().all(axis=1).to_numpy()
    X, attributes = X[keep], attributes[keep].reset_index(drop=True)
    epochs, lr, schedule, ema_decay = _recipe(args, **DIGITS_RECIPE)
    model = ARVAE(
        module="fast_image" if args.network == "fast" else "morpho_mnist",
        latent_dim=16,
        lr_schedule=schedule,
        gamma=10.0 if args.gamma is None else args.gamma,
        max_epochs=epochs,
        batch_size=args.batch_size,
        lr=lr,
        ema_decay=ema_decay or None,
        random_state=args.seed,
        verbose=args.verbose,
    )
    start = time.perf_counter()
    model.fit(X, attributes)
    print(f"mnist: fitted {len(X)} digits in {time.perf_counter() - start:.1f} s")
    report(model, X, attributes, "mnist", args.out_dir)
    # Edit fidelity: set each morphometric of a few digits to values across
    # the range the digits occupy, decode, and measure the decoded digits.
    print_fidelity(model, X[: args.n_fidelity], _measure_digits, "mnist")


def print_fidelity(model, X, measure, name):
    """Print ``edit_fidelity`` of ``model`` on ``X`` (5 edits per attribute)."""
    if not len(X):
        return
    fidelity = edit_fidelity(model, X, measure, n_steps=5)
    columns = ["spearman", "monotone", "relative_error", "leakage", "unmeasured"]
    print(f"{name}: edit fidelity of {len(X)} images")
    print(fidelity[columns].round(3).to_string())


def _recipe(args, **defaults):
    """Epochs, lr, schedule and ema_decay: the command line's, else this part's."""
    return tuple(
        defaults[name] if getattr(args, name) is None else getattr(args, name)
        for name in ("epochs", "lr", "lr_schedule", "ema_decay")
    )


def _measure_digits(images):
    """Morphometrics of decoded digits (probabilities cut at 0.5)."""
    return morphometrics((images > 0.5).astype(np.float32), verbose=False)


def report(model, X, attributes, name, out_dir):
    print(f"{name}: pixel accuracy {pixel_accuracy(model, X):.4f}")
    for attr, rho in attribute_correlations(model, X, attributes).items():
        print(f"{name}:   spearman(z_{attr}, {attr}) = {rho:+.3f}")
    grids, values = traversals(model, X)
    path = os.path.join(out_dir, f"traversal_{name}.png")
    plot_traversal_grid(grids, col_values=values, path=path)
    recon = model.inverse_transform(model.transform(X[:10]))
    plot_reconstructions(X[:10], recon, path=os.path.join(out_dir, f"recon_{name}.png"))
    print(f"{name}: wrote {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Writes traversal_sprites.png, recon_sprites.png, "
        "traversal_mnist.png and recon_mnist.png to --out-dir.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--mnist-path",
        default=os.path.join("..", "shared", "data", "mnist"),
        help="folder with t10k-images-idx3-ubyte(.gz) and the labels",
    )
    parser.add_argument(
        "--n-sprites", type=int, default=30000, help="sprites drawn from the grid"
    )
    parser.add_argument(
        "--n-digits", type=int, default=5000, help="first N MNIST test digits"
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="training epochs (default: 15 for the sprites' fast network, else 20)",
    )
    parser.add_argument(
        "--network",
        choices=["fast", "paper"],
        default="fast",
        help="fast: module='fast_image'; paper: the Table 2 convolutions",
    )
    parser.add_argument(
        "--pool-channels",
        type=int,
        nargs="*",
        default=[16, 64],
        help="sprites, fast network: channels of FastImageVAE's pooled branch "
        "(none: without it)",
    )
    parser.add_argument(
        "--broadcast-dims",
        type=int,
        nargs="*",
        default=[128, 128, 128],
        help="sprites, fast network: hidden widths of a spatial-broadcast decoder "
        "(none: the patch decoder, which draws discs); see docs/images.md, "
        "'Why discs'",
    )
    parser.add_argument(
        "--broadcast-grid",
        type=int,
        default=8,
        help="sprites: cells per side of the broadcast decoder's grid (16 draws "
        "sharper corners for about twice the fit)",
    )
    parser.add_argument(
        "--lr-schedule",
        choices=["constant", "cosine", "onecycle"],
        default=None,
        help="default: constant for the sprites' fast network, else cosine",
    )
    parser.add_argument(
        "--ema-decay",
        type=float,
        default=None,
        help="end with an exponential moving average of the weights of this decay "
        "(0: the last weights; default: 0.999 for the sprites' fast network, else 0)",
    )
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--lr",
        type=float,
        default=None,
        help="default: 3e-3 for the sprites' fast network, else 1e-3 (paper: 1e-4)",
    )
    parser.add_argument(
        "--gamma",
        type=float,
        default=None,
        help="ARVAE gamma (default: 100 for the sprites, which read their shape "
        "only with the stronger weight, 10 for the digits)",
    )
    parser.add_argument(
        "--n-fidelity",
        type=int,
        default=100,
        help="sprites and digits whose edits are measured again "
        "(skarvae.metrics.edit_fidelity; 0: none)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--n-jobs", type=int, default=None, help="joblib workers of morphometrics"
    )
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--verbose", type=int, default=0, help="skorch verbosity")
    parser.add_argument(
        "--out-dir",
        default=os.path.join("results", "images"),
        help="folder for the PNG files",
    )
    parser.add_argument(
        "--only", choices=["sprites", "mnist"], default=None, help="run one part"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    os.makedirs(args.out_dir, exist_ok=True)
    if args.only in (None, "sprites"):
        run_sprites(args)
    if args.only in (None, "mnist"):
        run_mnist(args)


if __name__ == "__main__":
    main()
