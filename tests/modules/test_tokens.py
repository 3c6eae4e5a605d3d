"""The fast token-sequence modules: TokenMLPVAE and TokenConvVAE."""

import numpy as np
import pytest
import torch
from torch import nn

from skarvae import ARVAE, BetaVAE
from skarvae.metrics import reconstruction_accuracy
from skarvae.modules import MODULES, TokenConvVAE, TokenMLPVAE, get_module_class


@pytest.mark.parametrize("module_class", [TokenMLPVAE, TokenConvVAE])
def test_token_modules_follow_the_protocol(module_class):
    torch.manual_seed(0)
    module = module_class(input_shape=(8,), latent_dim=3, n_tokens=5)
    assert module.data_kind == "tokens"
    out = module(torch.randint(0, 5, (4, 8)))
    assert out.output.shape == (4, 8, 5)
    assert out.mu.shape == out.logvar.shape == out.z.shape == (4, 3)
    out.output.sum().backward()
    assert module.decode(torch.zeros(2, 3)).shape == (2, 8, 5)


def test_token_modules_are_registered():
    assert get_module_class("token_mlp") is TokenMLPVAE
    assert get_module_class("token_conv") is TokenConvVAE
    assert MODULES["token_mlp"] is TokenMLPVAE


def test_token_mlp_first_layer_is_a_linear_layer_on_one_hot_input():
    torch.manual_seed(0)
    module = TokenMLPVAE(input_shape=(3,), latent_dim=2, n_tokens=4, hidden_dims=(5,))
    x = torch.tensor([[0, 3, 1], [2, 2, 0]])
    weight = module.embedding.weight.detach()  # (3 * 4, 5): one row per (tick, token)
    one_hot = nn.functional.one_hot(x, 4).float().flatten(1)  # (2, 12)
    expected = torch.relu(one_hot @ weight + module.bias.detach())
    got = module.encoder(module.embedding(x + module.offsets) + module.bias)
    torch.testing.assert_close(got, expected)


def test_token_mlp_parameter_count_by_hand():
    module = TokenMLPVAE(input_shape=(3,), latent_dim=2, n_tokens=4, hidden_dims=(5,))
    expected = (
        (12 * 5 + 5)  # one-hot input layer
        + 2 * (5 * 2 + 2)  # mu and logvar
        + (2 * 5 + 5)  # decoder hidden layer
        + (5 * 12 + 12)  # logits
    )
    assert sum(p.numel() for p in module.parameters()) == expected


def test_token_mlp_pooled_features_are_max_and_min_over_positions():
    torch.manual_seed(0)
    module = TokenMLPVAE(
        input_shape=(3,), latent_dim=2, n_tokens=4, hidden_dims=(5,), pool_dim=2
    )
    assert not module.pool.weight.any()  # the branch starts silent
    with torch.no_grad():
        module.pool.weight.normal_()
    x = torch.tensor([[0, 3, 1], [2, 2, 2]])
    e = module.pool_embedding.weight.detach()  # (4 tokens, 2)
    pooled = torch.stack(
        [
            torch.cat([e[[0, 3, 1]].max(0).values, e[[0, 3, 1]].min(0).values]),
            torch.cat([e[2], e[2]]),
        ]
    )
    one_hot = nn.functional.one_hot(x, 4).float().flatten(1)
    first = one_hot @ module.embedding.weight.detach() + module.bias.detach()
    hidden = torch.relu(first + pooled @ module.pool.weight.detach().T)
    mu, _ = module.encode(x)
    torch.testing.assert_close(mu, module.mu(hidden))


def test_token_mlp_pooled_branch_sees_any_position():
    # Without the one-hot path the pooled branch is blind to where a token
    # stands: a reordered sequence gets the same code.
    torch.manual_seed(0)
    module = TokenMLPVAE(
        input_shape=(4,), latent_dim=2, n_tokens=6, hidden_dims=(8,), pool_dim=3
    )
    with torch.no_grad():
        module.embedding.weight.zero_()
        module.pool.weight.normal_()
    x = torch.tensor([[0, 5, 2, 2]])
    mu, _ = module.encode(x)
    mu_reordered, _ = module.encode(x[:, [3, 1, 0, 2]])
    torch.testing.assert_close(mu, mu_reordered)
    assert not torch.allclose(mu, module.encode(torch.tensor([[0, 4, 2, 2]]))[0])


def _pooling(length, n_tokens, **pool):
    """A small seeded TokenMLPVAE with a pooled branch (``pool`` sets it)."""
    torch.manual_seed(0)
    return TokenMLPVAE(
        input_shape=(length,),
        latent_dim=2,
        n_tokens=n_tokens,
        hidden_dims=(5,),
        **pool,
    )


