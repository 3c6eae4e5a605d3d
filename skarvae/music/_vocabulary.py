"""Measure tokens and the vocabulary that maps them to integer ids."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import functools
import re
from fractions import Fraction
from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params

from skarvae.utils._optional import import_optional

#: Ticks per beat: on-beat, 16th, 8th-triplet, off-beat 8th, 8th-triplet, 16th.
TICKS_PER_BEAT = 6
#: Beats per 4/4 measure.
BEATS_PER_MEASURE = 4
#: Ticks per measure.
N_TICKS = TICKS_PER_BEAT * BEATS_PER_MEASURE
#: Offsets of the ticks inside a beat, in quarter notes.
TICK_OFFSETS = (
    Fraction(0),
    Fraction(1, 4),
    Fraction(1, 3),
    Fraction(1, 2),
    Fraction(2, 3),
    Fraction(3, 4),
)
#: Token of a tick that continues the previous note or rest.
HOLD = "__"
#: Token of a rest onset.
REST = "rest"
#: Padding token before a piece.
START = "START"
#: Padding token after a piece.
END = "END"
#: Non-pitch tokens, in the order they take the first vocabulary ids.
SPECIAL_TOKENS = (HOLD, REST, START, END)

_PITCH_RE = re.compile(r"^([A-G])(#{1,2}|-{1,2})?(-?\d+)$")
_STEP_SEMITONES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def token_to_midi(token):
    """Return the MIDI number of a pitch token, or None for other tokens.

    Pitch tokens are music21 ``nameWithOctave`` strings such as ``"C#5"``
    or ``"B-4"``; the conversion needs no music21.

    Parameters
    ----------
    token : str
        A token.

    Returns
    -------
    midi : int or None
        MIDI note number (``C4`` is 60), or None when ``token`` is not a
        pitch.

    Examples
    --------
    >>> from skarvae.music import token_to_midi
    >>> token_to_midi("C4"), token_to_midi("B-4"), token_to_midi("rest")
    (60, 70, None)
    """
    match = _PITCH_RE.match(str(token))
    if match is None:
        return None
    step, accidental, octave = match.groups()
    alter = 0
    if accidental:
        alter = len(accidental) if accidental[0] == "#" else -len(accidental)
    return 12 * (int(octave) + 1) + _STEP_SEMITONES[step] + alter


@functools.lru_cache(maxsize=65536)
def transpose_token(token, semitones):
    """Transpose a pitch token by a number of semitones.

    The spelling is music21's ``Pitch.transpose(semitones)``. The special
    tokens (hold, rest, START, END) are returned unchanged; any other token
    that is not a pitch raises a ValueError.

    Parameters
    ----------
    token : str
        A token.
    semitones : int
        Signed transposition.

    Returns
    -------
    token : str
        The transposed token.

    Examples
    --------
    >>> from skarvae.music import transpose_token
    >>> transpose_token("C4", 1), transpose_token("A4", -2), transpose_token("__", 3)
    ('C#4', 'G4', '__')
    """
    if not isinstance(semitones, Integral) or isinstance(semitones, bool):
        raise TypeError(f"semitones must be an integer; got {semitones!r}.")
    if token in SPECIAL_TOKENS:
        return token
    if token_to_midi(token) is None:
        raise ValueError(
            f"Invalid token {token!r}: expected a pitch name with octave such "
            f"as 'C#5' or one of {list(SPECIAL_TOKENS)}."
        )
    if semitones == 0:
        return token
    pitch = import_optional("music21").pitch
    return pitch.Pitch(token).transpose(int(semitones)).nameWithOctave


class Vocabulary:
    """Bijection between measure tokens and integer ids.

    The special tokens ``"__"`` (hold), ``"rest"``, ``"START"`` and ``"END"``
    take ids 0-3, then pitch tokens follow sorted by MIDI number and name,
    so the same set of tokens always gives the same ids.

    Parameters
    ----------
    tokens : iterable of str
        Pitch tokens (music21 ``nameWithOctave`` strings) to include; special
        tokens are always included and may be omitted. Duplicates are fine.

    Attributes
    ----------
    tokens : list of str
        The tokens in id order.
    is_pitch : ndarray of shape (n_tokens,), dtype=bool
        Whether each id is a pitch (a note onset).
    midi : ndarray of shape (n_tokens,), dtype=float
        MIDI number of each id, NaN for special tokens.

    Examples
    --------
    >>> from skarvae.music import Vocabulary
    >>> vocab = Vocabulary(["E4", "C4", "C4", "rest"])
    >>> vocab.tokens
    ['__', 'rest', 'START', 'END', 'C4', 'E4']
    >>> vocab.encode([["C4", "__", "E4"]]).tolist()
    [[4, 0, 5]]
    >>> vocab.decode([[5, 1]]).tolist()
    [['E4', 'rest']]
    >>> Vocabulary.from_dict(vocab.to_dict()) == vocab
    True
    """

    def __init__(self, tokens=()):
        pitches = set()
        bad = set()
        for token in tokens:
            token = str(token)
            if token in SPECIAL_TOKENS:
                continue
            if token_to_midi(token) is None:
                bad.add(token)
            pitches.add(token)
        if bad:
            raise ValueError(
                f"Invalid tokens {sorted(bad)}: expected pitch names with octave "
                f"such as 'C#5' or one of {list(SPECIAL_TOKENS)}."
            )
        ordered = sorted(pitches, key=lambda t: (token_to_midi(t), t))
        self.tokens = [*SPECIAL_TOKENS, *ordered]
        self._index = {token: i for i, token in enumerate(self.tokens)}
        self.is_pitch = np.zeros(len(self.tokens), dtype=bool)
        self.is_pitch[len(SPECIAL_TOKENS) :] = True
        self.midi = np.array(
            [np.nan] * len(SPECIAL_TOKENS) + [token_to_midi(t) for t in ordered],
            dtype=float,
        )

    def __len__(self):
        return len(self.tokens)

    def __contains__(self, token):
        return token in self._index

    def __eq__(self, other):
        return isinstance(other, Vocabulary) and self.tokens == other.tokens

    def __hash__(self):
        return hash(tuple(self.tokens))

    def __repr__(self):
        return f"Vocabulary(n_tokens={len(self)})"

    def encode(self, tokens):
        """Map an array of token strings to integer ids.

        Parameters
        ----------
        tokens : array-like of str
            Tokens of any shape.

        Returns
        -------
        ids : ndarray of int64, same shape as ``tokens``
            Token ids.

        Raises
        ------
        ValueError
            If some tokens are not in the vocabulary; the message names them.
        """
        tokens = np.asarray(tokens, dtype=str)
        uniques, inverse = np.unique(tokens, return_inverse=True)
        unknown = [t for t in uniques.tolist() if t not in self._index]
        if unknown:
            raise ValueError(
                f"Unknown tokens {unknown[:20]} ({len(unknown)} in all) are not in "
                f"the vocabulary of {len(self)} tokens."
            )
        lookup = np.array([self._index[t] for t in uniques.tolist()], dtype=np.int64)
        return lookup[inverse].reshape(tokens.shape)

    def decode(self, ids):
        """Map an array of integer ids back to token strings.

        Parameters
        ----------
        ids : array-like of int
            Token ids of any shape.

        Returns
        -------
        tokens : ndarray of str, same shape as ``ids``
            Tokens.

        Raises
        ------
        ValueError
            If an id is outside ``[0, len(self))``.
        """
        ids = np.asarray(ids)
        if ids.size and (
            not np.issubdtype(ids.dtype, np.integer)
            or ids.min() < 0
            or ids.max() >= len(self)
        ):
            raise ValueError(
                f"Token ids must be integers in [0, {len(self)}); got values in "
                f"[{ids.min()}, {ids.max()}] of dtype {ids.dtype}."
            )
        return np.array(self.tokens, dtype=str)[ids]

    def to_dict(self):
        """Return a JSON-serializable description of the vocabulary.

        Returns
        -------
        state : dict
            ``{"tokens": [...]}`` with the tokens in id order.
        """
        return {"tokens": list(self.tokens)}

    @classmethod
    def from_dict(cls, state):
        """Rebuild a vocabulary from :meth:`to_dict` output.

        Parameters
        ----------
        state : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        vocabulary : Vocabulary
            A vocabulary with the same ids.
        """
        vocab = cls(state["tokens"])
        if vocab.tokens != list(state["tokens"]):
            raise ValueError("The token order in state does not match a Vocabulary.")
        return vocab


@validate_params(
    {
        "tokens": ["array-like"],
        "semitones": [Interval(Integral, -127, 127, closed="both")],
    },
    prefer_skip_nested_validation=True,
)
def transpose_tokens(tokens, semitones):
    """Transpose an array of tokens by a number of semitones.

    Parameters
    ----------
    tokens : array-like of str
        Tokens of any shape.
    semitones : int
        Signed transposition.

    Returns
    -------
    transposed : ndarray of str
        The transposed tokens, same shape as ``tokens``.

    Examples
    --------
    >>> from skarvae.music import transpose_tokens
    >>> transpose_tokens([["C4", "__", "rest", "E4"]], 2).tolist()
    [['D4', '__', 'rest', 'F#4']]
    """
    tokens = np.asarray(tokens, dtype=str)
    uniques, inverse = np.unique(tokens, return_inverse=True)
    mapped = [transpose_token(t, int(semitones)) for t in uniques.tolist()]
    width = max([len(t) for t in mapped] + [1])
    return np.array(mapped, dtype=f"<U{width}")[inverse].reshape(tokens.shape)
