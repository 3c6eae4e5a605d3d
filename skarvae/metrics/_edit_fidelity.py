"""Edit fidelity: do decoded outputs have the attribute values that were asked for."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.pipeline import Pipeline
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

#: Columns of the edit-fidelity table, in order.
FIDELITY_COLUMNS = (
    "spearman",
    "pooled_spearman",
    "monotone",
    "mean_abs_error",
    "relative_error",
    "movement",
    "leakage",
    "unmeasured",
    "low",
    "high",
)

#: Scores the scorer can return: higher is better, errors are negated.
FIDELITY_SCORES = {
    "spearman": ("spearman", 1.0),
    "pooled_spearman": ("pooled_spearman", 1.0),
    "monotone": ("monotone", 1.0),
    "neg_relative_error": ("relative_error", -1.0),
    "neg_leakage": ("leakage", -1.0),
}


def _split_pipeline(estimator):
    """(preprocessing steps or None, final editing estimator)."""
    if isinstance(estimator, Pipeline):
        return (estimator[:-1] if len(estimator) > 1 else None), estimator[-1]
    return None, estimator


def _check_editor(model):
    missing = [
        name
        for name in ("traverse", "predict", "reg_dims_", "calibration_")
        if not hasattr(model, name)
    ]
    if missing:
        raise TypeError(
            "edit_fidelity needs a fitted estimator with attribute calibration "
            "(ARVAE, GLSRVAE, or a Pipeline ending in one); "
            f"{type(model).__name__} lacks {missing}."
        )


def _measured_frame(measure, decoded, n_rows, names, single):
    """Call ``measure`` and return a DataFrame with one row per decoded sample.

    An array's columns are the estimator's attributes ``names`` in order; a
    single column is the one traversed attribute ``single`` (if any).
    """
    out = measure(decoded)
    if isinstance(out, pd.Series):
        out = out.to_frame()
    if isinstance(out, pd.DataFrame):
        frame = out.reset_index(drop=True)
        frame.columns = [str(c) for c in frame.columns]
    else:
        values = np.asarray(out, dtype=np.float64)
        if values.ndim == 1:
            values = values[:, np.newaxis]
        if values.ndim == 2 and values.shape[1] == len(names):
            columns = names
        elif values.ndim == 2 and values.shape[1] == 1 and single is not None:
            columns = [single]
        else:
            raise ValueError(
                "measure must return a DataFrame with one column per attribute, "
                f"or an array of shape (n, {len(names)}) in the order {names} "
                f"(or (n,) when one attribute is traversed); got shape "
                f"{values.shape}."
            )
        frame = pd.DataFrame(values, columns=columns)
    if len(frame) != n_rows:
        raise ValueError(
            f"measure returned {len(frame)} rows for {n_rows} decoded samples; "
            "it must return one row per sample."
        )
    try:
        return frame.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"measure must return numbers; {exc}") from None


def _row_ranks(M):
    """Average ranks (ties share their mean) within each row of a small matrix."""
    below = (M[:, np.newaxis, :] < M[:, :, np.newaxis]).sum(axis=2)
    equal = (M[:, np.newaxis, :] == M[:, :, np.newaxis]).sum(axis=2)
    return below + (equal + 1) / 2.0


def _per_sample_spearman(M):
    """Spearman rho of each row of M against its position (0 for a flat row)."""
    ranks = _row_ranks(M)
    ranks = ranks - ranks.mean(axis=1, keepdims=True)
    steps = np.arange(M.shape[1]) - (M.shape[1] - 1) / 2.0
    norm = np.sqrt((ranks**2).sum(axis=1) * (steps**2).sum())
    return np.divide(
        ranks @ steps, norm, out=np.zeros(M.shape[0]), where=norm > 0
    ).clip(-1.0, 1.0)


def _requested_values(model, names, known, X_model, values, quantiles, n_steps):
    """Requested attribute values of each traversal, strictly increasing."""
    if values is not None:
        requested = {}
        for name in names:
            v = np.asarray(values[name], dtype=np.float64)
            if v.ndim != 1 or v.size < 2 or not np.all(np.isfinite(v)):
                raise ValueError(
                    f"values[{name!r}] must be a 1-D sequence of at least 2 finite "
                    f"numbers; got {values[name]!r}."
                )
            if np.any(np.diff(v) <= 0):
                raise ValueError(f"values[{name!r}] must be strictly increasing.")
            requested[name] = v
        return requested
    calibrated = {
        name: np.asarray(model.calibration_[name]["values"], dtype=np.float64)[[0, -1]]
        for name in names
    }
    if quantiles is None:
        ranges = calibrated
    else:
        predicted = model.predict(X_model)
        if not isinstance(predicted, pd.DataFrame):
            predicted = np.asarray(predicted, dtype=np.float64).reshape(
                len(X_model), -1
            )
            predicted = pd.DataFrame(predicted, columns=known)
        ranges = {
            name: np.quantile(predicted[name].to_numpy(np.float64), quantiles)
            for name in names
        }
    requested = {}
    for name in names:
        low, high = (float(v) for v in ranges[name])
        if not high > low and quantiles is not None:
            warnings.warn(
                f"The model reads one value of {name!r} ({low:.6g}) at the "
                f"quantiles {quantiles} of X; its traversal spans the whole "
                "calibrated range instead.",
                UserWarning,
                stacklevel=4,
            )
            low, high = (float(v) for v in calibrated[name])
        if not high > low:
            raise ValueError(
                f"The traversal of {name!r} would span a single value ({low:.6g}): "
                "the model's calibration maps every code to one value, so the "
                "attribute cannot be edited. Pass values= to request some anyway."
            )
        requested[name] = np.linspace(low, high, n_steps)
    return requested


def _decode_traversal(pre, model, X_model, name, requested):
    """Decoded traversal of ``name``, shape (n_samples * n_steps, ...), input space."""
    with warnings.catch_warnings():
        # Requests beyond the calibrated range are clipped; the error shows it.
        warnings.simplefilter("ignore", UserWarning)
        decoded = np.asarray(
            model.traverse(X_model, name, values=requested, mode="value")
        )
    decoded = decoded.reshape(-1, *decoded.shape[2:])
    if pre is not None:
        decoded = pre.inverse_transform(decoded)
    return decoded


def _scale(frame, column):
    """Standard deviation of a measured attribute over X (NaN if it is constant)."""
    if column not in frame:
        return np.nan
    std = np.nanstd(frame[column].to_numpy(np.float64)) if len(frame) else np.nan
    return std if std > 0 else np.nan


def _fidelity_row(measured, requested, others, scale, other_scales):
    """Statistics of one attribute's traversal.

    ``measured`` (n, k) holds the edited attribute, ``others`` maps each
    other measured attribute to its (n, k) values along the same traversal.
    """
    finite = np.isfinite(measured)
    complete = finite.all(axis=1)
    M = measured[complete]
    row = {"unmeasured": 1.0 - finite.mean() if finite.size else np.nan}
    span = requested[-1] - requested[0]
    row["low"], row["high"] = requested[0], requested[-1]
    if finite.any():
        R = np.broadcast_to(requested, measured.shape)
        errors = np.abs(measured[finite] - R[finite])
        row["mean_abs_error"] = float(errors.mean())
        row["relative_error"] = row["mean_abs_error"] / span
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # constant input: NaN, set to 0
            rho = spearmanr(R[finite], measured[finite]).statistic
        row["pooled_spearman"] = float(rho) if np.isfinite(rho) else 0.0
    else:
        row.update(mean_abs_error=np.nan, relative_error=np.nan, pooled_spearman=np.nan)
    if len(M):
        row["spearman"] = float(np.median(_per_sample_spearman(M)))
        steps = np.diff(M, axis=1)
        row["monotone"] = float(
            np.mean(np.all(steps >= 0, axis=1) & (M[:, -1] > M[:, 0]))
        )
        row["movement"] = float(np.mean(np.ptp(M, axis=1))) / scale
    else:
        row.update(spearman=np.nan, monotone=np.nan, movement=np.nan)
    moves = {}
    for other, values in others.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows
            ranges = np.nanmax(values, axis=1) - np.nanmin(values, axis=1)
        ranges = ranges[np.isfinite(ranges)]
        moves[other] = (
            float(ranges.mean()) / other_scales[other] if ranges.size else np.nan
        )
    finite_moves = [v for v in moves.values() if np.isfinite(v)]
    row["leakage"] = float(np.mean(finite_moves)) if finite_moves else np.nan
    return row, moves


@validate_params(
    {
        "estimator": [object],
        "X": ["array-like"],
        "measure": [callable],
        "attributes": [list, tuple, str, None],
        "n_steps": [Interval(Integral, 2, None, closed="left")],
        "quantiles": [tuple, list, None],
        "values": [Mapping, None],
        "return_details": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def edit_fidelity(
    estimator,
    X,
    measure,
    *,
    attributes=None,
    n_steps=7,
    quantiles=(0.05, 0.95),
    values=None,
    return_details=False,
):
    """How faithfully a fitted AR-VAE's edits show in its decoded outputs.

    For each regularized attribute, every sample of ``X`` is traversed with
    ``estimator.traverse(X, attribute, values=requested, mode="value")``:
    its attribute is set to each requested value in turn, through the
    estimator's calibration, and decoded. ``measure`` then computes the
    attributes of the decoded outputs. Disentanglement metrics look only at
    the codes; this looks at what the user gets.

    The requested values are ``n_steps`` evenly spaced values between the
    ``quantiles`` of the estimator's own reading of the attribute over
    ``X`` (``estimator.predict(X)``), i.e. across the range the data
    actually occupies, in calibrated attribute units.

    Parameters
    ----------
    estimator : estimator object
        A fitted estimator with attribute calibration and ``traverse``
        (:class:`~skarvae.ARVAE`, :class:`~skarvae.GLSRVAE`), or a
        :class:`~sklearn.pipeline.Pipeline` ending in one: ``X`` then goes
        through the earlier steps, and the decoded outputs back through
        their ``inverse_transform`` before they are measured.
    X : array-like of shape (n_samples, n_features) or (n_samples, \\*shape)
        Data whose edits are scored, as the estimator takes it.
    measure : callable
        ``measure(decoded)`` computes the attributes of decoded outputs
        (shape (m, ...) as :meth:`~skarvae.ARVAE.traverse` gives them, one
        sample per row; token ids for token models, probabilities for
        ``bce``). It returns a DataFrame with a column per attribute (extra
        columns count as other attributes for the leakage), or an array of
        shape (m, n_attributes) in the order of ``attribute_names_in_``, or
        of shape (m,) when one attribute is scored. NaN marks an output
        that cannot be measured (e.g. a blank decoded image); see Notes.
        Examples: :func:`skarvae.music.measure_attributes` with the
        vocabulary, :func:`skarvae.datasets.morphometrics`.
    attributes : list of str, str or None, default=None
        Attributes to traverse; None traverses every regularized attribute.
    n_steps : int, default=7
        Number of requested values per traversal.
    quantiles : (float, float) or None, default=(0.05, 0.95)
        Quantiles of the model's reading of ``X`` that bound the requested
        values. None spans the whole calibrated range (the values at the
        lowest and highest training codes), as ``traverse`` does by default;
        so does an attribute the model reads as one value at both quantiles
        (with a warning). A calibration with a single value raises.
    values : dict, default=None
        Requested values per attribute (strictly increasing, at least 2),
        instead of ``quantiles`` and ``n_steps``; its keys are the
        attributes scored when ``attributes`` is None. Values beyond the
        calibrated range are clipped by the editor (silently here), which
        shows as error.
    return_details : bool, default=False
        Also return the requested and measured values.

    Returns
    -------
    table : pandas.DataFrame
        One row per traversed attribute (index ``attribute``), columns:

        - ``spearman``: median over samples of the Spearman correlation
          between the requested values and the measured attribute along the
          sample's traversal (a traversal that leaves the attribute
          unchanged counts 0); 1 when every edit goes the asked way;
        - ``pooled_spearman``: Spearman correlation of all (requested,
          measured) pairs pooled over samples;
        - ``monotone``: share of samples whose measured attribute never
          decreases along the traversal and ends higher than it starts;
        - ``mean_abs_error``: mean \\|measured - requested\\|, in attribute
          units; ``relative_error``: the same divided by the requested span
          ``high - low``;
        - ``movement``: mean over samples of the range (max - min) of the
          measured attribute along the traversal, in standard deviations of
          the attribute measured on ``X`` itself;
        - ``leakage``: the same movement for every other measured attribute,
          averaged over them; 0 when nothing else moves. Compare with
          ``movement``;
        - ``unmeasured``: share of decoded outputs whose attribute is NaN;
        - ``low``, ``high``: the requested range.

    details : Bunch
        Only with ``return_details=True``: ``table``; ``requested`` (dict
        attribute -> (n_steps,) values); ``measured`` (dict attribute ->
        (n_samples, n_steps) measured values of that attribute); and
        ``leakage`` (DataFrame, rows the traversed attributes, columns the
        other measured attributes, movement in standard deviations).

    See Also
    --------
    make_edit_fidelity_scorer : The same as a model-selection scorer.

    Notes
    -----
    NaN measurements are never replaced. A sample with a NaN anywhere along
    a traversal is left out of ``spearman``, ``monotone`` and ``movement``;
    every finite (requested, measured) pair still counts in the errors and
    ``pooled_spearman``; ``unmeasured`` reports the share of NaN outputs.
    When nothing can be measured, the row is NaN. An attribute whose
    measured standard deviation over ``X`` is 0 or NaN has NaN movement (and
    leaves the leakage average when it is an other attribute). Measured
    infinities count as NaN.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from skarvae import ARVAE
    >>> from skarvae.datasets import make_attribute_data
    >>> from skarvae.metrics import edit_fidelity
    >>> data = make_attribute_data(n_samples=200, random_state=0)
    >>> vae = ARVAE(latent_dim=4, max_epochs=15, random_state=0)
    >>> vae = vae.fit(data.data, data.attributes)
    >>> reader = LinearRegression().fit(data.data, data.attributes)
    >>> measure = lambda decoded: reader.predict(decoded)  # columns a0, a1, a2
    >>> table = edit_fidelity(vae, data.data[:100], measure)
    >>> list(table.index), bool(table["spearman"].min() > 0.5)
    (['a0', 'a1', 'a2'], True)
    """
    pre, model = _split_pipeline(estimator)
    _check_editor(model)
    known = list(getattr(model, "attribute_names_in_", None) or model.reg_dims_)
    if attributes is None:
        attributes = list(values) if values is not None else known
    elif isinstance(attributes, str):
        attributes = [attributes]
    names = [str(a) for a in attributes]
    unknown = [a for a in names if a not in model.reg_dims_]
    if unknown or not names:
        raise ValueError(
            f"Unknown attributes {unknown or names}; the estimator regularizes {known}."
        )
    if values is not None:
        values = {str(k): v for k, v in values.items()}
        missing = [a for a in names if a not in values]
        if missing:
            raise ValueError(f"values has no requested values for {missing}.")
    if quantiles is not None:
        quantiles = tuple(quantiles)
        if (
            len(quantiles) != 2
            or not all(isinstance(q, Real) for q in quantiles)
            or not 0 <= quantiles[0] < quantiles[1] <= 1
        ):
            raise ValueError(
                "quantiles must be two increasing numbers in [0, 1], e.g. "
                f"(0.05, 0.95); got {quantiles!r}."
            )
    X_model = X if pre is None else pre.transform(X)
    n_samples = len(X_model)
    if n_samples < 1:
        raise ValueError("X holds no samples.")
    requested = _requested_values(
        model, names, known, X_model, values, quantiles, n_steps
    )
    single = names[0] if len(names) == 1 else None
    # measure sees X as it sees decoded outputs: an array.
    X_measured = X.to_numpy() if isinstance(X, pd.DataFrame) else np.asarray(X)
    reference = _measured_frame(measure, X_measured, n_samples, known, single)
    reference = reference.where(np.isfinite(reference))
    rows, measured_all, leakage = {}, {}, {}
    for name in names:
        decoded = _decode_traversal(pre, model, X_model, name, requested[name])
        k = len(requested[name])
        frame = _measured_frame(measure, decoded, n_samples * k, known, single)
        if name not in frame:
            raise ValueError(
                f"measure returned the columns {list(frame.columns)}, none of "
                f"them {name!r}; name the columns after the attributes."
            )
        frame = frame.where(np.isfinite(frame))
        measured = frame[name].to_numpy(np.float64).reshape(n_samples, k)
        others = {
            c: frame[c].to_numpy(np.float64).reshape(n_samples, k)
            for c in frame.columns
            if c != name
        }
        rows[name], leakage[name] = _fidelity_row(
            measured,
            requested[name],
            others,
            _scale(reference, name),
            {c: _scale(reference, c) for c in others},
        )
        measured_all[name] = measured
    table = pd.DataFrame.from_dict(rows, orient="index")[list(FIDELITY_COLUMNS)]
    table.index.name = "attribute"
    if not return_details:
        return table
    return Bunch(
        table=table,
        requested=requested,
        measured=measured_all,
        leakage=pd.DataFrame.from_dict(leakage, orient="index")[
            [c for c in reference.columns if c in set().union(*leakage.values())]
        ],
    )


class _EditFidelityScorer:
    """Callable ``scorer(estimator, X, y=None)`` over the estimator's edits."""

    def __init__(self, measure, score, options):
        self.measure = measure
        self.score = score
        self.options = options

    def __repr__(self):
        options = "".join(f", {k}={v!r}" for k, v in self.options.items())
        return (
            f"make_edit_fidelity_scorer({self.measure!r}, "
            f"score={self.score!r}{options})"
        )

    def __call__(self, estimator, X, y=None):
        table = edit_fidelity(estimator, X, self.measure, **self.options)
        means = {
            name: sign * float(table[column].mean(skipna=False))
            for name, (column, sign) in FIDELITY_SCORES.items()
        }
        return means if self.score == "all" else means[self.score]


