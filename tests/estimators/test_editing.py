"""Calibration, predict, edit, traverse and interpolate."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

import skarvae
from skarvae import ARVAE, BetaVAE
from skarvae.estimators._calibration import (
    code_to_value,
    fit_calibration,
    value_to_code,
)
from skarvae.utils._testing import FAST


def _make(n, seed):
    """Data whose two attributes are the means of features 0-2 and 3-5."""
    rng = np.random.default_rng(seed)
    F = rng.uniform(-1, 1, (n, 3))
    X = np.repeat(F, [3, 3, 2], axis=1) + 0.05 * rng.standard_normal((n, 8))
    return X.astype(np.float32), pd.DataFrame(F[:, :2], columns=["left", "right"])


def _measure(X):
    X = np.asarray(X)
    return np.column_stack([X[:, :3].mean(1), X[:, 3:6].mean(1)])


@pytest.fixture(scope="module")
def easy():
    X, A = _make(300, 0)
    vae = ARVAE(
        latent_dim=4,
        hidden_dims=(32,),
        max_epochs=10,
        batch_size=32,
        lr=3e-3,
        validation_fraction=None,
        random_state=0,
    )
    return vae.fit(X, A), _make(100, 1)


@pytest.fixture(scope="module")
def small():
    X, A = _make(60, 2)
    return ARVAE(**FAST, random_state=0).fit(X, A), X, A


# ------------------------------------------------------------- calibration


def test_calibration_inverts_a_monotone_map_with_flat_steps():
    z = np.linspace(-2, 2, 41)
    a = np.floor(z)  # flat steps of width 1
    entry = fit_calibration(z[:, None], a[:, None], ["a"])["a"]
    np.testing.assert_allclose(code_to_value(entry, z), a)
    codes = value_to_code(entry, [-2.0, -1.0, 0.0, 1.0, 2.0])
    assert np.all(np.diff(codes) > 0)
    np.testing.assert_allclose(code_to_value(entry, codes), [-2, -1, 0, 1, 2])
    # out of range: clipped to the end codes, never extrapolated
    assert value_to_code(entry, [99.0])[0] == value_to_code(entry, [2.0])[0]


def test_calibration_is_stored_as_plain_arrays(small):
    vae, _, _ = small
    assert list(vae.calibration_) == ["left", "right"]
    for entry in vae.calibration_.values():
        assert set(entry) == {"codes", "values"}
        assert isinstance(entry["codes"], np.ndarray)
        assert np.all(np.diff(entry["codes"]) > 0)
        assert np.all(np.diff(entry["values"]) >= 0)


# ----------------------------------------------------------------- predict


def test_predict_tracks_true_attributes_on_held_out_data(easy):
    vae, (X_test, A_test) = easy
    P = vae.predict(X_test)
    assert isinstance(P, pd.DataFrame)
    assert list(P.columns) == ["left", "right"]
    for column in A_test:
        assert spearmanr(P[column], A_test[column]).statistic > 0.95


@pytest.mark.parametrize(
    ("make_y", "expected"),
    [
        (lambda A: A, (pd.DataFrame, (60, 2))),
        (lambda A: A["left"], (pd.DataFrame, (60, 1))),
        (lambda A: A.to_numpy(), (np.ndarray, (60, 2))),
        (lambda A: A["left"].to_numpy(), (np.ndarray, (60,))),
    ],
)
def test_predict_output_follows_the_fitted_attributes(make_y, expected):
    X, A = _make(60, 2)
    vae = ARVAE(**FAST, random_state=0).fit(X, make_y(A))
    P = vae.predict(X)
    assert (type(P), P.shape) == expected


def test_predict_keeps_dataframe_index_and_ignores_set_output(small):
    vae, X, _ = small
    frame = pd.DataFrame(X, index=np.arange(100, 160))
    vae = ARVAE(**FAST, random_state=0).fit(frame, small[2])
    expected = vae.predict(frame)
    assert list(expected.index) == list(frame.index)
    vae.set_output(transform="pandas")
    assert isinstance(vae.transform(frame), pd.DataFrame)
    pd.testing.assert_frame_equal(vae.predict(frame), expected)


def test_predict_stays_in_training_range(small):
    vae, X, A = small
    P = vae.predict(X * 50)
    assert (P.min() >= A.min() - 1e-9).all()
    assert (P.max() <= A.max() + 1e-9).all()


def test_calibration_survives_pickle_and_save_load(small, tmp_path):
    vae, X, _ = small
    vae.save(tmp_path / "m.skarvae")
    for other in (
        pickle.loads(pickle.dumps(vae)),
        skarvae.load(tmp_path / "m.skarvae"),
    ):
        pd.testing.assert_frame_equal(other.predict(X), vae.predict(X))
        np.testing.assert_array_equal(
            other.edit(X, {"left": 0.3}), vae.edit(X, {"left": 0.3})
        )


def test_save_load_keeps_array_predict_layout(tmp_path):
    X, A = _make(60, 2)
    vae = ARVAE(**FAST, random_state=0).fit(X, A["left"].to_numpy())
    vae.save(tmp_path / "m.skarvae")
    loaded = skarvae.load(tmp_path / "m.skarvae")
    np.testing.assert_array_equal(loaded.predict(X), vae.predict(X))
    assert loaded.predict(X).shape == (60,)


# -------------------------------------------------------------------- edit


def test_edit_sets_the_measured_attribute(easy):
    vae, (X_test, _) = easy
    targets = np.linspace(-0.8, 0.8, 5)
    measured = np.stack(
        [_measure(vae.edit(X_test, {"left": t})) for t in targets], axis=1
    )  # (n_samples, n_targets, 2)
    increasing = (np.diff(measured[:, :, 0], axis=1) > 0).all(axis=1)
    assert increasing.mean() >= 0.95
    requested = np.broadcast_to(targets, measured.shape[:2])
    assert spearmanr(requested.ravel(), measured[:, :, 0].ravel()).statistic > 0.9
    moved = np.abs(measured - measured[:, :1]).mean(axis=(0, 1))
    assert moved[1] < 0.25 * moved[0]


def test_edit_per_sample_targets_and_other_modes(easy):
    vae, (X_test, _) = easy
    n = len(X_test)
    targets = np.linspace(-0.8, 0.8, n)
    measured = _measure(vae.edit(X_test, {"left": targets}))[:, 0]
    assert spearmanr(targets, measured).statistic > 0.9
    dim = vae.reg_dims_["left"]
    Z = vae.transform(X_test)
    Z[:, dim] = 1.5
    np.testing.assert_allclose(
        vae.edit(X_test, {"left": 1.5}, mode="latent"), vae.inverse_transform(Z)
    )
    np.testing.assert_allclose(
        vae.edit(X_test, {dim: 1.5}, mode="latent"), vae.inverse_transform(Z)
    )
    Z = vae.transform(X_test)
    Z[:, 3] += 0.5
    np.testing.assert_allclose(
        vae.edit(X_test, {3: 0.5}, mode="shift"), vae.inverse_transform(Z), atol=1e-6
    )


def test_edit_out_of_range_clips_with_warning_or_raises(small):
    vae, X, _ = small
    high = float(vae.calibration_["left"]["values"][-1])
    with pytest.warns(UserWarning, match=r"60 requested value\(s\) of 'left'"):
        clipped = vae.edit(X, {"left": high + 10})
    np.testing.assert_array_equal(clipped, vae.edit(X, {"left": high}))
    with pytest.raises(ValueError, match="outside the range seen in training"):
        vae.edit(X, {"left": high + 10}, on_out_of_range="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vae.edit(X, {"left": high + 10}, mode="latent")  # latent: never clipped


@pytest.mark.parametrize(
    ("targets", "kwargs", "error", "match"),
    [
        ({"thickness": 1.0}, {}, ValueError, r"Unknown attribute 'thickness'.*left"),
        ({"left": [1.0, 2.0]}, {}, ValueError, r"shape \(n_samples,\) = \(60,\)"),
        ({"left": np.nan}, {}, ValueError, "NaN or infinite"),
        ({0: 1.0}, {}, ValueError, "mode='value' needs an attribute name"),
        ({7: 1.0}, {"mode": "latent"}, ValueError, "Latent index 7 is out of range"),
        ({1.5: 1.0}, {"mode": "latent"}, TypeError, "attribute names"),
        ({"left": 0, 0: 1}, {"mode": "latent"}, ValueError, "dimension 0 twice"),
        ({"left": 0}, {"mode": "bogus"}, ValueError, "mode"),
        ({"left": 0}, {"on_out_of_range": "ignore"}, ValueError, "on_out_of_range"),
        ([("left", 0)], {}, ValueError, "targets"),
    ],
)
def test_edit_bad_targets_raise_clear_errors(small, targets, kwargs, error, match):
    vae, X, _ = small
    with pytest.raises(error, match=match):
        vae.edit(X, targets, **kwargs)


def test_edit_rejects_wrong_data_shape(small):
    vae, X, _ = small
    with pytest.raises(ValueError, match="features"):
        vae.edit(X[:, :5], {"left": 0.0})


def test_edit_returns_the_users_layout():
    rng = np.random.default_rng(0)
    images = rng.random((40, 1, 3, 3)).astype(np.float32)
    vae = ARVAE(**FAST, random_state=0).fit(images, images.mean(axis=(1, 2, 3)))
    assert vae.edit(images, {"attr0": 0.5}).shape == (40, 1, 3, 3)
    assert vae.edit(images.reshape(40, 9), {"attr0": 0.5}).shape == (40, 9)
    assert vae.traverse(images.reshape(40, 9), "attr0", n_steps=3).shape == (40, 3, 9)
    X, A = _make(40, 0)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(8)], index=range(5, 45))
    vae = ARVAE(**FAST, random_state=0).fit(frame, A)
    edited = vae.edit(frame, {"left": 0.0})
    assert isinstance(edited, pd.DataFrame)
    assert list(edited.columns) == list(frame.columns)
    assert list(edited.index) == list(frame.index)


# --------------------------------------------------------- traverse, interpolate


def test_traverse_increases_the_measured_attribute(easy):
    vae, (X_test, _) = easy
    out = vae.traverse(X_test[:20], "right", n_steps=6)
    assert out.shape == (20, 6, 8)
    measured = _measure(out.reshape(-1, 8))[:, 1].reshape(20, 6)
    assert (np.diff(measured, axis=1) > 0).mean() > 0.95
    values = [-0.5, 0.0, 0.5]
    # decoded in batches of 9 and of 3 rows: equal up to float32 rounding
    np.testing.assert_allclose(
        vae.traverse(X_test[:3], "right", values)[:, 1],
        vae.edit(X_test[:3], {"right": 0.0}),
        rtol=1e-5,
        atol=1e-6,
    )


def test_traverse_default_spans(small):
    vae, X, A = small
    lo, hi = vae.calibration_["left"]["values"][[0, -1]]
    assert A["left"].min() <= lo < hi <= A["left"].max()
    np.testing.assert_allclose(
        vae.traverse(X[:2], "left", n_steps=3),
        vae.traverse(X[:2], "left", [lo, (lo + hi) / 2, hi]),
    )
    np.testing.assert_allclose(
        vae.traverse(X[:2], 3, n_steps=3),
        vae.traverse(X[:2], 3, [-3.0, 0.0, 3.0], mode="latent"),
    )
    with pytest.raises(ValueError, match="n_steps"):
        vae.traverse(X, "left", n_steps=1)
    with pytest.raises(ValueError, match="1-D sequence of finite"):
        vae.traverse(X, "left", [[0.0]])


def test_interpolate_ends_decode_the_end_points(small):
    vae, X, _ = small
    out = vae.interpolate(X[:4], X[4:8], n_steps=5)
    assert out.shape == (4, 5, 8)
    recon = vae.inverse_transform(vae.transform(X[:8]))
    np.testing.assert_allclose(out[:, 0], recon[:4], atol=1e-6)
    np.testing.assert_allclose(out[:, -1], recon[4:], atol=1e-6)
    assert vae.interpolate(X[:1], X[4:8], n_steps=3).shape == (4, 3, 8)
    with pytest.raises(ValueError, match="same number of samples"):
        vae.interpolate(X[:2], X[2:5])
    with pytest.raises(ValueError, match="n_steps"):
        vae.interpolate(X[:2], X[2:4], n_steps=1)


# ------------------------------------------------------------------ BetaVAE


def test_betavae_edits_by_latent_index_only():
    X, _ = _make(60, 0)
    vae = BetaVAE(**FAST, random_state=0).fit(X)
    assert not hasattr(vae, "predict")
    assert vae.traverse(X[:3], 1, n_steps=4).shape == (3, 4, 8)
    assert vae.edit(X[:3], {1: 0.5}, mode="latent").shape == (3, 8)
    assert vae.interpolate(X[:3], X[3:6], n_steps=4).shape == (3, 4, 8)
    with pytest.raises(ValueError, match="no attribute calibration"):
        vae.edit(X, {1: 0.5})
    with pytest.raises(ValueError, match="BetaVAE has no named attributes"):
        vae.edit(X, {"a0": 0.5}, mode="latent")
