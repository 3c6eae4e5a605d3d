"""Shared fixtures: small seeded data and fast estimator settings."""

import pytest
import torch

from skarvae.datasets import make_attribute_data

torch.set_num_threads(1)


@pytest.fixture
def tabular():
    return make_attribute_data(
        n_samples=120, n_features=6, n_attributes=2, random_state=0
    )
