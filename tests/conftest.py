"""Shared fixtures: small seeded data and fast estimator settings."""

import importlib.util
from pathlib import Path

import pytest
import torch

from skarvae.datasets import make_attribute_data

torch.set_num_threads(1)


@pytest.fixture
def tabular():
    return make_attribute_data(
        n_samples=120, n_features=6, n_attributes=2, random_state=0
    )


@pytest.fixture(scope="session")
def load_example():
    """Import ``examples/<name>.py`` as a module without running its main."""

    def load(name):
        path = Path(__file__).resolve().parents[1] / "examples" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load
