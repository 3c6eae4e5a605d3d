"""The training recipe: learning-rate schedules, KL warm-up, early stopping."""

import math

import numpy as np
import pytest

from skarvae import ARVAE, GLSRVAE, BetaVAE
from skarvae.datasets import make_attribute_data
from skarvae.utils._testing import FAST, mean_output


@pytest.fixture
def data():
    return make_attribute_data(200, n_features=6, n_attributes=2, random_state=0)


def _batch_lrs(vae):
    """The learning rate of every training batch, in order."""
    return [
        batch["event_lr"]
        for epoch in vae.net_.history
        for batch in epoch["batches"]
        if "event_lr" in batch
    ]


def test_constant_schedule_keeps_lr(data):
    vae = ARVAE(**FAST, lr=3e-3, random_state=0).fit(data.data, data.attributes)
    np.testing.assert_allclose(vae.history_["lr"], 3e-3)


def test_cosine_schedule_warms_up_then_decays(data):
    # 180 training samples in batches of 32: 6 steps per epoch, 24 in all,
    # 6 of them (a quarter) warming up.
    vae = ARVAE(
        **{**FAST, "max_epochs": 4},
        lr=1e-3,
        lr_schedule="cosine",
        lr_warmup=0.25,
        random_state=0,
    ).fit(data.data, data.attributes)
    lrs = np.array(_batch_lrs(vae))
    assert len(lrs) == 24
    np.testing.assert_allclose(lrs[:6], 1e-3 * np.arange(1, 7) / 6)
    expected = [1e-3 * 0.5 * (1 + math.cos(math.pi * s / 18)) for s in range(18)]
    np.testing.assert_allclose(lrs[6:], expected)
    np.testing.assert_allclose(vae.history_["lr"], lrs[::6])


def test_onecycle_schedule_peaks_at_lr(data):
    vae = BetaVAE(
        **{**FAST, "max_epochs": 4}, lr=2e-3, lr_schedule="onecycle", random_state=0
    ).fit(data.data)
    lrs = np.array(_batch_lrs(vae))
    assert len(lrs) == 24
    assert lrs[0] < 2e-3 / 20
    np.testing.assert_allclose(lrs.max(), 2e-3, rtol=0.01)
    assert lrs[-1] < 1e-5
    assert np.argmax(lrs) <= 2  # the warm-up is 5% of 24 steps


def test_schedule_spans_all_epochs_without_validation(data):
    vae = BetaVAE(**FAST, lr_schedule="cosine", lr_warmup=0, validation_fraction=0).fit(
        data.data
    )
    lrs = _batch_lrs(vae)
    assert len(lrs) == 2 * 7  # 200 samples in batches of 32
    assert lrs[0] == pytest.approx(1e-3)
    assert lrs[-1] == pytest.approx(1e-3 * 0.5 * (1 + math.cos(math.pi * 13 / 14)))


def test_beta_warmup_scales_the_kl_of_arvae(data):
    vae = ARVAE(**{**FAST, "max_epochs": 4}, beta_warmup=2, random_state=0)
    vae.fit(data.data, data.attributes)
    np.testing.assert_allclose(vae.history_["kl_scale"], [0, 0.5, 1, 1])
    history = vae.history_
    total = (
        history["train_recon"]
        + history["kl_scale"] * history["train_kld"]
        + 10 * history["train_ar"]
    )
    np.testing.assert_allclose(history["train_loss"], total, rtol=1e-5)


def _early_stopping(vae):
    return next(c for _, c in vae.net_.callbacks_ if hasattr(c, "best_epoch_"))


def test_early_stopping_ignores_regularization_warmup(data):
    # Epoch 1 trains without the regularization and has the lowest loss;
    # it must not be restored.
    X = data.data
    vae = GLSRVAE(
        mean_output,
        gamma_warmup=3,
        **{**FAST, "max_epochs": 6},
        validation_fraction=0,
        early_stopping=True,
        n_iter_no_change=10,
        random_state=0,
    ).fit(X, X.mean(axis=1))
    losses = vae.history_["train_loss"]
    assert losses.idxmin() < 4  # the trap: a warm-up epoch has the lowest loss
    best = _early_stopping(vae).best_epoch_
    assert best >= 4
    assert best == losses.loc[4:].idxmin()


def test_early_stopping_ignores_kl_warmup(data):
    vae = BetaVAE(
        **{**FAST, "max_epochs": 5},
        beta_warmup=3,
        early_stopping=True,
        n_iter_no_change=1,
        random_state=0,
    ).fit(data.data)
    # Patience 1 would stop after epoch 2 if the warm-up epochs counted.
    assert vae.n_iter_ >= 5
    assert _early_stopping(vae).best_epoch_ >= 4


def test_early_stopping_ignores_glsr_beta_warmup(data):
    # With a large beta the loss grows while the KL weight warms up.
    X = data.data
    vae = GLSRVAE(
        mean_output,
        gamma_warmup=0,
        beta_warmup=3,
        beta=20.0,
        **{**FAST, "max_epochs": 6},
        validation_fraction=0,
        early_stopping=True,
        n_iter_no_change=1,
        random_state=0,
    ).fit(X, X.mean(axis=1))
    assert vae.n_iter_ == 6
    assert _early_stopping(vae).best_epoch_ >= 4


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"lr_schedule": "linear"}, "lr_schedule"),
        ({"lr_warmup": 1.0}, "lr_warmup"),
        ({"beta_warmup": -1}, "beta_warmup"),
    ],
)
def test_bad_recipe_settings(data, params, message):
    with pytest.raises(ValueError, match=message):
        BetaVAE(**FAST, **params).fit(data.data)
