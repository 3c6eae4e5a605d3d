"""GLSR-VAE: training behaviour, attribute functions, persistence."""

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.stats import spearmanr

import skarvae
from skarvae import GLSRVAE
from skarvae.datasets import make_attribute_data
from skarvae.losses import MeanIntensity
from skarvae.utils._testing import FAST, mean_output


@pytest.fixture
def synthetic():
    data = make_attribute_data(800, n_features=10, n_attributes=2, random_state=0)
    X = data.data
    return X, X.mean(axis=1)


def test_glsr_trains_derivative_towards_target(synthetic):
    X, a = synthetic
    vae = GLSRVAE(
        mean_output,
        grad_mean=0.15,
        grad_std=0.02,
        gamma_warmup=2,
        latent_dim=4,
        hidden_dims=(32,),
        max_epochs=12,
        random_state=0,
    )
    vae.fit(X, a)
    history = vae.history_
    grad = history["train_grad_attr0"].to_numpy()
    assert abs(grad[-1] - 0.15) < 0.05
    assert abs(grad[-1] - 0.15) < abs(grad[0] - 0.15)
    rho = spearmanr(vae.transform(X)[:, 0], a).statistic
    assert rho > 0.8
    np.testing.assert_allclose(history["reg_scale"].to_numpy()[:3], [0, 0.5, 1])
    np.testing.assert_allclose(history["kl_scale"].to_numpy(), 1.0)
    # loss = recon + beta * kld + reg_scale * gamma * glsr
    total = (
        history["train_recon"]
        + history["train_kld"]
        + (history["reg_scale"] * history["train_glsr_attr0"])
    )
    np.testing.assert_allclose(history["train_loss"], total, rtol=1e-5)


def test_beta_warmup_scales_kl(synthetic):
    X, a = synthetic
    vae = GLSRVAE(mean_output, beta_warmup=4, **FAST, random_state=0).fit(X, a)
    np.testing.assert_allclose(vae.history_["kl_scale"], [0.0, 0.25])


def test_attribute_fns_by_name_and_per_attribute_settings():
    data = make_attribute_data(200, n_features=6, n_attributes=2, random_state=0)
    first = lambda out: out[:, 0]  # noqa: E731
    fns = {"a1": mean_output, "a0": first}
    vae = GLSRVAE(
        fns,
        reg_dims={"a0": 3, "a1": 1},
        grad_mean=[0.1, -0.1],
        grad_std={"a0": 0.1, "a1": 0.2},
        **FAST,
        random_state=0,
    )
    vae.fit(data.data, data.attributes)
    assert vae.net_.attribute_fns == [first, mean_output]
    assert vae.net_.reg_dims == [3, 1]
    assert vae.net_.grad_std == [0.1, 0.2]
    assert "train_grad_a1" in vae.history_


def test_glsr_dicts_keyed_by_non_string_column_names():
    data = make_attribute_data(200, n_features=6, n_attributes=2, random_state=0)
    A = pd.DataFrame(data.attributes.to_numpy(), columns=[0, 1])
    first = lambda out: out[:, 0]  # noqa: E731
    vae = GLSRVAE(
        {1: mean_output, 0: first},
        reg_dims={0: 3, 1: 1},
        gamma={0: 2.0, 1: 1.0},
        grad_mean={0: 0.1, 1: -0.1},
        grad_std={1: 0.2, 0: 0.1},
        **FAST,
        random_state=0,
    ).fit(data.data, A)
    assert vae.net_.attribute_fns == [first, mean_output]
    assert vae.net_.reg_dims == [3, 1]
    assert vae.net_.gamma == [2.0, 1.0]
    assert vae.net_.grad_mean == [0.1, -0.1]
    assert vae.net_.grad_std == [0.1, 0.2]


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda out: out, r"one value per sample, shape \(2,\); got \(2, 6\)"),
        (lambda out: out.argmax(dim=1), "floating-point"),
        (
            lambda out: out.detach().mean(dim=1),
            "derivative along the latent dim is zero",
        ),
        (
            lambda out: torch.round(out).mean(dim=1),
            "derivative along the latent dim is zero",
        ),
        (
            lambda out: torch.as_tensor(np.asarray(out).mean(axis=1)),
            "not differentiable|failed",
        ),
        (lambda out: out.no_such_method(), "failed on the decoder output"),
    ],
)
def test_bad_attribute_functions_get_clear_errors(tabular, fn, match):
    with pytest.raises(ValueError, match=match):
        GLSRVAE(fn, **FAST).fit(tabular.data, tabular.attributes["a0"])