MIDI = np.array([np.nan, np.nan, 60.0, 64.0, 67.0, 72.0])


def test_token_mlp_pool_ignore_pools_only_the_kept_tokens():
    module = _pooling(4, 6, pool_dim=3, pool_ignore=np.array([1, 0]))
    assert module.pool_ignore == (0, 1)
    e = module.pool_embedding.weight.detach()
    x = torch.tensor([[0, 4, 1, 2], [5, 5, 0, 0], [1, 0, 0, 1]])
    expected = torch.stack(
        [
            torch.cat([e[[4, 2]].max(0).values, e[[4, 2]].min(0).values]),
            torch.cat([e[5], e[5]]),
            torch.zeros(6),  # nothing kept
        ]
    )
    torch.testing.assert_close(module._pooled(x), expected)
    # Ignored tokens replaced by other ignored tokens pool alike.
    torch.testing.assert_close(module._pooled(x % 6 * (x > 1)), expected)


@pytest.mark.parametrize("pool_ends", [False, True])
def test_token_mlp_pool_ignore_has_finite_gradients(pool_ends):
    module = _pooling(3, 4, pool_dim=2, pool_ignore=(0,), pool_ends=pool_ends)
    with torch.no_grad():
        module.pool.weight.normal_()
    mu, _ = module.encode(torch.tensor([[0, 0, 0], [0, 3, 2]]))
    mu.sum().backward()
    grad = module.pool_embedding.weight.grad
    assert torch.isfinite(grad).all()
    assert not grad[0].any()  # the ignored token gets none
    assert grad[2:].any()


def test_token_mlp_pool_features_are_standardized_and_pooled():
    module = _pooling(4, 6, pool_dim=2, pool_ignore=(0, 1), pool_features=MIDI)
    assert module.pool.in_features == 2 * (2 + 1)
    scaled = module.pool_features[:, 0]
    torch.testing.assert_close(scaled[2:].mean(), torch.tensor(0.0))
    torch.testing.assert_close(scaled[2:].std(unbiased=False), torch.tensor(1.0))
    assert not scaled[:2].any()  # a token without a value counts as the mean
    x = torch.tensor([[2, 0, 5, 0], [3, 1, 3, 0]])
    pooled = module._pooled(x)  # [max e, max f, min e, min f]
    torch.testing.assert_close(pooled[0, [2, 5]], scaled[[5, 2]])
    torch.testing.assert_close(pooled[1, [2, 5]], scaled[[3, 3]])


def test_token_mlp_pool_ends_pools_the_first_and_last_kept_position():
    module = _pooling(
        5, 6, pool_dim=2, pool_ignore=(0, 1), pool_features=MIDI, pool_ends=True
    )
    assert module.pool.in_features == 4 * (2 + 1)
    e = torch.cat([module.pool_embedding.weight, module.pool_features], 1).detach()
    x = torch.tensor(
        [[0, 4, 1, 2, 0], [5, 0, 0, 0, 3], [3, 0, 1, 0, 0], [0, 1, 1, 0, 1]]
    )
    expected = torch.stack(
        [
            torch.cat([e[[4, 2]].max(0).values, e[[4, 2]].min(0).values, e[4], e[2]]),
            torch.cat([e[[5, 3]].max(0).values, e[[5, 3]].min(0).values, e[5], e[3]]),
            torch.cat([e[3], e[3], e[3], e[3]]),  # one note: first and last
            torch.zeros(12),  # nothing kept
        ]
    )
    pooled = module._pooled(x)
    torch.testing.assert_close(pooled, expected)
    # The pitch feature's last minus first is the contour, in standardized units.
    scale = module.pool_features[5, 0] - module.pool_features[2, 0]
    torch.testing.assert_close(
        (pooled[:, 11] - pooled[:, 8]) * 12 / scale, torch.tensor([-7.0, -8.0, 0, 0])
    )


def test_token_mlp_pool_ends_without_ignored_tokens_are_the_sequence_ends():
    module = _pooling(3, 4, pool_dim=2, pool_ends=True)
    e = module.pool_embedding.weight.detach()
    x = torch.tensor([[0, 3, 1]])
    torch.testing.assert_close(module._pooled(x)[0, 4:], torch.cat([e[0], e[1]]))


