"""Parsed pieces to a data set: transpositions, the split by piece, the Bunch."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import numpy as np
import pandas as pd
from sklearn.utils import Bunch, check_random_state

from skarvae.music._attributes import measure_attributes
from skarvae.music._vocabulary import (
    N_TICKS,
    Vocabulary,
    token_to_midi,
    transpose_token,
)

#: MIDI range every transposed note must stay in (the original's pitch_range).
MIDI_RANGE = (55, 84)


def _transpositions(tokens):
    """Semitone shifts that keep every note of ``tokens`` inside MIDI_RANGE."""
    midi = [token_to_midi(t) for t in np.unique(tokens).tolist()]
    midi = [m for m in midi if m is not None]
    if not midi:
        return [0]
    low, high = MIDI_RANGE[0] - min(midi), MIDI_RANGE[1] - max(midi)
    return list(range(low, high + 1))


def _transpose_piece(tokens, semitones):
    uniques, inverse = np.unique(tokens, return_inverse=True)
    mapped = np.array(
        [transpose_token(t, semitones) for t in uniques.tolist()], dtype="<U8"
    )
    return mapped[inverse].reshape(tokens.shape)


def _split(n_pieces, test_size, random_state):
    """Boolean mask of the test pieces: a seeded split by piece."""
    is_test = np.zeros(n_pieces, dtype=bool)
    n_test = math.ceil(test_size * n_pieces) if n_pieces > 1 else 0
    n_test = min(n_test, n_pieces - 1) if n_pieces > 1 else 0
    order = check_random_state(random_state).permutation(n_pieces)
    is_test[order[:n_test]] = True
    return is_test


def _build_bunch(
    pieces,
    skipped,
    *,
    subset,
    test_size,
    transpose,
    vocabulary,
    random_state,
    return_X_y,
    descr,
):
    skipped = dict(skipped)
    if transpose == "auto":
        transpose = subset != "test"
    is_test = _split(len(pieces), test_size, random_state)
    keep = {"train": ~is_test, "test": is_test, "all": np.ones_like(is_test)}[subset]
    rows, frames = [], []
    vocab_tokens = set()
    n_joined = 0
    skipped["out_of_range"] = 0
    for piece, selected in zip(pieces, keep):
        shifts = _transpositions(piece["tokens"])
        for k in {0, *shifts}:  # the vocabulary covers every subset and shift
            vocab_tokens.update(
                np.unique(_transpose_piece(piece["tokens"], k)).tolist()
            )
        if not selected:
            continue
        n_joined += piece.get("n_joined", 0)
        if not transpose:
            shifts = [0]
        elif not shifts:
            skipped["out_of_range"] += 1
        for k in shifts:
            rows.append(_transpose_piece(piece["tokens"], k))
            n = len(piece["tokens"])
            frames.append(
                pd.DataFrame(
                    {
                        "piece": [piece["piece"]] * n,
                        "measure": piece["measures"],
                        "transposition": np.full(n, k),
                    }
                )
            )
    tokens = np.concatenate(rows) if rows else np.empty((0, N_TICKS), dtype="<U8")
    if vocabulary is None:
        vocabulary = Vocabulary(vocab_tokens)
    data = vocabulary.encode(tokens)
    attributes = measure_attributes(data, vocabulary=vocabulary)
    frame = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(
            {"piece": [], "measure": np.array([], int), "transposition": []}
        )
    )
    if return_X_y:
        return data, attributes
    return Bunch(
        data=data,
        tokens=tokens,
        vocabulary=vocabulary,
        attributes=attributes,
        frame=frame,
        skipped=skipped,
        n_joined=n_joined,
        n_pieces=int(keep.sum()),
        DESCR=descr,
    )
