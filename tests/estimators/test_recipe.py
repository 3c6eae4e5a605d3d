"""The training recipe: learning-rate schedules, KL warm-up, early stopping and
the weight average."""

import math

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

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
        ({"ema_decay": 1.0}, "ema_decay"),
        ({"ema_decay": 0}, "ema_decay"),
        ({"ema_decay": "0.99"}, "ema_decay"),
        ({"ema_decay": 0.99, "early_stopping": True}, "cannot be combined"),
    ],
)
def test_bad_recipe_settings(data, params, message):
    with pytest.raises(ValueError, match=message):
        BetaVAE(**FAST, **params).fit(data.data)


class _WeightsAfterEachStep(Callback):
    """Record the module's weights after every optimizer step."""

    def on_train_begin(self, net, **kwargs):
        self.steps = []

    def on_batch_end(self, net, training=False, **kwargs):
        if training:
            self.steps.append([p.detach().clone() for p in net.module_.parameters()])


@pytest.mark.parametrize("estimator", [ARVAE, BetaVAE])
def test_weight_average_by_hand(data, estimator):
    # 180 samples in batches of 32, 2 epochs: 12 steps. The fit ends with
    # the exponential moving average of the weights after each step, seeded
    # by the first; the training itself is the one without the average.
    def fit(**params):
        recorder = _WeightsAfterEachStep()
        vae = estimator(**FAST, callbacks=[recorder], random_state=0, **params)
        vae.fit(data.data, data.attributes if estimator is ARVAE else None)
        return vae, recorder.steps

    decay = 0.8
    averaged, steps = fit(ema_decay=decay)
    plain, plain_steps = fit()
    assert len(steps) == 12
    expected = steps[0]
    for weights in steps[1:]:
        expected = [e + (1 - decay) * (w - e) for e, w in zip(expected, weights)]
    got = list(averaged.net_.module_.parameters())
    for g, e in zip(got, expected):
        torch.testing.assert_close(g.detach(), e, rtol=1e-5, atol=1e-6)
    for g, last in zip(got, steps[-1]):
        assert not torch.allclose(g.detach(), last)
    # Same training: the same weights at every step and the same losses; the
    # plain fit ends with the last weights.
    for s, p in zip(steps, plain_steps):
        for a, b in zip(s, p):
            torch.testing.assert_close(a, b)
    np.testing.assert_allclose(
        averaged.history_["train_loss"], plain.history_["train_loss"]
    )
    for g, last in zip(plain.net_.module_.parameters(), steps[-1]):
        torch.testing.assert_close(g.detach(), last)
    # The fitted model encodes with the averaged weights.
    assert not np.allclose(averaged.transform(data.data), plain.transform(data.data))
