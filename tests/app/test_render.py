"""The numpy renderers: pictures, piano rolls, note events and the synthesizer."""

import numpy as np
import pytest

from skarvae.app._render import (
    BEAT_PX,
    SAMPLE_RATE,
    SEMITONE_PX,
    montage,
    note_events,
    piano_roll_image,
    synthesize,
    to_uint8_image,
)
from skarvae.music import Vocabulary

VOCAB = Vocabulary(["C4", "E4", "G4", "A4"])


def _measure(*notes):
    """A measure from ``(tick, token)`` pairs, holds elsewhere."""
    row = ["__"] * 24
    for tick, token in notes:
        row[tick] = token
    return VOCAB.encode(row)


def test_to_uint8_image_layouts_and_range():
    image = np.array([[0.0, 0.5], [1.0, 2.0]])
    out = to_uint8_image(image, (0.0, 1.0))
    assert out.tolist() == [[0, 128], [255, 255]]  # clipped above 1
    assert to_uint8_image(image[None]).shape == (2, 2)  # (1, H, W), own range
    colour = np.zeros((3, 4, 5))
    assert to_uint8_image(colour, scale=2).shape == (8, 10, 3)
    assert to_uint8_image(np.full((2, 2), 7.0)).tolist() == [[0, 0], [0, 0]]


def test_montage_puts_gaps_between_pictures():
    a = np.zeros((2, 3), np.uint8)
    out = montage([a, a + 1], gap=2, fill=9)
    assert out.shape == (2, 8)
    assert out[0].tolist() == [0, 0, 0, 9, 9, 1, 1, 1]


def test_note_events_last_until_the_next_onset():
    # C4 on beat 1, rest on beat 2, E4 on the triplet tick (1/3) of beat 3,
    # G4 on the last 16th (3/4) of beat 4
    ids = _measure((0, "C4"), (6, "rest"), (14, "E4"), (23, "G4"))
    events = note_events(np.stack([ids, ids]), VOCAB)
    first = [[0.0, 1.0, 60.0], [2 + 1 / 3, 3.75, 64.0], [3.75, 4.0, 67.0]]
    np.testing.assert_allclose(events[:3], first)
    np.testing.assert_allclose(events[3:, :2], events[:3, :2] + 4)  # measure 2
    assert note_events(_measure()[None], VOCAB).shape == (0, 3)


def test_piano_roll_draws_each_note_at_its_pitch_and_time():
    ids = _measure((0, "C4"), (12, "A4"))
    roll = piano_roll_image(ids[None], VOCAB, pitch_range=(60, 69))
    assert roll.shape == (10 * SEMITONE_PX, 4 * BEAT_PX + 2, 3)
    blue = (roll[..., 2] > 150) & (roll[..., 0] < 100)
    rows, cols = np.nonzero(blue)
    # A4 (top row band) starts at beat 2, C4 (bottom band) ends there
    top = rows < SEMITONE_PX
    bottom = rows >= 9 * SEMITONE_PX
    assert top.any()
    assert bottom.any()
    assert cols[top].min() >= 1 + 2 * BEAT_PX
    assert cols[bottom].max() < 1 + 2 * BEAT_PX
    # nothing drawn for an empty measure but the grid
    empty = piano_roll_image(_measure()[None], VOCAB, pitch_range=(60, 69))
    assert not ((empty[..., 2] > 150) & (empty[..., 0] < 100)).any()


def test_synthesizer_plays_the_right_pitch_for_the_right_time():
    ids = _measure((0, "A4"), (12, "rest"))
    audio = synthesize(ids[None], VOCAB)
    assert audio.dtype == np.int16
    assert audio.shape == (2 * SAMPLE_RATE,)
    half = SAMPLE_RATE  # the note lasts two beats: 1 s at 120 bpm
    assert np.abs(audio[half + 10 :]).max() == 0
    sound = audio[: half - 2000].astype(float)
    spectrum = np.abs(np.fft.rfft(sound))
    peak = np.fft.rfftfreq(len(sound), 1 / SAMPLE_RATE)[spectrum.argmax()]
    assert peak == pytest.approx(440, abs=2)
    assert 0.3 * 32767 < np.abs(audio).max() <= 0.5 * 32767 + 1


def test_synthesizer_tempo_and_silence():
    silent = synthesize(_measure()[None], VOCAB, tempo=60)
    assert silent.shape == (4 * SAMPLE_RATE,)
    assert not silent.any()
