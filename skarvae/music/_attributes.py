"""The four AR-VAE measure attributes, computed vectorized on token arrays."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import validate_params

from skarvae.music._vocabulary import N_TICKS, Vocabulary

#: Names of the attribute columns, in the paper's order.
ATTRIBUTE_NAMES = ("rhythmic_complexity", "pitch_range", "note_density", "contour")

#: Inverse metrical weights of the 24 ticks (Toussaint-based; Pati & Lerch 2020).
RHYTHMIC_COMPLEXITY_WEIGHTS = np.array(
    [
        [0.20, 1, 2, 0.5, 2, 1],
        [0.67, 1, 2, 0.5, 2, 1],
        [0.25, 1, 2, 0.5, 2, 1],
        [0.67, 1, 2, 0.5, 2, 1],
    ]
).ravel()

#: Divisor of pitch range and contour (semitones), as in the original code.
PITCH_NORMALIZER = 26.0


def _ids_and_vocabulary(tokens, vocabulary):
    tokens = np.asarray(tokens)
    if tokens.ndim != 2 or tokens.shape[1] != N_TICKS:
        raise ValueError(
            f"tokens must have shape (n_measures, {N_TICKS}); got {tokens.shape}."
        )
    if np.issubdtype(tokens.dtype, np.integer):
        if vocabulary is None:
            raise ValueError(
                "Integer token ids need the vocabulary that produced them: pass "
                "vocabulary=."
            )
        if tokens.size and (tokens.min() < 0 or tokens.max() >= len(vocabulary)):
            raise ValueError(
                f"Token ids must lie in [0, {len(vocabulary)}); got values in "
                f"[{tokens.min()}, {tokens.max()}]."
            )
        return tokens, vocabulary
    tokens = tokens.astype(str)
    if vocabulary is None:
        vocabulary = Vocabulary(np.unique(tokens).tolist())
    return vocabulary.encode(tokens), vocabulary


def _attribute_matrix(ids, is_pitch_table, midi_table):
    """Return the (n, 4) attribute matrix of an id array; pure numpy."""
    onset = is_pitch_table[ids]
    midi = midi_table[ids]
    n_notes = onset.sum(axis=1)
    rhythm = onset @ RHYTHMIC_COMPLEXITY_WEIGHTS / RHYTHMIC_COMPLEXITY_WEIGHTS.sum()
    highest = np.where(onset, midi, -np.inf).max(axis=1)
    lowest = np.where(onset, midi, np.inf).min(axis=1)
    first = np.argmax(onset, axis=1)
    last = N_TICKS - 1 - np.argmax(onset[:, ::-1], axis=1)
    rows = np.arange(len(ids))
    several = n_notes > 1
    pitch_range = np.where(several, highest - lowest, 0.0) / PITCH_NORMALIZER
    contour = np.where(several, midi[rows, last] - midi[rows, first], 0.0)
    contour = contour / PITCH_NORMALIZER
    density = n_notes / N_TICKS
    return np.column_stack([rhythm, pitch_range, density, contour])


@validate_params(
    {"tokens": ["array-like"], "vocabulary": [Vocabulary, None]},
    prefer_skip_nested_validation=True,
)
def measure_attributes(tokens, *, vocabulary=None):
    """Compute the four AR-VAE attributes of tokenized 4/4 measures.

    With ``onset_t`` = 1 where tick ``t`` holds a pitch token (rests, holds
    and padding are not onsets) and ``p_1..p_k`` the MIDI numbers of the
    ``k`` onsets in time order:

    - ``rhythmic_complexity`` = ``sum_t w_t onset_t / sum_t w_t`` with the
      inverse metrical weights :data:`RHYTHMIC_COMPLEXITY_WEIGHTS`
      (``sum_t w_t = 27.79``);
    - ``pitch_range`` = ``(max p - min p) / 26``, 0 when ``k <= 1``;
    - ``note_density`` = ``k / 24``;
    - ``contour`` = ``sum_i (p_{i+1} - p_i) / 26 = (p_k - p_1) / 26``,
      0 when ``k <= 1``.

    The original code also counted ``None`` tokens (from unsupported music21
    objects) as notes in the note density only; skarvae never produces such
    tokens, so all four attributes use the same onset mask.

    Parameters
    ----------
    tokens : array-like of shape (n_measures, 24)
        Token strings, or integer ids together with ``vocabulary``.
    vocabulary : Vocabulary, default=None
        Vocabulary of integer ``tokens``. Ignored lookups are built from
        the tokens themselves when ``tokens`` holds strings.

    Returns
    -------
    attributes : DataFrame of shape (n_measures, 4)
        Columns ``rhythmic_complexity``, ``pitch_range``, ``note_density``
        and ``contour``.

    Examples
    --------
    >>> from skarvae.music import measure_attributes
    >>> beat = lambda t: [t, "__", "__", "__", "__", "__"]
    >>> measure = beat("C4") + beat("E4") + beat("G4") + beat("rest")
    >>> measure_attributes([measure]).round(4)
       rhythmic_complexity  pitch_range  note_density  contour
    0               0.0403       0.2692         0.125   0.2692
    """
    ids, vocabulary = _ids_and_vocabulary(tokens, vocabulary)
    values = _attribute_matrix(ids, vocabulary.is_pitch, vocabulary.midi)
    return pd.DataFrame(values, columns=list(ATTRIBUTE_NAMES))


class MeasureAttributes(TransformerMixin, BaseEstimator):
    """Transformer from tokenized measures to the four AR-VAE attributes.

    A stateless wrapper of :func:`measure_attributes` for pipelines, e.g.
    to compute the attribute targets of generated measures.

    Parameters
    ----------
    vocabulary : Vocabulary, default=None
        Vocabulary of integer token ids; None when ``X`` holds token strings.

    Attributes
    ----------
    n_features_in_ : int
        Always 24, the ticks of a measure.

    See Also
    --------
    measure_attributes : The function this transformer applies.

    Examples
    --------
    >>> from skarvae.music import MeasureAttributes
    >>> X = [["C4"] + ["__"] * 11 + ["D4"] + ["__"] * 11]
    >>> MeasureAttributes().fit_transform(X)["contour"].round(4).tolist()
    [0.0769]
    """

    _parameter_constraints: ClassVar[dict] = {"vocabulary": [Vocabulary, None]}

    def __init__(self, vocabulary=None):
        self.vocabulary = vocabulary

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the shape of ``X``; nothing is learned.

        Parameters
        ----------
        X : array-like of shape (n_measures, 24)
            Token strings or ids.
        y : None
            Ignored.

        Returns
        -------
        self : MeasureAttributes
            This transformer.
        """
        _ids_and_vocabulary(X, self.vocabulary)
        self.n_features_in_ = N_TICKS
        return self

    def transform(self, X):
        """Return the attribute DataFrame of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_measures, 24)
            Token strings or ids.

        Returns
        -------
        attributes : DataFrame of shape (n_measures, 4)
            The four attributes.
        """
        return measure_attributes(X, vocabulary=self.vocabulary)

    def get_feature_names_out(self, input_features=None):
        """Return the attribute names.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        names : ndarray of str
            ``rhythmic_complexity``, ``pitch_range``, ``note_density``,
            ``contour``.
        """
        return np.asarray(ATTRIBUTE_NAMES, dtype=object)
