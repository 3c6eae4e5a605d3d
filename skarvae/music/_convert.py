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
        The music21 measure number of each row (of the first half for a
        joined split measure).
    skipped : dict of str to int
        Number of music21 measures skipped for each reason in
        :data:`SKIP_REASONS`.
    n_joined : int
        Number of kept rows joined from the two halves of a split measure.
    """

    tokens: np.ndarray
    measure_numbers: np.ndarray
    skipped: dict
    n_joined: int = 0


def _fraction(value):
    return Fraction(value).limit_denominator(10_000)


def _is_4_4(time_signature):
    return time_signature is not None and time_signature.ratioString == "4/4"


def _measure_tokens(measures, time_signature):
    """Return ``(tokens, None)`` for one measure or a split pair, or ``(None, reason)``.

    ``measures`` holds one music21 measure or the two halves of a measure
    split at a barline; the second half's elements are shifted by the length
    of the first, and a tie across the split is a hold like any tie inside a
    measure.
    """
    if not _is_4_4(time_signature):
        return None, "not_4_4"
    if any(measure.hasVoices() for measure in measures):
        return None, "voices"
    lengths = [_fraction(measure.duration.quarterLength) for measure in measures]
    if sum(lengths) != _MEASURE_LENGTH:
        return None, "incomplete"
    tokens = [HOLD] * N_TICKS
    previous = None  # the last note or rest placed in this measure
    shift = Fraction(0)
    for measure, length in zip(measures, lengths):
        for element in measure.notesAndRests:
            if element.duration.isGrace:
                continue  # grace notes take no time; they are dropped
            if element.isChord:
                return None, "chord"
            if not (element.isNote or element.isRest):
                return None, "other"
            start = shift + _fraction(element.offset)
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
        shift += length
    if tokens[0] == HOLD:
        return None, "incomplete"
    return tokens, None


def _joins(first, second, time_signature):
    """Whether two consecutive measures are the halves of one split 4/4 bar."""
    if second is None or not _is_4_4(time_signature):
        return False
    if second.timeSignature is not None and not _is_4_4(second.timeSignature):
        return False
    head = _fraction(first.duration.quarterLength)
    tail = _fraction(second.duration.quarterLength)
    return 0 < head < _MEASURE_LENGTH and head + tail == _MEASURE_LENGTH


@validate_params({"part": [object]}, prefer_skip_nested_validation=True)
def tokenize_part(part):
    """Tokenize the 4/4 measures of a monophonic music21 part.

    Each measure becomes 24 tokens, 6 ticks per beat at the offsets
    0, 1/4, 1/3, 1/2, 2/3 and 3/4 of the beat (16ths and 8th-triplets). The
    tick where a note starts holds its ``nameWithOctave`` (``"C#5"``), the
    tick where a rest starts holds ``"rest"`` and every other tick ``"__"``.

    Split measures are joined: two consecutive short measures whose lengths
    add up to a 4/4 bar (e.g. 3 + 1 beats, as encoders split a bar at a
    phrase end, a repeat sign or a line break, the second half often
    numbered ``4a``) give one row, numbered as the first half. A short
    measure without such a complement (the pick-up of a piece, its last
    measure, a 3-beat measure before a repeat to a pick-up) is skipped.

    Measures that cannot be represented are skipped and counted by reason:
    ``not_4_4`` (any other time signature, including 2/4, 3/4 and 2/2),
    ``incomplete`` (unjoined pick-up and short measures), ``chord``,
    ``voices`` (several voices), ``off_grid`` (a note starts or ends off the
    tick grid) and ``other`` (e.g. unpitched notes). The counts are of
    music21 measures, so a skipped split pair counts twice. Grace notes are
    dropped.

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
        Named tuple ``(tokens, measure_numbers, skipped, n_joined)``.

    Examples
    --------
    >>> from music21 import meter, note, stream
    >>> measure = stream.Measure(number=1)
    >>> measure.append(meter.TimeSignature("4/4"))
    >>> for name in ["C4", "D4", "E4", "F4"]:
    ...     measure.append(note.Note(name, quarterLength=1))
    >>> head = stream.Measure([note.Note("G4", quarterLength=3)], number=2)
    >>> tail = stream.Measure([note.Note("A4", quarterLength=1)], number=2)
    >>> tail.numberSuffix = "a"
    >>> result = tokenize_part(stream.Part([measure, head, tail]))
    >>> result.tokens[:, ::6].tolist(), result.measure_numbers.tolist()
    ([['C4', 'D4', 'E4', 'F4'], ['G4', '__', '__', 'A4']], [1, 2])
    >>> result.n_joined
    1
    """
    music21 = import_optional("music21")
    if not isinstance(part, music21.stream.Stream):
        raise TypeError(
            "part must be a music21 Part or Stream (e.g. score.parts[0]); got "
            f"{type(part).__name__}."
        )
    rows, numbers = [], []
    skipped = dict.fromkeys(SKIP_REASONS, 0)
    n_joined = 0
    time_signature = None
    measures = list(part.getElementsByClass(music21.stream.Measure))
    i = 0
    while i < len(measures):
        measure = measures[i]
        if measure.timeSignature is not None:
            time_signature = measure.timeSignature
        elif time_signature is None:
            time_signature = measure.getContextByClass(music21.meter.TimeSignature)
        following = measures[i + 1] if i + 1 < len(measures) else None
        group = [measure]
        if _joins(measure, following, time_signature):
            group.append(following)
        tokens, reason = _measure_tokens(group, time_signature)
        i += len(group)
        if reason is not None:
            skipped[reason] += len(group)
            continue
        rows.append(tokens)
        numbers.append(measure.number)
        n_joined += len(group) - 1
    tokens = np.array(rows, dtype="<U8").reshape(len(rows), N_TICKS)
    return TokenizedPart(tokens, np.array(numbers, dtype=int), skipped, n_joined)


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


def _writable(path):
    """``path`` as a str, after checking that its folder exists."""
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"The folder {folder!r} of {os.fspath(path)!r} does not exist."
        )
    return os.fspath(path)


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
    return str(score.write("midi", fp=_writable(path)))


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
    return str(score.write("musicxml", fp=_writable(path)))
