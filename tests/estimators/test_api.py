"""Behaviour of the public estimator API."""

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.stats import spearmanr
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Callback

from skarvae import ARVAE, BetaVAE
from skarvae.datasets import make_attribute_data
from skarvae.estimators._checks import _resolve_device
from skarvae.utils._testing import FAST


@pytest.mark.parametrize(
    ("make_y", "names"),
    [
        (lambda A: A, ["a0", "a1"]),
        (lambda A: A.to_numpy(), ["attr0", "attr1"]),
        (lambda A: A["a1"], ["a1"]),
        (lambda A: A["a1"].to_numpy(), ["attr0"]),
        (lambda A: A["a1"].rename(None), ["attr0"]),
    ],
)
def test_arvae_accepts_attribute_containers(tabular, make_y, names):
    vae = ARVAE(**FAST, random_state=0).fit(tabular.data, make_y(tabular.attributes))
    assert vae.attribute_names_in_ == names
    assert vae.reg_dims_ == {n: j for j, n in enumerate(names)}
    expected = [f"z_{n}" for n in names] + [f"z{j}" for j in range(len(names), 4)]
    assert list(vae.get_feature_names_out()) == expected


@pytest.mark.parametrize(
    ("reg_dims", "expected"),
    [
        (None, {"a0": 0, "a1": 1}),
        ([3, 1], {"a0": 3, "a1": 1}),
        ({"a1": 0, "a0": 2}, {"a0": 2, "a1": 0}),
    ],
)
def test_arvae_reg_dims_forms(tabular, reg_dims, expected):
    vae = ARVAE(reg_dims=reg_dims, **FAST, random_state=0)
    vae.fit(tabular.data, tabular.attributes)
    assert vae.reg_dims_ == expected
    names = vae.get_feature_names_out()
    for attribute, dim in expected.items():
        assert names[dim] == f"z_{attribute}"


def test_arvae_orders_regularized_dims_by_attribute():
    data = make_attribute_data(n_samples=2000, n_features=10, random_state=0)
    kwargs = {"latent_dim": 6, "max_epochs": 8, "random_state": 0}
    Z_ar = ARVAE(**kwargs).fit(data.data, data.attributes).transform(data.data)
    Z_b = BetaVAE(**kwargs).fit(data.data).transform(data.data)
    for j, column in enumerate(data.attributes):
        rho = spearmanr(Z_ar[:, j], data.attributes[column]).statistic
        assert rho > 0.9, (column, rho)  # monotone in the attribute, increasing
        rho_b = abs(spearmanr(Z_b[:, j], data.attributes[column]).statistic)
        assert rho > rho_b


def test_date_like_attribute_keeps_its_order():
    # 2e7 - 1 + values in (0, 2): float32 rounds every one of them to 2e7,
    # which would make all regularization targets ties.
    data = make_attribute_data(400, n_features=8, n_attributes=1, random_state=0)
    a = data.attributes["a0"].to_numpy()
    a = 0.01 + 1.98 * (a - a.min()) / (a.max() - a.min())
    date = 2.0e7 - 1.0 + a
    assert len(np.unique(date.astype(np.float32))) == 1
    kwargs = {**FAST, "latent_dim": 3, "max_epochs": 10, "hidden_dims": (32,)}
    vae = ARVAE(**kwargs, random_state=0).fit(data.data, date)
    Z = vae.transform(data.data)
    assert spearmanr(Z[:, 0], date).statistic > 0.9
    # Only the order counts: the offset changes nothing in training.
    shifted = ARVAE(**kwargs, random_state=0).fit(data.data, a)
    np.testing.assert_array_equal(Z, shifted.transform(data.data))
    # predict answers in the user's units, at float64 resolution.
    predicted = vae.predict(data.data)
    assert predicted.dtype == np.float64
    assert date.min() <= predicted.min() < predicted.max() <= date.max()
    assert len(np.unique(predicted)) > 10
    assert spearmanr(predicted, date).statistic > 0.9
    np.testing.assert_allclose(predicted - 2.0e7 + 1.0, shifted.predict(data.data))
    # editing to a date reads back near that date
    targets = [2.0e7 - 0.5, 2.0e7 + 0.5]
    read = [
        np.median(vae.predict(vae.edit(data.data[:50], {"attr0": t}))) for t in targets
    ]
    assert read[0] < read[1]
    np.testing.assert_allclose(read, targets, atol=0.5, rtol=0)


