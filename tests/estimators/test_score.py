"""score(): the ELBO under the stated likelihood, checked by hand."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from skarvae import ARVAE, BetaVAE
from skarvae.modules import MeasureVAE, VAEModule


class _Known(VAEModule):
    """Fixed posterior N(mu, exp(logvar)) and fixed decoder output ``out``.

    The one parameter is multiplied by 0, so training leaves the module as
    it is (Adam's step for a zero gradient is zero) and the score is known.
    """

    def __init__(self, input_shape, latent_dim=1, mu=0.5, logvar=0.0, out=0.0):
        super().__init__()
        self.shape = tuple(input_shape)
        self.latent_dim = latent_dim
        self.mu, self.logvar, self.out = mu, logvar, out
        self.unused = nn.Parameter(torch.zeros(()))

    def encode(self, x):
        zeros = torch.zeros(len(x), self.latent_dim) + 0.0 * self.unused
        return zeros + self.mu, zeros + self.logvar

    def decode(self, z):
        return torch.zeros(len(z), *self.shape) + self.out + 0.0 * self.unused


class _KnownTokens(_Known):
    """Uniform logits from ``decode`` (what greedy decoding scores); logits
    giving the true token probability 1/2 from ``decode_teacher_forced``."""

    data_kind = "tokens"

    def __init__(self, input_shape, latent_dim=1, n_tokens=5):
        super().__init__(input_shape, latent_dim)
        self.n_tokens = n_tokens

    def decode(self, z):
        return torch.zeros(len(z), *self.shape, self.n_tokens) + 0.0 * self.unused

    def decode_teacher_forced(self, z, x):
        true = nn.functional.one_hot(x.long(), self.n_tokens)
        return self.decode(z) + math.log(self.n_tokens - 1) * true


def _fit(estimator, X, **params):
    kwargs = {"module": _Known, "max_epochs": 1, "batch_size": 4}
    kwargs.update(validation_fraction=None, random_state=0, **params)
    return estimator(**kwargs).fit(*X)


# KL(N(0.5, 1) || N(0, 1)) = 0.5 * (1 + 0.25 - 1 - 0) per latent dim.
KL = 0.125


@pytest.mark.parametrize("beta", [1.0, 4.0])
def test_mse_score_is_the_gaussian_elbo_by_hand(beta):
    X = np.array([[1.0, 2.0], [0.0, -1.0], [2.0, 0.0], [-3.0, 1.0]], np.float32)
    vae = _fit(BetaVAE, (X,), beta=beta, recon_loss="mse")
    # log N(x; 0, 1/2 I) = -sum x^2 - (d / 2) log(pi); squared norms 5, 1, 4, 10
    expected = -np.mean([5.0, 1.0, 4.0, 10.0]) - math.log(math.pi) - KL
    assert vae.score(X) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize(("beta", "gamma"), [(1.0, 0.0), (4.0, 10.0)])
def test_elbo_ignores_beta_and_gamma(beta, gamma):
    X = np.array([[1.0, 2.0], [0.0, -1.0], [2.0, 0.0], [-3.0, 1.0]], np.float32)
    a = np.array([0.0, 1.0, 2.0, 3.0])
    vae = _fit(ARVAE, (X, a), beta=beta, gamma=gamma, latent_dim=2)
    expected = -5.0 - math.log(math.pi) - 2 * KL  # 2 latent dims
    assert vae.score(X) == pytest.approx(expected, rel=1e-6)


def test_bce_score_is_the_bernoulli_elbo_by_hand():
    X = np.array([[0, 1, 1], [1, 1, 1], [0, 0, 0], [1, 0, 1]], np.float32)
    vae = _fit(BetaVAE, (X,), recon_loss="bce")
    # logits 0: every pixel has probability 1/2
    assert vae.score(X) == pytest.approx(3 * math.log(0.5) - KL, rel=1e-6)


def test_token_score_uses_the_true_tokens_not_greedy_decoding():
    X = np.array([[0, 1, 4], [2, 2, 3], [4, 0, 1], [3, 3, 3]])
    vae = _fit(BetaVAE, (X,), module=_KnownTokens, recon_loss="ce")
    assert vae.n_tokens_ == 5
    # teacher forced: p(true token) = 4 / (4 + 4) = 1/2 at each of 3 ticks;
    # greedy decoding would score the uniform logits, 3 * log(1/5)
    assert vae.score(X) == pytest.approx(3 * math.log(0.5) - KL, rel=1e-6)


def test_measure_vae_teacher_forced_logits_see_only_earlier_tokens():
    torch.manual_seed(0)
    module = MeasureVAE(latent_dim=3, n_tokens=9, hidden_size=8, head_dim=8).eval()
    z = torch.randn(2, 3)
    a = torch.randint(0, 9, (2, 24))
    b = a.clone()
    b[:, 10] = (a[:, 10] + 1) % 9
    with torch.no_grad():
        out_a = module.decode_teacher_forced(z, a)
        out_b = module.decode_teacher_forced(z, b)
        greedy = module.decode(z)
    assert out_a.shape == (2, 24, 9)
    torch.testing.assert_close(out_a[:, :11], out_b[:, :11], rtol=0, atol=0)
    assert not torch.allclose(out_a[:, 11], out_b[:, 11])
    assert not torch.allclose(out_a, greedy)
    # deterministic in eval mode: no random teacher-forcing draw
    torch.testing.assert_close(module.decode_teacher_forced(z, a), out_a)


def test_measure_vae_score_is_teacher_forced_likelihood():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 6, size=(12, 24))
    params = {"hidden_size": 8, "head_dim": 8, "num_layers": 1}
    vae = BetaVAE(
        module="measure_vae",
        module_params=params,
        latent_dim=3,
        max_epochs=1,
        batch_size=6,
        random_state=0,
    ).fit(X)
    module = vae.net_.module_.eval()
    x = torch.as_tensor(X)
    with torch.no_grad():
        mu, logvar = module.encode(x)
        eps = torch.randn(mu.shape, generator=torch.Generator().manual_seed(0))
        z = mu + torch.exp(0.5 * logvar) * eps
        logits = module.decode_teacher_forced(z, x)
        log_p = torch.log_softmax(logits, -1).gather(-1, x[..., None]).sum((1, 2))
        kl = 0.5 * (logvar.exp() + mu**2 - 1 - logvar).sum(1)
    assert vae.score(X) == pytest.approx(float((log_p - kl).mean()), rel=1e-5)
