"""The editor's state and callbacks, as plain functions of numpy data."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from skarvae.app._views import ImageView, MeasureView, TableView
from skarvae.estimators._calibration import value_range
from skarvae.music import N_TICKS, Vocabulary, measure_attributes

#: Latent span of the sliders of a BetaVAE, in prior standard deviations.
LATENT_SPAN = 3.0
#: Number of steps of a slider across its range.
SLIDER_STEPS = 100
_KINDS = ("auto", "image", "measures", "tabular")


def _nice_step(width):
    """A round step (1, 2 or 5 times a power of ten) near ``width / 100``."""
    if not width > 0:
        return 1.0
    raw = width / SLIDER_STEPS
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power  # pragma: no cover


def _grid(lo, hi):
    """Slider bounds on a round step, inside ``[lo, hi]``, and the step."""
    step = _nice_step(hi - lo)
    digits = max(0, math.ceil(-math.log10(step)))
    minimum = round(math.ceil(lo / step - 1e-9) * step, digits)
    maximum = round(math.floor(hi / step + 1e-9) * step, digits)
    if not minimum < maximum:  # a range narrower than two steps
        minimum, maximum = lo, hi
    return {"minimum": minimum, "maximum": maximum, "step": step, "digits": digits}


def _snap(value, slider):
    """The slider position nearest ``value``: on the step grid, in bounds."""
    lo, step = slider["minimum"], slider["step"]
    snapped = lo + round((value - lo) / step) * step
    snapped = min(max(snapped, lo), slider["maximum"])
    return round(snapped, slider["digits"])


def _check_model(model):
    from skarvae.estimators import ARVAE, GLSRVAE, BetaVAE

    if not isinstance(model, (ARVAE, GLSRVAE, BetaVAE)):
        hint = ""
        if hasattr(model, "steps"):
            hint = (
                " For a Pipeline, pass its last step (model[-1]) and give X as "
                "that step receives it."
            )
        raise TypeError(
            "attribute_editor needs a fitted ARVAE, GLSRVAE or BetaVAE; got "
            f"{type(model).__name__}.{hint}"
        )
    try:
        check_is_fitted(model)
    except NotFittedError:
        raise NotFittedError(
            f"This {type(model).__name__} is not fitted: call fit before opening "
            "the attribute editor, or load a saved model with skarvae.load."
        ) from None


class Editor:
    """State and callbacks of the attribute editor, free of any web framework.

    :func:`skarvae.app.attribute_editor` lays these callbacks out as a page;
    tests and scripts can call them directly. Parameters are those of
    :func:`~skarvae.app.attribute_editor`.

    Attributes
    ----------
    kind : {'image', 'measures', 'tabular'}
        How decoded data is shown.
    sliders : list of dict
        One per slider: ``name`` (attribute name, or latent index of a
        BetaVAE), ``label``, ``minimum``, ``maximum``, ``step`` and ``dim``
        (the latent index).
    view : ImageView, MeasureView or TableView
        The renderer.
    n_samples : int
        Number of samples of X (0 without X).

    Examples
    --------
    >>> from skarvae import ARVAE
    >>> from skarvae.app import Editor
    >>> from skarvae.datasets import make_attribute_data
    >>> data = make_attribute_data(n_samples=100, random_state=0)
    >>> vae = ARVAE(latent_dim=4, max_epochs=2, random_state=0)
    >>> vae = vae.fit(data.data, data.attributes)
    >>> editor = Editor(vae, data.data)
    >>> state = editor.start("index", 0)
    >>> values = list(state["values"])
    >>> values[0] = editor.sliders[0]["maximum"]  # move the first slider
    >>> out = editor.update(state, values)
    >>> list(out["table"].columns)[:3]
    ['attribute', 'edit target', 'predicted: start']
    """

    def __init__(
        self,
        model,
        X=None,
        *,
        measure="auto",
        vocabulary=None,
        kind="auto",
        image_shape=None,
        latents=None,
        n_steps=7,
        random_state=0,
    ):
        _check_model(model)
        self.model = model
        if kind not in _KINDS:
            raise ValueError(f"kind must be one of {list(_KINDS)}; got {kind!r}.")
        if not isinstance(n_steps, Integral) or n_steps < 2:
            raise ValueError(f"n_steps must be an integer >= 2; got {n_steps!r}.")
        self.n_steps = int(n_steps)
        self._rng = check_random_state(random_state)
        self._frame_columns = getattr(model, "feature_names_in_", None)
        self.X = self._check_X(X)
        self.n_samples = 0 if self.X is None else len(self.X)
        self.kind = self._resolve_kind(kind, image_shape)
        self.vocabulary = self._check_vocabulary(vocabulary)
        self.view = self._make_view(image_shape)
        self.measure = self._resolve_measure(measure)
        self.sliders = self._make_sliders(latents)
        self.names = [s["name"] for s in self.sliders]
        self.labels = [s["label"] for s in self.sliders]

    # ------------------------------------------------------------ checks

    def _check_X(self, X):
        if X is None:
            return None
        names = self._frame_columns
        if names is not None and not isinstance(X, pd.DataFrame):
            X = np.asarray(X)
            if X.ndim == 2 and X.shape[1] == len(names):
                X = pd.DataFrame(X, columns=names)  # plain arrays for a frame model
        if len(X) == 0:
            raise ValueError("X has no samples; pass None to start from the prior.")
        try:
            return self.model._validate_X(X)
        except ValueError as exc:
            raise ValueError(f"X does not fit the model: {exc}") from None

    def _resolve_kind(self, kind, image_shape):
        model = self.model
        if kind != "auto":
            if (kind == "measures") != (model.recon_loss_ == "ce"):
                raise ValueError(
                    f"kind={kind!r} does not fit a model with recon_loss="
                    f"{model.recon_loss_!r}: token models (recon_loss='ce') are "
                    "shown as 'measures', other models as 'image' or 'tabular'."
                )
            return kind
        if model.recon_loss_ == "ce":
            return "measures"
        if image_shape is not None or len(model.input_shape_) >= 2:
            return "image"
        return "tabular"

    def _check_vocabulary(self, vocabulary):
        if self.kind != "measures":
            return None
        n_tokens = self.model.n_tokens_
        if vocabulary is None:
            raise ValueError(
                f"This {type(self.model).__name__} is a token model "
                f"({n_tokens} tokens) and a saved model does not store the tokens "
                "behind its ids: pass vocabulary= (a skarvae.music.Vocabulary, "
                "e.g. load_bach_chorales().vocabulary) or, on the command line, "
                "--vocabulary FILE (the JSON of Vocabulary.to_dict())."
            )
        if not isinstance(vocabulary, Vocabulary):
            raise TypeError(
                "vocabulary must be a skarvae.music.Vocabulary; got "
                f"{type(vocabulary).__name__}."
            )
        if len(vocabulary) != n_tokens:
            raise ValueError(
                f"The vocabulary has {len(vocabulary)} tokens, but the model was "
                f"fitted on {n_tokens} token ids: it is not the model's vocabulary."
            )
        return vocabulary

    def _make_view(self, image_shape):
        model = self.model
        if self.kind == "measures":
            return MeasureView(model.input_shape_, self.vocabulary)
        if self.kind == "image":
            if model.recon_loss_ == "bce":
                value_range = (0.0, 1.0)
            elif self.X is not None:
                value_range = (float(self.X.min()), float(self.X.max()))
            else:
                value_range = None
            return ImageView(model.input_shape_, image_shape, value_range)
        names = self._frame_columns
        if names is None:
            names = [f"x{i}" for i in range(math.prod(model.input_shape_))]
        return TableView([str(n) for n in names])

    def _resolve_measure(self, measure):
        if measure is None or callable(measure):
            return measure
        if measure != "auto":
            raise TypeError(
                f"measure must be a callable, 'auto' or None; got {measure!r}."
            )
        if self.kind != "measures":
            return None
        vocabulary = self.vocabulary
        per_sample = math.prod(self.model.input_shape_) // N_TICKS

        def measure_tokens(ids):
            ids = np.asarray(ids).reshape(-1, N_TICKS)
            values = measure_attributes(ids, vocabulary=vocabulary)
            groups = np.repeat(np.arange(len(ids) // per_sample), per_sample)
            return values.groupby(groups).mean()

        return measure_tokens

    def _make_sliders(self, latents):
        model = self.model
        sliders = []
        if hasattr(model, "calibration_"):
            if latents is not None:
                raise ValueError(
                    "latents= is for a BetaVAE; an attribute model has one slider "
                    "per regularized attribute."
                )
            for name in model.attribute_names_in_:
                lo, hi = value_range(model.calibration_[name])
                dim = model.reg_dims_[name]
                sliders.append(
                    {
                        "name": name,
                        "label": name,
                        "info": f"latent z{dim}; range seen in training "
                        f"{lo:.4g} to {hi:.4g}",
                        **_grid(lo, hi),
                        "dim": dim,
                    }
                )
            return sliders
        dims = range(min(model.latent_dim_, 12)) if latents is None else latents
        for dim in dims:
            if not isinstance(dim, Integral) or not 0 <= dim < model.latent_dim_:
                raise ValueError(
                    f"latents must be latent indices in [0, {model.latent_dim_}); "
                    f"got {dim!r}."
                )
            sliders.append(
                {
                    "name": int(dim),
                    "label": f"z{dim}",
                    "info": f"latent code, prior N(0, 1); range +/-{LATENT_SPAN:g}",
                    **_grid(-LATENT_SPAN, LATENT_SPAN),
                    "dim": int(dim),
                }
            )
        return sliders

    # ----------------------------------------------------------- helpers

    def _input(self, x):
        """x as the model's methods take it (a DataFrame for frame models)."""
        if self._frame_columns is None:
            return x
        return pd.DataFrame(
            np.asarray(x).reshape(len(x), -1), columns=self._frame_columns
        )

    def _mode(self):
        return "value" if hasattr(self.model, "calibration_") else "latent"

    def _read(self, x):
        """Slider quantities of x: predicted attributes, or latent codes."""
        model = self.model
        if self._mode() == "value":
            predicted = model.predict(self._input(x))
            if not isinstance(predicted, pd.DataFrame):
                predicted = pd.DataFrame(
                    np.asarray(predicted).reshape(len(x), -1),
                    columns=model.attribute_names_in_,
                )
            return {n: float(predicted[n].iloc[0]) for n in self.names}
        Z = model.transform(self._input(x))
        return {n: float(Z[0, n]) for n in self.names}

    def _measured(self, decoded):
        if self.measure is None:
            return None
        values = self.measure(decoded)
        if isinstance(values, dict):
            values = pd.DataFrame(values)
        if not isinstance(values, pd.DataFrame):
            values = np.asarray(values, dtype=np.float64).reshape(len(decoded), -1)
            names = (
                [str(n) for n in self.names]
                if values.shape[1] == len(self.names)
                else [f"m{i}" for i in range(values.shape[1])]
            )
            values = pd.DataFrame(values, columns=names)
        return {str(c): float(values[c].iloc[0]) for c in values.columns}

    def _clip(self, values):
        values = list(values)
        if len(values) != len(self.sliders):
            raise ValueError(
                f"Expected {len(self.sliders)} slider values, got {len(values)}."
            )
        return [
            float(np.clip(float(v), s["minimum"], s["maximum"]))
            for v, s in zip(values, self.sliders)
        ]

    # --------------------------------------------------------- callbacks

    def start(self, source="index", index=0):
        """A start point: a sample of X by index or at random, or a prior draw.

        Parameters
        ----------
        source : {'index', 'random', 'prior'}
            Where the start comes from.
        index : int
            Sample index for ``source='index'``.

        Returns
        -------
        state : dict
            ``x`` (the start, shape ``(1, *input_shape)``), ``values`` (the
            slider values that leave it unchanged), ``label``, ``index``
            (None for a prior draw), ``predicted`` and ``measured`` (None
            without a measure function).
        """
        if source in ("index", "random") and self.X is None:
            source = "prior"
        if source == "index":
            if index is None or not float(index).is_integer():
                raise ValueError(f"The sample index must be an integer; got {index}.")
            index = int(index)
            if not 0 <= index < self.n_samples:
                raise ValueError(
                    f"Sample index {index} is out of range: X has "
                    f"{self.n_samples} samples (0 to {self.n_samples - 1})."
                )
        elif source == "random":
            index = int(self._rng.randint(self.n_samples))
        elif source == "prior":
            index = None
        else:
            raise ValueError(
                f"source must be 'index', 'random' or 'prior'; got {source!r}."
            )
        if index is None:
            x = self.model.sample(1, random_state=self._rng)
            label = "a draw from the prior"
        else:
            x = self.X[index : index + 1]
            label = f"sample {index} of X"
        x = np.asarray(x)
        predicted = self._read(x)
        return {
            "x": x,
            "values": [
                _snap(predicted[n], s) for n, s in zip(self.names, self.sliders)
            ],
            "label": label,
            "index": index,
            "predicted": predicted,
            "measured": self._measured(x),
        }

    def targets(self, state, values):
        """The edit targets of slider ``values``: only the moved sliders.

        A slider left within half a step of its start value keeps the start's
        own latent code, so an untouched page shows the reconstruction.
        """
        values = self._clip(values)
        return {
            s["name"]: v
            for s, v, v0 in zip(self.sliders, values, state["values"])
            if abs(v - v0) > s["step"] / 2
        }

    def edit(self, state, values):
        """Decoded output of the start with the sliders' values, via ``edit``."""
        decoded = self.model.edit(
            self._input(state["x"]), self.targets(state, values), mode=self._mode()
        )
        return np.asarray(decoded).reshape(state["x"].shape)

    def table(self, state, values, edited):
        """One row per attribute: edit target, predicted and measured values.

        The target is NaN for sliders left at the start's value.
        """
        targets = self.targets(state, values)
        after = self._read(edited)
        rows = {
            label: {
                "edit target": targets.get(n, np.nan),
                "predicted: start": state["predicted"][n],
                "predicted: edited": after[n],
            }
            for n, label in zip(self.names, self.labels)
        }
        measured = self._measured(edited)
        if measured is not None:
            for name, value in measured.items():
                row = rows.setdefault(name, {})
                row["measured: start"] = state["measured"][name]
                row["measured: edited"] = value
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "attribute" if self._mode() == "value" else "latent"
        return frame.reset_index().round(4)

    def update(self, state, values):
        """Everything a slider move redraws.

        Parameters
        ----------
        state : dict
            From :meth:`start`.
        values : sequence of float
            One value per slider.

        Returns
        -------
        outputs : dict
            The view's pair outputs (``start``, ``edited``, and for measures
            ``start_audio`` and ``edited_audio`` as ``(sample_rate, int16
            array)``), ``table`` (DataFrame) and ``edited_data`` (the decoded
            output, shape ``(1, *input_shape)``).
        """
        edited = self.edit(state, values)
        return {
            **self.view.pair(state["x"], edited),
            "table": self.table(state, values, edited),
            "edited_data": edited,
        }

    def traversal(self, state, attribute):
        """The traversal strip of one attribute (or latent index) from the start.

        The attribute runs over its whole slider range in ``n_steps`` steps,
        through the model's ``traverse``; the other dimensions keep the
        start's codes.

        Returns
        -------
        outputs : dict
            The view's strip outputs, ``caption`` (markdown naming the steps)
            and ``steps`` (the values).
        """
        slider = self._slider(attribute)
        steps = np.linspace(slider["minimum"], slider["maximum"], self.n_steps)
        traversed = self.model.traverse(
            self._input(state["x"]), slider["name"], values=steps, mode=self._mode()
        )
        traversed = np.asarray(traversed).reshape(
            self.n_steps, *self.model.input_shape_
        )
        labels = [f"{v:.3g}" for v in steps]
        caption = (
            f"**{slider['label']}** from {labels[0]} to {labels[-1]} in "
            f"{self.n_steps} steps ({', '.join(labels)}), other dimensions as in "
            f"{state['label']}."
        )
        return {
            **self.view.strip(traversed, labels),
            "caption": caption,
            "steps": steps,
            "traversed": traversed,
        }

    def export(self, state, values, attribute, folder=None):
        """MIDI and MusicXML files of the start, the edit and the traversal."""
        if self.kind != "measures":
            raise ValueError("Export writes MIDI and MusicXML of token models only.")
        parts = {
            "start": state["x"],
            "edited": self.edit(state, values),
            f"traversal_{self._slider(attribute)['label']}": self.traversal(
                state, attribute
            )["traversed"],
        }
        return self.view.export(parts, folder)

    def _slider(self, attribute):
        for slider in self.sliders:
            if attribute in (slider["name"], slider["label"]):
                return slider
        raise ValueError(
            f"Unknown attribute {attribute!r}; the sliders are {self.labels}."
        )
