"""Disentanglement metrics, edit fidelity, reconstruction accuracy and scorers."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skarvae.metrics._content import content_preservation_score
from skarvae.metrics._dci import dci_score
from skarvae.metrics._disentanglement import (
    interpretability_score,
    mig_score,
    modularity_score,
    sap_score,
    scc_score,
)
from skarvae.metrics._edit_fidelity import edit_fidelity, make_edit_fidelity_scorer
from skarvae.metrics._reconstruction import reconstruction_accuracy
from skarvae.metrics._report import disentanglement_report
from skarvae.metrics._scorer import (
    disentanglement_scorer,
    make_disentanglement_scorer,
)

__all__ = [
    "content_preservation_score",
    "dci_score",
    "disentanglement_report",
    "disentanglement_scorer",
    "edit_fidelity",
    "interpretability_score",
    "make_disentanglement_scorer",
    "make_edit_fidelity_scorer",
    "mig_score",
    "modularity_score",
    "reconstruction_accuracy",
    "sap_score",
    "scc_score",
]
