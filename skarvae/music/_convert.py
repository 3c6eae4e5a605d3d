"""Conversion between music21 streams, token arrays and MIDI/MusicXML files."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import os
from fractions import Fraction
from typing import NamedTuple

import numpy as np
from sklearn.utils._param_validation import validate_params

from skarvae.music._vocabulary import (
    BEATS_PER_MEASURE,
    END,
    HOLD,
    N_TICKS,
    REST,
    START,
    TICK_OFFSETS,
    Vocabulary,
)
from skarvae.utils._optional import import_optional

#: Reasons a measure is skipped by :func:`tokenize_part`.
SKIP_REASONS = ("not_4_4", "incomplete", "chord", "voices", "off_grid", "other")

_TICK_STARTS = [b + f for b in range(BEATS_PER_MEASURE) for f in TICK_OFFSETS]
_TICK_INDEX = {start: i for i, start in enumerate(_TICK_STARTS)}
_MEASURE_LENGTH = Fraction(BEATS_PER_MEASURE)


class TokenizedPart(NamedTuple):
    """What :func:`tokenize_part` returns.

    Attributes
    ----------
    tokens : ndarray of str of shape (n_measures, 24)
        One row of tokens per kept measure.
    measure_numbers : ndarray of int of shape (n_measures,)
        The music21 measure number of each row.
    skipped : dict of str to int
        Number of measures skipped for each reason in :data:`SKIP_REASONS`.
    """

    tokens: np.ndarray
    measure_numbers: np.ndarray
    skipped: dict


def _fraction(value):
    return Fraction(value).limit_denominator(10_000)


def _measure_tokens(measure, time_signature):
    """Return ``(tokens, None)`` for a measure or ``(None, reason)``."""
    if time_signature is None or time_signature.ratioString != "4/4":
        return None, "not_4_4"
    if measure.hasVoices():
        return None, "voices"
    if _fraction(measure.duration.quarterLength) != _MEASURE_LENGTH:
        return None, "incomplete"
    tokens = [HOLD] * N_TICKS
    previous = None  # the last note or rest placed in this measure
    for element in measure.notesAndRests:
        if element.duration.isGrace:
            continue  # grace notes take no time; they are dropped
        if element.isChord:
            return None, "chord"
        if not (element.isNote or element.isRest):
            return None, "other"
        start = _fraction(element.offset)
        end = start + _fraction(element.duration.quarterLength)
        if start not in _TICK_INDEX or (end not in _TICK_INDEX and end != 4):
            return None, "off_grid"
        tick = _TICK_INDEX[start]
        if element.isRest:
            tokens[tick] = REST
        elif (
            element.tie is not None
            and element.tie.type in ("stop", "continue")
            and previous is not None
            and previous.isNote
            and previous.pitch.midi == element.pitch.midi
        ):
            pass  # a tie inside the measure holds the previous note
        else:
            tokens[tick] = element.pitch.nameWithOctave
        previous = element
    if tokens[0] == HOLD:
        return None, "incomplete"
    return tokens, None


@validate_params({"part": [object]}, prefer_skip_nested_validation=True)
def tokenize_part(part):
    """Tokenize the 4/4 measures of a monophonic music21 part.

    Each measure becomes 24 tokens, 6 ticks per beat at the offsets
    0, 1/4, 1/3, 1/2, 2/3 and 3/4 of the beat (16ths and 8th-triplets). The
    tick where a note starts holds its ``nameWithOctave`` (``"C#5"``), the
    tick where a rest starts holds ``"rest"`` and every other tick ``"__"``.

    Measures that cannot be represented are skipped and counted by reason:
    ``not_4_4`` (any other time signature, including 2/4, 3/4 and 2/2),
    ``incomplete`` (pick-up and short measures), ``chord``, ``voices``
    (several voices), ``off_grid`` (a note starts or ends off the tick grid)
    and ``other`` (e.g. unpitched notes). Grace notes are dropped.

    Ties: a note tied to the previous note of the same measure extends it
    (its ticks are ``"__"``); a note tied across the barline is
    re-articulated at the start of the next measure, so every measure is
    self-contained.

    Parameters
    ----------
    part : music21.stream.Part or music21.stream.Stream
        A part with measures. Notes not inside measures are ignored.

    Returns
    -------
    result : TokenizedPart
        Named tuple ``(tokens, measure_numbers, skipped)``.

    Examples
    --------
    >>> from music21 import meter, note, stream
    >>> measure = stream.Measure(number=1)
    >>> measure.append(meter.TimeSignature("4/4"))
    >>> for name in ["C4", "D4", "E4", "F4"]:
    ...     measure.append(note.Note(name, quarterLength=1))
    >>> part = stream.Part([measure])
    >>> result = tokenize_part(part)
    >>> result.tokens[0, ::6].tolist(), result.measure_numbers.tolist()
    (['C4', 'D4', 'E4', 'F4'], [1])
    """
    music21 = import_optional("music21")
    rows, numbers = [], []
    skipped = dict.fromkeys(SKIP_REASONS, 0)
    time_signature = None
    measures = part.getElementsByClass(music21.stream.Measure)
    for measure in measures:
        if measure.timeSignature is not None:
            time_signature = measure.timeSignature
        elif time_signature is None:
            time_signature = measure.getContextByClass(music21.meter.TimeSignature)
        tokens, reason = _measure_tokens(measure, time_signature)
        if reason is not None:
            skipped[reason] += 1
            continue
        rows.append(tokens)
        numbers.append(measure.number)
    tokens = np.array(rows, dtype="<U8").reshape(len(rows), N_TICKS)
    return TokenizedPart(tokens, np.array(numbers, dtype=int), skipped)


def _as_token_strings(tokens, vocabulary):
    tokens = np.asarray(tokens)
    if tokens.ndim == 1:
        tokens = tokens[None, :]
    if tokens.ndim != 2 or tokens.shape[1] != N_TICKS:
        raise ValueError(
            f"tokens must have shape (n_measures, {N_TICKS}) or ({N_TICKS},); "
            f"got {tokens.shape}."
        )
    if np.issubdtype(tokens.dtype, np.integer):
        if vocabulary is None:
            raise ValueError("Integer token ids need vocabulary=.")
        return vocabulary.decode(tokens)
    tokens = tokens.astype(str)
    Vocabulary(np.unique(tokens).tolist())  # raises on invalid tokens
    return tokens


def _tick_length(start, stop):
    end = _TICK_STARTS[stop] if stop < N_TICKS else _MEASURE_LENGTH
    return end - _TICK_STARTS[start]


@validate_params(
    {"tokens": ["array-like"], "vocabulary": [Vocabulary, None]},
    prefer_skip_nested_validation=True,
)
def tokens_to_stream(tokens, *, vocabulary=None):
    """Build a one-part music21 score from tokenized measures.

    Every onset token lasts until the next onset of its measure. ``"START"``
    and ``"END"`` padding, and ``"__"`` ticks at the start of a measure (no
    note to hold), become rests.

    Parameters
    ----------
    tokens : array-like of shape (n_measures, 24) or (24,)
        Token strings, or integer ids together with ``vocabulary``.
    vocabulary : Vocabulary, default=None
        Vocabulary of integer ``tokens``.

    Returns
    -------
    score : music21.stream.Score
        A score with one part of ``n_measures`` 4/4 measures numbered from 1.

    Examples
    --------
    >>> from skarvae.music import tokens_to_stream
    >>> row = ["C4"] + ["__"] * 11 + ["rest"] + ["__"] * 5 + ["G4"] + ["__"] * 5
    >>> score = tokens_to_stream([row])
    >>> [(n.name, n.quarterLength) for n in score.flatten().notesAndRests]
    [('C', 2.0), ('rest', 1.0), ('G', 1.0)]
    """
    music21 = import_optional("music21")
    rows = _as_token_strings(tokens, vocabulary)
    part = music21.stream.Part()
    for number, row in enumerate(rows.tolist(), start=1):
        measure = music21.stream.Measure(number=number)
        if number == 1:
            measure.append(music21.meter.TimeSignature("4/4"))
        onsets = [t for t in range(N_TICKS) if row[t] != HOLD]
        if not onsets or onsets[0] != 0:
            onsets = [0, *onsets]
        for i, tick in enumerate(onsets):
            stop = onsets[i + 1] if i + 1 < len(onsets) else N_TICKS
            length = _tick_length(tick, stop)
            token = row[tick]
            if token in (HOLD, REST, START, END):
                element = music21.note.Rest(quarterLength=length)
            else:
                element = music21.note.Note(token, quarterLength=length)
            measure.insert(_TICK_STARTS[tick], element)
        part.append(measure)
    score = music21.stream.Score([part])
    return score


@validate_params(
    {
        "tokens": ["array-like"],
        "path": [str, os.PathLike],
        "vocabulary": [Vocabulary, None],
    },
    prefer_skip_nested_validation=True,
)
def write_midi(tokens, path, *, vocabulary=None):
    """Write tokenized measures to a MIDI file.

    Parameters
    ----------
    tokens : array-like of shape (n_measures, 24) or (24,)
        Token strings, or integer ids together with ``vocabulary``.
    path : str or path-like
        Destination file.
    vocabulary : Vocabulary, default=None
        Vocabulary of integer ``tokens``.

    Returns
    -------
    path : str
        The written file.

    Examples
    --------
    >>> import os, tempfile
    >>> from skarvae.music import write_midi
    >>> path = os.path.join(tempfile.mkdtemp(), "out.mid")
    >>> os.path.getsize(write_midi([["C4"] + ["__"] * 23], path)) > 0
    True
    """
    score = tokens_to_stream(tokens, vocabulary=vocabulary)
    return str(score.write("midi", fp=os.fspath(path)))


@validate_params(
    {
        "tokens": ["array-like"],
        "path": [str, os.PathLike],
        "vocabulary": [Vocabulary, None],
    },
    prefer_skip_nested_validation=True,
)
def write_musicxml(tokens, path, *, vocabulary=None):
    """Write tokenized measures to a MusicXML file.

    Parameters
    ----------
    tokens : array-like of shape (n_measures, 24) or (24,)
        Token strings, or integer ids together with ``vocabulary``.
    path : str or path-like
        Destination file.
    vocabulary : Vocabulary, default=None
        Vocabulary of integer ``tokens``.

    Returns
    -------
    path : str
        The written file.

    Examples
    --------
    >>> import os, tempfile
    >>> from skarvae.music import write_musicxml
    >>> path = os.path.join(tempfile.mkdtemp(), "out.musicxml")
    >>> os.path.getsize(write_musicxml([["C4"] + ["__"] * 23], path)) > 0
    True
    """
    score = tokens_to_stream(tokens, vocabulary=vocabulary)
    return str(score.write("musicxml", fp=os.fspath(path)))
