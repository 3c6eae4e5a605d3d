"""Piano rolls of generated measures with the attribute values of each measure."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import itertools
import os

import numpy as np
from sklearn.utils._param_validation import validate_params

from skarvae.music._attributes import ATTRIBUTE_NAMES, measure_attributes
from skarvae.music._convert import _TICK_STARTS, _as_token_strings
from skarvae.music._vocabulary import (
    BEATS_PER_MEASURE,
    HOLD,
    N_TICKS,
    Vocabulary,
)
from skarvae.utils._optional import import_optional

_TICK_TIMES = np.array([float(t) for t in _TICK_STARTS] + [BEATS_PER_MEASURE])
_SHORT_NAMES = {
    "rhythmic_complexity": "rhythm",
    "pitch_range": "range",
    "note_density": "density",
    "contour": "contour",
}


def _note_events(tokens):
    """Notes of token-string measures as ``(start, stop, midi)`` in beats.

    A note lasts until the next onset (note or rest) of its measure, as in
    :func:`skarvae.music.tokens_to_stream`; measure ``m`` spans beats
    ``[4 m, 4 m + 4)``.
    """
    vocabulary = Vocabulary(np.unique(tokens).tolist())
    ids = vocabulary.encode(tokens)
    onset = ids != vocabulary.tokens.index(HOLD)
    events = []
    for m, (row, marks) in enumerate(zip(ids, onset)):
        ticks = [*np.flatnonzero(marks).tolist(), N_TICKS]
        for tick, stop in itertools.pairwise(ticks):
            if vocabulary.is_pitch[row[tick]]:
                start = BEATS_PER_MEASURE * m
                events.append(
                    (
                        start + _TICK_TIMES[tick],
                        start + _TICK_TIMES[stop],
                        int(vocabulary.midi[row[tick]]),
                    )
                )
    return np.array(events, dtype=float).reshape(-1, 3)


def _panels(tokens, titles, measure_labels, vocabulary):
    """Return ``[(key, title, token strings, labels)]``, one per panel."""
    if isinstance(tokens, dict):
        if not tokens:
            raise ValueError("tokens is an empty dict; give at least one traversal.")
        keys = [str(k) for k in tokens]
        arrays = list(tokens.values())
    else:
        keys = [None]
        arrays = [tokens]
    names = keys
    if titles is not None:
        names = [str(t) for t in titles]
        if len(names) != len(arrays):
            raise ValueError(
                f"titles has {len(names)} entries for {len(arrays)} panels."
            )
    if isinstance(measure_labels, dict):
        if set(map(str, measure_labels)) != set(keys):
            raise ValueError(
                "measure_labels given as a dict needs the keys of tokens "
                f"{keys}; got {list(measure_labels)}."
            )
        by_key = {str(k): v for k, v in measure_labels.items()}
        per_panel = [by_key[k] for k in keys]
    else:
        per_panel = [measure_labels] * len(arrays)
    panels = []
    for key, name, array, labels in zip(keys, names, arrays, per_panel):
        strings = _as_token_strings(array, vocabulary)
        if len(strings) == 0:
            raise ValueError(f"The traversal {name or ''!r} holds no measures.")
        if labels is not None:
            labels = [str(label) for label in labels]
            if len(labels) != len(strings):
                raise ValueError(
                    f"measure_labels has {len(labels)} labels for the "
                    f"{len(strings)} measures of {name or 'the traversal'!r}."
                )
        panels.append((key, name, strings, labels))
    return panels


def _draw_roll(ax, tokens, events, labels):
    n_measures = len(tokens)
    if len(events):
        ax.barh(
            events[:, 2],
            events[:, 1] - events[:, 0],
            left=events[:, 0],
            height=0.8,
            color="tab:blue",
            edgecolor="black",
            linewidth=0.5,
        )
        low, high = int(events[:, 2].min()), int(events[:, 2].max())
    else:
        low, high = 60, 72
    low, high = low - 2, high + 2
    ax.set_ylim(low - 0.5, high + 0.5)
    ax.set_xlim(0, BEATS_PER_MEASURE * n_measures)
    for m in range(1, n_measures):
        ax.axvline(BEATS_PER_MEASURE * m, color="black", linewidth=1)
    for beat in range(BEATS_PER_MEASURE * n_measures):
        if beat % BEATS_PER_MEASURE:
            ax.axvline(beat, color="0.85", linewidth=0.5, zorder=0)
    names = ("C", "C#", "D", "E-", "E", "F", "F#", "G", "A-", "A", "B-", "B")
    labelled = [p for p in range(low, high + 1) if p % 12 == 0] or [low + 2]
    ax.set_yticks(labelled, [f"{names[p % 12]}{p // 12 - 1}" for p in labelled])
    ax.set_yticks(range(low, high + 1), minor=True)
    ax.grid(axis="y", which="minor", color="0.93", linewidth=0.5)
    ax.set_axisbelow(True)
    ax.set_ylabel("pitch")
    ax.set_xticks(
        BEATS_PER_MEASURE * (np.arange(n_measures) + 0.5),
        [str(m + 1) for m in range(n_measures)] if labels is None else labels,
    )
    ax.tick_params(axis="x", length=0)


def _draw_attributes(ax, values, names, highlight):
    x = BEATS_PER_MEASURE * (np.arange(len(values)) + 0.5)
    for name in names:
        bold = name == highlight
        ax.plot(
            x,
            values[name].to_numpy(),
            marker="o",
            markersize=4 if bold else 3,
            linewidth=2.2 if bold else 1,
            alpha=1.0 if bold or highlight is None else 0.45,
            label=_SHORT_NAMES[name],
        )
        if bold:
            for xi, yi in zip(x, values[name].to_numpy()):
                ax.annotate(
                    f"{yi:.2f}",
                    (xi, yi),
                    textcoords="offset points",
                    xytext=(0, 5),
                    ha="center",
                    fontsize=7,
                )
    ax.set_xlim(0, BEATS_PER_MEASURE * len(values))
    for m in range(1, len(values)):
        ax.axvline(BEATS_PER_MEASURE * m, color="0.8", linewidth=0.5)
    ax.set_xticks([])
    ax.set_ylabel("attribute")
    ax.margins(y=0.3)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7, frameon=False)


@validate_params(
    {
        "tokens": ["array-like", dict],
        "vocabulary": [Vocabulary, None],
        "attributes": ["array-like", None],
        "titles": ["array-like", None],
        "measure_labels": ["array-like", dict, None],
        "path": [str, os.PathLike, None],
    },
    prefer_skip_nested_validation=True,
)
def plot_piano_roll(
    tokens,
    *,
    vocabulary=None,
    attributes=None,
    titles=None,
    measure_labels=None,
    path=None,
):
    """Draw measures as a piano roll with the attributes of each measure below.

    Meant for latent traversals (the style of Fig. 11 of Pati & Lerch 2020):
    the measures of one traversal are drawn side by side, time in beats on
    the x axis (measure ``m`` spans beats ``4 m`` to ``4 m + 4``, the 24 ticks
    at their true offsets) and MIDI pitch on the y axis, one bar per note
    lasting until the next onset of its measure. Under the roll, the values
    of the attributes (computed with :func:`skarvae.music.measure_attributes`)
    of each measure are plotted at the middle of the measure.

    Parameters
    ----------
    tokens : array-like of shape (n_measures, 24) or dict
        Token strings, or integer ids together with ``vocabulary``; a dict
        maps panel names (e.g. the traversed attribute) to such arrays and
        gives one panel per entry. When a key is an attribute name, that
        attribute is drawn bold and its values are written out.
    vocabulary : Vocabulary, default=None
        Vocabulary of integer ``tokens``.
    attributes : list of str, default=None
        Attribute names to plot under each roll, among
        ``rhythmic_complexity``, ``pitch_range``, ``note_density`` and
        ``contour``; None plots all four, an empty list none (and no
        attribute axes).
    titles : list of str, default=None
        One title per panel; None uses the dict keys (no title for an array).
    measure_labels : list of str or dict, default=None
        Label under each measure of a roll, e.g. the latent value of each
        traversal step, shared by all panels, or a dict with the keys of
        ``tokens`` giving each panel its labels; None numbers the measures
        from 1.
    path : str or path-like, default=None
        When given, the figure is saved there as PNG.

    Returns
    -------
    figure : matplotlib.figure.Figure
        The figure: per panel a roll axis then, unless ``attributes`` is
        empty, an attribute axis.

    Examples
    --------
    >>> from skarvae.plotting import plot_piano_roll
    >>> beat = lambda t: [t, "__", "__", "__", "__", "__"]
    >>> low = beat("C4") + beat("E4") + beat("G4") + beat("rest")
    >>> high = beat("C5") + ["__"] * 18
    >>> fig = plot_piano_roll({"pitch_range": [low, high]})
    >>> len(fig.axes), len(fig.axes[0].patches)
    (2, 4)
    """
    names = list(ATTRIBUTE_NAMES) if attributes is None else list(attributes)
    unknown = sorted(set(names) - set(ATTRIBUTE_NAMES))
    if unknown:
        raise ValueError(
            f"Unknown attributes {unknown}; choose from {list(ATTRIBUTE_NAMES)}."
        )
    panels = _panels(tokens, titles, measure_labels, vocabulary)
    n_measures = max(len(panel[2]) for panel in panels)
    import_optional("matplotlib.pyplot")  # checks that matplotlib is installed
    from matplotlib.figure import Figure

    rows = []
    for _ in panels:
        rows += [3, 1.3] if names else [3]
    figure = Figure(
        figsize=(max(6.0, 1.2 * n_measures + 1.5), 0.75 * sum(rows) + 0.3),
        layout="constrained",
    )
    axes = figure.subplots(len(rows), 1, gridspec_kw={"height_ratios": rows})
    axes = np.atleast_1d(axes).tolist()
    for key, name, strings, labels in panels:
        roll = axes.pop(0)
        _draw_roll(roll, strings, _note_events(strings), labels)
        if name is not None:
            roll.set_title(name, fontsize=10, loc="left")
        if names:
            values = measure_attributes(strings)
            highlight = key if key in ATTRIBUTE_NAMES else None
            _draw_attributes(axes.pop(0), values, names, highlight)
    if path is not None:
        figure.savefig(os.fspath(path), format="png", dpi=100)
    return figure
