"""Objectives of the search: reconstruction scorers and scoring resolution."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.pipeline import Pipeline

from skarvae.metrics import make_disentanglement_scorer, reconstruction_accuracy
from skarvae.metrics._report import SCORE_NAMES


def _recon_kind(estimator):
    final = estimator[-1] if isinstance(estimator, Pipeline) else estimator
    return getattr(final, "recon_loss_", "mse")


def _reconstruct(estimator, X):
    # X goes in as given, so a pipeline fitted on a DataFrame keeps its names.
    X_rec = np.asarray(estimator.inverse_transform(estimator.transform(X)))
    X = np.asarray(X)
    return X, X_rec.reshape(X.shape)


def elbo_scorer(estimator, X, y=None):
    """Mean ELBO per sample of ``X`` (``estimator.score``); higher is better.

    Parameters
    ----------
    estimator : estimator object
        A fitted skarvae estimator, or a pipeline ending in one.
    X : array-like of shape (n_samples, n_features)
        Data to score.
    y : Ignored
        Not used, present for the scorer signature.

    Returns
    -------
    score : float
        The mean evidence lower bound.

    Examples
    --------
    >>> from skarvae import BetaVAE
    >>> from skarvae.datasets import make_attribute_data
    >>> from skarvae.model_selection import elbo_scorer
    >>> X = make_attribute_data(n_samples=64, random_state=0).data
    >>> vae = BetaVAE(latent_dim=2, max_epochs=2, random_state=0).fit(X)
    >>> elbo_scorer(vae, X) == vae.score(X)
    True
    """
    return float(estimator.score(X))


def neg_reconstruction_error_scorer(estimator, X, y=None):
    """Negative reconstruction error of ``X`` through the latent means.

    ``X`` is encoded with ``transform`` and decoded with
    ``inverse_transform``. The error is the mean squared error per value for
    real-valued and [0, 1] data, and the fraction of wrong tokens for token
    models (``recon_loss_='ce'``). Negated, so that higher is better.

    Parameters
    ----------
    estimator : estimator object
        A fitted skarvae estimator, or a pipeline ending in one.
    X : array-like of shape (n_samples, n_features) or (n_samples, \\*shape)
        Data to reconstruct.
    y : Ignored
        Not used, present for the scorer signature.

    Returns
    -------
    score : float
        Minus the reconstruction error, at most 0.

    Examples
    --------
    >>> from skarvae import BetaVAE
    >>> from skarvae.datasets import make_attribute_data
    >>> from skarvae.model_selection import neg_reconstruction_error_scorer
    >>> X = make_attribute_data(n_samples=64, random_state=0).data
    >>> vae = BetaVAE(latent_dim=2, max_epochs=2, random_state=0).fit(X)
    >>> neg_reconstruction_error_scorer(vae, X) < 0
    True
    """
    X, X_rec = _reconstruct(estimator, X)
    if _recon_kind(estimator) == "ce":
        return -float(np.mean(X != X_rec))
    return -float(np.mean((X.astype(np.float64) - X_rec) ** 2))


def reconstruction_accuracy_scorer(estimator, X, y=None):
    """Fraction of pixels (threshold 0.5) or tokens reconstructed exactly.

    See :func:`skarvae.metrics.reconstruction_accuracy`; meant for binary
    images and token sequences.

    Parameters
    ----------
    estimator : estimator object
        A fitted skarvae estimator, or a pipeline ending in one.
    X : array-like of shape (n_samples, ...)
        Binary images or token sequences.
    y : Ignored
        Not used, present for the scorer signature.

    Returns
    -------
    score : float
        Accuracy in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from skarvae import BetaVAE
    >>> from skarvae.model_selection import reconstruction_accuracy_scorer
    >>> X = (np.random.default_rng(0).uniform(size=(64, 8)) > 0.5).astype(float)
    >>> vae = BetaVAE(latent_dim=2, max_epochs=2, random_state=0).fit(X)
    >>> 0 <= reconstruction_accuracy_scorer(vae, X) <= 1
    True
    """
    X, X_rec = _reconstruct(estimator, X)
    kind = "tokens" if _recon_kind(estimator) == "ce" else "binary"
    return reconstruction_accuracy(X, X_rec, kind=kind)


RECONSTRUCTION_SCORERS = {
    "elbo": elbo_scorer,
    "neg_reconstruction_error": neg_reconstruction_error_scorer,
    "reconstruction_accuracy": reconstruction_accuracy_scorer,
}

#: Every scoring name the search accepts.
SCORING_NAMES = tuple(sorted({*RECONSTRUCTION_SCORERS, *SCORE_NAMES}))


def get_search_scorer(name):
    """Scorer ``scorer(estimator, X, y)`` for a scoring name.

    Disentanglement names (``'interpretability'``, ``'mig'``, ...) score
    each attribute on its regularized dimension when the estimator has
    ``reg_dims_`` (``use_reg_dims=True``); ``'elbo'``,
    ``'neg_reconstruction_error'`` and ``'reconstruction_accuracy'`` score
    the reconstruction.

    Parameters
    ----------
    name : str
        One of :data:`SCORING_NAMES`.

    Returns
    -------
    scorer : callable
        Higher is better.

    Examples
    --------
    >>> from skarvae.model_selection import get_search_scorer
    >>> get_search_scorer("mig")
    make_disentanglement_scorer('mig', use_reg_dims=True, ...)
    """
    if name in RECONSTRUCTION_SCORERS:
        return RECONSTRUCTION_SCORERS[name]
    if name in SCORE_NAMES:
        return make_disentanglement_scorer(name, use_reg_dims=True)
    raise ValueError(
        f"Unknown scoring name {name!r}; valid names are {list(SCORING_NAMES)}, "
        "or pass a callable scorer(estimator, X, y)."
    )


def _one(value, what):
    if isinstance(value, str):
        return get_search_scorer(value)
    if callable(value):
        return value
    raise TypeError(
        f"{what} must be a scoring name or a callable scorer(estimator, X, y); "
        f"got {value!r}."
    )


def resolve_scoring(scoring):
    """``{key: scorer}`` for the ``scoring`` parameter, in objective order.

    None is the ELBO; a name or callable gives the single key ``'score'``; a
    list of names or a dict of names or callables gives one objective per
    entry, keyed by name.
    """
    if scoring is None:
        return {"score": elbo_scorer}
    if isinstance(scoring, str) or callable(scoring):
        return {"score": _one(scoring, "scoring")}
    if isinstance(scoring, (list, tuple)):
        if not scoring or not all(isinstance(s, str) for s in scoring):
            raise ValueError(
                "A list of scorings must hold at least one scoring name, and "
                "only names; use a dict to name callables."
            )
        if len(set(scoring)) != len(scoring):
            raise ValueError(f"scoring has duplicate names: {list(scoring)}.")
        return {name: _one(name, "scoring") for name in scoring}
    if isinstance(scoring, dict):
        if not scoring:
            raise ValueError("scoring must not be an empty dict.")
        return {str(k): _one(v, f"scoring[{k!r}]") for k, v in scoring.items()}
    raise TypeError(
        "scoring must be None, a scoring name, a callable, a list of names or "
        f"a dict; got {type(scoring).__name__}."
    )
