"""Loading and splitting the four data sets of ``benchmarks/reproduce.py``."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._reproduce.config import MUSIC


class Data:
    """Train/test split of one data set with what its models need."""

    def __init__(self, name, X_train, A_train, X_test, A_test, **info):
        self.name = name
        self.X_train, self.A_train = X_train, A_train.reset_index(drop=True)
        self.X_test, self.A_test = X_test, A_test.reset_index(drop=True)
        self.kind = "music" if name in MUSIC else "image"
        self.info = info


def _take(n, size, rng):
    rows = rng.permutation(size)
    return np.sort(rows[:n]) if n else rows


def load_sprites(cfg, data_seed):
    from skarvae.datasets import make_sprites

    n_train, n_test = cfg["n_train"], cfg["n_test"]
    data = make_sprites(n_train + n_test, random_state=data_seed)
    X = data.images[:, None].astype(np.float32)
    A = data.factors.reset_index(drop=True)
    return Data("sprites", X[:n_train], A[:n_train], X[n_train:], A[n_train:])


def mnist_with_morphometrics(path, cache_dir, n_jobs):
    """MNIST test digits in [0, 1], labels and morphometrics (cached to CSV)."""
    from skarvae.datasets import load_mnist, morphometrics

    digits = load_mnist(path, kind="t10k")
    X = (digits.images / 255.0).astype(np.float32)[:, None]
    cache = Path(cache_dir) / "mnist_t10k_morphometrics.csv"
    if cache.exists():
        A = pd.read_csv(cache)
    else:
        start = time.perf_counter()
        A = morphometrics(X[:, 0], n_jobs=n_jobs, verbose=False)
        cache.parent.mkdir(parents=True, exist_ok=True)
        A.to_csv(cache, index=False)
        print(f"mnist: morphometrics in {time.perf_counter() - start:.0f} s -> {cache}")
    if len(A) != len(X):
        raise ValueError(f"{cache} has {len(A)} rows for {len(X)} digits; delete it")
    return X, digits.target.astype(int), A


def split_mnist(X, y, A, cfg, n_classifier, data_seed):
    """Disjoint classifier / VAE-training / evaluation digits."""
    keep = np.flatnonzero(A.notna().all(axis=1).to_numpy())
    rows = np.random.default_rng(data_seed).permutation(keep)
    clf, rest = rows[:n_classifier], rows[n_classifier:]
    test, train = rest[: cfg["n_test"]], rest[cfg["n_test"] :]
    if cfg["n_train"]:
        train = train[: cfg["n_train"]]
    data = Data("mnist", X[train], A.iloc[train], X[test], A.iloc[test])
    data.info.update(
        y_test=y[test], X_classifier=X[clf].reshape(len(clf), -1), y_classifier=y[clf]
    )
    return data


def load_music(name, cfg, data_seed, folk_collection="all"):
    from skarvae.datasets import load_bach_chorales, load_folk_tunes

    if name == "bach":
        train = load_bach_chorales(subset="train", progress=False)
        test = load_bach_chorales(subset="test", progress=False)
    else:
        kwargs = {"collection": folk_collection, "progress": False}
        train = load_folk_tunes(subset="train", **kwargs)
        test = load_folk_tunes(subset="test", **kwargs)
    rng = np.random.default_rng(data_seed)
    tr = _take(cfg["n_train"], len(train.data), rng)
    te = _take(cfg["n_test"], len(test.data), rng)
    return Data(
        name,
        np.asarray(train.data)[tr],
        train.attributes.iloc[tr],
        np.asarray(test.data)[te],
        test.attributes.iloc[te],
        n_tokens=len(train.vocabulary),
        vocabulary=train.vocabulary,
    )


def load_dataset(name, args):
    """The split of data set ``name`` under the settings of ``args``."""
    cfg = args.settings[name]
    if name == "sprites":
        return load_sprites(cfg, args.data_seed)
    if name == "mnist":
        X, y, A = mnist_with_morphometrics(args.mnist_path, args.cache_dir, args.n_jobs)
        return split_mnist(X, y, A, cfg, args.settings["n_classifier"], args.data_seed)
    return load_music(name, cfg, args.data_seed, args.folk_collection)
