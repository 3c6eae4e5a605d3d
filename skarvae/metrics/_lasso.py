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
    its signature changed, the numpy version ``_lasso_gram_numpy`` runs the
    same iterations.

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
    coef = np.empty(q.shape)
    rng = _NoShuffle()
    for k in range(q.shape[0]):
        coef[k] = enet_coordinate_descent_gram(
            np.zeros(q.shape[1]),
            alpha,
            0.0,
            gram,
            q[k],
            y[k : k + 1],
            max_iter,
            tol,
            rng,
            random=False,
            positive=False,
        )[0]
    return coef.T


def _duality_gap(gram, q, y_norm2, W, alpha):
    """Duality gap of each target's Lasso, as sklearn's ``gap_enet_gram`` has it.

    ``q`` and ``W`` hold one target per row, shape (K, D). Returns the gaps
    (K,), ``X.T @ residual`` (K, D) and its max-norm (K,).
    """
    Qw = W @ gram  # gram is symmetric: row k is gram @ w_k
    q_dot_w = np.einsum("kd,kd->k", q, W)
    r_norm2 = y_norm2 + np.einsum("kd,kd->k", W, Qw) - 2.0 * q_dot_w
    r_dot_y = y_norm2 - q_dot_w
    xta = q - Qw
    dual_norm = np.abs(xta).max(axis=1)
    primal = 0.5 * r_norm2 + alpha * np.abs(W).sum(axis=1)
    scale = np.where(dual_norm > alpha, alpha / np.maximum(dual_norm, alpha), 1.0)
    dual = -0.5 * scale**2 * r_norm2 + scale * r_dot_y
    return primal - dual, xta, dual_norm


def _screen(gap, xta, dual_norm, diag, alpha):
    """Features the gap safe rule proves zero (sklearn's screening, Eq. 11)."""
    radius = np.sqrt(2.0 * np.abs(gap)) / alpha
    theta = xta / np.maximum(alpha, dual_norm)[:, np.newaxis]
    d = (1.0 - np.abs(theta)) / np.sqrt(diag)
    return d > radius[:, np.newaxis]


def _sweep(base, pattern, signs, allowed, lower, strict_lower, eye, alpha):
    """One cyclic coordinate-descent sweep of every target, by triangular solves.

    A sweep of coordinate descent updates coordinate j from the new values of
    the coordinates before it and the old values of those after it
    (``base = q - strict_upper @ w_old``). Once it is known which coordinates
    end nonzero and with which sign, the sweep is a forward substitution in the
    lower triangle of the Gram matrix. The pattern is guessed (the last
    sweep's), the substitution solved, and the pattern read again from the
    values that the soft threshold sees; the first j coordinates are right
    after j rounds, so this ends in at most D + 1 rounds, usually one.
    """
    for _ in range(base.shape[1] + 1):
        M = np.where(pattern[:, :, np.newaxis], lower * pattern[:, np.newaxis, :], eye)
        rhs = np.where(pattern, base - alpha * signs, 0.0)
        W = np.linalg.solve(M, rhs[:, :, np.newaxis])[:, :, 0]
        tmp = base - W @ strict_lower.T
        new_pattern = (np.abs(tmp) > alpha) & allowed
        new_signs = np.sign(tmp)
        stable = np.array_equal(new_pattern, pattern) and bool(
            np.all((new_signs == signs) | ~new_pattern)
        )
        pattern, signs = new_pattern, new_signs
        if stable:
            break
    return tmp, pattern, signs


#: Sweeps run ahead at once with the nonzero pattern held fixed.
_STEPS = 8


def _fixed_pattern_sweeps(q, W, pattern, signs, allowed, mats, alpha, n_steps):
    """Up to ``n_steps`` sweeps of each target, assuming its pattern holds.

    With the pattern fixed a sweep is affine, ``w <- T w + c``. The sweeps are
    run ahead by that map, then checked all at once: ``ok[t, k]`` says whether
    the values the soft threshold sees in sweep t give the assumed pattern
    (so sweep t is what coordinate descent computes). Returns the
    coefficients after each sweep, computed by sklearn's update from those
    values (n_steps, K, D), and ``ok``.
    """
    lower, strict_lower, strict_upper, eye, diag = mats
    M = np.where(pattern[:, :, np.newaxis], lower * pattern[:, np.newaxis, :], eye)
    M_inv = np.linalg.inv(M)
    T = -M_inv @ (strict_upper * pattern[:, :, np.newaxis])
    c = M_inv @ np.where(pattern, q - alpha * signs, 0.0)[:, :, np.newaxis]
    runs = [W[:, :, np.newaxis]]
    for _ in range(n_steps):
        runs.append(T @ runs[-1] + c)
    runs = np.stack(runs)[:, :, :, 0]
    tmp = q - runs[:-1] @ strict_upper.T - runs[1:] @ strict_lower.T
    seen = (np.abs(tmp) > alpha) & allowed
    ok = np.all(seen == pattern, axis=2) & np.all(
        (np.sign(tmp) == signs) | ~pattern, axis=2
    )
    return np.where(pattern, signs * (np.abs(tmp) - alpha) / diag, 0.0), ok


