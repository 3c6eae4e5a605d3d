"""The built-in modules plug into the estimators with their own defaults."""

import numpy as np
import pytest

import skarvae
from skarvae import ARVAE, BetaVAE


@pytest.mark.parametrize(
    ("module", "shape", "latent_dim"),
    [("morpho_mnist", (1, 28, 28), 16), ("dsprites", (1, 64, 64), 10)],
)
def test_image_modules_use_their_latent_size(module, shape, latent_dim):
    rng = np.random.default_rng(0)
    X = (rng.random((6, *shape)) > 0.7).astype(np.float32)
    vae = BetaVAE(module=module, max_epochs=1, batch_size=3, random_state=0).fit(X)
    assert vae.latent_dim_ == latent_dim
    assert vae.recon_loss_ == "bce"
    Z = vae.transform(X.reshape(6, -1))  # flattened images are accepted too
    assert Z.shape == (6, latent_dim)
    assert vae.inverse_transform(Z).shape == (6, *shape)


def test_conv_module_keeps_its_hidden_dims_unless_given():
    X = np.random.default_rng(0).random((4, 1, 16, 16)).astype(np.float32)
    vae = BetaVAE(module="conv", max_epochs=1, random_state=0).fit(X)
    assert vae.net_.module_.mu.in_features == 256  # ConvVAE default (256, 256)
    vae = BetaVAE(module="conv", hidden_dims=(8,), max_epochs=1, random_state=0)
    assert vae.fit(X).net_.module_.mu.in_features == 8


def test_measure_vae_on_tokens(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 9, size=(12, 24))
    A = (X > 4).mean(axis=1)
    vae = ARVAE(
        module="measure_vae",
        module_params={"n_tokens": 10},
        max_epochs=1,
        batch_size=6,
        random_state=0,
    ).fit(X, A)
    assert vae.recon_loss_ == "ce"
    assert vae.latent_dim_ == 32
    assert vae.n_tokens_ == 10
    decoded = vae.inverse_transform(vae.transform(X))
    assert decoded.shape == (12, 24)
    assert decoded.max() < 10
    vae.save(tmp_path / "m.skarvae")
    loaded = skarvae.load(tmp_path / "m.skarvae")
    np.testing.assert_array_equal(loaded.transform(X), vae.transform(X))


def test_module_without_default_latent_dim_needs_it():
    from torch import nn

    class Bare(nn.Module):
        def __init__(self, input_shape, latent_dim):
            super().__init__()

    with pytest.raises(ValueError, match="Bare has no default latent_dim"):
        BetaVAE(module=Bare).fit(np.zeros((4, 3)))


def test_mlp_given_n_tokens_is_a_token_model():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 7, size=(40, 24))
    vae = ARVAE(
        module="mlp",
        module_params={"n_tokens": 9},
        latent_dim=4,
        max_epochs=1,
        random_state=0,
    ).fit(X, X.mean(axis=1))
    assert vae.recon_loss_ == "ce"
    assert vae.n_tokens_ == 9
    assert vae.net_.module_.n_tokens == 9
    decoded = vae.inverse_transform(vae.transform(X))
    assert decoded.dtype == np.int64
    assert decoded.shape == X.shape
    assert decoded.min() >= 0
    assert decoded.max() < 9


@pytest.mark.parametrize("recon_loss", ["mse", "bce"])
@pytest.mark.parametrize(
    ("module", "params"),
    [("mlp", {"n_tokens": 9}), ("measure_vae", {"n_tokens": 9})],
)
def test_token_models_refuse_numeric_losses(module, params, recon_loss):
    X = np.random.default_rng(0).integers(0, 7, size=(8, 24))
    vae = BetaVAE(module=module, module_params=params, recon_loss=recon_loss)
    with pytest.raises(ValueError, match="token model"):
        vae.fit(X)
