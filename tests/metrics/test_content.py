"""Content-preservation score."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skarvae.metrics import content_preservation_score


def _sign(X):
    return np.sign(np.asarray(X)[:, 0])


def test_content_preservation_known_values():
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [2.0, 5.0], [-3.0, 1.0]])
    assert content_preservation_score(_sign, X, X_original=X) == 1.0
    flipped = -X
    assert content_preservation_score(_sign, flipped, X_original=X) == 0.0
    assert content_preservation_score(_sign, X, [1, -1, -1, -1]) == 0.75


def test_content_preservation_with_a_fitted_estimator_on_images():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 20)
    images = rng.random((40, 1, 2, 2)) * 0.1 + labels[:, None, None, None]
    classifier = LogisticRegression().fit(images.reshape(40, -1), labels)
    edited = images + 0.05  # content kept
    assert content_preservation_score(classifier, edited, labels) == 1.0
    swapped = images[::-1]  # content of every sample changed
    assert content_preservation_score(classifier, swapped, X_original=images) == 0.0


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((), {}, "exactly one of y_content and X_original"),
        (([1, 1, 1, 1],), {"X_original": np.ones((4, 2))}, "exactly one"),
        (([1, 1, 1],), {}, r"expected shape \(4,\)"),
        ((), {"X_original": np.ones((3, 2))}, "X_original has 3 samples"),
    ],
)
def test_content_preservation_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        content_preservation_score(_sign, np.ones((4, 2)), *args, **kwargs)


def test_content_preservation_rejects_non_classifiers():
    with pytest.raises(ValueError, match="classifier"):
        content_preservation_score("digits", np.ones((4, 2)), [1, 1, 1, 1])
    with pytest.raises(ValueError, match="one label per sample"):
        content_preservation_score(lambda X: X, np.ones((4, 2)), [1, 1, 1, 1])
