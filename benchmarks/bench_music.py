"""Benchmark the music domain: vectorized attributes and corpus load times."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import itertools
import tempfile
import time

import numpy as np


def _random_measures(n_measures, vocabulary, seed=0):
    """Random id measures: about a third of the ticks are onsets."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, len(vocabulary), size=(n_measures, 24))
    hold = rng.random((n_measures, 24)) < 0.66
    ids[hold] = 0
    ids[:, 0] = np.where(ids[:, 0] == 0, 1, ids[:, 0])
    return ids


def _loop_attributes(token_rows):
    """Per-token Python loop over music21 pitches, like the original code."""
    from music21 import pitch

    from skarvae.music import RHYTHMIC_COMPLEXITY_WEIGHTS

    weights = RHYTHMIC_COMPLEXITY_WEIGHTS
    out = []
    for row in token_rows:
        midis, density, rhythm = [], 0, 0.0
        for t, token in enumerate(row):
            if token in ("__", "rest", "START", "END"):
                continue
            density += 1
            rhythm += weights[t]
            midis.append(pitch.Pitch(token).midi)
        if len(midis) > 1:
            pitch_range = (max(midis) - min(midis)) / 26
            contour = sum(b - a for a, b in itertools.pairwise(midis)) / 26
        else:
            pitch_range = contour = 0.0
        out.append((rhythm / weights.sum(), pitch_range, density / 24, contour))
    return np.array(out)


def bench_attributes(n_measures, n_loop):
    from skarvae.music import Vocabulary, measure_attributes

    names = ["C", "C#", "D", "E-", "E", "F", "F#", "G", "A-", "A", "B-", "B"]
    vocab = Vocabulary([f"{n}{o}" for n in names for o in (3, 4, 5, 6)])
    ids = _random_measures(n_measures, vocab)
    start = time.perf_counter()
    fast = measure_attributes(ids, vocabulary=vocab).to_numpy()
    t_fast = time.perf_counter() - start
    sample = vocab.decode(ids[:n_loop]).tolist()
    start = time.perf_counter()
    slow = _loop_attributes(sample)
    t_loop = time.perf_counter() - start
    np.testing.assert_allclose(fast[:n_loop], slow)
    per_fast = t_fast / n_measures
    per_loop = t_loop / n_loop
    print(f"vectorized: {n_measures:,} measures in {t_fast:.2f} s")
    print(
        f"loop: {n_loop:,} measures in {t_loop:.2f} s "
        f"(extrapolated {per_loop * n_measures:.0f} s for {n_measures:,})"
    )
    print(f"speed-up per measure: {per_loop / per_fast:.0f}x")


def bench_load(loader_name, max_pieces, n_jobs=None):
    from skarvae import datasets

    loader = getattr(datasets, loader_name)
    with tempfile.TemporaryDirectory() as home:
        start = time.perf_counter()
        bunch = loader(
            subset="all", data_home=home, max_pieces=max_pieces, n_jobs=n_jobs
        )
        t_first = time.perf_counter() - start
        start = time.perf_counter()
        loader(subset="all", data_home=home, max_pieces=max_pieces)
        t_cached = time.perf_counter() - start
        train = loader(subset="train", data_home=home, max_pieces=max_pieces)
        test = loader(subset="test", data_home=home, max_pieces=max_pieces)
    untransposed = int((bunch.frame["transposition"] == 0).sum())
    print(
        f"{loader_name} (n_jobs={n_jobs}): first load {t_first:.1f} s, "
        f"cached load {t_cached:.1f} s; "
        f"{bunch.frame['piece'].nunique()} pieces with measures, "
        f"{untransposed} measures untransposed, {len(bunch.data)} with "
        f"transpositions, vocabulary {len(bunch.vocabulary)} tokens; "
        f"train {len(train.data)} (augmented), test {len(test.data)}; "
        f"skipped {bunch.skipped}"
    )


def bench_compare(max_pieces, max_epochs, n_train, latent_dim):
    """ARVAE vs BetaVAE on Bach soprano measures (CPU-sized)."""
    import torch
    from scipy.stats import spearmanr

    from skarvae.datasets import load_bach_chorales
    from skarvae.estimators import ARVAE, BetaVAE

    torch.set_num_threads(1)
    kwargs = {"max_pieces": max_pieces, "progress": False}
    train = load_bach_chorales(subset="train", **kwargs)
    test = load_bach_chorales(subset="test", **kwargs)
    rng = np.random.default_rng(0)
    rows = rng.permutation(len(train.data))[:n_train]
    common = {
        "module": "measure_vae",
        "latent_dim": latent_dim,
        "module_params": {"n_tokens": len(train.vocabulary)},
        "max_epochs": max_epochs,
        "batch_size": 64,
        "random_state": 0,
    }
    names = list(train.attributes.columns)
    for est in (ARVAE(**common), BetaVAE(**common)):
        start = time.perf_counter()
        est.fit(train.data[rows], train.attributes.iloc[rows])
        fit_s = time.perf_counter() - start
        z = est.transform(test.data)
        recon = est.inverse_transform(z)
        accuracy = float((recon == test.data).mean())
        rho = [
            abs(spearmanr(z[:, i], test.attributes[n])[0]) for i, n in enumerate(names)
        ]
        print(
            f"{type(est).__name__}: fit {fit_s:.0f} s on {len(rows)} measures, "
            f"test token accuracy {accuracy:.3f}, |Spearman| of dims 0-3 with "
            f"{names}: {np.round(rho, 2).tolist()}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n-measures", type=int, default=1_000_000)
    parser.add_argument("--n-loop", type=int, default=5_000)
    parser.add_argument("--load", nargs="*", default=["load_bach_chorales"])
    parser.add_argument("--max-pieces", type=int, default=None)
    parser.add_argument(
        "--n-jobs", type=int, nargs="+", default=[None], help="parse processes"
    )
    parser.add_argument("--compare", action="store_true", help="ARVAE vs BetaVAE")
    parser.add_argument("--compare-pieces", type=int, default=60)
    parser.add_argument("--compare-train", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--latent-dim", type=int, default=32)
    args = parser.parse_args()
    if args.n_measures:
        bench_attributes(args.n_measures, args.n_loop)
    for loader_name, n_jobs in itertools.product(args.load, args.n_jobs):
        bench_load(loader_name, args.max_pieces, n_jobs)
    if args.compare:
        bench_compare(
            args.compare_pieces, args.epochs, args.compare_train, args.latent_dim
        )


if __name__ == "__main__":
    main()
