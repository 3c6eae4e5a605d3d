"""Optuna-backed hyperparameter search for the skarvae estimators."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skarvae.model_selection._pruning import PruningCallback
from skarvae.model_selection._results import knee_index
from skarvae.model_selection._scoring import (
    SCORING_NAMES,
    elbo_scorer,
    get_search_scorer,
    neg_reconstruction_error_scorer,
    reconstruction_accuracy_scorer,
)
from skarvae.model_selection._search import ARVAESearchCV
from skarvae.model_selection._spaces import (
    DEFAULT_RANGES,
    default_param_distributions,
)

__all__ = [
    "DEFAULT_RANGES",
    "SCORING_NAMES",
    "ARVAESearchCV",
    "PruningCallback",
    "default_param_distributions",
    "elbo_scorer",
    "get_search_scorer",
    "knee_index",
    "neg_reconstruction_error_scorer",
    "reconstruction_accuracy_scorer",
]
