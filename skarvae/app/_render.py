"""Fast numpy renderers of decoded data: pictures, piano rolls and audio."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from skarvae.music import HOLD, N_TICKS, TICK_OFFSETS

#: Sample rate of the synthesized audio, in Hz.
SAMPLE_RATE = 22050
#: Tempo of the synthesized audio, in quarter notes per minute.
TEMPO = 120
#: Width of a beat in the piano roll, in pixels (a multiple of 12, so every
#: tick offset of a beat falls on a whole pixel).
BEAT_PX = 36
#: Height of a semitone in the piano roll, in pixels.
SEMITONE_PX = 5

_TICK_BEATS = np.array(
    [beat + float(offset) for beat in range(4) for offset in TICK_OFFSETS] + [4.0]
)
_NOTE = np.array([41, 98, 196], dtype=np.uint8)
_ONSET = np.array([20, 50, 120], dtype=np.uint8)
_GRID = np.array([226, 226, 226], dtype=np.uint8)
_BAR = np.array([90, 90, 90], dtype=np.uint8)
_C_ROW = np.array([244, 244, 238], dtype=np.uint8)
_GAP = np.array([255, 255, 255], dtype=np.uint8)


def to_uint8_image(image, value_range=None, scale=1):
    """Picture of one decoded image as a uint8 array, upscaled by pixel repetition.

    Parameters
    ----------
    image : ndarray of shape (H, W), (1, H, W), (3, H, W) or (H, W, 3)
        Decoded image; channel-first colour images are moved to the end.
    value_range : tuple of float, default=None
        Values mapped to black and white; None uses the image's own range.
    scale : int, default=1
        Each pixel becomes a ``scale`` x ``scale`` block.

    Returns
    -------
    picture : ndarray of uint8, shape (H * scale, W * scale) or (..., 3)
        The picture.

    Examples
    --------
    >>> import numpy as np
    >>> from skarvae.app._render import to_uint8_image
    >>> to_uint8_image(np.array([[0.0, 1.0]]), (0, 1), scale=2).tolist()
    [[0, 0, 255, 255], [0, 0, 255, 255]]
    """
    image = np.asarray(image, dtype=np.float64)
    if image.ndim == 3 and image.shape[0] in (1, 3) and image.shape[-1] not in (1, 3):
        image = np.moveaxis(image, 0, -1)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    lo, hi = value_range if value_range is not None else (image.min(), image.max())
    span = hi - lo if hi > lo else 1.0
    picture = np.clip((image - lo) / span, 0.0, 1.0)
    picture = np.round(picture * 255).astype(np.uint8)
    return picture.repeat(scale, axis=0).repeat(scale, axis=1)


def montage(pictures, gap=2, fill=255):
    """Pictures of equal size side by side with a gap between them.

    Examples
    --------
    >>> import numpy as np
    >>> from skarvae.app._render import montage
    >>> montage([np.zeros((2, 2), np.uint8)] * 3, gap=1).shape
    (2, 8)
    """
    first = pictures[0]
    height, width = first.shape[:2]
    n = len(pictures)
    out = np.full(
        (height, n * width + (n - 1) * gap, *first.shape[2:]), fill, dtype=np.uint8
    )
    for k, picture in enumerate(pictures):
        start = k * (width + gap)
        out[:, start : start + width] = picture
    return out


def note_events(ids, vocabulary):
    """Notes of tokenized measures as ``(start, stop, midi)`` rows, in beats.

    Each pitch token starts a note that lasts until the next onset (a note,
    rest or padding token) of its measure; measure ``m`` spans beats
    ``4 m`` to ``4 m + 4``.

    Parameters
    ----------
    ids : ndarray of int of shape (n_measures, 24)
        Token ids.
    vocabulary : Vocabulary
        The vocabulary of ``ids``.

    Returns
    -------
    events : ndarray of shape (n_notes, 3)
        Start and stop in beats and the MIDI number of every note.

    Examples
    --------
    >>> from skarvae.app._render import note_events
    >>> from skarvae.music import Vocabulary
    >>> vocab = Vocabulary(["C4", "E4"])
    >>> row = vocab.encode(["C4"] + ["__"] * 11 + ["E4"] + ["__"] * 11)
    >>> note_events(row[None], vocab).tolist()
    [[0.0, 2.0, 60.0], [2.0, 4.0, 64.0]]
    """
    ids = np.asarray(ids).reshape(-1, N_TICKS)
    onset = ids != vocabulary.tokens.index(HOLD)
    rows, ticks = np.nonzero(onset)
    # next onset of the same measure, or the end of the measure
    following = np.full(len(ticks), N_TICKS)
    same = rows[1:] == rows[:-1]
    following[:-1][same] = ticks[1:][same]
    pitch = vocabulary.is_pitch[ids[rows, ticks]]
    rows, ticks, following = rows[pitch], ticks[pitch], following[pitch]
    start = 4.0 * rows + _TICK_BEATS[ticks]
    stop = 4.0 * rows + _TICK_BEATS[following]
    midi = vocabulary.midi[ids[rows, ticks]]
    return np.column_stack([start, stop, midi])


def piano_roll_image(
    ids, vocabulary, pitch_range=None, gap=6, beat_px=BEAT_PX, semitone_px=SEMITONE_PX
):
    """A piano roll of tokenized measures as an RGB array.

    Time runs left to right (``beat_px`` pixels per beat, beat lines light,
    bar lines dark, ``gap`` white pixels between measures) and pitch bottom
    to top (``semitone_px`` pixels per semitone, rows of C shaded); each
    note is a bar with a dark onset edge.

    Parameters
    ----------
    ids : ndarray of int of shape (n_measures, 24)
        Token ids.
    vocabulary : Vocabulary
        The vocabulary of ``ids``.
    pitch_range : tuple of int, default=None
        Lowest and highest MIDI number drawn; None uses the vocabulary's
        pitches, so that pictures of one model share their axes.
    gap : int, default=6
        White pixels between measures.
    beat_px : int, default=36
        Pixels per beat; a multiple of 12 puts every tick on a whole pixel.
    semitone_px : int, default=5
        Pixels per semitone.

    Returns
    -------
    picture : ndarray of uint8 of shape (height, width, 3)
        The picture.

    Examples
    --------
    >>> from skarvae.app._render import piano_roll_image
    >>> from skarvae.music import Vocabulary
    >>> vocab = Vocabulary(["C4", "G4"])
    >>> row = vocab.encode(["C4"] + ["__"] * 23)
    >>> piano_roll_image(row[None], vocab).shape
    (40, 146, 3)
    """
    ids = np.asarray(ids).reshape(-1, N_TICKS)
    if pitch_range is None:
        midi = vocabulary.midi[vocabulary.is_pitch]
        pitch_range = (int(midi.min()), int(midi.max())) if len(midi) else (60, 72)
    low, high = pitch_range
    n_rows = high - low + 1
    height = n_rows * semitone_px
    measure_px = 4 * beat_px + 2
    width = len(ids) * measure_px + (len(ids) - 1) * gap
    out = np.full((height, width, 3), 255, dtype=np.uint8)
    for m in range(len(ids)):
        left = m * (measure_px + gap)
        block = out[:, left : left + measure_px]
        for pitch in range(low, high + 1):
            if pitch % 12 == 0:
                top = (high - pitch) * semitone_px
                block[top : top + semitone_px] = _C_ROW
        for beat in range(1, 4):
            block[:, 1 + beat * beat_px] = _GRID
        block[:, 0] = _BAR
        block[:, -1] = _BAR
    for start, stop, pitch in note_events(ids, vocabulary):
        if not low <= pitch <= high:
            continue
        m = int(start // 4)
        left = m * (measure_px + gap) + 1
        x0 = left + round((start - 4 * m) * beat_px)
        x1 = left + round((stop - 4 * m) * beat_px)
        top = int(high - pitch) * semitone_px
        out[top + 1 : top + semitone_px, x0 + 1 : x1 - 1] = _NOTE
        out[top + 1 : top + semitone_px, x0 : x0 + 2] = _ONSET
    return out


def synthesize(ids, vocabulary, sample_rate=SAMPLE_RATE, tempo=TEMPO):
    """Audio of tokenized measures from a small additive synthesizer.

    Each note is a sine with two quieter overtones under an attack-decay-
    sustain-release envelope; silence where no note sounds. The clip lasts
    the measures' full length at ``tempo`` quarter notes per minute.

    Parameters
    ----------
    ids : ndarray of int of shape (n_measures, 24)
        Token ids.
    vocabulary : Vocabulary
        The vocabulary of ``ids``.
    sample_rate : int, default=22050
        Samples per second.
    tempo : float, default=120
        Quarter notes per minute.

    Returns
    -------
    audio : ndarray of int16 of shape (n_samples,)
        Mono audio, peak at most half of full scale.

    Examples
    --------
    >>> from skarvae.app._render import synthesize
    >>> from skarvae.music import Vocabulary
    >>> vocab = Vocabulary(["A4"])
    >>> audio = synthesize(vocab.encode(["A4"] + ["__"] * 23)[None], vocab)
    >>> audio.dtype, audio.shape  # one 4/4 measure at 120 bpm: 2 s
    (dtype('int16'), (44100,))
    """
    ids = np.asarray(ids).reshape(-1, N_TICKS)
    seconds_per_beat = 60.0 / tempo
    n_samples = round(4 * len(ids) * seconds_per_beat * sample_rate)
    signal = np.zeros(n_samples, dtype=np.float64)
    attack, decay, sustain, release = 0.01, 0.08, 0.6, 0.04
    for start, stop, pitch in note_events(ids, vocabulary):
        i0 = round(start * seconds_per_beat * sample_rate)
        i1 = min(round(stop * seconds_per_beat * sample_rate), n_samples)
        t = np.arange(i1 - i0) / sample_rate
        freq = 440.0 * 2.0 ** ((pitch - 69) / 12)
        phase = 2 * np.pi * freq * t
        tone = np.sin(phase) + 0.3 * np.sin(2 * phase) + 0.1 * np.sin(3 * phase)
        duration = t[-1] if len(t) else 0.0
        envelope = np.where(
            t < attack,
            t / attack,
            np.maximum(sustain, 1 - (1 - sustain) * (t - attack) / decay),
        )
        envelope *= np.clip((duration - t) / release, 0.0, 1.0)
        signal[i0:i1] += tone * envelope
    peak = np.abs(signal).max()
    if peak > 0:
        signal *= 0.5 / max(peak, 1.4)
    return np.round(signal * 32767).astype(np.int16)
