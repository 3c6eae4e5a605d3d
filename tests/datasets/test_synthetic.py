"""The synthetic tabular generator."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from skarvae.datasets import make_attribute_data


def test_make_attribute_data_shapes_and_seed():
    a = make_attribute_data(50, n_features=7, n_attributes=2, random_state=0)
    b = make_attribute_data(50, n_features=7, n_attributes=2, random_state=0)
    assert a.data.shape == (50, 7)
    assert list(a.attributes.columns) == ["a0", "a1"]
    np.testing.assert_array_equal(a.data, b.data)


def test_attributes_are_recoverable_from_data():
    data = make_attribute_data(2000, n_features=20, noise=0.01, random_state=0)
    # tanh of a linear map: arctanh of clipped data is linear in the factors.
    X = np.arctanh(np.clip(data.data, -0.999, 0.999))
    r2 = LinearRegression().fit(X, data.attributes).score(X, data.attributes)
    assert r2 > 0.8


def test_make_attribute_data_validates():
    with pytest.raises(ValueError, match="n_samples"):
        make_attribute_data(0)
