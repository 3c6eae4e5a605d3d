"""Disentanglement metrics, reconstruction accuracy and scorers for model selection."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skarvae.metrics._disentanglement import (
    dci_score,
    interpretability_score,
    mig_score,
    modularity_score,
    sap_score,
    scc_score,
)

__all__ = [
    "dci_score",
    "interpretability_score",
    "mig_score",
    "modularity_score",
    "sap_score",
    "scc_score",
]
