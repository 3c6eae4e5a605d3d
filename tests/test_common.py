"""scikit-learn's estimator checks over every public estimator."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from skarvae import ARVAE, GLSRVAE, BetaVAE
from skarvae.utils._testing import FAST, mean_output

ESTIMATORS = [
    ARVAE(**FAST, random_state=0),
    BetaVAE(**FAST, random_state=0),
    GLSRVAE(mean_output, **FAST, random_state=0),
]

# scikit-learn compares the output for a whole batch with that for single
# rows, or for reordered rows, to within about 1e-7: one unit in the last
# place of a float32 near 1. torch computes other batch shapes with other
# kernels, which round differently on some machines (1.8e-7 was measured
# for transform on one). The same properties are tested below with float32
# tolerances. (A model on CUDA is tagged non_deterministic, which skips
# these checks.)
REPLACED_CHECKS = {
    "check_methods_subset_invariance",
    "check_methods_sample_order_invariance",
}


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    name = getattr(check, "func", check).__name__
    if name in REPLACED_CHECKS:
        pytest.skip(f"{name}: float32 output, see test_batch_invariance")
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_batch_invariance(estimator):
    # the data of scikit-learn's checks
    X = 3 * np.random.RandomState(0).uniform(size=(20, 3))
    y = X[:, 0].astype(int)
    estimator = clone(estimator).fit(X, y)
    order = np.random.RandomState(1).permutation(len(X))
    for method in ("transform", "predict"):
        if not hasattr(estimator, method):
            continue
        apply = getattr(estimator, method)
        full = apply(X)
        rows = np.concatenate([apply(X[i : i + 1]) for i in range(len(X))])
        np.testing.assert_allclose(rows, full, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(apply(X[order]), full[order], rtol=1e-5, atol=1e-6)