def test_transform_is_deterministic_and_seeded(tabular):
    X, A = tabular.data, tabular.attributes
    a = ARVAE(**FAST, random_state=3).fit(X, A)
    b = ARVAE(**FAST, random_state=3).fit(X, A)
    c = ARVAE(**FAST, random_state=4).fit(X, A)
    np.testing.assert_array_equal(a.transform(X), a.transform(X))
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    pd.testing.assert_frame_equal(
        a.history_.drop(columns="dur"), b.history_.drop(columns="dur")
    )
    assert not np.allclose(a.transform(X), c.transform(X))


def test_inference_does_not_depend_on_the_batching(tabular, monkeypatch):
    import skarvae.estimators._base as base

    X, A = tabular.data, tabular.attributes
    vae = ARVAE(**FAST, random_state=0).fit(X, A)
    Z, X_hat = vae.transform(X), vae.inverse_transform(vae.transform(X))
    # 120 rows in batches of 7: 17 full batches and a last one of 1
    monkeypatch.setitem(base._INFERENCE_BATCH, "cpu", 7)
    module, sizes = vae.net_.module_, []
    encode = module.encode
    monkeypatch.setattr(module, "encode", lambda x: sizes.append(len(x)) or encode(x))
    np.testing.assert_allclose(vae.transform(X), Z, rtol=1e-5, atol=1e-6)
    assert sizes == [7] * 17 + [1]
    np.testing.assert_allclose(vae.inverse_transform(Z), X_hat, rtol=1e-5, atol=1e-6)
    assert np.isfinite(vae.score(X))


def test_fit_leaves_global_torch_rng_alone(tabular):
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    ARVAE(**FAST, random_state=0).fit(tabular.data, tabular.attributes)
    np.testing.assert_array_equal(torch.rand(3), expected)


def test_transform_inverse_transform_shapes(tabular):
    vae = ARVAE(**FAST, random_state=0).fit(tabular.data, tabular.attributes)
    Z = vae.transform(tabular.data)
    assert Z.shape == (120, 4)
    assert Z.dtype == np.float32
    X_hat = vae.inverse_transform(Z)
    assert X_hat.shape == tabular.data.shape
    assert vae.recon_loss_ == "mse"
    np.testing.assert_array_equal(
        vae.fit_transform(tabular.data, tabular.attributes), vae.transform(tabular.data)
    )


def test_reconstruction_improves_with_training(tabular):
    X, A = tabular.data, tabular.attributes
    short = ARVAE(**{**FAST, "max_epochs": 1}, random_state=0).fit(X, A)
    long = ARVAE(**{**FAST, "max_epochs": 30}, random_state=0).fit(X, A)

    def error(vae):
        return np.square(vae.inverse_transform(vae.transform(X)) - X).mean()

    assert error(long) < error(short)
    assert long.score(X) > short.score(X)


def test_score_is_deterministic(tabular):
    vae = BetaVAE(**FAST, beta=4.0, random_state=0).fit(tabular.data)
    score = vae.score(tabular.data)
    assert np.isfinite(score)
    assert score == vae.score(tabular.data)
    # that the ELBO ignores beta and gamma is checked by hand in test_score.py


def test_binary_data_uses_bce_and_decodes_probabilities():
    rng = np.random.default_rng(0)
    X = (rng.random((80, 12)) > 0.5).astype(np.float32)
    A = X[:, :6].sum(axis=1)
    vae = ARVAE(**FAST, random_state=0).fit(X, A)
    assert vae.recon_loss_ == "bce"
    P = vae.inverse_transform(vae.transform(X))
    assert P.min() >= 0
    assert P.max() <= 1


def test_token_data_uses_ce_and_decodes_token_ids():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 7, size=(60, 8))
    vae = ARVAE(**FAST, recon_loss="ce", random_state=0).fit(X, X.mean(axis=1))
    assert vae.n_tokens_ == 7
    decoded = vae.inverse_transform(vae.transform(X))
    assert decoded.shape == X.shape
    assert decoded.dtype == np.int64
    assert decoded.min() >= 0
    assert decoded.max() < 7
    assert np.isfinite(vae.score(X))


