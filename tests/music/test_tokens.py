"""Tests of tokenization, the vocabulary and music21 conversion."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import json

import numpy as np
import pytest

from skarvae.music import (
    Vocabulary,
    token_to_midi,
    tokenize_part,
    tokens_to_stream,
    transpose_tokens,
    write_midi,
    write_musicxml,
)

music21 = pytest.importorskip("music21")
note, meter, stream, chord, tie = (
    music21.note,
    music21.meter,
    music21.stream,
    music21.chord,
    music21.tie,
)

H = "__"


def _measure(number, elements, time_signature=None):
    measure = stream.Measure(number=number)
    if time_signature is not None:
        measure.append(meter.TimeSignature(time_signature))
    offset = 0.0
    for element in elements:
        measure.insert(offset, element)
        offset += element.quarterLength
    return measure


def _note(name, length, tie_type=None):
    n = note.Note(name, quarterLength=length)
    if tie_type is not None:
        n.tie = tie.Tie(tie_type)
    return n


def _triplet_eighth(name):
    n = note.Note(name)
    n.duration = music21.duration.Duration(1 / 3)
    return n


def _handmade_part():
    rhythms = _measure(
        1,
        [
            _note("C4", 1),  # quarter
            _note("D4", 0.75),  # dotted eighth
            _note("E4", 0.25),  # sixteenth
            _triplet_eighth("F4"),
            _triplet_eighth("G4"),
            _triplet_eighth("A4"),
            note.Rest(quarterLength=1),
        ],
        "4/4",
    )
    ties = _measure(
        2,
        [
            _note("C5", 2, "start"),
            _note("C5", 1, "stop"),  # tie across beats 2-3: held
            _note("B-4", 0.5),
            note.Rest(quarterLength=0.25),
            _note("C#5", 0.25, "start"),
        ],
    )
    across = _measure(3, [_note("C#5", 4, "stop")])  # tied over the barline
    return stream.Part([rhythms, ties, across])


EXPECTED = [
    [
        *("C4", H, H, H, H, H, "D4", H, H, H, H, "E4"),
        *("F4", H, "G4", H, "A4", H, "rest", H, H, H, H, H),
    ],
    ["C5"] + [H] * 17 + ["B-4", H, H, "rest", H, "C#5"],
    ["C#5"] + [H] * 23,
]


def test_tokenize_part_handmade_measures_give_expected_tokens():
    result = tokenize_part(_handmade_part())
    assert result.tokens.tolist() == EXPECTED
    assert result.measure_numbers.tolist() == [1, 2, 3]
    assert sum(result.skipped.values()) == 0


def test_tokenize_part_skips_and_counts_unsupported_measures():
    quarters = [_note(n, 1) for n in ("C4", "D4", "E4", "F4")]
    ok = _measure(1, quarters, "4/4")
    with_chord = _measure(
        2, [chord.Chord(["C4", "E4"], quarterLength=2), _note("G4", 2)]
    )
    waltz = _measure(3, [_note("C4", 1), _note("D4", 1), _note("E4", 1)], "3/4")
    still_waltz = _measure(4, [_note("C4", 3)])  # inherits 3/4
    two_four = _measure(5, [_note("C4", 2)], "2/4")
    quintuplets = [note.Note("C4") for _ in range(5)]
    for n in quintuplets:
        n.duration = music21.duration.Duration(0.2)
    back = _measure(6, [_note(n + "4", 1) for n in "CDE"] + quintuplets, "4/4")
    pickup = _measure(7, [_note("C4", 1)])
    part = stream.Part([ok, with_chord, waltz, still_waltz, two_four, back, pickup])
    result = tokenize_part(part)
    assert result.measure_numbers.tolist() == [1]
    assert result.skipped == {
        "not_4_4": 3,
        "incomplete": 1,
        "chord": 1,
        "voices": 0,
        "off_grid": 1,
        "other": 0,
    }


def test_tokens_to_stream_round_trips():
    rng = np.random.default_rng(0)
    names = np.array(["C4", "E-4", "F#5", "rest", "B3", "G##4"])
    rows = np.where(rng.random((30, 24)) < 0.4, rng.choice(names, (30, 24)), H)
    rows[:, 0] = rng.choice(names, 30)
    rows = np.vstack([np.array(EXPECTED), rows])
    score = tokens_to_stream(rows)
    assert len(score.parts[0].getElementsByClass("Measure")) == len(rows)
    assert np.array_equal(tokenize_part(score.parts[0]).tokens, rows)


def test_tokens_to_stream_accepts_ids_with_vocabulary():
    vocab = Vocabulary(np.ravel(EXPECTED))
    ids = vocab.encode(EXPECTED)
    score = tokens_to_stream(ids, vocabulary=vocab)
    assert tokenize_part(score.parts[0]).tokens.tolist() == EXPECTED
    with pytest.raises(ValueError, match="vocabulary"):
        tokens_to_stream(ids)


def test_write_midi_and_musicxml_create_files(tmp_path):
    midi = write_midi(EXPECTED[:2], tmp_path / "a.mid")
    xml = write_musicxml(EXPECTED[:2], tmp_path / "a.musicxml")
    parsed = music21.converter.parse(xml)
    assert tokenize_part(parsed.parts[0]).tokens.tolist() == EXPECTED[:2]
    assert (tmp_path / "a.mid").stat().st_size > 0
    assert midi.endswith("a.mid")


def test_vocabulary_orders_special_tokens_then_pitches_by_midi():
    vocab = Vocabulary(["G4", "C#4", "D-4", "C4", "__", "B#3"])
    pitches = ["B#3", "C4", "C#4", "D-4", "G4"]
    assert vocab.tokens == ["__", "rest", "START", "END", *pitches]
    assert vocab.is_pitch.tolist() == [False] * 4 + [True] * 5
    assert vocab.midi[4:].tolist() == [60, 60, 61, 61, 67]


def test_vocabulary_json_round_trip():
    vocab = Vocabulary(["E4", "C5", "B-3"])
    restored = Vocabulary.from_dict(json.loads(json.dumps(vocab.to_dict())))
    assert restored == vocab
    assert restored.encode(["B-3", "C5"]).tolist() == [4, 6]


def test_vocabulary_unknown_token_raises_naming_it():
    vocab = Vocabulary(["C4"])
    with pytest.raises(ValueError, match=r"Unknown tokens \['D9'\]"):
        vocab.encode([["C4", "D9"]])
    with pytest.raises(ValueError, match="Invalid tokens"):
        Vocabulary(["C4", "banana"])
    with pytest.raises(ValueError, match="Token ids"):
        vocab.decode([7])


@pytest.mark.parametrize(
    ("token", "midi"),
    [("C4", 60), ("C#5", 73), ("B-4", 70), ("B#3", 60), ("G##4", 69), ("__", None)],
)
def test_token_to_midi_matches_music21(token, midi):
    assert token_to_midi(token) == midi
    if midi is not None:
        assert music21.pitch.Pitch(token).midi == midi


def test_transpose_tokens_moves_pitches_only():
    out = transpose_tokens([["C4", H, "rest", "B-4"]], 3)
    assert [token_to_midi(t) for t in out[0]] == [63, None, None, 73]
    assert out[0, 1:3].tolist() == [H, "rest"]


def test_tokenize_part_joins_the_halves_of_a_split_measure():
    pickup = _measure(0, [_note("G4", 1)], "4/4")
    full = _measure(1, [_note(n, 1) for n in ("C5", "D5", "E5", "F5")])
    head = _measure(2, [_note("G5", 2), _note("A5", 1, "start")])  # 3 beats
    tail = _measure(2, [_note("A5", 1, "stop")])  # tie across the split
    tail.numberSuffix = "a"
    head2 = _measure(3, [_note("B4", 3)])
    tail2 = _measure(3, [chord.Chord(["C4", "E4"], quarterLength=1)])
    last = _measure(4, [_note("C5", 3)])  # complements the pick-up, not joined
    part = stream.Part([pickup, full, head, tail, head2, tail2, last])
    result = tokenize_part(part)
    assert result.tokens.tolist() == [
        [*_quarters("C5", "D5", "E5", "F5")],
        ["G5"] + [H] * 11 + ["A5"] + [H] * 11,
    ]
    assert result.measure_numbers.tolist() == [1, 2]
    assert result.n_joined == 1
    assert result.skipped["incomplete"] == 2  # the pick-up and the last measure
    assert result.skipped["chord"] == 2  # both halves of the pair with a chord


def test_tokenize_part_does_not_join_across_a_time_signature_change():
    head = _measure(1, [_note("C4", 3)], "4/4")
    tail = _measure(2, [_note("D4", 1)], "3/4")
    result = tokenize_part(stream.Part([head, tail]))
    assert len(result.tokens) == 0
    assert result.n_joined == 0
    assert result.skipped["incomplete"] == 1
    assert result.skipped["not_4_4"] == 1


def _quarters(*names):
    return [t for name in names for t in [name] + [H] * 5]
