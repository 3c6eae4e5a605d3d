"""Building, fitting and scoring the models of ``benchmarks/reproduce.py``."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import time

import numpy as np

from benchmarks._reproduce.config import (
    DELTA,
    LOSS_WEIGHTS,
    METRICS,
    MODELS,
    NETWORKS,
)


def model_params(data, profile):
    """The network of data set ``data`` in ``profile``, as estimator parameters."""
    params = dict(NETWORKS[profile][data.name])
    if data.kind == "music":
        module_params = {
            **params.get("module_params", {}),
            "n_tokens": data.info["n_tokens"],
        }
        if module_params.get("pool_features") == "midi":  # each token's pitch
            module_params["pool_features"] = data.info["vocabulary"].midi
        params["module_params"] = module_params
        params["recon_loss"] = "ce"
    return params


def make_model(model, data, seed, args, *, n_epochs=None, **overrides):
    """An unfitted ``model`` ('BetaVAE' or 'ARVAE') for ``data`` and seed."""
    from skarvae import ARVAE, BetaVAE

    cfg = args.settings[data.name]
    params = {
        **model_params(data, args.profile),
        **LOSS_WEIGHTS[data.kind][model],
        **cfg.get("recipe", {}),
        "lr": cfg["lr"],
        "batch_size": cfg["batch_size"],
        "max_epochs": n_epochs or cfg["epochs"],
        "validation_fraction": None,
        "device": args.device,
        "random_state": seed,
    }
    if model == "ARVAE":
        params["delta"] = cfg.get("delta", DELTA[data.kind])
        if "gamma" in cfg:
            params["gamma"] = cfg["gamma"]
        if "arvae_beta" in cfg:
            params["beta"] = cfg["arvae_beta"]
        if cfg.get("edit_weight"):
            from skarvae.losses import measure_attribute_functions

            params["edit_weight"] = cfg["edit_weight"]
            params["attribute_fns"] = measure_attribute_functions(
                data.info["vocabulary"]
            )
        params.update(overrides)
        return ARVAE(**params)
    return BetaVAE(**params)


def fit(estimator, data, X=None, A=None):
    X = data.X_train if X is None else X
    A = data.A_train if A is None else A
    start = time.perf_counter()
    estimator.fit(X, A)
    return estimator, time.perf_counter() - start


def encode(estimator, X, protocol, seed):
    """Posterior means (heldout) or one seeded posterior sample (paper)."""
    if protocol == "paper":
        return estimator.sample_latent(X, random_state=seed)
    return estimator.transform(X)


def recon_accuracy(estimator, data, Z):
    from skarvae.metrics import reconstruction_accuracy

    kind = "tokens" if data.kind == "music" else "binary"
    return reconstruction_accuracy(
        data.X_test, estimator.inverse_transform(Z), kind=kind
    )


def report(estimator, Z, A, protocol, seed):
    from skarvae.metrics import disentanglement_report

    reg_dims = None
    if protocol == "heldout" and hasattr(estimator, "reg_dims_"):
        reg_dims = [estimator.reg_dims_[name] for name in A.columns]
    return disentanglement_report(
        Z,
        A,
        metrics=list(METRICS),
        mutual_info="ksg" if protocol == "paper" else "binned",
        reg_dims=reg_dims,
        random_state=seed,
    )


#: Held-out samples whose edits ``edit_fidelity`` measures (each is decoded
#: 7 times per attribute).
N_EDIT = 200
EDIT_COLUMNS = {
    "spearman": "edit_spearman",
    "monotone": "edit_monotone",
    "relative_error": "edit_rel_error",
    "leakage": "edit_leakage",
}


def edit_measure(data):
    """The function that measures the attributes of decoded outputs, or None.

    MNIST: the morphometrics of the decoded digits cut at 0.5; sprites: the
    factors read back by template matching (``measure_sprites``); music: the
    measure attributes of the decoded token ids.
    """
    if data.name == "sprites":
        from skarvae.datasets import measure_sprites

        return measure_sprites
    if data.name == "mnist":
        from skarvae.datasets import morphometrics

        return lambda decoded: morphometrics(
            (np.asarray(decoded) > 0.5).astype(np.float32), verbose=False
        )
    if data.kind == "music" and "vocabulary" in data.info:
        from skarvae.music import measure_attributes

        vocabulary = data.info["vocabulary"]
        return lambda decoded: measure_attributes(decoded, vocabulary=vocabulary)
    return None


def edit_scores(estimator, data):
    """Medians over attributes of ``skarvae.metrics.edit_fidelity`` (ARVAE only)."""
    from skarvae.metrics import edit_fidelity

    measure = edit_measure(data)
    if measure is None or not hasattr(estimator, "reg_dims_"):
        return {}
    table = edit_fidelity(estimator, data.X_test[:N_EDIT], measure)
    return {col: float(table[key].median()) for key, col in EDIT_COLUMNS.items()}


def fmt(row):
    return " ".join(
        f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()
    )


def run_metrics(data, args, fitted):
    """Fit both models per seed; metrics and reconstruction accuracy."""
    rows = []
    for seed in args.seeds:
        for model in MODELS:
            estimator, fit_s = fit(make_model(model, data, seed, args), data)
            fitted[data.name, model, seed] = estimator
            edits = edit_scores(estimator, data)
            for protocol in args.protocols:
                Z = encode(estimator, data.X_test, protocol, seed)
                means = report(estimator, Z, data.A_test, protocol, seed)
                row = {
                    "dataset": data.name,
                    "model": model,
                    "seed": seed,
                    "protocol": protocol,
                    "profile": args.profile,
                    "network": estimator.module,
                    "n_train": len(data.X_train),
                    "n_test": len(data.X_test),
                    "epochs": estimator.max_epochs,
                    "fit_s": round(fit_s, 1),
                    **means.loc["mean", list(METRICS)].astype(float).to_dict(),
                    "recon_acc": recon_accuracy(estimator, data, Z),
                    **edits,
                }
                rows.append(row)
                print(fmt(row), flush=True)
    return rows


def digit_classifier(data, seed=0):
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=(256,), max_iter=200, random_state=seed)
    return clf.fit(data.info["X_classifier"], data.info["y_classifier"])


def run_content(data, args, fitted):
    """Digit identity kept by reconstructions and traversals (paper Fig. 7)."""
    from skarvae.metrics import content_preservation_score

    clf = digit_classifier(data)
    y = data.info["y_test"]
    clean = content_preservation_score(clf, data.X_test, y)
    print(f"content: classifier accuracy on the evaluation digits {clean:.3f}")
    values = np.linspace(-4, 4, 10)
    rows = []
    for seed in args.seeds:
        for model in MODELS:
            estimator = fitted.get(("mnist", model, seed))
            if estimator is None:
                estimator, _ = fit(make_model(model, data, seed, args), data)
                fitted["mnist", model, seed] = estimator
            for protocol in args.protocols:
                Z = encode(estimator, data.X_test, protocol, seed)
                recon = estimator.inverse_transform(Z)
                dims = report(estimator, Z, data.A_test, protocol, seed)
                per_attribute = []
                for name in data.A_test.columns:
                    dim = int(dims.loc[name, "interpretability_dim"])
                    steps = np.repeat(Z[:, None], len(values), axis=1)
                    steps[:, :, dim] = values
                    decoded = estimator.inverse_transform(steps.reshape(-1, Z.shape[1]))
                    per_attribute.append(
                        content_preservation_score(
                            clf, decoded, np.repeat(y, len(values))
                        )
                    )
                row = {
                    "dataset": "mnist",
                    "model": model,
                    "seed": seed,
                    "protocol": protocol,
                    "profile": args.profile,
                    "clean": clean,
                    "recon": content_preservation_score(clf, recon, y),
                    "traversal": float(np.mean(per_attribute)),
                }
                rows.append(row)
                print(fmt(row), flush=True)
    return rows


def run_sweep(data, args):
    """ARVAE over a gamma x delta grid on MNIST (paper Fig. 8, beta=1)."""
    cfg = args.settings["sweep"]
    n = cfg["n_train"] or len(data.X_train)
    X, A = data.X_train[:n], data.A_train.iloc[:n]
    seed = args.seeds[0]
    rows = []
    for gamma in cfg["gammas"]:
        for delta in cfg["deltas"]:
            estimator = make_model(
                "ARVAE", data, seed, args, n_epochs=cfg["epochs"], gamma=gamma
            )
            estimator.set_params(delta=delta, beta=1.0)
            estimator, fit_s = fit(estimator, data, X, A)
            for protocol in args.protocols:
                Z = encode(estimator, data.X_test, protocol, seed)
                means = report(estimator, Z, data.A_test, protocol, seed)
                row = {
                    "gamma": gamma,
                    "delta": delta,
                    "protocol": protocol,
                    "profile": args.profile,
                    "n_train": n,
                    "epochs": cfg["epochs"],
                    "fit_s": round(fit_s, 1),
                    "interpretability": float(means.loc["mean", "interpretability"]),
                    "recon_acc": recon_accuracy(estimator, data, Z),
                }
                rows.append(row)
                print(fmt(row), flush=True)
    return rows
