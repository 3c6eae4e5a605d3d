"""Tiny models of each data kind for the editor tests, trained in seconds."""

import numpy as np
import pandas as pd
import pytest

from skarvae import ARVAE, BetaVAE
from skarvae.music import N_TICKS, Vocabulary, measure_attributes

PITCHES = ["C4", "D4", "E4", "F4", "G4", "A4", "B4", "C5"]


def make_bars(n, seed, size=8):
    """Vertical bars: attributes thickness (pixels) and position (column)."""
    rng = np.random.default_rng(seed)
    width = rng.uniform(1.0, 4.0, n)
    center = rng.uniform(2.5, size - 2.5, n)
    edges = np.arange(size)
    lo = np.maximum(edges[None], (center - width / 2)[:, None])
    hi = np.minimum(edges[None] + 1, (center + width / 2)[:, None])
    row = np.clip(hi - lo, 0, 1)
    images = np.repeat(row[:, None, None, :], size, axis=2).astype(np.float32)
    return images, pd.DataFrame({"thickness": width, "position": center})


def measure_bars(images):
    """Thickness (ink per row) and position (ink centroid) of bar images."""
    rows = np.asarray(images, dtype=np.float64).reshape(len(images), -1, 8)
    cols = rows.mean(axis=1)
    position = (cols * (np.arange(8) + 0.5)).sum(1) / np.maximum(cols.sum(1), 1e-9)
    return pd.DataFrame({"thickness": rows.sum(2).mean(1), "position": position})


def make_measures(n, seed):
    """Random measures: k notes (k = 1..12) of a C-major octave on 6-tick beats."""
    rng = np.random.default_rng(seed)
    vocabulary = Vocabulary(PITCHES)
    tokens = np.full((n, N_TICKS), "__", dtype="<U4")
    for i in range(n):
        k = rng.integers(1, 9)
        ticks = np.sort(rng.choice(np.arange(0, N_TICKS, 3), k, replace=False))
        ticks[0] = 0
        tokens[i, ticks] = rng.choice(PITCHES, len(ticks))
    ids = vocabulary.encode(tokens)
    attributes = measure_attributes(ids, vocabulary=vocabulary)
    return ids, attributes[["note_density", "pitch_range"]], vocabulary


@pytest.fixture(scope="session")
def bars_measure():
    return measure_bars


@pytest.fixture(scope="session")
def image_model():
    X, A = make_bars(400, 0)
    vae = ARVAE(
        latent_dim=4,
        hidden_dims=(64,),
        max_epochs=25,
        batch_size=32,
        lr=3e-3,
        gamma=10,
        validation_fraction=None,
        random_state=0,
    ).fit(X, A)
    return vae, make_bars(30, 1)[0]


@pytest.fixture(scope="session")
def token_model():
    X, A, vocabulary = make_measures(400, 0)
    vae = ARVAE(
        module="mlp",
        recon_loss="ce",
        latent_dim=4,
        hidden_dims=(64,),
        max_epochs=25,
        batch_size=32,
        lr=3e-3,
        gamma=10,
        module_params={"n_tokens": len(vocabulary)},
        validation_fraction=None,
        random_state=0,
    ).fit(X, A)
    return vae, make_measures(30, 1)[0], vocabulary


@pytest.fixture(scope="session")
def table_model():
    rng = np.random.default_rng(0)
    F = rng.uniform(-1, 1, (300, 3))
    X = np.repeat(F, [3, 3, 2], axis=1) + 0.05 * rng.standard_normal((300, 8))
    X = pd.DataFrame(X, columns=[f"f{i}" for i in range(8)])
    A = pd.DataFrame(F[:, :2], columns=["left", "right"])
    vae = ARVAE(
        latent_dim=4,
        hidden_dims=(32,),
        max_epochs=15,
        batch_size=32,
        lr=3e-3,
        validation_fraction=None,
        random_state=0,
    ).fit(X, A)
    return vae, X.iloc[:20]


@pytest.fixture(scope="session")
def beta_model():
    X, _ = make_bars(100, 0)
    return BetaVAE(latent_dim=3, hidden_dims=(16,), max_epochs=2, random_state=0).fit(
        X
    ), X[:10]
