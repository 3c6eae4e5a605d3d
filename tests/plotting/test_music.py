"""Tests of the piano-roll plot of tokenized measures."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest

from skarvae.music import Vocabulary
from skarvae.plotting import plot_piano_roll
from skarvae.plotting._music import _note_events

pytest.importorskip("matplotlib")

H = "__"


def _beat(token):
    return [token] + [H] * 5


ARPEGGIO = _beat("C4") + _beat("E4") + _beat("G4") + _beat("rest")
# C5 for an 8th, D5 an 8th, E5-F5-G5 as 8th-triplets, A5 a quarter, a rest.
RUN = ["C5", H, H, "D5", H, H, "E5", H, "F5", H, "G5", H, *_beat("A5"), "rest"]
RUN += [H] * 5
HELD = ["G4"] + [H] * 23


def _bars(ax):
    """Rectangles of a roll as (left, right, midi) rounded to 1e-6."""
    return sorted(
        (
            round(p.get_x(), 6),
            round(p.get_x() + p.get_width(), 6),
            round(p.get_y() + p.get_height() / 2, 6),
        )
        for p in ax.patches
    )


def test_note_events_place_notes_at_true_offsets():
    events = _note_events(np.array([ARPEGGIO, RUN]))
    expected = [
        (0, 1, 60),
        (1, 2, 64),
        (2, 3, 67),
        (4, 4.5, 72),
        (4.5, 5, 74),
        (5, 5 + 1 / 3, 76),
        (5 + 1 / 3, 5 + 2 / 3, 77),
        (5 + 2 / 3, 6, 79),
        (6, 7, 81),
    ]
    np.testing.assert_allclose(events, expected)


def test_plot_piano_roll_draws_a_bar_per_note_and_writes_png(tmp_path):
    vocab = Vocabulary(np.ravel([ARPEGGIO, RUN, HELD]))
    ids = vocab.encode([ARPEGGIO, RUN, HELD])
    path = tmp_path / "roll.png"
    fig = plot_piano_roll(ids, vocabulary=vocab, path=path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    roll, attributes = fig.axes
    bars = _bars(roll)
    assert len(bars) == 3 + 6 + 1
    assert (0, 1, 60) in bars
    assert (8, 12, 67) in bars  # the held G4 fills the third measure
    assert (round(5 + 1 / 3, 6), round(5 + 2 / 3, 6), 77) in bars
    # One line per attribute; the pitch range line holds the hand values.
    assert len(attributes.lines) >= 4
    range_line = next(line for line in attributes.lines if line.get_label() == "range")
    np.testing.assert_allclose(range_line.get_ydata(), [7 / 26, 9 / 26, 0])
    np.testing.assert_allclose(range_line.get_xdata(), [2, 6, 10])


def test_plot_piano_roll_dict_gives_one_panel_per_traversal():
    traversals = {"pitch_range": [ARPEGGIO, RUN], "contour": [RUN, HELD]}
    fig = plot_piano_roll(
        traversals, attributes=["pitch_range"], measure_labels=["-1", "1"]
    )
    assert len(fig.axes) == 4
    assert [fig.axes[0].get_title(loc="left"), fig.axes[2].get_title(loc="left")] == [
        "pitch_range",
        "contour",
    ]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["-1", "1"]
    assert len(fig.axes[2].patches) == 6 + 1
    # The traversed attribute is written out above each point.
    assert [t.get_text() for t in fig.axes[1].texts] == ["0.27", "0.35"]


def test_plot_piano_roll_without_attributes_has_only_rolls():
    fig = plot_piano_roll([ARPEGGIO], attributes=[], titles=["one"])
    assert len(fig.axes) == 1
    assert fig.axes[0].get_title(loc="left") == "one"


def test_plot_piano_roll_rejects_bad_input():
    with pytest.raises(ValueError, match="Unknown attributes"):
        plot_piano_roll([ARPEGGIO], attributes=["loudness"])
    with pytest.raises(ValueError, match="titles"):
        plot_piano_roll([ARPEGGIO], titles=["a", "b"])
    with pytest.raises(ValueError, match="measure_labels"):
        plot_piano_roll([ARPEGGIO], measure_labels=["a", "b"])
    with pytest.raises(ValueError, match="shape"):
        plot_piano_roll([ARPEGGIO[:12]])
    with pytest.raises(ValueError, match="vocabulary"):
        plot_piano_roll(np.zeros((2, 24), dtype=int))
    with pytest.raises(ValueError, match="empty dict"):
        plot_piano_roll({})


def test_plot_piano_roll_labels_per_panel_and_title_keeps_highlight():
    fig = plot_piano_roll(
        {"contour": [ARPEGGIO, RUN], "note_density": [HELD]},
        titles=["contour (z3)", "density (z2)"],
        measure_labels={"contour": [-1.5, 1.5], "note_density": ["0"]},
    )
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["-1.5", "1.5"]
    assert [t.get_text() for t in fig.axes[2].get_xticklabels()] == ["0"]
    assert fig.axes[0].get_title(loc="left") == "contour (z3)"
    assert [t.get_text() for t in fig.axes[1].texts] == ["0.27", "0.35"]
    with pytest.raises(ValueError, match="keys of tokens"):
        plot_piano_roll({"contour": [HELD]}, measure_labels={"x": ["0"]})
