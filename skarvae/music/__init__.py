"""Music tokens, vocabulary, measure attributes and music21 conversion."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skarvae.music._attributes import (
    ATTRIBUTE_NAMES,
    RHYTHMIC_COMPLEXITY_WEIGHTS,
    MeasureAttributes,
    measure_attributes,
)
from skarvae.music._convert import (
    SKIP_REASONS,
    TokenizedPart,
    tokenize_part,
    tokens_to_stream,
    write_midi,
    write_musicxml,
)
from skarvae.music._vocabulary import (
    END,
    HOLD,
    N_TICKS,
    REST,
    SPECIAL_TOKENS,
    START,
    TICK_OFFSETS,
    Vocabulary,
    token_to_midi,
    transpose_token,
    transpose_tokens,
)

__all__ = [
    "ATTRIBUTE_NAMES",
    "END",
    "HOLD",
    "N_TICKS",
    "REST",
    "RHYTHMIC_COMPLEXITY_WEIGHTS",
    "SKIP_REASONS",
    "SPECIAL_TOKENS",
    "START",
    "TICK_OFFSETS",
    "MeasureAttributes",
    "TokenizedPart",
    "Vocabulary",
    "measure_attributes",
    "token_to_midi",
    "tokenize_part",
    "tokens_to_stream",
    "transpose_token",
    "transpose_tokens",
    "write_midi",
    "write_musicxml",
]
