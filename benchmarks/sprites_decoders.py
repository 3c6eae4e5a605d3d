"""Can a decoder draw the sprites' shapes? Decoders trained on the true factors.

Every candidate decoder learns alone, by binary cross-entropy, to draw each
training sprite from its true factors: the shape one-hot, the scale, cos and
sin of 1, 2 and 4 times the orientation (a square repeats every quarter
turn, an ellipse every half turn), pos_x and pos_y. There is no encoder and
no KL term, so what a decoder cannot draw here it cannot draw in a VAE
either. After every epoch it reports, on held-out sprites:

- ``bce``: binary cross-entropy per image, and ``pixel_acc`` (cut at 0.5);
- ``iou_square``, ``iou_ellipse``, ``iou_heart``: foreground intersection
  over union of the decoded sprite (cut at 0.5) with the true one, per
  shape. The row ``disc`` scores a disc of the true sprite's area and
  centre instead: a decoder that draws every shape as a round blob scores
  about that.

``--encoder-probe`` also trains each candidate's encoder, alone, to read a
square's rotation (``cos 4 theta``, ``sin 4 theta``, squared error) and
reports the held-out R^2 (``rotation_r2``). The candidates are the fast
network of ``bench_networks.py`` (``fast_p84``: ``pool_channels=(16, 32)``,
``pool_stride=4``), the reproduction profile's (``fast_pool``), the paper's
(``paper``) and ``FastImageVAE``'s spatial-broadcast decoder
(``broadcast_dims``; ``broadcast``: the factors and each cell's coordinates
on a 16 x 16 grid, a per-cell MLP with two hidden layers of 64, each cell
a 4 x 4 patch; ``broadcast_wide``: three hidden layers of 128;
``broadcast_8``: the same on an 8 x 8 grid of 8 x 8 patches). Run from the
repository root::

    python benchmarks/sprites_decoders.py --decoders fast_p84 broadcast paper

Timings on a shared machine are noisy: compare candidates of one run.
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from skarvae.datasets import make_sprites
from skarvae.modules import get_module_class

SHAPES = {1: "square", 2: "ellipse", 3: "heart"}


def _broadcast(dims, grid):
    """``FastImageVAE`` options of a broadcast decoder and a minimal encoder."""
    return {
        "patch_sizes": (),
        "hidden_dims": (8,),
        "broadcast_dims": dims,
        "broadcast_grid": grid,
    }


# name -> (module, module options, learning rate)
CANDIDATES = {
    "fast_p84": (
        "fast_image",
        {
            "hidden_dims": (512,),
            "patch_sizes": (8, 4),
            "channels": (16, 64),
            "pool_channels": (16, 32),
            "pool_stride": 4,
        },
        3e-3,
    ),
    "fast_pool": ("fast_image", {"pool_channels": (16, 64)}, 1e-3),
    "paper": ("dsprites", {}, 1e-3),
    # FastImageVAE's spatial-broadcast decoder (its encoder is not used).
    "broadcast": ("fast_image", _broadcast((64, 64), 16), 1e-3),
    "broadcast_8": ("fast_image", _broadcast((128, 128, 128), 8), 1e-3),
    "broadcast_wide": ("fast_image", _broadcast((128, 128, 128), 16), 1e-3),
}


def factor_features(factors):
    """The decoders' input: one-hot shape, scale, orientation harmonics, x, y."""
    theta = factors["orientation"].to_numpy()
    shape = factors["shape"].to_numpy().astype(int)
    harmonics = [f(k * theta) for k in (1, 2, 4) for f in (np.cos, np.sin)]
    columns = [
        *np.eye(3)[shape - 1].T,
        factors["scale"].to_numpy(),
        *harmonics,
        factors["pos_x"].to_numpy(),
        factors["pos_y"].to_numpy(),
    ]
    return np.stack(columns, axis=1).astype(np.float32)


def foreground_iou(pred, true):
    """Per-image intersection over union of two boolean image stacks."""
    pred, true = pred.reshape(len(pred), -1), true.reshape(len(true), -1)
    inter = (pred & true).sum(1)
    union = (pred | true).sum(1)
    return inter / np.maximum(union, 1)


def disc_like(images):
    """Discs of each image's foreground area, centred on its centroid."""
    _, h, w = images.shape
    ys, xs = np.mgrid[:h, :w]
    area = images.sum((1, 2)).astype(float)
    cy = (images * ys).sum((1, 2)) / np.maximum(area, 1)
    cx = (images * xs).sum((1, 2)) / np.maximum(area, 1)
    radius2 = area / np.pi
    dist2 = (ys - cy[:, None, None]) ** 2 + (xs - cx[:, None, None]) ** 2
    return dist2 <= radius2[:, None, None]


def shape_scores(pred, true, shapes):
    """``iou_<shape>``: mean foreground IoU per shape."""
    iou = foreground_iou(pred, true)
    return {
        f"iou_{name}": float(iou[shapes == code].mean())
        for code, name in SHAPES.items()
    }


def build(name, latent_dim, image_size):
    module, options, lr = CANDIDATES[name]
    cls = get_module_class(module)
    return cls(
        input_shape=(1, image_size, image_size), latent_dim=latent_dim, **options
    ), lr


