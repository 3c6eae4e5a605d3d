"""Input checks and the D x K score matrices shared by the disentanglement metrics."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy.spatial import cKDTree
from scipy.special import digamma
from scipy.stats import t as t_distribution
from sklearn.utils import check_array, check_random_state

#: Variance below which a latent dim counts as constant in the r² matrix, as in
#: disentanglement_lib's continuous SAP.
_VARIANCE_GUARD = 1e-12

#: Most cells of one joint histogram (a latent dim's bins times the levels of a
#: group of attributes) counted by one ``np.bincount`` in the binned estimator.
_MAX_CELLS = 2**18


def _attribute_names(attributes, n_attributes):
    """Return attribute names from DataFrame columns, a Series name or defaults."""
    columns = getattr(attributes, "columns", None)
    if columns is not None:
        return [str(c) for c in columns]
    name = getattr(attributes, "name", None)
    if name is not None and n_attributes == 1:
        return [str(name)]
    return [f"attr{k}" for k in range(n_attributes)]


def _check_latents_attributes(latents, attributes, *, min_samples=2):
    """Validate latents (n, D) and attributes (n,) or (n, K).

    Returns
    -------
    Z : ndarray of shape (n_samples, n_dims), float64
    A : ndarray of shape (n_samples, n_attributes), float64
    names : list of str
    """
    Z = check_array(
        latents, dtype=np.float64, input_name="latents", ensure_min_samples=1
    )
    A = check_array(
        attributes,
        dtype=np.float64,
        ensure_2d=False,
        input_name="attributes",
        ensure_min_samples=1,
    )
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
    constant = np.flatnonzero(np.ptp(A, axis=0) == 0)
    if constant.size:
        raise ValueError(
            f"Attribute {names[constant[0]]!r} is constant; disentanglement "
            "metrics are undefined for an attribute that does not vary. Drop it."
        )
    return Z, A, names


def _check_reg_dims(reg_dims, n_dims, n_attributes):
    """Validate ``reg_dims`` (one latent index per attribute) or return None."""
    if reg_dims is None:
        return None
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
    return dims.astype(np.intp)


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
    """
    codes = np.empty(A.shape, dtype=np.intp)
    n_levels = np.empty(A.shape[1], dtype=np.intp)
    for k in range(A.shape[1]):
        uniques, inverse = np.unique(A[:, k], return_inverse=True)
        if discretize is True or (discretize == "auto" and uniques.size > n_bins):
            codes[:, k] = _discretize_columns(A[:, [k]], n_bins, strategy)[:, 0]
            n_levels[k] = n_bins
        else:
            codes[:, k] = inverse.ravel()
            n_levels[k] = uniques.size
    return codes, n_levels


def _entropy_from_counts(counts, n_samples):
    """Plug-in entropy (nats) of each row of a count matrix."""
    p = counts / n_samples
    logp = np.log(p, out=np.zeros_like(p), where=p > 0)
    return -(p * logp).sum(axis=-1)


def _attribute_groups(n_levels, n_bins):
    """Pack attributes into groups of at most ``_MAX_CELLS`` joint cells.

    Returns a list of (attribute indices, dense) pairs; an attribute with too
    many levels for a dense table is alone in a group with ``dense=False``.
    """
    groups, current, cells = [], [], n_bins
    for k, levels in enumerate(n_levels):
        if n_bins * levels > _MAX_CELLS:
            groups.append(([k], False))
            continue
        if cells * levels > _MAX_CELLS:
            groups.append((current, True))
            current, cells = [], n_bins
        current.append(k)
        cells *= int(levels)
    if current:
        groups.append((current, True))
    return groups