@validate_params(
    {
        "measure": [callable],
        "score": [StrOptions({"all", *FIDELITY_SCORES})],
        "attributes": [list, tuple, str, None],
        "n_steps": [Interval(Integral, 2, None, closed="left")],
        "quantiles": [tuple, list, None],
    },
    prefer_skip_nested_validation=True,
)
def make_edit_fidelity_scorer(
    measure, *, score="spearman", attributes=None, n_steps=7, quantiles=(0.05, 0.95)
):
    """Make a scorer ``scorer(estimator, X, y=None)`` from :func:`edit_fidelity`.

    The scorer traverses every regularized attribute of the fitted estimator
    (or a Pipeline ending in one) over ``X``, measures the decoded outputs
    with ``measure`` and returns the mean over attributes of one column of
    the edit-fidelity table. ``y`` is ignored. Use it as ``scoring=`` in
    ``GridSearchCV``, ``cross_validate`` or :class:`~skarvae.model_selection.
    ARVAESearchCV`. A NaN score (nothing measurable) counts as a failed
    candidate there.

    Parameters
    ----------
    measure : callable
        Attributes of decoded outputs, see :func:`edit_fidelity`. To be
        picklable for parallel searches, pass a module-level function or a
        fitted estimator's bound method, not a lambda.
    score : str, default='spearman'
        ``'spearman'``, ``'pooled_spearman'``, ``'monotone'``,
        ``'neg_relative_error'`` or ``'neg_leakage'`` (errors negated so that
        higher is better), or ``'all'`` for a dict of all of them (then pass
        ``refit=`` one of its keys).
    attributes : list of str, str or None, default=None
        Attributes to traverse; None traverses all.
    n_steps : int, default=7
        Requested values per traversal.
    quantiles : (float, float) or None, default=(0.05, 0.95)
        Range of the requested values, see :func:`edit_fidelity`.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y=None)`` returning a float (or a dict for
        ``score='all'``); higher is better.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from skarvae import ARVAE
    >>> from skarvae.datasets import make_attribute_data
    >>> from skarvae.metrics import make_edit_fidelity_scorer
    >>> data = make_attribute_data(n_samples=200, random_state=0)
    >>> reader = LinearRegression().fit(data.data, data.attributes)
    >>> scorer = make_edit_fidelity_scorer(reader.predict, score="monotone")
    >>> vae = ARVAE(latent_dim=4, max_epochs=15, random_state=0)
    >>> vae = vae.fit(data.data, data.attributes)
    >>> 0 <= scorer(vae, data.data[:100]) <= 1
    True
    """
    options = {"attributes": attributes, "n_steps": n_steps, "quantiles": quantiles}
    return _EditFidelityScorer(measure, score, options)