def batches(n, batch_size, generator):
    order = torch.randperm(n, generator=generator)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def train_decoder(name, data, args):
    """Rows of held-out scores per epoch, and the last epoch's decoded images."""
    X_train, F_train, X_test, F_test, shapes = data
    torch.manual_seed(args.seed)
    model, lr = build(name, F_train.shape[1], X_train.shape[-1])
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(args.seed)
    rows, elapsed = [], 0.0
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        model.train()
        for idx in batches(len(X_train), args.batch_size, generator):
            logits = model.decode(F_train[idx])
            loss = F.binary_cross_entropy_with_logits(
                logits, X_train[idx], reduction="sum"
            ) / len(idx)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        elapsed += time.perf_counter() - start
        model.eval()
        with torch.no_grad():
            logits = model.decode(F_test)
            bce = F.binary_cross_entropy_with_logits(logits, X_test, reduction="sum")
        pred = (logits > 0).numpy()[:, 0]
        true = X_test.numpy()[:, 0] > 0.5
        rows.append(
            {
                "candidate": name,
                "epoch": epoch,
                "train_s": elapsed,
                "bce": bce.item() / len(X_test),
                "pixel_acc": float((pred == true).mean()),
                **shape_scores(pred, true, shapes),
            }
        )
        print(
            ", ".join(f"{k} {v:.4g}" for k, v in rows[-1].items() if k != "candidate")
        )
    return rows, torch.sigmoid(logits).numpy()[:, 0]


def probe_encoder(name, X_train, y_train, X_test, y_test, args):
    """Held-out R^2 of a square's rotation read by the candidate's encoder."""
    if CANDIDATES[name][1].get("broadcast_dims"):
        return np.nan  # the candidate is its decoder
    torch.manual_seed(args.seed)
    model, lr = build(name, y_train.shape[1], X_train.shape[-1])
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(args.seed)
    for _ in range(args.probe_epochs):
        for idx in batches(len(X_train), args.batch_size, generator):
            loss = F.mse_loss(model.encode(X_train[idx])[0], y_train[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    with torch.no_grad():
        pred = model.encode(X_test)[0]
    residual = ((pred - y_test) ** 2).sum()
    return float(1 - residual / ((y_test - y_test.mean(0)) ** 2).sum())


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--decoders", nargs="+", choices=sorted(CANDIDATES), default=["fast_p84"]
    )
    parser.add_argument("--n-train", type=int, default=30000)
    parser.add_argument("--n-test", type=int, default=5000)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--encoder-probe",
        action="store_true",
        help="also train each encoder to read a square's rotation",
    )
    parser.add_argument("--probe-epochs", type=int, default=3)
    parser.add_argument("--out", default=None, help="CSV file for the scores")
    parser.add_argument("--figure", default=None, help="PNG of decoded sprites")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    sprites = make_sprites(args.n_train + args.n_test, random_state=args.seed)
    images = torch.from_numpy(sprites.images[:, None].astype(np.float32))
    features = torch.from_numpy(factor_features(sprites.factors))
    test, train = slice(0, args.n_test), slice(args.n_test, None)
    shapes = sprites.factors["shape"].to_numpy()[test]
    data = (images[train], features[train], images[test], features[test], shapes)
    true = sprites.images[test] > 0
    rows = [
        {"candidate": "disc", **shape_scores(disc_like(true), true, shapes)},
    ]
    decoded = {}
    for name in args.decoders:
        scores, decoded[name] = train_decoder(name, data, args)
        rows += scores
    table = pd.DataFrame(rows)
    if args.encoder_probe:
        square = sprites.factors["shape"].to_numpy() == 1
        theta = sprites.factors["orientation"].to_numpy()
        target = torch.from_numpy(
            np.stack([np.cos(4 * theta), np.sin(4 * theta)], 1).astype(np.float32)
        )
        is_test = np.arange(len(square)) < args.n_test
        fit, held = square & ~is_test, square & is_test
        r2 = {}
        for name in args.decoders:
            r2[name] = probe_encoder(
                name, images[fit], target[fit], images[held], target[held], args
            )
        last = table.groupby("candidate")["epoch"].transform("max") == table["epoch"]
        table.loc[last, "rotation_r2"] = table.loc[last, "candidate"].map(r2)
    print(table.round(4).to_string(index=False))
    if args.out:
        table.to_csv(args.out, index=False)
    if args.figure:
        save_figure(args.figure, sprites.images[test], decoded, shapes)
    return table


def save_figure(path, truth, decoded, shapes, n=12):
    """The first ``n`` held-out sprites and each candidate's drawing of them."""
    from matplotlib.figure import Figure

    rows = [("true", truth), *decoded.items()]
    fig = Figure(figsize=(n * 0.9, len(rows) * 1.0))
    axes = fig.subplots(len(rows), n, squeeze=False)
    for r, (name, images) in enumerate(rows):
        for i in range(n):
            ax = axes[r, i]
            ax.imshow(images[i], cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(SHAPES[int(shapes[i])], fontsize=7)
        axes[r, 0].set_ylabel(name, fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    main()
