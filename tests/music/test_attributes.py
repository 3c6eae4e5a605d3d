"""Tests of the four measure attributes."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from skarvae.music import (
    ATTRIBUTE_NAMES,
    MeasureAttributes,
    Vocabulary,
    measure_attributes,
)

H = "__"
SUM_W = 27.79

MEASURES = [
    # C4 D4. E4 | F4 G4 A4 (triplets) | rest
    [
        *("C4", H, H, H, H, H, "D4", H, H, H, H, "E4"),
        *("F4", H, "G4", H, "A4", H, "rest", H, H, H, H, H),
    ],
    ["C4"] + [H] * 23,
    ["rest"] + [H] * 23,
    ["G4"] + [H] * 5 + ["E4"] + [H] * 5 + ["D4"] + [H] * 5 + ["rest"] + [H] * 5,
]
# Worked out by hand from Eq. 10-13 and the original normalizations.
EXPECTED = np.array(
    [
        [(0.2 + 0.67 + 1 + 0.25 + 2 + 2) / SUM_W, 9 / 26, 6 / 24, 9 / 26],
        [0.2 / SUM_W, 0.0, 1 / 24, 0.0],
        [0.0, 0.0, 0.0, 0.0],
        [(0.2 + 0.67 + 0.25) / SUM_W, 5 / 26, 3 / 24, -5 / 26],
    ]
)


def test_measure_attributes_hand_computed_values():
    result = measure_attributes(MEASURES)
    assert list(result.columns) == list(ATTRIBUTE_NAMES)
    np.testing.assert_allclose(result.to_numpy(), EXPECTED)


def test_measure_attributes_ids_equal_strings():
    vocab = Vocabulary(["B2", "C7", *np.ravel(MEASURES)])
    ids = vocab.encode(MEASURES)
    result = measure_attributes(ids, vocabulary=vocab)
    np.testing.assert_allclose(result.to_numpy(), EXPECTED)


def test_measure_attributes_contour_sums_successive_differences():
    rng = np.random.default_rng(0)
    midi = rng.integers(55, 85, size=(40, 24))
    onset = rng.random((40, 24)) < 0.3
    names = np.array(["C", "C#", "D", "E-", "E", "F", "F#", "G", "G#", "A", "B-", "B"])
    tokens = np.where(onset, names[midi % 12] + (midi // 12 - 1).astype(str), H)
    result = measure_attributes(tokens)
    for row in range(40):
        pitches = midi[row][onset[row]]
        contour = np.diff(pitches).sum() / 26 if len(pitches) > 1 else 0.0
        assert result["contour"][row] == pytest.approx(contour)


def test_measure_attributes_rejects_bad_input():
    with pytest.raises(ValueError, match="shape"):
        measure_attributes([["C4"] * 23])
    with pytest.raises(ValueError, match="vocabulary="):
        measure_attributes(np.zeros((2, 24), dtype=int))
    with pytest.raises(ValueError, match="Invalid tokens"):
        measure_attributes([["C4"] * 23 + ["x"]])


def test_measure_attributes_transformer_in_pipeline():
    vocab = Vocabulary(np.ravel(MEASURES))
    transformer = MeasureAttributes(vocabulary=vocab)
    out = make_pipeline(transformer).fit_transform(vocab.encode(MEASURES))
    np.testing.assert_allclose(out.to_numpy(), EXPECTED)
    assert transformer.get_feature_names_out().tolist() == list(ATTRIBUTE_NAMES)
    assert transformer.n_features_in_ == 24