def test_image_layout_round_trips():
    rng = np.random.default_rng(0)
    X = rng.random((40, 1, 4, 5)).astype(np.float32)
    vae = BetaVAE(**FAST, random_state=0).fit(X)
    assert vae.input_shape_ == (1, 4, 5)
    Z = vae.transform(X)
    np.testing.assert_array_equal(Z, vae.transform(X.reshape(40, -1)))
    assert vae.inverse_transform(Z).shape == (40, 1, 4, 5)
    assert vae.sample(3, random_state=0).shape == (3, 1, 4, 5)


def test_sample_is_seeded(tabular):
    vae = BetaVAE(**FAST, random_state=0).fit(tabular.data)
    np.testing.assert_array_equal(
        vae.sample(5, random_state=1), vae.sample(5, random_state=1)
    )
    assert vae.sample(5, random_state=1).shape == (5, 6)
    with pytest.raises(ValueError, match="n_samples"):
        vae.sample(0)


def test_history_records_every_loss_term(tabular):
    vae = ARVAE(**FAST, gamma=[1.0, 5.0], beta=0.5, random_state=0)
    vae.fit(tabular.data, tabular.attributes)
    history = vae.history_
    assert len(history) == vae.n_iter_ == 2
    for prefix in ("train", "valid"):
        terms = ["loss", "recon", "kld", "ar", "ar_a0", "ar_a1"]
        for term in terms:
            assert f"{prefix}_{term}" in history
        h = {t: history[f"{prefix}_{t}"].to_numpy() for t in terms}
        np.testing.assert_allclose(h["ar"], h["ar_a0"] + h["ar_a1"], rtol=1e-5)
        total = h["recon"] + 0.5 * h["kld"] + 1.0 * h["ar_a0"] + 5.0 * h["ar_a1"]
        np.testing.assert_allclose(h["loss"], total, rtol=1e-5)


def test_gamma_and_delta_by_attribute_name(tabular):
    by_name = ARVAE(
        **FAST, gamma={"a1": 5.0, "a0": 1.0}, delta={"a0": 2, "a1": 3}, random_state=0
    ).fit(tabular.data, tabular.attributes)
    by_list = ARVAE(**FAST, gamma=[1.0, 5.0], delta=[2, 3], random_state=0).fit(
        tabular.data, tabular.attributes
    )
    np.testing.assert_array_equal(
        by_name.transform(tabular.data), by_list.transform(tabular.data)
    )


@pytest.mark.parametrize("columns", [["a", "a"], [0, "0"]])
def test_attribute_names_equal_as_str_are_refused(tabular, columns):
    A = pd.DataFrame(tabular.attributes.to_numpy(), columns=columns)
    with pytest.raises(ValueError, match=r"both have the name '(a|0)'"):
        ARVAE(**FAST).fit(tabular.data, A)


def test_dicts_keyed_by_non_string_column_names(tabular):
    A = pd.DataFrame(tabular.attributes.to_numpy(), columns=[0, 1])
    by_key = ARVAE(
        **FAST,
        reg_dims={0: 3, 1: 0},
        gamma={1: 5.0, 0: 1.0},
        delta={0: 2.0, 1: 3.0},
        random_state=0,
    ).fit(tabular.data, A)
    assert by_key.attribute_names_in_ == ["0", "1"]
    assert by_key.reg_dims_ == {"0": 3, "1": 0}
    by_list = ARVAE(
        **FAST, reg_dims=[3, 0], gamma=[1.0, 5.0], delta=[2.0, 3.0], random_state=0
    ).fit(tabular.data, A)
    np.testing.assert_array_equal(
        by_key.transform(tabular.data), by_list.transform(tabular.data)
    )
    with pytest.raises(ValueError, match="keys 0 and '0', which both name"):
        ARVAE(**FAST, gamma={0: 1.0, "0": 2.0, 1: 1.0}).fit(tabular.data, A)
    with pytest.raises(ValueError, match=r"unknown attribute\(s\) \['2'\]"):
        ARVAE(**FAST, reg_dims={0: 0, 1: 1, 2: 2}).fit(tabular.data, A)


