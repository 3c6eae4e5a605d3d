"""Synthetic tabular data with known attributes."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, validate_params


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "n_attributes": [Interval(Integral, 1, None, closed="left")],
        "n_nuisance": [Interval(Integral, 0, None, closed="left")],
        "noise": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_attribute_data(
    n_samples=1000,
    *,
    n_features=20,
    n_attributes=3,
    n_nuisance=2,
    noise=0.05,
    random_state=None,
):
    """Generate tabular data driven by known attributes.

    Independent standard normal factors (``n_attributes`` attributes plus
    ``n_nuisance`` nuisance factors) are mixed by a random linear map and a
    ``tanh`` into ``n_features`` features, with Gaussian noise added. The
    attributes are the first factors, so a good attribute-regularized model
    recovers each of them on its latent dimension.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of samples.
    n_features : int, default=20
        Number of features.
    n_attributes : int, default=3
        Number of attribute factors.
    n_nuisance : int, default=2
        Number of further factors that shape the data but are no attribute.
    noise : float, default=0.05
        Standard deviation of the additive Gaussian noise.
    random_state : int, RandomState instance or None, default=None
        Seeds the factors, the mixing and the noise.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With ``data`` (ndarray of shape (n_samples, n_features)),
        ``attributes`` (DataFrame with columns ``a0, a1, ...``) and
        ``feature_names``.

    Examples
    --------
    >>> from skarvae.datasets import make_attribute_data
    >>> data = make_attribute_data(n_samples=5, n_features=4, random_state=0)
    >>> data.data.shape, list(data.attributes.columns)
    ((5, 4), ['a0', 'a1', 'a2'])
    """
    rng = check_random_state(random_state)
    n_factors = n_attributes + n_nuisance
    factors = rng.standard_normal((n_samples, n_factors))
    mixing = rng.standard_normal((n_factors, n_features)) / np.sqrt(n_factors)
    X = np.tanh(factors @ mixing) + noise * rng.standard_normal((n_samples, n_features))
    attributes = pd.DataFrame(
        factors[:, :n_attributes], columns=[f"a{j}" for j in range(n_attributes)]
    )
    return Bunch(
        data=X,
        attributes=attributes,
        feature_names=[f"x{i}" for i in range(n_features)],
    )
