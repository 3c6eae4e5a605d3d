"""Expected AR-VAE measure attributes of token logits, differentiable in torch.

A token decoder gives one categorical distribution per tick. Reading its
ticks as independent draws, each of the four measure attributes of
:func:`skarvae.music.measure_attributes` has an exact expectation that is a
smooth function of the logits; on one-hot (argmax-sure) logits it equals the
attribute of the argmax measure.
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import torch

from skarvae.losses._attribute_functions import (
    ExpectedNoteDensity,
    _AttributeFunction,
    _pitch_tables,
)
from skarvae.music._attributes import PITCH_NORMALIZER, RHYTHMIC_COMPLEXITY_WEIGHTS


class _TokenAttribute(_AttributeFunction):
    """Token tables as tensors, built once per device and dtype."""

    def __init__(self, vocabulary=None, *, is_pitch=None, midi=None):
        self.is_pitch, self.midi = _pitch_tables(vocabulary, is_pitch, midi)
        if self.midi is None:
            raise ValueError("Pass a vocabulary or the midi table.")
        if len(self.midi) != len(self.is_pitch):
            raise ValueError(
                f"is_pitch and midi must have one entry per token; got "
                f"{len(self.is_pitch)} and {len(self.midi)}."
            )
        # tokens that are no notes get 0, not NaN: equal params compare equal
        self.midi = [m if p else 0.0 for p, m in zip(self.is_pitch, self.midi)]

    def get_params(self):
        return {"is_pitch": self.is_pitch, "midi": self.midi}

    def _tables(self, output):
        key = (output.device, output.dtype)
        cache = self.__dict__.setdefault("_cache", {})
        if key not in cache:
            is_pitch = np.asarray(self.is_pitch, dtype=bool)
            midi = np.asarray(self.midi, dtype=float)
            levels = np.unique(midi[is_pitch])
            # below[v, i]: token v is a pitch at or under the i-th pitch level
            below = is_pitch[:, None] & (midi[:, None] <= levels[None, :])
            cache[key] = {
                name: torch.as_tensor(value, device=output.device, dtype=output.dtype)
                for name, value in {
                    "is_pitch": is_pitch,
                    "midi": midi,
                    "below": below,
                    "gaps": np.diff(levels),
                    "rhythm": RHYTHMIC_COMPLEXITY_WEIGHTS
                    / RHYTHMIC_COMPLEXITY_WEIGHTS.sum(),
                }.items()
            }
        return cache[key]

    def __getstate__(self):
        state = dict(vars(self))
        state.pop("_cache", None)
        return state

    def _onsets(self, output):
        """Tick probabilities, onset probabilities and the tables."""
        tables = self._tables(output)
        probs = torch.softmax(output, dim=-1)
        return probs, probs @ tables["is_pitch"], tables


def _log_silence(onset):
    """``log P(no onset)`` per tick, clipped away from ``log 0``."""
    return torch.log1p(-onset.clamp(max=1 - 1e-6))


class ExpectedRhythmicComplexity(_TokenAttribute):
    """Expected rhythmic complexity of a measure from its token logits.

    ``sum_t w_t P(onset_t) / sum_t w_t`` with the inverse metrical weights of
    :data:`skarvae.music.RHYTHMIC_COMPLEXITY_WEIGHTS`: the exact expectation
    of ``rhythmic_complexity``, which is linear in the onsets.

    Parameters
    ----------
    vocabulary : skarvae.music.Vocabulary, default=None
        Vocabulary of the token ids; gives ``is_pitch`` and ``midi``.
    is_pitch, midi : array-like, default=None
        Note-onset flags and MIDI numbers of the token ids, when no
        vocabulary is given.

    Examples
    --------
    >>> import torch
    >>> from skarvae.losses import ExpectedRhythmicComplexity
    >>> fn = ExpectedRhythmicComplexity(is_pitch=[False, True], midi=[0, 60])
    >>> logits = torch.full((1, 24, 2), -50.0)
    >>> logits[0, :, 0] = 50.0  # holds everywhere ...
    >>> logits[0, 1, :] = torch.tensor([-50.0, 50.0])  # ... but a note on tick 1
    >>> fn(logits)
    tensor([0.0360])
    """

    def __call__(self, output):
        _, onset, tables = self._onsets(output)
        return onset @ tables["rhythm"]


class ExpectedContour(_TokenAttribute):
    """Expected contour of a measure from its token logits.

    The contour is ``(p_last - p_first) / 26`` over the measure's onsets.
    With independent ticks, the first onset falls on tick ``t`` with
    probability ``P(onset_t) prod_{s<t} (1 - P(onset_s))`` (the last one
    likewise with the later ticks), so the expectation is exact; a measure
    with one note or none contributes 0, as in the attribute.

    Parameters
    ----------
    vocabulary : skarvae.music.Vocabulary, default=None
        Vocabulary of the token ids; gives ``is_pitch`` and ``midi``.
    is_pitch, midi : array-like, default=None
        Note-onset flags and MIDI numbers of the token ids, when no
        vocabulary is given.

    Examples
    --------
    >>> import torch
    >>> from skarvae.losses import ExpectedContour
    >>> fn = ExpectedContour(is_pitch=[False, True, True], midi=[0, 60, 73])
    >>> logits = torch.full((1, 24, 3), -50.0)
    >>> logits[0, :, 0] = 50.0
    >>> logits[0, 0] = torch.tensor([-50.0, 50.0, -50.0])  # C4 first ...
    >>> logits[0, 12] = torch.tensor([-50.0, -50.0, 50.0])  # ... then C#5
    >>> fn(logits)
    tensor([0.5000])
    """

    def __call__(self, output):
        probs, onset, tables = self._onsets(output)
        pitch = probs @ tables["midi"]  # E[pitch * onset] per tick
        silent = torch.cumsum(_log_silence(onset), dim=1)
        before = torch.exp(silent - _log_silence(onset))  # no onset before t
        after = torch.exp(silent[:, -1:] - silent)  # no onset after t
        return ((after - before) * pitch).sum(dim=1) / PITCH_NORMALIZER


class ExpectedPitchRange(_TokenAttribute):
    """Expected pitch range of a measure from its token logits.

    The range ``(max p - min p) / 26`` is the length of the pitch levels
    ``v`` with ``min p <= v < max p``. With independent ticks, the chance of
    that event is ``1 - P(no note <= v) - P(no note > v) + P(no note)``, a
    product over the ticks, so the expectation is exact; a measure with one
    note or none contributes 0, as in the attribute.

    Parameters
    ----------
    vocabulary : skarvae.music.Vocabulary, default=None
        Vocabulary of the token ids; gives ``is_pitch`` and ``midi``.
    is_pitch, midi : array-like, default=None
        Note-onset flags and MIDI numbers of the token ids, when no
        vocabulary is given.

    Examples
    --------
    >>> import torch
    >>> from skarvae.losses import ExpectedPitchRange
    >>> fn = ExpectedPitchRange(is_pitch=[False, True, True], midi=[0, 60, 73])
    >>> logits = torch.full((1, 24, 3), -50.0)
    >>> logits[0, :, 0] = 50.0
    >>> logits[0, 0] = torch.tensor([-50.0, -50.0, 50.0])  # C#5 first ...
    >>> logits[0, 12] = torch.tensor([-50.0, 50.0, -50.0])  # ... then C4
    >>> fn(logits)
    tensor([0.5000])
    """

    def __call__(self, output):
        probs, onset, tables = self._onsets(output)
        low = probs @ tables["below"]  # P(a note at or under each level)
        high = onset.unsqueeze(-1) - low
        none_low = torch.exp(_log_silence(low).sum(dim=1))
        none_high = torch.exp(_log_silence(high.clamp_min(0)).sum(dim=1))
        silent = torch.exp(_log_silence(onset).sum(dim=1, keepdim=True))
        spans = (1 - none_low - none_high + silent)[:, :-1]
        return spans @ tables["gaps"] / PITCH_NORMALIZER


def measure_attribute_functions(vocabulary):
    """The four AR-VAE measure attributes as differentiable functions.

    The expectations of ``rhythmic_complexity``, ``pitch_range``,
    ``note_density`` and ``contour`` (see
    :func:`skarvae.music.measure_attributes`) under the per-tick token
    distributions of a token decoder's logits, keyed by attribute name: the
    ``attribute_fns`` of :class:`~skarvae.ARVAE` (for ``edit_weight``) and
    :class:`~skarvae.GLSRVAE` on measures.

    Parameters
    ----------
    vocabulary : skarvae.music.Vocabulary
        Vocabulary of the token ids the model reconstructs.

    Returns
    -------
    functions : dict
        Attribute name -> function of logits of shape
        ``(n_measures, 24, n_tokens)`` returning shape ``(n_measures,)``.

    Examples
    --------
    >>> import torch
    >>> from skarvae.losses import measure_attribute_functions
    >>> from skarvae.music import Vocabulary, measure_attributes
    >>> vocabulary = Vocabulary(["C4", "E4", "G4"])
    >>> measure = [["C4"] + ["__"] * 5 + ["G4"] + ["__"] * 11 + ["E4"] + ["__"] * 5]
    >>> ids = torch.as_tensor(vocabulary.encode(measure))
    >>> logits = 50.0 * torch.nn.functional.one_hot(ids, len(vocabulary)).float()
    >>> fns = measure_attribute_functions(vocabulary)
    >>> [round(fns[name](logits).item(), 4) for name in fns]
    [0.0554, 0.2692, 0.125, 0.1538]
    >>> measure_attributes(measure).round(4).to_numpy().tolist()
    [[0.0554, 0.2692, 0.125, 0.1538]]
    """
    if not (hasattr(vocabulary, "is_pitch") and hasattr(vocabulary, "midi")):
        raise TypeError(
            "vocabulary must be a skarvae.music.Vocabulary (with is_pitch and midi "
            f"tables); got {type(vocabulary).__name__}."
        )
    return {
        "rhythmic_complexity": ExpectedRhythmicComplexity(vocabulary),
        "pitch_range": ExpectedPitchRange(vocabulary),
        "note_density": ExpectedNoteDensity(vocabulary),
        "contour": ExpectedContour(vocabulary),
    }