def test_token_mlp_pool_features_survive_save_and_load(tmp_path):
    from skarvae import load

    rng = np.random.default_rng(0)
    X = rng.integers(0, 6, (64, 8))
    midi = [np.nan, np.nan, 60, 62, 64, 65]
    vae = ARVAE(
        module="token_mlp",
        module_params={
            "n_tokens": 6,
            "pool_dim": 2,
            "pool_features": midi,
            "pool_ends": True,
        },
        latent_dim=2,
        max_epochs=1,
        random_state=0,
    ).fit(X, X.mean(1, keepdims=True))
    vae.save(tmp_path / "m.skarvae")
    np.testing.assert_allclose(
        load(tmp_path / "m.skarvae").transform(X), vae.transform(X)
    )


def test_token_mlp_pool_dim_parameter_count():
    plain = TokenMLPVAE(input_shape=(3,), latent_dim=2, n_tokens=4, hidden_dims=(5,))
    pooled = TokenMLPVAE(
        input_shape=(3,), latent_dim=2, n_tokens=4, hidden_dims=(5,), pool_dim=2
    )
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(pooled) - count(plain) == 4 * 2 + 2 * 2 * 5


@pytest.mark.parametrize(
    ("module_class", "kwargs", "message"),
    [
        (TokenMLPVAE, {"input_shape": (8,)}, "n_tokens"),
        (TokenMLPVAE, {"input_shape": (2, 4), "n_tokens": 5}, "input_shape"),
        (TokenMLPVAE, {"n_tokens": 5, "hidden_dims": ()}, "hidden layer"),
        (TokenMLPVAE, {"n_tokens": 5, "pool_dim": -1}, "pool_dim"),
        (TokenMLPVAE, {"n_tokens": 5, "pool_dim": 2.5}, "integer pool_dim"),
        (TokenMLPVAE, {"n_tokens": 5, "pool_ignore": (0,)}, "needs pool_dim > 0"),
        (TokenMLPVAE, {"n_tokens": 5, "pool_dim": 2, "pool_ignore": (5,)}, r"\[0, 5\)"),
        (TokenMLPVAE, {"n_tokens": 5, "pool_dim": 2, "pool_ignore": (-1,)}, "ids"),
        (TokenMLPVAE, {"n_tokens": 5, "pool_features": range(5)}, "needs pool_dim"),
        (TokenMLPVAE, {"n_tokens": 5, "pool_ends": True}, "pool_ends needs pool_dim"),
        (
            TokenMLPVAE,
            {"n_tokens": 5, "pool_dim": 2, "pool_features": [1, 2]},
            "one row",
        ),
        (
            TokenMLPVAE,
            {"n_tokens": 2, "pool_dim": 2, "pool_features": [1, np.inf]},
            "finite",
        ),
        (
            TokenMLPVAE,
            {"n_tokens": 2, "pool_dim": 2, "pool_features": [np.nan, np.nan]},
            "at least one token",
        ),
        (TokenConvVAE, {"input_shape": (10,), "n_tokens": 5}, "divisible by 4"),
        (TokenConvVAE, {"n_tokens": 1}, "n_tokens"),
    ],
)
def test_token_modules_reject_bad_settings(module_class, kwargs, message):
    with pytest.raises(ValueError, match=message):
        module_class(**kwargs)


@pytest.mark.parametrize("module", ["token_mlp", "token_conv"])
def test_tiny_fit_learns_to_reconstruct_tokens(module):
    # Four template sequences, each token replaced by noise with prob. 0.1.
    rng = np.random.default_rng(0)
    templates = rng.integers(0, 6, size=(4, 8))
    kind = rng.integers(0, 4, size=200)
    noise = rng.random((200, 8)) < 0.1
    X = np.where(noise, rng.integers(0, 6, (200, 8)), templates[kind])
    vae = ARVAE(
        module=module,
        module_params={"n_tokens": 6},
        latent_dim=4,
        hidden_dims=(32,) if module == "token_mlp" else None,
        max_epochs=15,
        batch_size=32,
        lr=3e-3,
        lr_schedule="cosine",
        random_state=0,
    ).fit(X, kind.astype(float))
    assert vae.recon_loss_ == "ce"
    decoded = vae.inverse_transform(vae.transform(X))
    assert decoded.dtype == np.int64
    assert reconstruction_accuracy(templates[kind], decoded, kind="tokens") > 0.75
    losses = vae.history_["train_recon"].to_numpy()
    assert losses[-1] < 0.7 * losses[0]


def test_token_module_without_n_tokens_infers_the_vocabulary():
    X = np.random.default_rng(0).integers(0, 7, size=(20, 8))
    vae = BetaVAE(module="token_mlp", hidden_dims=(8,), latent_dim=2, max_epochs=1)
    vae.fit(X)
    assert vae.n_tokens_ == 7
    assert vae.recon_loss_ == "ce"
