"""Benchmark of each metric and the report against straightforward per-pair code.

Each metric function is timed side by side with a reference-style version that
computes the same score with per-pair loops (sklearn's ``mutual_info_score``,
``np.cov``, ``scipy.stats.spearmanr``) or, for DCI, one sklearn ``Lasso`` per
attribute; the rounds are interleaved, so the ratios hold on a busy machine.
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time

import numpy as np
from scipy.stats import spearmanr
from sklearn.feature_selection import mutual_info_regression
from sklearn.linear_model import Lasso, LinearRegression
from sklearn.metrics import mutual_info_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_array

from skarvae.metrics import (
    dci_score,
    disentanglement_report,
    interpretability_score,
    mig_score,
    modularity_score,
    sap_score,
    scc_score,
)


def make_data(n_samples, n_dims, n_attributes, seed=0):
    """Latents that mix uniform attributes, with noise and nuisance dims."""
    rng = np.random.default_rng(seed)
    A = rng.uniform(size=(n_samples, n_attributes))
    Z = rng.normal(size=(n_samples, n_dims))
    Z[:, :n_attributes] += 3 * A + A @ rng.normal(size=(n_attributes, n_attributes))
    return Z, A


def _bins(x, n_bins=20):
    return np.digitize(x, np.histogram(x, n_bins)[1][:-1])


def ref_binned_mi(Z, A):
    """Per-pair plug-in MI as disentanglement_lib computes it (attributes binned)."""
    zb = [_bins(z) for z in Z.T]
    ab = [_bins(a) for a in A.T]
    mi = np.array([[mutual_info_score(a, z) for a in ab] for z in zb])
    return mi, np.array([mutual_info_score(a, a) for a in ab])


def ref_ksg_mi(Z, a, random_state=0):
    return mutual_info_regression(Z, a, random_state=random_state)


def ref_gap(S):
    s = np.sort(S, axis=0)[::-1]
    return s[0] - s[1]


def ref_modularity(mi):
    sq = mi**2
    theta = sq.max(axis=1)
    delta = (sq.sum(axis=1) - theta) / (theta * (mi.shape[1] - 1))
    return np.mean(np.where(theta > 0, 1 - delta, 0.0))


def ref_r2(Z, A):
    S = np.empty((Z.shape[1], A.shape[1]))
    for d, z in enumerate(Z.T):
        for k, a in enumerate(A.T):
            c = np.cov(z, a)
            S[d, k] = c[0, 1] ** 2 / (c[0, 0] * c[1, 1]) if c[0, 0] > 1e-12 else 0
    return S


def ref_mig(Z, A):
    mi, h = ref_binned_mi(Z, A)
    return np.mean(ref_gap(mi) / h)


def ref_modularity_score(Z, A):
    return ref_modularity(ref_binned_mi(Z, A)[0])


def ref_interpretability(Z, A):
    mi, _ = ref_binned_mi(Z, A)
    return np.mean(
        [
            LinearRegression().fit(Z[:, [d]], a).score(Z[:, [d]], a)
            for d, a in zip(np.argmax(mi, axis=0), A.T)
        ]
    )


def ref_sap(Z, A):
    return np.mean(ref_gap(ref_r2(Z, A)))


def ref_scc(Z, A):
    scc = np.empty((Z.shape[1], A.shape[1]))
    for d, z in enumerate(Z.T):
        for k, a in enumerate(A.T):
            rho, p = spearmanr(z, a)
            scc[d, k] = abs(rho) if p <= 0.05 else 0.0
    return np.mean(scc.max(axis=0))


def ref_dci(Z, A, random_state=0):
    """One sklearn Lasso per attribute on standardized data, as the DCI code does.

    Returns the importance matrix and the held-out R² of each attribute.
    """
    train, test = train_test_split(
        np.arange(len(Z)), test_size=0.25, random_state=random_state
    )
    mean, std = Z[train].mean(axis=0), Z[train].std(axis=0)
    Z_train, Z_test = (Z[train] - mean) / std, (Z[test] - mean) / std
    importance, informativeness = [], []
    for a in A.T:
        a_mean, a_std = a[train].mean(), a[train].std()
        lasso = Lasso(alpha=0.02).fit(Z_train, (a[train] - a_mean) / a_std)
        importance.append(np.abs(lasso.coef_))
        informativeness.append(lasso.score(Z_test, (a[test] - a_mean) / a_std))
    return np.array(importance).T, np.array(informativeness)


def ref_report_binned(Z, A, random_state=0):
    """Every metric on its own, per pair, as the reference code runs them."""
    mi, h = ref_binned_mi(Z, A)  # MIG
    mig = np.mean(ref_gap(mi) / h)
    mi, _ = ref_binned_mi(Z, A)  # Modularity
    modularity = ref_modularity(mi)
    mi, _ = ref_binned_mi(Z, A)  # Interpretability: argmax MI, then in-sample R²
    interp = np.mean(
        [
            LinearRegression().fit(Z[:, [d]], a).score(Z[:, [d]], a)
            for d, a in zip(np.argmax(mi, axis=0), A.T)
        ]
    )
    sap = np.mean(ref_gap(ref_r2(Z, A)))
    scc = np.empty((Z.shape[1], A.shape[1]))
    for d, z in enumerate(Z.T):
        for k, a in enumerate(A.T):
            rho, p = spearmanr(z, a)
            scc[d, k] = abs(rho) if p <= 0.05 else 0.0
    scc = np.mean(scc.max(axis=0))
    dci = dci_score(Z, A, random_state=random_state)
    return mig, modularity, interp, sap, scc, *dci


def ref_ksg_three(Z, A):
    """AR-VAE's Interpretability, MIG and Modularity, each computing KSG MI."""
    interp = []
    for a in A.T:
        mi = ref_ksg_mi(Z, a)
        d = np.argmax(mi)
        interp.append(LinearRegression().fit(Z[:, [d]], a).score(Z[:, [d]], a))
    mi = np.column_stack([ref_ksg_mi(Z, a) for a in A.T])
    h = np.array([ref_ksg_mi(a[:, None], a)[0] for a in A.T])
    mig = np.mean(ref_gap(mi) / h)
    mi = np.column_stack([ref_ksg_mi(Z, a) for a in A.T])
    return np.mean(interp), mig, ref_modularity(mi)


