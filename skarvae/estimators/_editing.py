"""Attribute editing: predict, edit, traverse and interpolate in latent space."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import math
import warnings
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.validation import check_is_fitted

from skarvae.estimators._calibration import (
    code_range,
    code_to_value,
    fit_calibration,
    value_range,
    value_to_code,
)

_PRIOR_SPAN = 3.0  # default traversal span, in prior standard deviations
_MODES = {"value", "latent", "shift"}


def _check(caller, constraints, **params):
    validate_parameter_constraints(constraints, params, caller_name=caller)


def _as_numbers(value, what):
    """``value`` as a float64 array, or a TypeError naming ``what``."""
    try:
        values = None if value is None else np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        values = None
    if values is None or np.iscomplexobj(value):
        raise TypeError(
            f"{what} must be a real number or an array-like of real numbers; "
            f"got {value!r}."
        )
    return values


def _check_codes(Z):
    """Reject edited latent codes that overflow the network's float32."""
    if not np.all(np.abs(Z) <= np.finfo(np.float32).max):
        raise ValueError(
            "The edited latent codes overflow float32 (largest |z| = "
            f"{float(np.nanmax(np.abs(Z))):.3g}); use smaller values or shifts."
        )
    return Z


class _EditingMixin:
    """Edit, traverse and interpolate in latent space (all VAE estimators).

    Targets are named by integer latent index; :class:`ARVAE` also accepts
    attribute names, whose values go through the calibration fitted in
    ``fit``.
    """

    # ---------------------------------------------------------- helpers

    def _calibration_entry(self, name):
        calibration = getattr(self, "calibration_", None)
        return None if calibration is None else calibration.get(name)

    def _resolve_target(self, key, mode):
        """Latent index and calibration entry (or None) of one edit target."""
        reg_dims = getattr(self, "reg_dims_", {})
        if isinstance(key, str):
            if key not in reg_dims:
                known = list(reg_dims)
                hint = (
                    f"the attributes are {known}"
                    if known
                    else f"{type(self).__name__} has no named attributes; use "
                    f"integer latent indices 0 to {self.latent_dim_ - 1}"
                )
                raise ValueError(f"Unknown attribute {key!r}: {hint}.")
            entry = self._calibration_entry(key)
            if mode == "value" and entry is None:
                raise ValueError(
                    f"Attribute {key!r} has no calibration; use mode='latent' or "
                    "mode='shift', or refit the model."
                )
            return reg_dims[key], entry
        if isinstance(key, Integral) and not isinstance(key, bool):
            if not 0 <= key < self.latent_dim_:
                raise ValueError(
                    f"Latent index {key} is out of range: latent_dim="
                    f"{self.latent_dim_}, so indices run from 0 to "
                    f"{self.latent_dim_ - 1}."
                )
            if mode == "value":
                names = list(getattr(self, "calibration_", {}) or {})
                hint = (
                    f"use an attribute name ({names}) or "
                    if names
                    else f"{type(self).__name__} has no attribute calibration; "
                )
                raise ValueError(
                    f"mode='value' needs an attribute name, got latent index "
                    f"{key}: {hint}use mode='latent' or mode='shift'."
                )
            return int(key), None
        raise TypeError(
            f"Edit targets are attribute names (str) or latent indices (int); "
            f"got {key!r} of type {type(key).__name__}."
        )

    def _target_codes(self, entry, values, mode, on_out_of_range, name):
        """Latent values (or shifts) for requested ``values``."""
        if mode != "value":
            return values
        lo, hi = value_range(entry)
        outside = (values < lo) | (values > hi)
        if outside.any():
            message = (
                f"{int(outside.sum())} requested value(s) of {name!r} lie outside "
                f"the range seen in training [{lo:.6g}, {hi:.6g}]"
            )
            if on_out_of_range == "raise":
                raise ValueError(message + "; pass on_out_of_range='clip' to clip.")
            warnings.warn(message + "; they are clipped.", UserWarning, stacklevel=3)
            values = np.clip(values, lo, hi)
        return value_to_code(entry, values)

    def _layout(self, X):
        """How the user laid X out: DataFrame, flattened images, or plain."""
        if isinstance(X, pd.DataFrame):
            return {"frame": (X.columns, X.index), "flat": False}
        shape = self.input_shape_
        ndim = getattr(X, "ndim", np.ndim(X))
        return {"frame": None, "flat": len(shape) > 1 and ndim == 2}

    def _in_layout(self, decoded, layout, lead):
        """Decoded data of shape (\\*lead, \\*input_shape) in the user's layout."""
        if layout["flat"]:
            decoded = decoded.reshape(*lead, math.prod(self.input_shape_))
        if layout["frame"] is not None and len(lead) == 1:
            columns, index = layout["frame"]
            return pd.DataFrame(decoded, columns=columns, index=index)
        return decoded

    def _decode_steps(self, Z, layout):
        """Decode codes of shape (n_samples, n_steps, latent_dim)."""
        n, k, d = Z.shape
        flat = np.ascontiguousarray(_check_codes(Z).reshape(n * k, d), np.float32)
        decoded = self._decode(flat)
        return self._in_layout(
            decoded.reshape(n, k, *self.input_shape_), layout, (n, k)
        )

    def _steps(self, values, n_steps, default):
        if values is None:
            _check(
                "traverse",
                {"n_steps": [Interval(Integral, 2, None, closed="left")]},
                n_steps=n_steps,
            )
            return np.linspace(*default, n_steps)
        values = _as_numbers(values, "values")
        if values.ndim != 1 or len(values) == 0:
            raise ValueError(
                "values must be a non-empty 1-D sequence of finite numbers; got "
                f"shape {values.shape}."
            )
        if not np.isfinite(values).all():
            raise ValueError(f"values must be finite; got {values.tolist()}.")
        return values

    # ------------------------------------------------------------ public

    def edit(self, X, targets, *, mode="value", on_out_of_range="clip"):
        """Decode X with some attributes (or latent codes) set to new values.

        X is encoded to its posterior means, the latent dimension of each
        target is set (or shifted), and the codes are decoded.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, \\*shape)
            Data to edit, in the layout fitted on (images may be flattened).
        targets : dict
            Maps attribute names (:class:`ARVAE`) or integer latent indices
            to the requested values: a scalar for every sample or an
            array-like of shape (n_samples,).
        mode : {'value', 'latent', 'shift'}, default='value'
            ``'value'``: values are attribute values, mapped to latent codes
            by the calibration (attribute names only). ``'latent'``: values
            are raw latent codes. ``'shift'``: values are added to the
            latent codes. Latent modes are never clipped.
        on_out_of_range : {'clip', 'raise'}, default='clip'
            For ``mode='value'``: what to do with values outside the range
            seen in training (the calibrated values at the lowest and highest
            training codes, ``calibration_[a]["values"][[0, -1]]``, which lie
            within the attribute's training minimum and maximum); ``'clip'``
            clips them with a warning, ``'raise'`` raises a ValueError.

        Returns
        -------
        X_edited : ndarray or DataFrame
            Decoded data in the layout of X: a DataFrame with the same
            columns and index when X was one, flattened images when X was
            flattened, else shape (n_samples, \\*input_shape). Values, in
            [0, 1] probabilities (``recon_loss='bce'``) or token ids
            (``'ce'``), as :meth:`inverse_transform` returns them.

        Examples
        --------
        >>> from skarvae import ARVAE
        >>> from skarvae.datasets import make_attribute_data
        >>> data = make_attribute_data(n_samples=100, random_state=0)
        >>> vae = ARVAE(latent_dim=4, max_epochs=2, random_state=0)
        >>> vae = vae.fit(data.data, data.attributes)
        >>> vae.edit(data.data[:5], {"a0": 0.5}).shape
        (5, 20)
        >>> vae.edit(data.data[:5], {3: [0, 1, 2, 3, 4]}, mode="latent").shape
        (5, 20)
        """
        check_is_fitted(self)
        _check(
            "edit",
            {
                "targets": [dict],
                "mode": [StrOptions(_MODES)],
                "on_out_of_range": [StrOptions({"clip", "raise"})],
            },
            targets=targets,
            mode=mode,
            on_out_of_range=on_out_of_range,
        )
        layout = self._layout(X)
        Xv = self._validate_X(X)
        n = len(Xv)
        resolved = {}
        for key, value in targets.items():
            dim, entry = self._resolve_target(key, mode)
            if dim in resolved:
                raise ValueError(
                    f"targets set latent dimension {dim} twice ({resolved[dim][0]!r} "
                    f"and {key!r})."
                )
            values = _as_numbers(value, f"The target for {key!r}")
            if values.ndim == 0:
                values = np.full(n, float(values))
            elif values.shape != (n,):
                raise ValueError(
                    f"The target for {key!r} must be a scalar or have shape "
                    f"(n_samples,) = ({n},); got shape {values.shape}."
                )
            if not np.isfinite(values).all():
                raise ValueError(f"The target for {key!r} has NaN or infinite values.")
            codes = self._target_codes(entry, values, mode, on_out_of_range, key)
            resolved[dim] = (key, codes)
        Z = self._encode(Xv)[0].numpy().astype(np.float64)
        for dim, (_, codes) in resolved.items():
            Z[:, dim] = Z[:, dim] + codes if mode == "shift" else codes
        decoded = self._decode(np.ascontiguousarray(_check_codes(Z), np.float32))
        return self._in_layout(decoded, layout, (n,))

    def traverse(
        self, X, attribute, values=None, *, n_steps=8, mode=None, on_out_of_range="clip"
    ):
        """Decoded variations of X along one latent dimension.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, \\*shape)
            Data whose codes are varied.
        attribute : str or int
            Attribute name (:class:`ARVAE`) or latent index.
        values : array-like of shape (n_values,), default=None
            Values to set, in the units of ``mode``. None takes ``n_steps``
            evenly spaced values: over the attribute's training range
            (``'value'``), over the dimension's training codes for a
            regularized dimension or [-3, 3] otherwise (``'latent'``), or
            shifts over half that width either way (``'shift'``).
        n_steps : int, default=8
            Number of values when ``values`` is None.
        mode : {'value', 'latent', 'shift'}, default=None
            As in :meth:`edit`; None means ``'value'`` for a calibrated
            attribute name and ``'latent'`` otherwise.
        on_out_of_range : {'clip', 'raise'}, default='clip'
            As in :meth:`edit`.

        Returns
        -------
        X_traversed : ndarray of shape (n_samples, n_values, \\*input_shape)
            Decoded data, ``X_traversed[i, k]`` is sample ``i`` with the
            dimension set to ``values[k]`` (flattened features when X was
            given flattened).

        Examples
        --------
        >>> from skarvae import ARVAE
        >>> from skarvae.datasets import make_attribute_data
        >>> data = make_attribute_data(n_samples=100, random_state=0)
        >>> vae = ARVAE(latent_dim=4, max_epochs=2, random_state=0)
        >>> vae = vae.fit(data.data, data.attributes)
        >>> vae.traverse(data.data[:3], "a1", n_steps=5).shape
        (3, 5, 20)
        """
        check_is_fitted(self)
        _check(
            "traverse",
            {"on_out_of_range": [StrOptions({"clip", "raise"})]},
            on_out_of_range=on_out_of_range,
        )
        mode, steps = self._traversal_values(attribute, values, n_steps, mode)
        dim, entry = self._resolve_target(attribute, mode)
        codes = self._target_codes(entry, steps, mode, on_out_of_range, attribute)
        layout = self._layout(X)
        Z = self._encode(self._validate_X(X))[0].numpy().astype(np.float64)
        Z = np.repeat(Z[:, None, :], len(steps), axis=1)
        Z[:, :, dim] = Z[:, :, dim] + codes if mode == "shift" else codes
        return self._decode_steps(Z, layout)

    def _traversal_values(self, attribute, values, n_steps, mode):
        """Resolved mode and the requested values of a traversal."""
        if mode is None:
            mode = (
                "value"
                if isinstance(attribute, str) and self._calibration_entry(attribute)
                else "latent"
            )
        _check("traverse", {"mode": [StrOptions(_MODES)]}, mode=mode)
        self._resolve_target(attribute, mode)
        return mode, self._steps(values, n_steps, self._default_span(attribute, mode))

    def _default_span(self, attribute, mode):
        """Default range of traversal values for ``attribute`` in ``mode``."""
        if isinstance(attribute, Integral):
            by_dim = {d: n for n, d in getattr(self, "reg_dims_", {}).items()}
            attribute = by_dim.get(attribute)
        entry = None if attribute is None else self._calibration_entry(attribute)
        if mode == "value":
            return value_range(entry)
        lo, hi = code_range(entry) if entry else (-_PRIOR_SPAN, _PRIOR_SPAN)
        if mode == "shift":
            half = (hi - lo) / 2
            return -half, half
        return lo, hi

    def interpolate(self, X_a, X_b, n_steps=8):
        """Decode straight lines between the latent codes of two data sets.

        Parameters
        ----------
        X_a : array-like of shape (n_samples, ...) or (1, ...)
            Start points, encoded to their posterior means.
        X_b : array-like of shape (n_samples, ...) or (1, ...)
            End points; one sample on either side is paired with every
            sample of the other.
        n_steps : int, default=8
            Number of points per line, both ends included.

        Returns
        -------
        X_interpolated : ndarray of shape (n_samples, n_steps, \\*input_shape)
            ``X_interpolated[i, 0]`` decodes ``X_a[i]`` and
            ``X_interpolated[i, -1]`` decodes ``X_b[i]``.

        Examples
        --------
        >>> from skarvae import BetaVAE
        >>> from skarvae.datasets import make_attribute_data
        >>> X = make_attribute_data(n_samples=100, random_state=0).data
        >>> vae = BetaVAE(latent_dim=4, max_epochs=2, random_state=0).fit(X)
        >>> vae.interpolate(X[:2], X[2:4], n_steps=6).shape
        (2, 6, 20)
        """
        check_is_fitted(self)
        _check(
            "interpolate",
            {"n_steps": [Interval(Integral, 2, None, closed="left")]},
            n_steps=n_steps,
        )
        layout = self._layout(X_a)
        Za = self._encode(self._validate_X(X_a))[0].numpy().astype(np.float64)
        Zb = self._encode(self._validate_X(X_b))[0].numpy().astype(np.float64)
        if len(Za) != len(Zb) and 1 not in (len(Za), len(Zb)):
            raise ValueError(
                f"X_a has {len(Za)} samples and X_b has {len(Zb)}; they must "
                "have the same number of samples, or one of them a single sample."
            )
        t = np.linspace(0.0, 1.0, n_steps)[None, :, None]
        Z = (1 - t) * Za[:, None, :] + t * Zb[:, None, :]
        return self._decode_steps(Z, layout)


