"""Input checks and the D x K score matrices shared by the disentanglement metrics."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from collections.abc import Mapping

import numpy as np
from scipy.stats import t as t_distribution
from sklearn.utils import check_array

from skarvae.metrics._ksg import _ksg_mutual_info
from skarvae.metrics._params import _config_value
from skarvae.metrics._products import _centred_products, _column_sums, _cross

#: Variance below which a latent dim counts as constant in the r² matrix, as in
#: disentanglement_lib's continuous SAP.
_VARIANCE_GUARD = 1e-12

#: Most cells of one joint histogram (every latent dim's bins times the levels
#: of a chunk of attributes) counted by one ``np.bincount`` in the binned
#: estimator.
_MAX_CELLS = 2**20

#: Most joint cell indices (samples x dims x attributes) built at once.
_MAX_INDEX = 2**22


def _attribute_names(attributes, n_attributes):
    """Return attribute names from DataFrame columns, a Series name or defaults."""
    columns = getattr(attributes, "columns", None)
    if columns is not None:
        return [str(c) for c in columns]
    name = getattr(attributes, "name", None)
    if name is not None and n_attributes == 1:
        return [str(name)]
    return [f"attr{k}" for k in range(n_attributes)]


def _as_checked_array(X, input_name, ensure_2d):
    """``check_array(X, dtype=np.float64, ensure_min_samples=1)``, lean for ndarrays.

    A non-empty float64 ndarray of the right number of dims whose sums are
    finite is what ``check_array`` would return unchanged (it tests the sum
    first too); it is returned as is, without ``check_array``'s overhead,
    with its column sums (shape (n_columns,)), which the metrics reuse.
    Anything else, including arrays with NaN or infinity, goes through
    ``check_array``, which raises its usual errors; the sums are then None.
    """
    if (
        type(X) is np.ndarray
        and X.dtype == np.float64
        and (X.ndim == 2 or (X.ndim == 1 and not ensure_2d))
        and X.shape[0] > 0
        and X.shape[-1] > 0
    ):
        if _config_value("assume_finite"):
            return X, None
        with np.errstate(over="ignore", invalid="ignore"):
            sums = _column_sums(X) if X.ndim == 2 else np.array([X.sum()])
        if np.isfinite(sums).all():
            return X, sums
    X = check_array(
        X,
        dtype=np.float64,
        ensure_2d=ensure_2d,
        input_name=input_name,
        ensure_min_samples=1,
    )
    return X, None


def _first_constant_column(A):
    """Index of the first column that holds one value only, or None.

    Exact comparison; NaN counts as varying. Most columns differ from their
    first value within a few rows; only the others are compared in full.
    This is much faster than ``np.ptp`` along the first axis of a C-ordered
    array.
    """
    first = A[0]
    varies = (A[:64] != first).any(axis=0)
    if varies.all():
        return None
    for k in np.flatnonzero(~varies):
        if not (A[:, k] != first[k]).any():
            return k
    return None


def _check_latents_attributes(latents, attributes, *, min_samples=2, sums=False):
    """Validate latents (n, D) and attributes (n,) or (n, K).

    Returns
    -------
    Z : ndarray of shape (n_samples, n_dims), float64
    A : ndarray of shape (n_samples, n_attributes), float64
    names : list of str
    sums : tuple of two ndarrays or None
        Only with ``sums=True``: the column sums of Z and A when the lean
        check computed them (else None), see ``_as_checked_array``.
    """
    Z, z_sum = _as_checked_array(latents, "latents", ensure_2d=True)
    A, a_sum = _as_checked_array(attributes, "attributes", ensure_2d=False)
    if A.ndim == 1:
        A = A[:, np.newaxis]
    if Z.shape[0] != A.shape[0]:
        raise ValueError(
            "latents and attributes have different numbers of samples: "
            f"{Z.shape[0]} != {A.shape[0]}."
        )
    if Z.shape[0] < min_samples:
        raise ValueError(
            f"At least {min_samples} samples are needed, got n_samples={Z.shape[0]}."
        )
    names = _attribute_names(attributes, A.shape[1])
    constant = _first_constant_column(A)
    if constant is not None:
        raise ValueError(
            f"Attribute {names[constant]!r} is constant; disentanglement "
            "metrics are undefined for an attribute that does not vary. Drop it."
        )
    if sums:
        both = None if z_sum is None or a_sum is None else (z_sum, a_sum)
        return Z, A, names, both
    return Z, A, names


def _has_names(attributes):
    """Whether the attributes carry their own names (DataFrame or named Series)."""
    if getattr(attributes, "columns", None) is not None:
        return True
    return getattr(attributes, "name", None) is not None and np.ndim(attributes) == 1


def _check_unique_names(names):
    """Raise when two attribute names are equal once turned into strings."""
    seen, duplicates = set(), []
    for name in names:
        if name in seen and name not in duplicates:
            duplicates.append(name)
        seen.add(name)
    if duplicates:
        raise ValueError(
            f"Attribute names must be unique as strings; {duplicates} occur more "
            "than once (column names such as 0 and '0' count as equal)."
        )


def _reg_dims_from_mapping(reg_dims, names, named):
    """One latent dim per attribute from a dict {attribute name: latent dim}.

    Keys are matched to the attribute names as strings (so ``{0: 1}`` finds
    DataFrame column ``0``). Attributes without names (an ndarray) take the
    dict's order, as in an estimator's ``reg_dims_``, and its keys as names.

    Returns
    -------
    dims : list
    names : list of str
    """
    by_name = {}
    for key, dim in reg_dims.items():
        if str(key) in by_name:
            raise ValueError(
                f"reg_dims has two keys named {str(key)!r} once turned into strings."
            )
        by_name[str(key)] = dim
    if named or all(name in by_name for name in names):
        missing = [name for name in names if name not in by_name]
        if missing:
            raise ValueError(
                f"reg_dims has no latent dim for the attribute(s) {missing}; its "
                f"keys are {list(by_name)}."
            )
        return [by_name[name] for name in names], names
    if len(by_name) != len(names):
        raise ValueError(
            f"reg_dims names {len(by_name)} attributes {list(by_name)} but the "
            f"attributes have {len(names)} unnamed column(s); pass the attributes "
            "as a DataFrame whose columns are among these names."
        )
    return list(by_name.values()), list(by_name)


def _check_reg_dims(reg_dims, n_dims, names, *, named=True):
    """Validate ``reg_dims`` and return (latent dim per attribute or None, names).

    ``reg_dims`` is a sequence of one latent index per attribute, or a dict
    {attribute name: latent index} such as a fitted ARVAE's ``reg_dims_``.
    """
    if reg_dims is None:
        return None, names
    n_attributes = len(names)
    if isinstance(reg_dims, Mapping):
        _check_unique_names(names)
        reg_dims, names = _reg_dims_from_mapping(reg_dims, names, named)
    elif isinstance(reg_dims, str):
        raise TypeError(
            "reg_dims must be a sequence of latent indices or a dict {attribute "
            f"name: latent index}}; got the string {reg_dims!r}."
        )
    dims = np.asarray(reg_dims)
    if dims.ndim != 1 or dims.shape[0] != n_attributes:
        raise ValueError(
            f"reg_dims must hold one latent dim per attribute ({n_attributes}), "
            f"got shape {dims.shape}."
        )
    if not np.issubdtype(dims.dtype, np.integer):
        raise ValueError(f"reg_dims must hold integers, got dtype {dims.dtype}.")
    if np.any((dims < 0) | (dims >= n_dims)):
        raise ValueError(
            f"reg_dims must lie in [0, {n_dims - 1}] (the latent dims), got "
            f"{dims.tolist()}."
        )
    return dims.astype(np.intp), names


def _first_argmax(scores):
    """Row of the largest score in each column, the first one among ties.

    Scores within 1e-12 (relative) of the column's maximum count as tied, so
    that the choice does not depend on the summation order of the estimate.
    """
    best = scores.max(axis=0)
    near = scores >= best - 1e-12 * np.maximum(1.0, np.abs(best))
    return np.argmax(near, axis=0)


def _bin_edges(x, n_bins, strategy):
    """Bin edges of one column: equal width between min and max, or quantiles."""
    if strategy == "uniform":
        # np.histogram's edges; a constant column gets the range (v - .5, v + .5).
        return np.histogram_bin_edges(x, bins=n_bins)
    return np.quantile(x, np.linspace(0.0, 1.0, n_bins + 1))


def _discretize_columns(X, n_bins, strategy):
    """Bin every column of X into codes in [0, n_bins).

    The code of a value is the index of its bin; the maximum falls in the last
    bin. This matches ``np.digitize(x, edges[:-1]) - 1`` with ``np.histogram``
    edges, the disentanglement_lib definition.
    """
    if strategy == "quantile":
        codes = np.empty(X.shape, dtype=np.intp)
        for j in range(X.shape[1]):
            edges = _bin_edges(X[:, j], n_bins, strategy)
            codes[:, j] = np.searchsorted(edges[1:-1], X[:, j], side="right")
        return codes
    # Equal widths, all columns at once: np.histogram's edges (a constant column
    # gets the range (v - .5, v + .5)), then the closed form, which is off by
    # at most one bin next to an edge; comparing with the edges settles it.
    low, high = X.min(axis=0), X.max(axis=0)
    constant = low == high
    low, high = np.where(constant, low - 0.5, low), np.where(constant, high + 0.5, high)
    edges = np.linspace(low, high, n_bins + 1).T.ravel()
    codes = ((X - low) * (n_bins / (high - low))).astype(np.intp)
    np.minimum(codes, n_bins - 1, out=codes)
    index = codes + np.arange(X.shape[1]) * (n_bins + 1)
    step = (codes < n_bins - 1) & (X >= np.take(edges, index + 1))
    step = step.view(np.int8) - (X < np.take(edges, index)).view(np.int8)
    codes += step
    return codes


def _discretize_attributes(A, n_bins, strategy, discretize):
    """Turn attribute columns into integer labels.

    Returns codes (n, K) and the number of levels of each column (K,).
    Columns are sorted once, all together, to count their distinct values;
    labels are the ranks of the distinct values, binned columns are cut all
    at once.
    """
    codes = np.empty(A.shape, dtype=np.intp)
    n_levels = np.full(A.shape[1], n_bins, dtype=np.intp)
    if discretize is True:
        binned = np.ones(A.shape[1], dtype=bool)
    else:
        sorted_A = np.sort(A, axis=0)
        new_value = sorted_A[1:] != sorted_A[:-1]
        n_unique = 1 + np.count_nonzero(new_value, axis=0)
        if discretize == "auto":
            binned = n_unique > n_bins
        else:
            binned = np.zeros(A.shape[1], dtype=bool)
        for k in np.flatnonzero(~binned):
            uniques = sorted_A[np.r_[True, new_value[:, k]], k]
            codes[:, k] = np.searchsorted(uniques, A[:, k])
            n_levels[k] = uniques.size
    if binned.any():
        codes[:, binned] = _discretize_columns(A[:, binned], n_bins, strategy)
    return codes, n_levels


def _entropy_from_counts(counts, n_samples):
    """Plug-in entropy (nats) of each row of a count matrix."""
    p = counts / n_samples
    logp = np.log(p, out=np.zeros_like(p), where=p > 0)
    return -(p * logp).sum(axis=-1)


def _safe_log(counts):
    counts = np.asarray(counts, dtype=np.float64)
    return np.log(counts, out=np.zeros_like(counts), where=counts > 0)


def _attribute_chunks(n_levels, n_bins, n_dims):
    """Dense attributes in chunks of at most ``_MAX_CELLS`` joint cells, and the rest.

    An attribute takes ``n_dims * n_bins * levels`` cells of the joint
    histogram; one with more than ``_MAX_CELLS`` on its own is counted
    sparsely instead.
    """
    chunks, current, cells, sparse = [], [], 0, []
    for k, levels in enumerate(n_levels):
        size = n_dims * n_bins * int(levels)
        if size > _MAX_CELLS:
            sparse.append(k)
            continue
        if current and cells + size > _MAX_CELLS:
            chunks.append(current)
            current, cells = [], 0
        current.append(k)
        cells += size
    if current:
        chunks.append(current)
    return chunks, sparse


def _binned_mutual_info(Z, A, *, n_bins, strategy, discretize_attributes):
    """Plug-in mutual information (nats) of every binned latent and attribute.

    All (dim, attribute) contingency tables of a chunk of attributes are
    counted by one ``np.bincount`` over joint cell indices: the cells of
    pair (d, k) form a block of ``n_bins * levels_k`` consecutive counts.
    There is no loop over pairs. Attributes with very many levels are
    counted sparsely (``np.unique`` over the occupied cells).

    Returns
    -------
    mi : ndarray of shape (n_dims, n_attributes)
    entropy : ndarray of shape (n_attributes,)
        Plug-in entropy of the discretized attributes.
    """
    n_samples, n_dims = Z.shape
    n_attributes = A.shape[1]
    z_codes = _discretize_columns(Z, n_bins, strategy)
    a_codes, n_levels = _discretize_attributes(
        A, n_bins, strategy, discretize_attributes
    )
    z_counts = np.bincount(
        (z_codes + np.arange(n_dims) * n_bins).ravel(), minlength=n_dims * n_bins
    ).reshape(n_dims, n_bins)
    log_z = _safe_log(z_counts)
    log_n = np.log(n_samples)
    a_entropy = np.empty(n_attributes)
    mi = np.empty((n_dims, n_attributes))
    chunks, sparse = _attribute_chunks(n_levels, n_bins, n_dims)
    for chunk in chunks:
        levels = n_levels[chunk]
        starts = np.r_[0, np.cumsum(levels)[:-1]]
        width = int(levels.sum())
        # Cell of (dim d, z bin b, attribute k, level l) in the histogram:
        # (d * n_bins + b) * width + starts[k] + l, so the index is the sum
        # of a latent part and an attribute part.
        a_part = starts + a_codes[:, chunk]
        a_counts = np.bincount(a_part.ravel(), minlength=width)
        z_part = (z_codes + np.arange(n_dims) * n_bins) * width
        dims_per_step = max(1, _MAX_INDEX // max(1, n_samples * len(chunk)))
        joint = np.empty((n_dims, n_bins, width), dtype=np.intp)
        for d0 in range(0, n_dims, dims_per_step):
            d1 = min(n_dims, d0 + dims_per_step)
            offset = d0 * n_bins * width
            index = z_part[:, d0:d1, None] + (a_part - offset)[:, None, :]
            joint[d0:d1] = np.bincount(
                index.ravel(), minlength=(d1 - d0) * n_bins * width
            ).reshape(d1 - d0, n_bins, width)
        # Grouped so that an uninformative pair (joint = product) sums to 0.
        terms = joint * (
            (_safe_log(joint) - _safe_log(a_counts)) + (log_n - log_z)[:, :, np.newaxis]
        )
        mi[:, chunk] = np.add.reduceat(terms.sum(axis=1), starts, axis=1) / n_samples
        for j, k in enumerate(chunk):
            a_entropy[k] = _entropy_from_counts(
                a_counts[starts[j] : starts[j] + levels[j]], n_samples
            )
    for k in sparse:
        mi[:, k], a_entropy[k] = _sparse_mutual_info(
            z_codes, z_counts, a_codes[:, k], n_levels[k], n_bins
        )
    np.clip(mi, 0.0, None, out=mi)
    return mi, a_entropy


def _sparse_mutual_info(z_codes, z_counts, a_code, n_level, n_bins):
    """MI of every latent dim with one attribute with very many levels."""
    n_samples, n_dims = z_codes.shape
    a_counts = np.bincount(a_code, minlength=n_level)
    index = (np.arange(n_dims) * n_bins + z_codes) * n_level + a_code[:, None]
    cells, counts = np.unique(index.ravel(), return_counts=True)
    cell_z, level = np.divmod(cells, n_level)
    terms = counts * (
        (np.log(counts) - np.log(a_counts[level]))
        + (np.log(n_samples) - np.log(z_counts.ravel()[cell_z]))
    )
    mi = np.bincount(cell_z // n_bins, weights=terms, minlength=n_dims) / n_samples
    return mi, _entropy_from_counts(a_counts, n_samples)


def _mutual_info(
    Z,
    A,
    *,
    estimator,
    n_bins,
    strategy,
    discretize_attributes,
    n_neighbors,
    random_state,
):
    """Dispatch to the binned or KSG estimator; return (mi, normaliser)."""
    if estimator == "binned":
        if Z.shape[0] < n_bins:
            raise ValueError(
                f"The binned estimator needs at least n_bins={n_bins} samples, "
                f"got n_samples={Z.shape[0]}. Lower n_bins or use more samples."
            )
        return _binned_mutual_info(
            Z,
            A,
            n_bins=n_bins,
            strategy=strategy,
            discretize_attributes=discretize_attributes,
        )
    if Z.shape[0] <= n_neighbors:
        raise ValueError(
            f"The ksg estimator needs more than n_neighbors={n_neighbors} "
            f"samples, got n_samples={Z.shape[0]}."
        )
    return _ksg_mutual_info(Z, A, n_neighbors=n_neighbors, random_state=random_state)


def _r2_matrix(Z, A, sums=None):
    """Squared Pearson correlation of every latent dim and attribute, (D, K).

    Equal to the in-sample R² of a 1-D least-squares fit with intercept. A
    latent dim with variance at most 1e-12 scores 0. The centred products come
    from ``_centred_products``, without centring Z in memory; ``sums`` are the
    column sums of Z and A if known.
    """
    _, cross, z_norm2, a_norm2, _, _ = _centred_products(Z, A, sums=sums)
    denominator = z_norm2[:, np.newaxis] * a_norm2
    r2 = np.divide(
        cross * cross, denominator, out=np.zeros_like(cross), where=denominator > 0
    )
    np.minimum(r2, 1.0, out=r2)
    r2[z_norm2 <= _VARIANCE_GUARD * (Z.shape[0] - 1)] = 0.0
    return r2


def _rank_columns(X):
    """Average ranks (1-based, ties share their mean rank) of each column.

    Returned transposed, shape (n_columns, n_samples): the work runs on
    contiguous rows. One ``argsort`` over all columns; a column without ties
    gets its ranks by inverting its sort order, a column with ties the mean
    rank of each run.
    """
    rows = np.ascontiguousarray(X.T)
    n_rows, n_samples = rows.shape
    row_index = np.arange(n_rows)[:, np.newaxis]
    order = np.argsort(rows, axis=1)
    sorted_rows = rows[row_index, order]
    tied = sorted_rows[:, 1:] == sorted_rows[:, :-1]
    ranks = np.empty(rows.shape)
    ranks[row_index, order] = np.arange(1.0, n_samples + 1.0)
    for j in np.flatnonzero(tied.any(axis=1)):
        starts = np.flatnonzero(np.r_[True, ~tied[j], True])
        mean_rank = (starts[:-1] + starts[1:] + 1) / 2.0
        group = np.repeat(np.arange(starts.size - 1), np.diff(starts))
        ranks[j, order[j]] = mean_rank[group]
    return ranks


def _standardize_rows(X):
    """Centre rows and scale them to unit norm; constant rows become 0."""
    Xc = X - X.mean(axis=1, keepdims=True)
    norm = np.sqrt(np.einsum("ij,ij->i", Xc, Xc))
    return Xc / np.where(norm > 0, norm, 1.0)[:, np.newaxis]


def _spearman_matrix(Z, A):
    """Spearman rho and two-sided p-value of every latent dim and attribute.

    Ranks use average ranks for ties; the p-value is scipy's t approximation.
    A constant latent dim gets rho 0 and p-value 1.
    """
    n_samples = Z.shape[0]
    Zs = _standardize_rows(_rank_columns(Z))
    As = _standardize_rows(_rank_columns(A))
    rho = np.clip(_cross(Zs.T, As.T), -1.0, 1.0)
    dof = n_samples - 2
    if dof < 1:
        return rho, np.ones_like(rho)
    with np.errstate(divide="ignore"):
        t = rho * np.sqrt(dof / ((rho + 1.0) * (1.0 - rho)))
    p_value = 2.0 * t_distribution.sf(np.abs(t), dof)
    constant = np.ptp(Z, axis=0) == 0
    p_value[constant] = 1.0
    return rho, p_value