def _stop_checks(W_new, W_old, tol):
    """sklearn's test for computing the duality gap after a sweep."""
    w_max = np.abs(W_new).max(axis=-1)
    d_w_max = np.abs(W_new - W_old).max(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (w_max == 0) | (d_w_max / w_max <= tol)


def _lasso_gram_numpy(gram, Xy, y_norm2, alpha, *, tol=1e-4, max_iter=1000):
    """Lasso coefficients of K targets from the Gram matrix, all targets at once.

    Minimises ``0.5 * ||y_k - X w_k||² + alpha * ||w_k||_1`` for each target
    (``alpha`` is sklearn's ``alpha`` times ``n_samples``) given
    ``gram = X.T @ X``, ``Xy = X.T @ Y`` and ``y_norm2[k] = y_k @ y_k``. It
    runs the iterations of sklearn's ``enet_coordinate_descent_gram`` (cyclic
    coordinate descent from 0, a coordinate with a zero Gram diagonal left
    at 0, the gap safe screening rule) with its stopping rule: after a sweep
    whose largest coefficient change is at most ``tol`` times the largest
    coefficient, stop when the duality gap is at most ``tol * y_norm2``.
    Sweeps are batched forward substitutions (see ``_sweep``) or run ahead
    while the nonzero pattern holds (see ``_fixed_pattern_sweeps``) rather
    than a Python loop over coordinates, so the coefficients and the number
    of sweeps agree with sklearn's, to rounding error.

    Parameters
    ----------
    gram : ndarray of shape (n_features, n_features)
    Xy : ndarray of shape (n_features, n_targets)
    y_norm2 : ndarray of shape (n_targets,)
    alpha : float
        L1 penalty, greater than 0, in the units of ``gram``.
    tol : float, default=1e-4
    max_iter : int, default=1000

    Returns
    -------
    coef : ndarray of shape (n_features, n_targets)
    n_iter : ndarray of shape (n_targets,)
        Sweeps run per target (0 when the zero vector already meets the
        tolerance), as sklearn's ``n_iter_``.
    """
    n_features, n_targets = Xy.shape
    q = np.ascontiguousarray(Xy.T, dtype=np.float64)
    y_norm2 = np.asarray(y_norm2, dtype=np.float64)
    diag = np.diag(gram).copy()
    usable = diag > 0
    diag[~usable] = 1.0
    mats = (
        np.tril(gram),
        np.tril(gram, -1),
        np.triu(gram, 1),
        np.eye(n_features),
        diag,
    )
    W = np.zeros((n_targets, n_features))
    n_iter = np.zeros(n_targets, dtype=np.intp)
    tolerance = tol * y_norm2
    gap, xta, dual_norm = _duality_gap(gram, q, y_norm2, W, alpha)
    done = (gap >= 0) & (gap <= tolerance)
    failed = np.zeros(n_targets, dtype=bool)
    allowed = np.broadcast_to(usable, W.shape).copy()
    allowed[~done] &= ~_screen(gap[~done], xta[~done], dual_norm[~done], diag, alpha)
    # First guess of the nonzero pattern: coordinate 0's is exact.
    pattern = (np.abs(q) > alpha) & allowed
    signs = np.sign(q)
    # Targets whose pattern has to be found by a full sweep before running ahead.
    search = ~done
    while not done.all():
        gap_due = np.zeros(n_targets, dtype=bool)
        idx = np.flatnonzero(search & ~done)
        if idx.size:
            W_old = W[idx]
            tmp, pattern[idx], signs[idx] = _sweep(
                q[idx] - W_old @ mats[2].T,
                pattern[idx],
                signs[idx],
                allowed[idx],
                mats[0],
                mats[1],
                mats[3],
                alpha,
            )
            W[idx] = np.where(
                pattern[idx], signs[idx] * (np.abs(tmp) - alpha) / diag, 0.0
            )
            n_iter[idx] += 1
            gap_due[idx] = _stop_checks(W[idx], W_old, tol) | (n_iter[idx] == max_iter)
            search[idx] = False
        idx = np.flatnonzero(~search & ~done & ~gap_due)
        if idx.size:
            n_steps = int(min(_STEPS, max_iter - n_iter[idx].min()))
            runs, ok = _fixed_pattern_sweeps(
                q[idx],
                W[idx],
                pattern[idx],
                signs[idx],
                allowed[idx],
                mats,
                alpha,
                n_steps,
            )
            previous = np.concatenate([W[idx][np.newaxis], runs[:-1]])
            check = _stop_checks(runs, previous, tol)
            check |= (
                n_iter[idx] + np.arange(1, n_steps + 1)[:, np.newaxis]
            ) == max_iter
            # The first sweep that leaves the pattern, or after which
            # sklearn computes the gap, ends the run.
            event = ~ok | check
            first = np.where(event.any(axis=0), np.argmax(event, axis=0), n_steps)
            columns = np.arange(idx.size)
            hit = first < n_steps
            at = np.minimum(first, n_steps - 1)
            checked = hit & ok[at, columns]
            accepted = first + checked
            keep = accepted > 0
            W[idx[keep]] = runs[accepted[keep] - 1, columns[keep]]
            n_iter[idx] += accepted
            gap_due[idx[checked]] = True
            search[idx[hit & ~checked]] = True
        idx = np.flatnonzero(gap_due)
        if idx.size:
            gap, xta, dual_norm = _duality_gap(
                gram, q[idx], y_norm2[idx], W[idx], alpha
            )
            converged = gap <= tolerance[idx]
            done[idx[converged]] = True
            out = ~converged & (n_iter[idx] >= max_iter)
            done[idx[out]] = failed[idx[out]] = True
            going = ~converged & ~out
            rest = idx[going]
            drop = _screen(gap[going], xta[going], dual_norm[going], diag, alpha)
            drop &= allowed[rest]
            allowed[rest] &= ~drop
            W[rest] = np.where(drop, 0.0, W[rest])
            pattern[rest] &= ~drop
    if failed.any():
        warnings.warn(
            f"The Lasso of {np.count_nonzero(failed)} target(s) did not converge "
            f"in {max_iter} iterations; increase the regularization.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return W.T.copy(), n_iter