class _AttributeEditingMixin(_EditingMixin):
    """Editing by attribute value through a calibration, and ``predict``."""

    def _fit_calibration(self, X, A, y):
        """Fit the code-to-attribute maps on the training codes (end of fit)."""
        Z = self._encode(self._convert_X(X))[0].numpy()
        dims = list(self.reg_dims_.values())
        self.calibration_ = fit_calibration(
            Z[:, dims],
            np.asarray(A, dtype=np.float64).reshape(len(A), -1),
            self.attribute_names_in_,
        )
        if isinstance(y, (pd.DataFrame, pd.Series)):
            self._attribute_layout = "frame"
        else:
            self._attribute_layout = "1d" if np.asarray(y).ndim == 1 else "2d"
        return self

    def predict(self, X):
        """Attribute values read from the latent code of X.

        Each regularized dimension's posterior mean goes through the
        increasing map (isotonic regression) fitted on the training codes
        at the end of ``fit``; predictions stay within the training range.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, \\*shape)
            Data to read the attributes of.

        Returns
        -------
        attributes : DataFrame or ndarray of shape (n_samples, n_attributes)
            A DataFrame with one column per attribute (index of X when X
            was a DataFrame) when the attributes were fitted as a DataFrame or
            Series; otherwise an array shaped like the fitted ``y`` (1-D
            for a 1-D ``y``).

        Examples
        --------
        >>> from skarvae import ARVAE
        >>> from skarvae.datasets import make_attribute_data
        >>> data = make_attribute_data(n_samples=100, random_state=0)
        >>> vae = ARVAE(latent_dim=4, max_epochs=2, random_state=0)
        >>> vae = vae.fit(data.data, data.attributes)
        >>> list(vae.predict(data.data[:5]).columns)
        ['a0', 'a1', 'a2']
        """
        index = X.index if isinstance(X, pd.DataFrame) else None
        Z = self._encode(self._validate_X(X))[0].numpy()
        names = self.attribute_names_in_
        A = (
            np.column_stack(
                [
                    code_to_value(self.calibration_[name], Z[:, self.reg_dims_[name]])
                    for name in names
                ]
            )
            if len(Z)
            else np.empty((0, len(names)))
        )
        layout = getattr(self, "_attribute_layout", "frame")
        if layout == "frame":
            return pd.DataFrame(A, columns=names, index=index)
        return A[:, 0] if layout == "1d" else A
