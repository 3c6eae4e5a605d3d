"""Settings that make estimators fast in tests and doctests."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

#: Small networks and few epochs: an estimator fits in about a second.
FAST = {"latent_dim": 4, "hidden_dims": (16,), "max_epochs": 2, "batch_size": 32}


def mean_output(output):
    """A differentiable attribute function for tests: the mean of the output."""
    return output.flatten(1).mean(dim=1)
