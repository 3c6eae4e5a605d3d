"""Tests of the MeasureVAE module."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import pytest
import torch

from skarvae.modules import MODULES, MeasureVAE, get_module_class

torch.set_num_threads(1)

SMALL = {"hidden_size": 16, "head_dim": 16, "embedding_dim": 4}


def _module(**kwargs):
    torch.manual_seed(0)
    return MeasureVAE(input_shape=(24,), latent_dim=3, n_tokens=9, **SMALL, **kwargs)


def test_measure_vae_forward_backward_shapes():
    module = _module()
    x = torch.randint(0, 9, (5, 24))
    out = module(x)
    assert out.output.shape == (5, 24, 9)
    assert out.mu.shape == out.logvar.shape == out.z.shape == (5, 3)
    loss = torch.nn.functional.cross_entropy(out.output.reshape(-1, 9), x.ravel())
    (loss + out.mu.pow(2).mean()).backward()
    grads = {n: p.grad for n, p in module.named_parameters()}
    assert all(g is not None and torch.isfinite(g).all() for g in grads.values())
    assert grads["enc_embedding.weight"].abs().sum() > 0


def test_measure_vae_teacher_forcing_uses_targets():
    module = _module(teacher_forcing=1.0, dropout=0.0).train()
    z = torch.randn(2, 3)
    a = torch.zeros(2, 24, dtype=torch.long)
    b = a.clone()
    b[:, 5] = 4  # changes the input of tick 6 only
    with torch.no_grad():
        out_a = module._decode(z, target=a)
        out_b = module._decode(z, target=b)
    assert torch.allclose(out_a[:, :6], out_b[:, :6])
    assert not torch.allclose(out_a[:, 6], out_b[:, 6])


def test_measure_vae_eval_is_deterministic_and_greedy():
    module = _module().eval()
    x = torch.randint(0, 9, (4, 24))
    with torch.no_grad():
        mu1, logvar1 = module.encode(x)
        mu2, logvar2 = module.encode(x)
        z = torch.randn(4, 3)
        logits1 = module.decode(z)
        logits2 = module.decode(z)
        # in eval, forward ignores the targets (no teacher forcing)
        module.teacher_forcing = 1.0
        assert torch.equal(module._decode(z, target=x), logits1)
    assert torch.equal(mu1, mu2)
    assert torch.equal(logvar1, logvar2)
    assert torch.equal(logits1, logits2)
    assert logits1.argmax(-1).shape == (4, 24)


def test_measure_vae_registered_and_validates_shape():
    assert MODULES["measure_vae"] is MeasureVAE
    assert get_module_class("measure_vae") is MeasureVAE
    assert MeasureVAE.data_kind == "tokens"
    with pytest.raises(ValueError, match="24 tokens"):
        MeasureVAE(input_shape=(12,), latent_dim=2, n_tokens=5)
    with pytest.raises(ValueError, match="n_tokens"):
        MeasureVAE(input_shape=(24,), latent_dim=2)


def test_measure_vae_default_sizes_match_table_1():
    module = MeasureVAE(n_tokens=40)
    assert module.latent_dim == 32
    assert module.enc_embedding.embedding_dim == 10
    assert module.mu_head[0].in_features == 512
    assert module.mu_head[0].out_features == 256
    assert module.tick_rnn.input_size == 138
    assert module.enc_rnn.bidirectional
