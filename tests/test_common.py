"""scikit-learn's estimator checks over every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skarvae import ARVAE, GLSRVAE, BetaVAE
from skarvae.utils._testing import FAST, mean_output

# Every check passes on CPU: no expected failures are declared. (A model on
# CUDA is tagged non_deterministic, which skips the invariance checks.)
EXPECTED_FAILED_CHECKS = {}


@parametrize_with_checks(
    [
        ARVAE(**FAST, random_state=0),
        BetaVAE(**FAST, random_state=0),
        GLSRVAE(mean_output, **FAST, random_state=0),
    ],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
