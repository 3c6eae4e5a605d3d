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
        self._fit(X, self._net_targets(A))
        return self._fit_calibration(X, A, y)

    def _net_targets(self, A):
        """What the net trains on for attribute values ``A``: their ranks."""
        return attribute_ranks(A)

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


def attribute_ranks(A):
    """Dense ranks of each attribute column, the targets the net trains on.

    The regularization only uses the sign of differences between attribute
    values. Ranking in float64, before anything is cast for the net, keeps
    that sign exactly for every pair of finite values: casting the values to
    float32 instead would merge values closer than float32's resolution
    (a date-like attribute near 2e7 collapses to one or two values). Tied
    values share a rank, so ties keep their target of 0. The ranks are
    int64, exact for any number of samples.

    Parameters
    ----------
    A : ndarray of shape (n_samples, n_attributes)
        Finite float64 attribute values.

    Returns
    -------
    ranks : ndarray of shape (n_samples, n_attributes), dtype int64
        0 for the smallest value of each column, 1 for the next, ...

    Examples
    --------
    >>> import numpy as np
    >>> from skarvae.estimators._regularized import attribute_ranks
    >>> attribute_ranks(np.array([[2.0e7 + 0.5], [2.0e7 + 0.25], [2.0e7 + 0.5]]))
    array([[1],
           [0],
           [1]])
    """
    A = np.asarray(A, dtype=np.float64).reshape(len(A), -1)
    ranks = np.empty(A.shape, dtype=np.int64)
    for j in range(A.shape[1]):
        ranks[:, j] = np.unique(A[:, j], return_inverse=True)[1].reshape(-1)
    return ranks
