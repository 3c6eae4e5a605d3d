"""Monotone maps between regularized latent codes and attribute values."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.isotonic import IsotonicRegression


def fit_calibration(codes, attributes, names):
    """Fit one increasing map from latent code to attribute value per attribute.

    Parameters
    ----------
    codes : ndarray of shape (n_samples, n_attributes)
        Posterior means of the regularized dimensions, one column per
        attribute.
    attributes : ndarray of shape (n_samples, n_attributes)
        The attribute values of the same samples.
    names : list of str
        Attribute names, one per column.

    Returns
    -------
    calibration : dict
        Maps each attribute name to ``{"codes": ndarray, "values": ndarray}``,
        the knots of the piecewise-linear increasing map (isotonic
        regression thresholds). Plain arrays, so the calibration is
        JSON-serializable.

    Examples
    --------
    >>> import numpy as np
    >>> from skarvae.estimators._calibration import fit_calibration
    >>> z = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> a = np.array([[1.0], [2.0], [2.0], [5.0]])
    >>> cal = fit_calibration(z, a, ["a"])
    >>> cal["a"]["values"].min(), cal["a"]["values"].max()
    (np.float64(1.0), np.float64(5.0))
    """
    calibration = {}
    for j, name in enumerate(names):
        iso = IsotonicRegression(increasing=True, out_of_bounds="clip")
        iso.fit(np.asarray(codes[:, j], dtype=np.float64), attributes[:, j])
        calibration[name] = {
            "codes": np.asarray(iso.X_thresholds_, dtype=np.float64),
            "values": np.asarray(iso.y_thresholds_, dtype=np.float64),
        }
    return calibration


def _knots(entry):
    """Knots as float arrays (a loaded model holds lists)."""
    return (
        np.asarray(entry["codes"], dtype=np.float64),
        np.asarray(entry["values"], dtype=np.float64),
    )


def _blocks(entry):
    """Distinct values of the map and the first and last code of each."""
    codes, knot_values = _knots(entry)
    unique, inverse = np.unique(knot_values, return_inverse=True)
    lo = np.full(len(unique), np.inf)
    hi = np.full(len(unique), -np.inf)
    np.minimum.at(lo, inverse, codes)
    np.maximum.at(hi, inverse, codes)
    return unique, lo, hi


def code_to_value(entry, z):
    """Attribute values read from latent codes ``z``.

    The isotonic fit is constant on blocks of training codes; a code takes
    the value of its block, and between two blocks the value of the nearer
    one (the step sits halfway across the gap). Steps rather than linear
    ramps across the gaps keep predictions stable under float rounding of
    the codes: gaps between blocks can be narrower than 1e-3, where a ramp
    would amplify the last-bit differences of batched encoding a thousand
    times. Beyond the training codes the end values are kept.
    """
    unique, lo, hi = _blocks(entry)
    steps = (hi[:-1] + lo[1:]) / 2
    return unique[np.searchsorted(steps, np.asarray(z, dtype=np.float64))]


def value_range(entry):
    """Smallest and largest attribute value the calibration reaches."""
    _, values = _knots(entry)
    return float(values[0]), float(values[-1])


def code_range(entry):
    """Smallest and largest latent code seen in training."""
    codes, _ = _knots(entry)
    return float(codes[0]), float(codes[-1])


def value_to_code(entry, values):
    """Latent codes whose calibrated attribute value is ``values``.

    The inverse of the increasing map: each block of codes sharing one value
    is replaced by its midpoint, which makes the values strictly
    increasing, and the result is linearly interpolated. Values outside the
    calibrated range map to the end midpoints.
    """
    unique, lo, hi = _blocks(entry)
    return np.interp(np.asarray(values, dtype=np.float64), unique, (lo + hi) / 2)
