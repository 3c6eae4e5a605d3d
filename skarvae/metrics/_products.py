"""Small products of tall arrays, on one BLAS thread, and centred products."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

#: Most multiply-adds of one BLAS product in ``_cross``: OpenBLAS runs a
#: product of at most 65536 * 4 of them on the calling thread.
_SINGLE_THREAD_PRODUCT = 2**18


def _cross(X, Y):
    """``X.T @ Y`` for tall X (n, D) and Y (n, K), summed over row blocks.

    The products are small (D x K); a threaded BLAS spends longer starting
    and syncing its threads than computing them, and on a busy machine its
    spinning threads cost tens of milliseconds. Blocks of rows small enough
    that OpenBLAS keeps each product on one thread avoid that, and stay
    about ten times faster than ``np.einsum``. ``X.T @ X`` (BLAS ``syrk``)
    stays on one thread for a small output and is one call (measured: as fast
    as blocks, also next to two busy processes, where one threaded ``gemm``
    of the same size took 8-16 ms).
    """
    if X is Y:
        return X.T @ X
    rows = max(1, _SINGLE_THREAD_PRODUCT // max(1, X.shape[1] * Y.shape[1]))
    out = X[:rows].T @ Y[:rows]
    for start in range(rows, X.shape[0], rows):
        out += X[start : start + rows].T @ Y[start : start + rows]
    return out


def _rows_times(X, W, *, transposed=False):
    """``X @ W`` for tall X (n, D) and small W (D, K), by row blocks (``_cross``).

    With ``transposed``, ``(X @ W).T`` as a C-ordered (K, n) array.
    """
    rows = max(1, _SINGLE_THREAD_PRODUCT // max(1, X.shape[1] * W.shape[1]))
    if transposed:
        W = W.T
        blocks = [W @ X[start : start + rows].T for start in range(0, X.shape[0], rows)]
        return blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=1)
    if X.shape[0] <= rows:
        return X @ W
    return np.concatenate(
        [X[start : start + rows] @ W for start in range(0, X.shape[0], rows)]
    )


def _column_sums(X):
    """Sums of the columns of a tall X, without BLAS.

    ``X.sum(axis=0)`` is slow on a narrow C-ordered array (a short inner
    loop per row); summing rows folded into wide rows of about 256 values,
    then the folds, is several times faster.
    """
    n, d = X.shape
    fold = max(1, 256 // max(1, d))
    whole = n - n % fold
    sums = X[:whole].reshape(whole // fold, fold * d).sum(axis=0)
    sums = sums.reshape(fold, d).sum(axis=0)
    if whole < n:
        sums += X[whole:].sum(axis=0)
    return sums


#: Largest squared mean over variance of a column whose products are centred
#: after the sums (``sum z² - n mean²``): the rounding error of that
#: difference is about this ratio times the machine epsilon, relative.
_CANCELLATION_GUARD = 1e3


def _centred_products(Z, A, *, gram=False, sums=None):
    """Centred products of latents and attributes, without centring in memory.

    Returns ``Z_c.T @ Z_c`` (None unless ``gram``), ``Z_c.T @ A_c``, the
    squared norms of the columns of ``Z_c`` and of ``A_c``, and the column
    means of Z and A, where ``X_c`` is X centred by its column means. The
    products of the raw arrays are centred afterwards (``sum z a - mean_z
    sum a``), which saves passes over the data, unless a column's mean is
    large against its spread (see ``_CANCELLATION_GUARD``): then the arrays
    are centred in memory first. ``sums`` are the column sums of Z and A if
    known.
    """
    n = Z.shape[0]
    z_sum, a_sum = (_column_sums(Z), _column_sums(A)) if sums is None else sums
    z_mean, a_mean = z_sum / n, a_sum / n
    cross = _cross(Z, A)
    cross -= z_mean[:, np.newaxis] * a_sum
    a_norm2 = _column_sums(A * A) - a_mean * a_sum
    z_gram = None
    if gram:
        z_gram = _cross(Z, Z)
        z_gram -= z_mean[:, np.newaxis] * z_sum
        z_norm2 = z_gram.diagonal().copy()
    else:
        z_norm2 = _column_sums(Z * Z) - z_mean * z_sum
    if (z_mean * z_sum > _CANCELLATION_GUARD * z_norm2).any() or (
        a_mean * a_sum > _CANCELLATION_GUARD * a_norm2
    ).any():
        Z_c, A_c = Z - z_mean, A - a_mean
        cross = _cross(Z_c, A_c)
        z_norm2 = np.einsum("ij,ij->j", Z_c, Z_c)
        a_norm2 = np.einsum("ij,ij->j", A_c, A_c)
        z_gram = _cross(Z_c, Z_c) if gram else None
    return z_gram, cross, z_norm2, a_norm2, z_mean, a_mean