def _binned_mutual_info(Z, A, *, n_bins, strategy, discretize_attributes):
    """Plug-in mutual information (nats) of every binned latent and attribute.

    The attributes are packed into groups whose joint code (mixed radix) takes
    few values; for each latent dim and group, one ``np.bincount`` over the
    samples counts the joint histogram of the dim's bin and the group's code,
    from which every (dim, attribute) contingency table of the group follows
    by summing out the other attributes. There is no loop over pairs.

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
    z_counts = None
    a_entropy = np.empty(n_attributes)
    mi = np.empty((n_dims, n_attributes))
    for group, dense in _attribute_groups(n_levels, n_bins):
        if not dense:
            k = group[0]
            if z_counts is None:
                z_counts = np.stack(
                    [np.bincount(c, minlength=n_bins) for c in z_codes.T]
                )
            mi[:, k], a_entropy[k] = _sparse_mutual_info(
                z_codes, z_counts, a_codes[:, k], n_levels[k], n_bins
            )
            continue
        shape = tuple(int(n_levels[k]) for k in group)
        size = int(np.prod(shape))
        group_code = np.ravel_multi_index(tuple(a_codes[:, group].T), shape)
        joint = np.stack(
            [
                np.bincount(z * size + group_code, minlength=n_bins * size)
                for z in z_codes.T
            ]
        ).reshape(n_dims, n_bins, *shape)
        if z_counts is None:
            z_counts = joint.reshape(n_dims, n_bins, -1).sum(axis=2)
        for j, k in enumerate(group):
            others = tuple(2 + i for i in range(len(group)) if i != j)
            joint_k = joint.sum(axis=others) if others else joint
            a_counts = joint_k[0].sum(axis=0)
            a_entropy[k] = _entropy_from_counts(a_counts, n_samples)
            mi[:, k] = _mi_from_joint(joint_k, z_counts, a_counts[np.newaxis])
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


def _mi_from_joint(joint, z_counts, a_counts):
    """Mutual information of each latent dim from joint counts (D, B, L)."""
    n_samples = joint[0].sum()
    nonzero = joint > 0
    joint_f = joint.astype(np.float64)
    log_joint = np.log(joint_f, out=np.zeros_like(joint_f), where=nonzero)
    log_z = np.log(z_counts, out=np.zeros(z_counts.shape), where=z_counts > 0)
    log_a = np.log(a_counts, out=np.zeros(a_counts.shape), where=a_counts > 0)
    # Grouped so that an uninformative pair (joint = product) sums to exactly 0.
    terms = joint_f * (
        (log_joint - log_a[:, None, :]) + (np.log(n_samples) - log_z[:, :, None])
    )
    return terms.sum(axis=(1, 2)) / n_samples


def _ksg_prepare(X, rng):
    """Scale columns by their std and add tiny noise, as Kraskov et al. advise."""
    std = X.std(axis=0)
    X = X / np.where(std > 0, std, 1.0)
    noise_scale = 1e-10 * np.maximum(1.0, np.mean(np.abs(X), axis=0))
    return X + noise_scale * rng.standard_normal(X.shape)


def _count_within(sorted_x, x, radius):
    """Number of points strictly closer than ``radius`` to each x, self included.

    ``searchsorted`` on ``x +/- radius`` finds the window; the boundary is then
    settled on the differences ``|x_j - x|``, as a k-d tree computes them, since
    ``x + radius`` rounds.
    """
    n = sorted_x.size
    upper = np.searchsorted(sorted_x, x + radius, side="left")
    lower = np.searchsorted(sorted_x, x - radius, side="right")
    for _ in range(n):
        below = sorted_x[np.maximum(upper - 1, 0)] - x >= radius
        above = sorted_x[np.minimum(upper, n - 1)] - x < radius
        down = (upper > 0) & below
        up = (upper < n) & above & ~down
        if not (down.any() or up.any()):
            break
        upper += up.astype(np.intp) - down
    for _ in range(n):
        before = x - sorted_x[np.maximum(lower - 1, 0)] < radius
        at = x - sorted_x[np.minimum(lower, n - 1)] >= radius
        down = (lower > 0) & before
        up = (lower < n) & at & ~down
        if not (down.any() or up.any()):
            break
        lower += up.astype(np.intp) - down
    return upper - lower


def _ksg_pair(x, y, sorted_x, sorted_y, n_neighbors):
    """KSG estimate (algorithm 1) of I(x; y) for two 1-D continuous samples."""
    xy = np.column_stack([x, y])
    dist, _ = cKDTree(xy).query(xy, k=n_neighbors + 1, p=np.inf)
    radius = dist[:, -1]
    nx = _count_within(sorted_x, x, radius)
    ny = _count_within(sorted_y, y, radius)
    mi = (
        digamma(x.size)
        + digamma(n_neighbors)
        - np.mean(digamma(nx))
        - np.mean(digamma(ny))
    )
    return max(0.0, mi)


def _ksg_mutual_info(Z, A, *, n_neighbors, random_state):
    """k-nearest-neighbour (KSG) mutual information of each latent and attribute.

    This is the estimator of ``sklearn.feature_selection.mutual_info_regression``
    (columns scaled by their std, noise of 1e-10 added), computed once for all
    D x K pairs with a Chebyshev k-d tree for the joint radius and sorted
    arrays for the marginal counts.

    Returns
    -------
    mi : ndarray of shape (n_dims, n_attributes)
    self_mi : ndarray of shape (n_attributes,)
        KSG estimate of I(a_k; a_k) with independent noise on each copy, the
        normaliser of the AR-VAE MIG.
    """
    rng = check_random_state(random_state)
    Zs = _ksg_prepare(Z, rng)
    As = _ksg_prepare(A, rng)
    As_copy = _ksg_prepare(A, rng)
    z_sorted = np.sort(Zs, axis=0)
    a_sorted = np.sort(As, axis=0)
    a_copy_sorted = np.sort(As_copy, axis=0)
    n_dims, n_attributes = Z.shape[1], A.shape[1]
    mi = np.empty((n_dims, n_attributes))
    for d in range(n_dims):
        for k in range(n_attributes):
            mi[d, k] = _ksg_pair(
                Zs[:, d], As[:, k], z_sorted[:, d], a_sorted[:, k], n_neighbors
            )
    self_mi = np.array(
        [
            _ksg_pair(
                As[:, k],
                As_copy[:, k],
                a_sorted[:, k],
                a_copy_sorted[:, k],
                n_neighbors,
            )
            for k in range(n_attributes)
        ]
    )
    return mi, self_mi


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


def _standardize(X):
    """Centre columns and scale them to unit norm; constant columns become 0."""
    Xc = X - X.mean(axis=0)
    norm = np.sqrt(np.einsum("ij,ij->j", Xc, Xc))
    return Xc / np.where(norm > 0, norm, 1.0), norm


def _r2_matrix(Z, A):
    """Squared Pearson correlation of every latent dim and attribute, (D, K).

    Equal to the in-sample R² of a 1-D least-squares fit with intercept. A
    latent dim with variance at most 1e-12 scores 0.
    """
    Zs, z_norm = _standardize(Z)
    As, _ = _standardize(A)
    r2 = np.clip((Zs.T @ As) ** 2, 0.0, 1.0)
    variance = z_norm**2 / (Z.shape[0] - 1)
    r2[variance <= _VARIANCE_GUARD] = 0.0
    return r2


def _rank_columns(X):
    """Average ranks (1-based, ties share their mean rank) of each column."""
    ranks = np.empty(X.shape)
    for j in range(X.shape[1]):
        x = np.ascontiguousarray(X[:, j])
        order = np.argsort(x)
        sorted_x = x[order]
        starts = np.flatnonzero(np.r_[True, sorted_x[1:] != sorted_x[:-1], True])
        mean_rank = (starts[:-1] + starts[1:] + 1) / 2.0
        group = np.repeat(np.arange(starts.size - 1), np.diff(starts))
        column = np.empty(x.size)
        column[order] = mean_rank[group]
        ranks[:, j] = column
    return ranks


def _spearman_matrix(Z, A):
    """Spearman rho and two-sided p-value of every latent dim and attribute.

    Ranks use average ranks for ties; the p-value is scipy's t approximation.
    A constant latent dim gets rho 0 and p-value 1.
    """
    n_samples = Z.shape[0]
    Zs, _ = _standardize(_rank_columns(Z))
    As, _ = _standardize(_rank_columns(A))
    rho = np.clip(Zs.T @ As, -1.0, 1.0)
    dof = n_samples - 2
    if dof < 1:
        return rho, np.ones_like(rho)
    with np.errstate(divide="ignore"):
        t = rho * np.sqrt(dof / ((rho + 1.0) * (1.0 - rho)))
    p_value = 2.0 * t_distribution.sf(np.abs(t), dof)
    constant = np.ptp(Z, axis=0) == 0
    p_value[constant] = 1.0
    return rho, p_value
