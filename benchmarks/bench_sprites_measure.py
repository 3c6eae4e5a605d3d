"""How well ``measure_sprites`` reads rendered sprites back, and how fast.

Renders ``--n`` sprites with ``make_sprites`` and reads their factors back
with ``skarvae.datasets.measure_sprites``; per shape it reports the share of
exact shapes and scales, the share of orientations exact modulo the shape's
symmetry (a quarter turn for squares, a half turn for ellipses) with their
mean error in degrees, and the mean and largest position errors (one step of
the position grid is 1/31). Run from the repository root::

    python benchmarks/bench_sprites_measure.py --n 5000
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time

import numpy as np
import pandas as pd

from skarvae.datasets import make_sprites, measure_sprites

PERIOD = {1: np.pi / 2, 2: np.pi, 3: 2 * np.pi}
NAMES = {1: "square", 2: "ellipse", 3: "heart"}


def accuracy(found, true):
    """One row per shape of how closely ``found`` matches ``true``."""
    rows = []
    for code, name in NAMES.items():
        m = (true["shape"] == code).to_numpy()
        f, t = found[m], true[m]
        period = PERIOD[code]
        turn = (f["orientation"] - t["orientation"]).to_numpy()
        off = np.abs((turn + period / 2) % period - period / 2)
        pos = np.abs(
            f[["pos_x", "pos_y"]].to_numpy() - t[["pos_x", "pos_y"]].to_numpy()
        )
        rows.append(
            {
                "shape": name,
                "n": int(m.sum()),
                "shape_exact": float(np.mean(f["shape"] == code)),
                "scale_exact": float(np.mean(np.isclose(f["scale"], t["scale"]))),
                "orientation_exact": float(np.mean(off < 1e-6)),
                "orientation_err_deg": float(np.degrees(off).mean()),
                "pos_mae": float(pos.mean()),
                "pos_max": float(pos.max()),
            }
        )
    return pd.DataFrame(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="sprites to read back")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    sprites = make_sprites(args.n, random_state=args.seed)
    measure_sprites(sprites.images[:1])  # build the cached templates
    start = time.perf_counter()
    found = measure_sprites(sprites.images)
    seconds = time.perf_counter() - start
    print(accuracy(found, sprites.factors).round(4).to_string(index=False))
    print(f"{args.n} sprites in {seconds:.2f} s ({1e3 * seconds / args.n:.2f} ms each)")


if __name__ == "__main__":
    main()
