"""Lasso of several targets on one Gram matrix, as sklearn's coordinate descent."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

try:  # sklearn's coordinate descent kernel, which Lasso(precompute=gram) runs
    from sklearn.linear_model._cd_fast import enet_coordinate_descent_gram
except ImportError:  # pragma: no cover - a future sklearn may move it
    enet_coordinate_descent_gram = None


class _NoShuffle:
    """The ``rng`` of sklearn's kernel, unused with cyclic coordinates."""

    def randint(self, low, high):
        return 0


def _lasso_gram(gram, Xy, y_norm2, alpha, *, tol=1e-4, max_iter=1000):
    """Lasso coefficients of K targets from the Gram matrix.

    Minimises ``0.5 * ||y_k - X w_k||² + alpha * ||w_k||_1`` for each target
    (``alpha`` is sklearn's ``alpha`` times ``n_samples``) given
    ``gram = X.T @ X``, ``Xy = X.T @ Y`` and ``y_norm2[k] = y_k @ y_k``, as
    ``Lasso(alpha, fit_intercept=False, precompute=gram).fit`` does: it calls
    sklearn's coordinate descent kernel directly, without the Python-level
    validation of ``Lasso`` and ``lasso_path``, which costs far more than the
    descent on a small Gram matrix. Where that private kernel is missing or
    its signature changed, the plain numpy descent ``_lasso_gram_numpy``
    takes over (slower, same optimum within the tolerance).

    Returns
    -------
    coef : ndarray of shape (n_features, n_targets)
    """
    if enet_coordinate_descent_gram is not None:
        try:
            return _lasso_gram_kernel(gram, Xy, y_norm2, alpha, tol, max_iter)
        except (TypeError, ValueError):  # pragma: no cover - another signature
            pass
    return _lasso_gram_numpy(gram, Xy, y_norm2, alpha, tol=tol, max_iter=max_iter)[0]


def _lasso_gram_kernel(gram, Xy, y_norm2, alpha, tol, max_iter):
    """One call of sklearn's ``enet_coordinate_descent_gram`` per target."""
    gram = np.ascontiguousarray(gram, dtype=np.float64)
    q = np.ascontiguousarray(Xy.T, dtype=np.float64)
    # The kernel reads y only for y @ y.
    y = np.sqrt(np.asarray(y_norm2, dtype=np.float64))
    # Each row starts at 0 and is updated in place by the kernel.
    coef = np.zeros(q.shape)
    rng = _NoShuffle()
    for k in range(q.shape[0]):
        enet_coordinate_descent_gram(
            coef[k], alpha, 0.0, gram, q[k], y[k : k + 1], max_iter, tol, rng, 0, 0
        )
    return coef.T


def _lasso_gram_numpy(gram, Xy, y_norm2, alpha, *, tol=1e-4, max_iter=1000):
    """The same Lasso by plain cyclic coordinate descent, all targets at once.

    The fallback of :func:`_lasso_gram` where sklearn's kernel is missing:
    coordinates are updated in order from 0 (a zero Gram diagonal keeps its
    coefficient at 0); after a sweep whose largest change is at most ``tol``
    times the largest coefficient, it stops once every target's duality gap
    is at most ``tol * y_norm2``, as sklearn does. Speed is not its point.

    Returns
    -------
    coef : ndarray of shape (n_features, n_targets)
    n_iter : int
        Sweeps run.
    """
    gram, Xy = np.asarray(gram, dtype=np.float64), np.asarray(Xy, dtype=np.float64)
    y_norm2 = np.asarray(y_norm2, dtype=np.float64)
    diag = np.diag(gram)
    W = np.zeros(Xy.shape)
    for n_iter in range(1, max_iter + 1):
        change = np.zeros(Xy.shape[1])
        for j in np.flatnonzero(diag > 0):
            rho = Xy[j] - gram[j] @ W + diag[j] * W[j]
            new = np.sign(rho) * np.maximum(np.abs(rho) - alpha, 0.0) / diag[j]
            change = np.maximum(change, np.abs(new - W[j]))
            W[j] = new
        largest = np.abs(W).max(axis=0)
        if np.all(change <= tol * largest) or n_iter == max_iter:
            if np.all(_duality_gap(gram, Xy, y_norm2, W, alpha) <= tol * y_norm2):
                return W, n_iter
    warnings.warn(
        f"The DCI Lasso did not converge in {max_iter} iterations.",
        ConvergenceWarning,
        stacklevel=3,
    )
    return W, max_iter


def _duality_gap(gram, Xy, y_norm2, W, alpha):
    """Each target's duality gap, as sklearn's coordinate descent computes it."""
    xta = Xy - gram @ W  # X.T @ residual
    q_dot_w = np.einsum("dk,dk->k", Xy, W)
    r_norm2 = y_norm2 - 2.0 * q_dot_w + np.einsum("dk,dk->k", W, gram @ W)
    dual_norm = np.abs(xta).max(axis=0)
    scale = np.where(dual_norm > alpha, alpha / np.maximum(dual_norm, alpha), 1.0)
    gap = np.where(dual_norm > alpha, 0.5 * r_norm2 * (1.0 + scale**2), r_norm2)
    return gap + alpha * np.abs(W).sum(axis=0) - scale * (y_norm2 - q_dot_w)
