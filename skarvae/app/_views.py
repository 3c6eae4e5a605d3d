"""What the editor shows for each kind of data: images, measures, tables."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import math
import os
import tempfile

import numpy as np
import pandas as pd

from skarvae.app._render import (
    SAMPLE_RATE,
    montage,
    piano_roll_image,
    synthesize,
    to_uint8_image,
)
from skarvae.music import N_TICKS

#: Target size in pixels of the longer side of the start and edited pictures.
PAIR_PX = 196
#: Target size in pixels of the longer side of each traversal picture.
STRIP_PX = 84


class ImageView:
    """Pictures of decoded images.

    Parameters
    ----------
    shape : tuple of int
        Shape of one image as the model decodes it: ``(H, W)``,
        ``(C, H, W)`` or ``(H, W, C)`` with ``C`` in 1 or 3, or a flat shape
        together with ``image_shape``.
    image_shape : tuple of int, default=None
        Shape to reshape flat samples to.
    value_range : tuple of float, default=None
        Values drawn black and white; None uses each image's own range.
    """

    kind = "image"
    pair_slots = (("start", "image", "Start"), ("edited", "image", "Edited"))
    #: The pair outputs a slider move changes.
    edit_keys = ("edited",)
    strip_slots = (("strip", "image", "Traversal"),)

    def __init__(self, shape, image_shape=None, value_range=None):
        self.image_shape = tuple(image_shape) if image_shape is not None else shape
        if math.prod(self.image_shape) != math.prod(shape):
            raise ValueError(
                f"image_shape={self.image_shape} holds {math.prod(self.image_shape)} "
                f"values, but the model's samples have shape {shape} "
                f"({math.prod(shape)} values)."
            )
        dims = [s for s in self.image_shape if s not in (1, 3)] or [1]
        if len(self.image_shape) not in (2, 3) or len(dims) > 2:
            raise ValueError(
                f"Cannot draw samples of shape {self.image_shape} as pictures: "
                "expected (H, W), (C, H, W) or (H, W, C) with C in 1 or 3; pass "
                "image_shape= for flat images, or kind='tabular'."
            )
        self.value_range = value_range
        side = max(dims)
        self.pair_scale = max(1, PAIR_PX // side)
        self.strip_scale = max(1, STRIP_PX // side)

    def _pictures(self, batch, scale):
        batch = np.asarray(batch).reshape(-1, *self.image_shape)
        return [to_uint8_image(image, self.value_range, scale) for image in batch]

    def pair(self, start, edited):
        """Pictures of the start sample and of the edited output."""
        (a,) = self._pictures(start, self.pair_scale)
        (b,) = self._pictures(edited, self.pair_scale)
        return {"start": a, "edited": b}

    def strip(self, traversed, labels):
        """One picture of the traversal steps side by side."""
        return {"strip": montage(self._pictures(traversed, self.strip_scale), gap=3)}


class MeasureView:
    """Piano rolls, audio and MIDI/MusicXML files of tokenized 4/4 measures.

    Parameters
    ----------
    shape : tuple of int
        Shape of one sample, ``(24 k,)``: ``k`` measures of 24 ticks.
    vocabulary : Vocabulary
        The vocabulary of the token ids.
    """

    kind = "measures"
    pair_slots = (
        ("start", "image", "Start"),
        ("edited", "image", "Edited"),
        ("start_audio", "audio", "Start (audio)"),
        ("edited_audio", "audio", "Edited (audio)"),
    )
    strip_slots = (
        ("strip", "image", "Traversal"),
        ("strip_audio", "audio", "Traversal (audio)"),
    )
    edit_keys = ("edited", "edited_audio")

    def __init__(self, shape, vocabulary):
        size = math.prod(shape)
        if len(shape) != 1 or size % N_TICKS:
            raise ValueError(
                f"A token model is drawn as 4/4 measures of {N_TICKS} ticks, so its "
                f"samples must have shape ({N_TICKS} k,); this model's have shape "
                f"{shape}."
            )
        self.vocabulary = vocabulary
        midi = vocabulary.midi[vocabulary.is_pitch]
        self.pitch_range = (
            (int(midi.min()) - 1, int(midi.max()) + 1) if len(midi) else (59, 73)
        )

    def _measures(self, batch):
        return np.asarray(batch, dtype=np.int64).reshape(-1, N_TICKS)

    def _roll(self, batch, beat_px, semitone_px):
        return piano_roll_image(
            self._measures(batch),
            self.vocabulary,
            self.pitch_range,
            beat_px=beat_px,
            semitone_px=semitone_px,
        )

    def _audio(self, batch):
        return SAMPLE_RATE, synthesize(self._measures(batch), self.vocabulary)

    def pair(self, start, edited):
        """Piano rolls and audio of the start sample and the edited output."""
        return {
            "start": self._roll(start, 72, 8),
            "edited": self._roll(edited, 72, 8),
            "start_audio": self._audio(start),
            "edited_audio": self._audio(edited),
        }

    def strip(self, traversed, labels):
        """Piano roll and audio of the traversal, the steps one after another."""
        return {
            "strip": self._roll(traversed, 24, 4),
            "strip_audio": self._audio(traversed),
        }

    def export(self, parts, folder=None):
        """Write MIDI and MusicXML files of token arrays.

        Parameters
        ----------
        parts : dict
            Maps file stems to token-id arrays.
        folder : str, default=None
            Destination; None makes a new temporary folder.

        Returns
        -------
        paths : list of str
            The written files, MIDI then MusicXML for each part.
        """
        from skarvae.music import write_midi, write_musicxml

        folder = folder or tempfile.mkdtemp(prefix="skarvae-editor-")
        paths = []
        for stem, ids in parts.items():
            measures = self._measures(ids)
            base = os.path.join(folder, stem)
            paths.append(
                write_midi(measures, base + ".mid", vocabulary=self.vocabulary)
            )
            paths.append(
                write_musicxml(measures, base + ".musicxml", vocabulary=self.vocabulary)
            )
        return paths


class TableView:
    """Decoded feature values as tables.

    Parameters
    ----------
    feature_names : list of str
        Names of the features.
    """

    kind = "tabular"
    pair_slots = (("edited", "table", "Feature values"),)
    edit_keys = ("edited",)
    strip_slots = (("strip", "table", "Traversal"),)

    def __init__(self, feature_names):
        self.feature_names = list(feature_names)

    def _rows(self, batch):
        return np.asarray(batch, dtype=np.float64).reshape(-1, len(self.feature_names))

    def pair(self, start, edited):
        """Start and edited feature values side by side, with the change."""
        a, b = self._rows(start)[0], self._rows(edited)[0]
        frame = pd.DataFrame(
            {
                "feature": self.feature_names,
                "start": a,
                "edited": b,
                "change": b - a,
            }
        )
        return {"edited": frame.round(4)}

    def strip(self, traversed, labels):
        """Feature values at every traversal step, one column per step."""
        rows = self._rows(traversed)
        frame = pd.DataFrame(rows.T, columns=list(labels))
        frame.insert(0, "feature", self.feature_names)
        return {"strip": frame.round(4)}