def test_attribute_fns_must_match_attributes(tabular):
    with pytest.raises(ValueError, match="attribute_fns has 1 entries but there are 2"):
        GLSRVAE([mean_output], **FAST).fit(tabular.data, tabular.attributes)
    with pytest.raises(ValueError, match="must be callable"):
        GLSRVAE([mean_output, 3], **FAST).fit(tabular.data, tabular.attributes)
    with pytest.raises(
        ValueError, match="grad_mean for attribute 'a0' must be a finite"
    ):
        GLSRVAE(mean_output, grad_mean=[np.inf], **FAST).fit(
            tabular.data, tabular.attributes[["a0"]]
        )


def test_glsr_is_deterministic_and_persists(tmp_path):
    rng = np.random.default_rng(0)
    X = (rng.random((60, 3, 4, 4)) < rng.random((60, 1, 1, 1))).astype(np.float32)
    a = X.mean(axis=(1, 2, 3))
    kwargs = {**FAST, "random_state": 0}
    vae = GLSRVAE([MeanIntensity()], **kwargs).fit(X, a)
    again = GLSRVAE([MeanIntensity()], **kwargs).fit(X, a)
    np.testing.assert_array_equal(vae.transform(X), again.transform(X))
    vae.save(tmp_path / "glsr.skarvae")
    loaded = skarvae.load(tmp_path / "glsr.skarvae")
    assert loaded.attribute_fns == [MeanIntensity()]
    np.testing.assert_array_equal(loaded.transform(X), vae.transform(X))
    custom = GLSRVAE(mean_output, **kwargs).fit(X, a)
    with pytest.raises(ValueError, match="use pickle/joblib"):
        custom.save(tmp_path / "custom.skarvae")


def _tokens():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 6, size=(16, 24))
    return X, (X > 2).mean(axis=1)


def _expected_onset(logits):
    return torch.softmax(logits, dim=-1)[..., 3:].sum(dim=-1).mean(dim=1)


MEASURE = {
    "module": "measure_vae",
    "module_params": {"hidden_size": 8, "head_dim": 8, "num_layers": 1},
    "latent_dim": 3,
    "max_epochs": 1,
    "batch_size": 8,
    "gamma_warmup": 0,
    "random_state": 0,
}


def test_glsr_differentiates_measure_vae_on_cpu():
    X, a = _tokens()
    vae = GLSRVAE(_expected_onset, **MEASURE).fit(X, a)
    assert np.isfinite(vae.history_["train_glsr"]).all()


def test_decoder_without_forward_ad_is_not_blamed_on_the_attribute_fn(monkeypatch):
    # On CUDA, nn.GRU runs through cuDNN, which has no forward-mode AD; the
    # error PyTorch raises there is simulated here on the CPU.
    gru_forward = torch.nn.GRU.forward

    def cudnn_like(self, input, *args, **kwargs):
        if torch._C._functorch.is_functorch_wrapped_tensor(input):
            raise NotImplementedError(
                "Trying to use forward AD with _cudnn_rnn that does not support "
                "it because it has not been implemented yet."
            )
        return gru_forward(self, input, *args, **kwargs)

    monkeypatch.setattr(torch.nn.GRU, "forward", cudnn_like)
    X, a = _tokens()
    with pytest.raises(ValueError, match="cannot differentiate the decoder") as info:
        GLSRVAE(_expected_onset, **MEASURE).fit(X, a)
    message = str(info.value)
    assert "the attribute functions are not at fault" in message
    assert "nn.GRU" in message
    assert "device='cpu'" in message
    assert "_cudnn_rnn" in message
    assert isinstance(info.value.__cause__, NotImplementedError)
    # an attribute function that fails still gets the blame
    with pytest.raises(ValueError, match="attribute function for 'attr0'"):
        GLSRVAE(lambda out: out.no_such_method(), **FAST).fit(X[:, :6] * 1.0, a)
