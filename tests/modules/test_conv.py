"""Tests for the convolutional VAE modules."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import pytest
import torch

from skarvae.modules import (
    MODULES,
    ConvVAE,
    DSpritesVAE,
    MorphoMNISTVAE,
    get_module_class,
)

torch.set_num_threads(1)


def _conv(c_in, c_out, k):
    return c_in * c_out * k * k + c_out


def _linear(n_in, n_out):
    return n_in * n_out + n_out


def _n_params(module):
    return sum(p.numel() for p in module.parameters())


def test_dsprites_vae_parameter_count_matches_table_2():
    encoder = (
        _conv(1, 32, 4)
        + 3 * _conv(32, 32, 4)
        + _linear(512, 256)
        + _linear(256, 256)
        + 2 * _linear(256, 10)
    )
    decoder = (
        _linear(10, 256)
        + _linear(256, 256)
        + _linear(256, 512)
        + 3 * _conv(32, 32, 4)
        + _conv(32, 1, 4)
    )
    module = DSpritesVAE()
    assert module.conv_shape == (32, 4, 4)
    assert _n_params(module) == encoder + decoder == 502_005


def test_morpho_mnist_vae_parameter_count_matches_table_2():
    encoder = (
        _conv(1, 64, 4)
        + _conv(64, 64, 4)
        + _conv(64, 8, 4)
        + _linear(2888, 256)
        + 2 * _linear(256, 16)
    )
    # A transposed convolution has c_in * c_out * k * k weights and c_out biases.
    decoder = (
        _linear(16, 256)
        + _linear(256, 2888)
        + _conv(8, 64, 4)
        + _conv(64, 64, 4)
        + _conv(64, 1, 4)
    )
    module = MorphoMNISTVAE()
    assert module.conv_shape == (8, 19, 19)
    assert _n_params(module) == encoder + decoder == 1_644_145


def test_morpho_mnist_vae_layers_follow_table_2():
    module = MorphoMNISTVAE()
    kinds = [type(m).__name__ for m in module.encoder_conv]
    assert kinds == ["Conv2d", "SELU", "Dropout"] * 3
    kinds = [type(m).__name__ for m in module.decoder_conv]
    assert kinds == ["ConvTranspose2d", "SELU", "Dropout"] * 2 + ["ConvTranspose2d"]
    assert all(m.p == 0.5 for m in module.modules() if isinstance(m, torch.nn.Dropout))


@pytest.mark.parametrize(
    ("cls", "shape", "latent_dim"),
    [(DSpritesVAE, (1, 64, 64), 10), (MorphoMNISTVAE, (1, 28, 28), 16)],
)
def test_paper_modules_forward_backward_shapes(cls, shape, latent_dim):
    torch.manual_seed(0)
    module = cls(input_shape=shape, latent_dim=latent_dim)
    x = torch.rand(2, *shape)
    out = module(x)
    assert out.output.shape == (2, *shape)
    assert out.mu.shape == out.logvar.shape == out.z.shape == (2, latent_dim)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(out.output, x)
    loss.backward()
    grads = [p.grad for p in module.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)


@pytest.mark.parametrize(
    ("cls", "flat"), [(DSpritesVAE, (4096,)), (MorphoMNISTVAE, (784,))]
)
def test_paper_modules_accept_flattened_input(cls, flat):
    torch.manual_seed(0)
    module = cls(input_shape=flat).eval()
    x = torch.rand(3, *flat)
    mu, _ = module.encode(x)
    assert module.decode(mu).shape == (3, *flat)
    # Same weights, image layout: identical posterior means.
    image = cls().eval()
    image.load_state_dict(module.state_dict())
    mu_image, _ = image.encode(x.reshape(3, *image.image_shape))
    torch.testing.assert_close(mu, mu_image)


def test_paper_modules_reject_other_sizes():
    with pytest.raises(ValueError, match="64 x 64"):
        DSpritesVAE(input_shape=(1, 32, 32))
    with pytest.raises(ValueError, match="28 x 28"):
        MorphoMNISTVAE(input_shape=(100,))


def test_weights_are_xavier_normal():
    torch.manual_seed(0)
    weight = DSpritesVAE().encoder_fc[0].weight  # Linear(512, 256)
    expected_std = (2.0 / (512 + 256)) ** 0.5
    assert abs(weight.std().item() - expected_std) / expected_std < 0.05
    assert abs(weight.mean().item()) < 0.01


@pytest.mark.parametrize(
    ("shape", "kwargs", "conv_shape"),
    [
        ((1, 28, 28), {"channels": (8, 8)}, (8, 7, 7)),
        ((3, 20, 12), {"channels": (4, 4)}, (4, 5, 3)),
        ((1, 15, 15), {"channels": (4, 4, 4)}, (4, 1, 1)),
        ((1, 12, 12), {"channels": (4,), "stride": 1, "padding": 0}, (4, 9, 9)),
    ],
)
def test_conv_vae_infers_sizes_and_restores_shape(shape, kwargs, conv_shape):
    module = ConvVAE(input_shape=shape, latent_dim=3, hidden_dims=(16,), **kwargs)
    assert module.conv_shape == conv_shape
    out = module(torch.rand(2, *shape))
    assert out.output.shape == (2, *shape)


def test_conv_vae_flat_input_is_square_image():
    module = ConvVAE(input_shape=(144,), latent_dim=2, channels=(4,), hidden_dims=())
    assert module.image_shape == (1, 12, 12)
    assert module(torch.rand(2, 144)).output.shape == (2, 144)
    with pytest.raises(ValueError, match="perfect square"):
        ConvVAE(input_shape=(150,), latent_dim=2)
    module = ConvVAE(
        input_shape=(150,), latent_dim=2, channels=(4,), image_shape=(1, 10, 15)
    )
    assert module(torch.rand(2, 150)).output.shape == (2, 150)


def test_conv_vae_rejects_too_small_images():
    with pytest.raises(ValueError, match="too small"):
        ConvVAE(input_shape=(1, 4, 4), latent_dim=2, channels=(4, 4, 4))


def test_registry_names_resolve_to_conv_modules():
    assert MODULES["dsprites"] is DSpritesVAE
    assert MODULES["morpho_mnist"] is MorphoMNISTVAE
    assert get_module_class("conv") is ConvVAE
