"""Small products of tall arrays, on one BLAS thread, and centred products."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

#: Most multiply-adds of one BLAS product in ``_cross``: OpenBLAS runs a
#: product below 65536 * 4 of them on the calling thread.
_SINGLE_THREAD_PRODUCT = 2**17


def _cross(X, Y):
    """``X.T @ Y`` for tall X (n, D) and Y (n, K), summed over row blocks.

    The products are small (D x K); a threaded BLAS spends longer starting
    and syncing its threads than computing them, and on a busy machine its
    spinning threads cost tens of milliseconds. Blocks of rows small enough
    that OpenBLAS keeps each product on one thread avoid that, and stay
    about ten times faster than ``np.einsum``.
    """
    rows = max(1, _SINGLE_THREAD_PRODUCT // max(1, X.shape[1] * Y.shape[1]))
    out = np.zeros((X.shape[1], Y.shape[1]))
    for start in range(0, X.shape[0], rows):
        out += X[start : start + rows].T @ Y[start : start + rows]
    return out


def _rows_times(X, W):
    """``X @ W`` for tall X (n, D) and small W (D, K), by row blocks (``_cross``)."""
    rows = max(1, _SINGLE_THREAD_PRODUCT // max(1, X.shape[1] * W.shape[1]))
    if X.shape[0] <= rows:
        return X @ W
    return np.concatenate(
        [X[start : start + rows] @ W for start in range(0, X.shape[0], rows)]
    )


#: Largest squared mean over variance of a latent dim whose sum of squares is
#: centred after the sums (``sum z² - n mean²``): the rounding error of that
#: difference is about this ratio times the machine epsilon, relative.
_CANCELLATION_GUARD = 1e3


def _column_sums(X):
    """Sums of the columns of a tall X, in single-threaded BLAS (see ``_cross``)."""
    return _cross(X, np.ones((X.shape[0], 1)))[:, 0]


def _centred_products(Z, A, *, gram=False):
    """Centred products of latents and attributes, without centring in memory.

    Returns ``Z_c.T @ Z_c`` (None unless ``gram``), ``Z_c.T @ A_c``, the
    squared norms of the columns of ``Z_c`` and of ``A_c``, and the column
    means of Z and A, where ``X_c`` is X centred by its column means. The
    products of the raw arrays are centred afterwards (``sum z a - n mean_z
    mean_a``), which saves passes over the data, unless a column's mean is
    large against its spread (see ``_CANCELLATION_GUARD``): then the arrays
    are centred in memory first.
    """
    n = Z.shape[0]
    z_mean, a_mean = _column_sums(Z) / n, _column_sums(A) / n
    cross = _cross(Z, A) - n * np.outer(z_mean, a_mean)
    a_norm2 = np.einsum("ij,ij->j", A, A) - n * a_mean**2
    if gram:
        z_gram = _cross(Z, Z) - n * np.outer(z_mean, z_mean)
        z_norm2 = np.diag(z_gram).copy()
    else:
        z_gram, z_norm2 = None, np.einsum("ij,ij->j", Z, Z) - n * z_mean**2
    if np.any(n * z_mean**2 > _CANCELLATION_GUARD * z_norm2) or np.any(
        n * a_mean**2 > _CANCELLATION_GUARD * a_norm2
    ):
        Z_c, A_c = Z - z_mean, A - a_mean
        cross = _cross(Z_c, A_c)
        z_norm2 = np.einsum("ij,ij->j", Z_c, Z_c)
        a_norm2 = np.einsum("ij,ij->j", A_c, A_c)
        z_gram = _cross(Z_c, Z_c) if gram else None
    return z_gram, cross, z_norm2, a_norm2, z_mean, a_mean
