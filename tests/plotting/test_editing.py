"""Attribute surface and traversal plots."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")

from skarvae import ARVAE, BetaVAE
from skarvae.plotting import plot_attribute_surface, plot_attribute_traversal
from skarvae.utils._testing import FAST


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 6)).astype(np.float32)
    A = pd.DataFrame({"mean": X.mean(axis=1)})
    return ARVAE(**FAST, random_state=0).fit(X, A), X


def _mean(decoded):
    return decoded.mean(axis=1)


def test_attribute_surface_colors_the_grid_by_the_measure(fitted, tmp_path):
    vae, X = fitted
    fig = plot_attribute_surface(
        vae, "mean", _mean, n_steps=4, X=X, path=tmp_path / "s.png"
    )
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("z0 (mean)", "z1")
    colors = ax.collections[0].get_array()
    assert colors.shape == (4, 4)
    codes = vae.calibration_["mean"]["codes"]
    Z = np.tile(vae.transform(X).mean(axis=0), (4, 1))
    Z[:, 0] = np.linspace(codes[0], codes[-1], 4)
    Z[:, 1] = -3.0
    expected = _mean(vae.inverse_transform(Z.astype(np.float32)))
    np.testing.assert_allclose(colors[0], expected, rtol=1e-5)
    assert (tmp_path / "s.png").read_bytes()[:4] == b"\x89PNG"


def test_attribute_surface_by_latent_index_on_betavae(fitted):
    _, X = fitted
    vae = BetaVAE(**FAST, random_state=0).fit(X)
    fig = plot_attribute_surface(vae, 2, _mean, free_dim=3, n_steps=3)
    assert (fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()) == ("z2", "z3")
    with pytest.raises(ValueError, match="free_dim=2"):
        plot_attribute_surface(vae, 2, _mean, free_dim=2)


def test_attribute_traversal_draws_median_and_request(fitted):
    vae, X = fitted
    values = [-0.1, 0.0, 0.1]
    fig = plot_attribute_traversal(vae, X[:10], "mean", _mean, values=values)
    lines = fig.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["median", "requested"]
    decoded = vae.traverse(X[:10], "mean", values)
    np.testing.assert_allclose(
        lines[0].get_ydata(), np.median(decoded.mean(axis=2), axis=0), rtol=1e-5
    )
    fig = plot_attribute_traversal(vae, X[:5], 1, _mean, n_steps=3)
    assert fig.axes[0].get_xlabel() == "z1"


def test_attribute_traversal_leaves_out_unmeasurable_outputs(fitted):
    vae, X = fitted

    def first_unmeasurable(decoded):
        values = decoded.mean(axis=1)
        values[0] = np.nan  # e.g. a blank decoded image
        return values

    fig = plot_attribute_traversal(vae, X[:10], "mean", first_unmeasurable, n_steps=3)
    assert np.isfinite(fig.axes[0].get_lines()[0].get_ydata()).all()


@pytest.mark.parametrize(
    ("measure", "match"),
    [
        (lambda D: D, r"one value per decoded sample"),
        (lambda D: pd.DataFrame({"a": D[:, 0], "b": D[:, 1]}), "none named 'mean'"),
    ],
)
def test_plots_reject_bad_measures(fitted, measure, match):
    vae, X = fitted
    with pytest.raises(ValueError, match=match):
        plot_attribute_traversal(vae, X[:4], "mean", measure, n_steps=2)
    with pytest.raises(ValueError, match=match):
        plot_attribute_surface(vae, "mean", measure, n_steps=2)


def test_plots_reject_unknown_attributes(fitted):
    vae, X = fitted
    with pytest.raises(ValueError, match="Unknown attribute 'size'"):
        plot_attribute_surface(vae, "size", _mean)
    with pytest.raises(ValueError, match="Unknown attribute 'size'"):
        plot_attribute_traversal(vae, X, "size", _mean)
