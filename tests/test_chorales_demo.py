"""The README's main job, examples/chorales_demo.py, end to end on a tiny corpus."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import json

import numpy as np
import pytest
from sklearn.utils import Bunch

from skarvae import load
from skarvae.music import Vocabulary, measure_attributes

pytest.importorskip("music21")  # MIDI and MusicXML are written through music21

VOCABULARY = Vocabulary(["C4", "D4", "E4", "F4", "G4", "A4", "B4", "C5"])


def _measures(n, rng):
    """Random 24-tick measures: an onset on the first tick, holds between."""
    onsets = rng.random((n, 24)) < 0.2
    onsets[:, 0] = True
    notes = rng.integers(4, len(VOCABULARY), (n, 24))  # pitch ids
    notes[rng.random((n, 24)) < 0.1] = 1  # some rests
    return np.where(onsets, notes, 0)


def _corpus(subset, **kwargs):
    rng = np.random.default_rng(0 if subset == "train" else 1)
    data = _measures(160 if subset == "train" else 24, rng)
    return Bunch(
        data=data,
        attributes=measure_attributes(data, vocabulary=VOCABULARY),
        vocabulary=VOCABULARY,
        n_pieces=4,
    )


@pytest.fixture(scope="module")
def demo(load_example):
    return load_example("chorales_demo")


SMALL = ["--epochs", "1", "--batch-size", "32", "--n-steps", "3", "--n-write", "1"]
SMALL += ["--threads", "1"]


def test_demo_writes_the_model_music_and_figures(demo, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(demo, "load_bach_chorales", _corpus)
    demo.main([*SMALL, "--output-dir", str(tmp_path)])
    attributes = ["rhythmic_complexity", "pitch_range", "note_density", "contour"]
    for name in attributes:
        assert (tmp_path / f"traversal_{name}.mid").stat().st_size > 0
        assert (tmp_path / f"traversal_{name}.musicxml").stat().st_size > 0
    assert (tmp_path / "traversals.png").read_bytes()[:4] == b"\x89PNG"
    figures = json.loads((tmp_path / "metrics.json").read_text())
    assert 0 <= figures["models"]["ARVAE"]["accuracy"] <= 1
    assert sorted(figures["traversals"]) == sorted(attributes)
    assert sorted(figures["edit_fidelity"]) == sorted(attributes)
    assert np.array_equal(np.load(tmp_path / "test_measures.npy"), _corpus("test").data)
    vocabulary = Vocabulary.from_dict(
        json.loads((tmp_path / "vocabulary.json").read_text())
    )
    assert vocabulary == VOCABULARY
    # The saved model encodes like the fitted one and pools the notes only.
    model = load(tmp_path / "arvae.skarvae")
    assert model.net_.module_.pool_ignore == (0, 1, 2, 3)
    np.testing.assert_array_equal(
        model.module_params["pool_features"], VOCABULARY.midi
    )  # each note's MIDI pitch
    assert model.net_.module_.pool_ends  # and the first and last note
    assert model.transform(_corpus("test").data).shape == (24, 8)
    out = capsys.readouterr().out
    assert "Held-out measures" in out
    assert "python -m skarvae.app" in out


def test_demo_can_pool_every_token(demo, tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "load_bach_chorales", _corpus)
    demo.main([*SMALL, "--pool-all-tokens", "--output-dir", str(tmp_path)])
    model = load(tmp_path / "arvae.skarvae")
    assert model.net_.module_.pool_ignore == ()
    assert model.module_params == {"pool_dim": 8}


def test_demo_can_pool_without_the_ends(demo, tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "load_bach_chorales", _corpus)
    demo.main([*SMALL, "--no-pool-ends", "--output-dir", str(tmp_path)])
    model = load(tmp_path / "arvae.skarvae")
    assert not model.net_.module_.pool_ends
    assert model.net_.module_.pool_ignore == (0, 1, 2, 3)
