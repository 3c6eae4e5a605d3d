"""The MLP module and the module registry."""

import pytest
import torch

from skarvae.modules import MLPVAE, VAEModule, get_module_class


def test_mlp_parameter_count_by_hand():
    module = MLPVAE(input_shape=(5,), latent_dim=2, hidden_dims=(8,))
    # encoder 5->8, mu and logvar 8->2, decoder 2->8->5
    expected = (5 * 8 + 8) + 2 * (8 * 2 + 2) + (2 * 8 + 8) + (8 * 5 + 5)
    assert sum(p.numel() for p in module.parameters()) == expected


def test_mlp_forward_follows_protocol():
    module = MLPVAE(input_shape=(2, 3), latent_dim=4)
    out = module(torch.randn(7, 2, 3))
    assert out.output.shape == (7, 2, 3)
    assert out.mu.shape == out.logvar.shape == out.z.shape == (7, 4)
    out.output.sum().backward()


def test_mlp_tokens_one_hot_and_logits():
    module = MLPVAE(input_shape=(6,), latent_dim=3, n_tokens=4)
    x = torch.randint(0, 4, (5, 6))
    assert module(x).output.shape == (5, 6, 4)
    assert module.data_kind == "tokens"


def test_reparameterize_uses_mean_and_variance():
    torch.manual_seed(0)
    mu = torch.full((20000, 1), 2.0)
    z = VAEModule.reparameterize(mu, torch.full_like(mu, torch.log(torch.tensor(9.0))))
    assert z.mean().item() == pytest.approx(2.0, abs=0.1)
    assert z.std().item() == pytest.approx(3.0, abs=0.1)


def test_get_module_class():
    assert get_module_class(None) is MLPVAE
    assert get_module_class(MLPVAE) is MLPVAE
    with pytest.raises(ValueError, match="Unknown module"):
        get_module_class("nope")
    with pytest.raises(TypeError, match="not an instance"):
        get_module_class(MLPVAE((2,), 1))
