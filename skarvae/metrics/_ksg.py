"""KSG (k-nearest-neighbour) mutual information of every latent and attribute."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy.spatial import cKDTree
from scipy.special import digamma
from sklearn.utils import check_random_state


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
