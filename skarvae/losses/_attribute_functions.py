"""Differentiable attribute functions of decoder outputs, for GLSR-VAE."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import torch


class _AttributeFunction:
    """Picklable callable whose parameters are plain JSON-ready values."""

    def get_params(self):
        """Parameters of the function, enough to rebuild it."""
        return dict(vars(self))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other):
        return type(self) is type(other) and self.get_params() == other.get_params()

    def __hash__(self):
        return hash(type(self).__name__)


def _intensity(output, logits):
    return torch.sigmoid(output) if logits else output


class MeanIntensity(_AttributeFunction):
    """Expected area of an image: its mean pixel intensity.

    Parameters
    ----------
    logits : bool, default=True
        Whether the decoder returns logits (``recon_loss='bce'``), turned into
        pixel probabilities with a sigmoid.

    Examples
    --------
    >>> import torch
    >>> from skarvae.losses import MeanIntensity
    >>> MeanIntensity(logits=False)(torch.tensor([[[0.0, 1.0], [1.0, 1.0]]]))
    tensor([0.7500])
    """

    def __init__(self, logits=True):
        self.logits = logits

    def __call__(self, output):
        return _intensity(output, self.logits).flatten(1).mean(dim=1)


class Centroid(_AttributeFunction):
    """Expected position of an image's mass along one axis, in [0, 1].

    Parameters
    ----------
    axis : {'x', 'y'}, default='x'
        ``'x'`` is the last (width) axis, ``'y'`` the one before (height).
    logits : bool, default=True
        Whether the decoder returns logits.

    Examples
    --------
    >>> import torch
    >>> from skarvae.losses import Centroid
    >>> image = torch.tensor([[[0.0, 0.0, 1.0]]])
    >>> Centroid("x", logits=False)(image)
    tensor([1.])
    """

    def __init__(self, axis="x", logits=True):
        if axis not in ("x", "y"):
            raise ValueError(f"axis must be 'x' or 'y'; got {axis!r}.")
        self.axis = axis
        self.logits = logits

    def __call__(self, output):
        mass = _intensity(output, self.logits)
        dim = -1 if self.axis == "x" else -2
        size = mass.shape[dim]
        position = torch.linspace(0, 1, size, device=mass.device, dtype=mass.dtype)
        shape = [1] * mass.dim()
        shape[dim] = size
        weighted = (mass * position.view(shape)).flatten(1).sum(1)
        return weighted / mass.flatten(1).sum(1).clamp_min(1e-8)


def _pitch_tables(vocabulary, is_pitch, midi):
    if vocabulary is not None:
        is_pitch, midi = vocabulary.is_pitch, vocabulary.midi
    if is_pitch is None:
        raise ValueError("Pass a vocabulary or the is_pitch table.")
    is_pitch = [bool(v) for v in np.asarray(is_pitch)]
    midi = None if midi is None else [float(v) for v in np.asarray(midi)]
    return is_pitch, midi


class ExpectedNoteDensity(_AttributeFunction):
    """Expected note density of a measure: expected onsets per tick.

    The differentiable counterpart of the ``note_density`` attribute: the
    softmax probability of a pitch token, summed over the ticks and divided
    by their number.

    Parameters
    ----------
    vocabulary : skarvae.music.Vocabulary, default=None
        Vocabulary of the token ids; gives ``is_pitch``.
    is_pitch : array-like of bool, default=None
        Whether each token id is a note onset, when no vocabulary is given.

    Examples
    --------
    >>> import torch
    >>> from skarvae.losses import ExpectedNoteDensity
    >>> fn = ExpectedNoteDensity(is_pitch=[False, True])
    >>> logits = torch.tensor([[[0.0, 0.0], [-50.0, 50.0]]])  # 2 ticks, 2 tokens
    >>> fn(logits)
    tensor([0.7500])
    """

    def __init__(self, vocabulary=None, *, is_pitch=None):
        self.is_pitch, _ = _pitch_tables(vocabulary, is_pitch, None)

    def __call__(self, output):
        mask = torch.tensor(self.is_pitch, device=output.device, dtype=output.dtype)
        onset = torch.softmax(output, dim=-1) @ mask
        return onset.mean(dim=1)


class ExpectedMeanPitch(_AttributeFunction):
    """Expected mean MIDI pitch of the notes of a measure.

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
    >>> from skarvae.losses import ExpectedMeanPitch
    >>> fn = ExpectedMeanPitch(is_pitch=[False, True, True], midi=[0, 60, 64])
    >>> logits = torch.tensor([[[-50.0, 50.0, -50.0], [-50.0, -50.0, 50.0]]])
    >>> fn(logits)
    tensor([62.])
    """

    def __init__(self, vocabulary=None, *, is_pitch=None, midi=None):
        self.is_pitch, self.midi = _pitch_tables(vocabulary, is_pitch, midi)
        if self.midi is None:
            raise ValueError("Pass a vocabulary or the midi table.")

    def __call__(self, output):
        kw = {"device": output.device, "dtype": output.dtype}
        mask = torch.tensor(self.is_pitch, **kw)
        midi = torch.nan_to_num(torch.tensor(self.midi, **kw)) * mask
        probs = torch.softmax(output, dim=-1)
        notes = (probs @ mask).sum(dim=1)
        return (probs @ midi).sum(dim=1) / notes.clamp_min(1e-8)