def timed(func, *args, repeat=1, **kwargs):
    best, out = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        out = func(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return best, out


def single_metrics(Z, A, repeat, back_to_back=False):
    """Each metric against its reference, interleaved rounds; check agreement.

    With ``back_to_back``, each function instead runs ``repeat`` times in a
    row (warm caches, as in a loop of scorer calls on the same data).
    """
    contenders = {
        "mig_score": (lambda: mig_score(Z, A), lambda: ref_mig(Z, A)),
        "modularity_score": (
            lambda: modularity_score(Z, A),
            lambda: ref_modularity_score(Z, A),
        ),
        "interpretability_score": (
            lambda: interpretability_score(Z, A),
            lambda: ref_interpretability(Z, A),
        ),
        "sap_score": (lambda: sap_score(Z, A), lambda: ref_sap(Z, A)),
        "scc_score": (lambda: scc_score(Z, A), lambda: ref_scc(Z, A)),
        "dci_score": (
            lambda: dci_score(Z, A, random_state=0, return_details=True),
            lambda: ref_dci(Z, A),
        ),
        "disentanglement_report": (
            lambda: disentanglement_report(Z, A, random_state=0),
            lambda: ref_report_binned(Z, A),
        ),
    }
    # sklearn's first check_array in a process looks up narwhals plugins
    # (about 20 ms); pay it here so that "first" is the function's own.
    check_array(np.zeros((2, 2)))
    times = {name: ([], []) for name in contenders}
    outputs = {}
    if back_to_back:
        schedule = [
            (name, j) for name in contenders for j in (0, 1) for _ in range(repeat)
        ]
    else:
        schedule = [
            (name, j) for _ in range(repeat) for name in contenders for j in (0, 1)
        ]
    for name, j in schedule:
        func = contenders[name][j]
        start = time.perf_counter()
        out = func()
        times[name][j].append(time.perf_counter() - start)
        outputs[name, j] = out
    print(
        f"{'function':<24}{'skarvae ms':>12}{'first':>9}{'per-pair ms':>13}"
        f"{'ratio':>8}  agreement"
    )
    for name in contenders:
        ours, ref = outputs[name, 0], outputs[name, 1]
        if name == "dci_score":
            diff = max(
                np.max(np.abs(ours.importance - ref[0])),
                np.max(np.abs(ours.informativeness_per_attribute - ref[1])),
            )
        elif name == "disentanglement_report":
            cols = ["mig", "modularity", "interpretability", "sap", "scc"]
            diff = np.max(np.abs(ours.loc["mean", cols].to_numpy(float) - ref[:5]))
        else:
            diff = abs(ours - ref)
        # Best of the rounds: on a shared machine a short call that loses its
        # time slice waits tens of milliseconds, which a median would count.
        t_ours, t_ref = min(times[name][0]), min(times[name][1])
        print(
            f"{name:<24}{1e3 * t_ours:>12.1f}{1e3 * times[name][0][0]:>9.1f}"
            f"{1e3 * t_ref:>13.1f}{t_ref / t_ours:>7.1f}x  {diff:.1e}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--large", action="store_true", help="also time the report at n=1,000,000"
    )
    parser.add_argument(
        "--back-to-back",
        action="store_true",
        help="also time each function in repeated calls in a row (warm caches)",
    )
    args = parser.parse_args()

    Z, A = make_data(10_000, 16, 6)
    print(f"n=10,000 D=16 K=6, best of {args.repeat} interleaved rounds")
    single_metrics(Z, A, args.repeat)
    if args.back_to_back:
        print(f"n=10,000 D=16 K=6, best of {args.repeat} calls in a row")
        single_metrics(Z, A, args.repeat, back_to_back=True)

    t_ref, ref = timed(ref_ksg_three, Z, A)
    t_vec, rep = timed(
        disentanglement_report,
        Z,
        A,
        metrics=["mig", "modularity", "interpretability"],
        mutual_info="ksg",
        random_state=0,
    )
    ours = rep.loc["mean", ["interpretability", "mig", "modularity"]].to_numpy(float)
    print(
        f"  KSG Interpretability+MIG+Modularity: AR-VAE style {t_ref:.3f} s, "
        f"skarvae {t_vec:.3f} s, ratio {t_ref / t_vec:.1f}x "
        f"(max abs diff {np.max(np.abs(ours - np.array(ref))):.1e})"
    )

    if args.large:
        Z, A = make_data(1_000_000, 32, 6)
        t_big, _ = timed(disentanglement_report, Z, A, random_state=0)
        print(f"n=1,000,000 D=32 K=6 binned full report: {t_big:.2f} s")


if __name__ == "__main__":
    main()
