"""Shared fit of the models that regularize latent dims by attributes."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings

import numpy as np
from sklearn.base import _fit_context

from skarvae.estimators._attributes import (
    attribute_names,
    check_attributes,
    resolve_reg_dims,
)
from skarvae.estimators._base import _BaseVAE
from skarvae.estimators._editing import _AttributeEditingMixin


class _RegularizedVAE(_AttributeEditingMixin, _BaseVAE):
    """Base class of ARVAE and GLSRVAE: attribute columns as required targets.

    Warning: This class should not be used directly. Use derived classes
    instead.
    """

    _json_attributes = (
        *_BaseVAE._json_attributes,
        "attribute_names_in_",
        "reg_dims_",
        "calibration_",
        "_attribute_layout",
    )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, \\*shape)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_attributes)
            The attributes to regularize: an array, a Series or a DataFrame
            (whose column names become the attribute names).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if y is None:
            self._validate_fit_data(X, y)  # raises: the model requires y
        if isinstance(y, (str, bytes, dict, set)) or np.isscalar(y):
            raise TypeError(
                "y must hold the attributes as an array-like of shape "
                "(n_samples,) or (n_samples, n_attributes), a Series or a "
                f"DataFrame; got {type(y).__name__}."
            )
        names = attribute_names(y)
        A = check_attributes(y, names)
        X, A = self._validate_fit_data(X, A, multi_output=True, y_numeric=True)
        _warn_constant(A.reshape(len(A), -1), names)
        self._resolve_module()
        self.attribute_names_in_ = names
        self.reg_dims_ = resolve_reg_dims(self.reg_dims, names, self.latent_dim_)
        self._regularization()  # check the per-attribute settings before training
        self._fit(X, A.astype("float32").reshape(len(A), -1))
        return self._fit_calibration(X, A, y)

    def _latent_names(self):
        names = super()._latent_names()
        for attribute, dim in self.reg_dims_.items():
            names[dim] = f"z_{attribute}"
        return names


def _warn_constant(A, names):
    """Warn about attribute columns without variation (they train, uselessly)."""
    constant = [n for n, c in zip(names, np.ptp(A, axis=0) == 0) if c]
    if len(A) > 1 and constant:
        warnings.warn(
            f"Attribute column(s) {constant} are constant in the training data: "
            "their regularization only pulls the codes of their latent "
            "dimension together, predict returns the constant and edit cannot "
            "change it. Drop the column(s) or check the data.",
            UserWarning,
            stacklevel=3,
        )