def test_no_validation_split(tabular):
    vae = BetaVAE(**FAST, validation_fraction=0, random_state=0).fit(tabular.data)
    assert "valid_loss" not in vae.history_
    assert vae.history_["train_batch_count"].iloc[0] == 4  # all 120 samples


class _Snapshots(Callback):
    """Keep a copy of the weights at the end of every epoch."""

    def on_train_begin(self, net, **kwargs):
        self.weights = []

    def on_epoch_end(self, net, **kwargs):
        state = net.module_.state_dict()
        self.weights.append({k: v.detach().clone() for k, v in state.items()})


def test_early_stopping_stops_and_restores_the_best_epoch(tabular):
    snapshots = _Snapshots()
    vae = BetaVAE(
        **{**FAST, "max_epochs": 60},
        lr=0.05,
        validation_fraction=0.5,
        early_stopping=True,
        n_iter_no_change=2,
        callbacks=[snapshots],
        random_state=0,
    ).fit(tabular.data)
    assert vae.n_iter_ < 60
    valid = vae.history_["valid_loss"].to_numpy()
    # patience 2: the last improvement was two epochs before the stop
    best = vae.n_iter_ - 1 - 2
    assert valid[best] <= valid.min() * (1 + 1e-4)
    assert valid[best] < valid[-1]
    restored = vae.net_.module_.state_dict()

    def same(weights):
        return all(torch.equal(restored[k], weights[k]) for k in restored)

    assert same(snapshots.weights[best])
    assert not same(snapshots.weights[-1])


def test_verbose_prints_epochs(tabular, capsys):
    BetaVAE(**FAST, verbose=1, random_state=0).fit(tabular.data)
    out = capsys.readouterr().out
    assert "train_loss" in out
    assert "valid_recon" in out


def test_pipeline_with_pandas_output(tabular):
    X = pd.DataFrame(tabular.data, columns=tabular.feature_names)
    pipe = make_pipeline(StandardScaler(), ARVAE(**FAST, random_state=0))
    pipe.set_output(transform="pandas")
    Z = pipe.fit_transform(X, tabular.attributes)
    assert list(Z.columns) == ["z_a0", "z_a1", "z2", "z3"]
    assert pipe[-1].feature_names_in_ is not None


def test_clone_grid_search_and_cross_validate(tabular):
    est = ARVAE(**FAST, random_state=0)
    assert clone(est).get_params() == est.get_params()
    search = GridSearchCV(est, {"gamma": [0.1, 10.0]}, cv=2)
    search.fit(tabular.data, tabular.attributes)
    assert search.best_params_["gamma"] in (0.1, 10.0)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    scores = cross_validate(
        BetaVAE(**FAST, random_state=0), tabular.data, tabular.attributes, cv=2
    )
    assert np.isfinite(scores["test_score"]).all()


def test_device_auto_uses_cuda_only_when_available(tabular, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    vae = BetaVAE(**FAST, device="auto", random_state=0).fit(tabular.data)
    assert str(vae.net_.device) == "cpu"
    assert vae.__sklearn_tags__().non_deterministic is False
    assert _resolve_device("auto") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert _resolve_device("auto") == "cuda"
    assert vae.__sklearn_tags__().non_deterministic is True
    assert BetaVAE(device="cpu").__sklearn_tags__().non_deterministic is False
    assert BetaVAE(device="cuda:1").__sklearn_tags__().non_deterministic is True


def test_sample_latent_draws_around_the_mean(tabular):
    vae = BetaVAE(**FAST, random_state=0).fit(tabular.data)
    Z = vae.sample_latent(tabular.data, random_state=0)
    np.testing.assert_array_equal(Z, vae.sample_latent(tabular.data, random_state=0))
    mu = vae.transform(tabular.data)
    assert Z.shape == mu.shape
    assert not np.allclose(Z, mu)
    draws = np.stack(
        [vae.sample_latent(tabular.data[:5], random_state=s) for s in range(400)]
    )
    np.testing.assert_allclose(draws.mean(axis=0), mu[:5], atol=0.2)
