"""ARVAE's edit loss: attribute functions, the objective, errors, persistence."""

import numpy as np
import pandas as pd
import pytest
import torch

import skarvae
from skarvae import ARVAE
from skarvae.losses import edit_loss, measure_attribute_functions
from skarvae.music import Vocabulary, measure_attributes
from skarvae.utils._testing import FAST, mean_output


@pytest.fixture
def mean_data():
    # two factors mixed into 8 features; the features' mean is one attribute
    rng = np.random.default_rng(0)
    factors = rng.uniform(-1, 1, size=(400, 2))
    X = factors @ rng.normal(size=(2, 8)) + 0.05 * rng.normal(size=(400, 8))
    X = X.astype(np.float32)
    return X, pd.DataFrame({"mean": X.mean(axis=1), "other": factors[:, 1]})


TRAIN = {"latent_dim": 4, "hidden_dims": (32,), "lr": 1e-2, "batch_size": 64}


def test_objective_adds_the_weighted_edit_loss(mean_data):
    X, A = mean_data
    vae = ARVAE(
        attribute_fns={"mean": mean_output},
        edit_weight=2.0,
        gamma=[3.0, 1.0],
        beta=0.5,
        max_epochs=20,
        random_state=0,
        **TRAIN,
    ).fit(X, A)
    history = vae.history_
    total = (
        history["train_recon"]
        + 0.5 * history["train_kld"]
        + 3.0 * history["train_ar_mean"]
        + history["train_ar_other"]
        + 2.0 * history["train_edit"]
    )
    np.testing.assert_allclose(history["train_loss"], total, rtol=1e-5)
    edit = history["train_edit"].to_numpy()
    assert np.isfinite(history["valid_edit"]).all()
    assert edit[-1] < 0.2 * edit[0]  # the decoder learns to honour edits


def test_edit_loss_makes_the_decoder_follow_the_function(mean_data):
    # ask the first output feature to carry the donor's "other" attribute
    # after an edit of its dim: without the edit loss it carries a mix of
    # both factors instead
    X, A = mean_data

    def first(output):
        return output[:, 0]

    errors = []
    for weight in (0.0, 5.0):
        vae = ARVAE(attribute_fns={"other": first}, edit_weight=weight, **TRAIN)
        vae.set_params(max_epochs=20, random_state=0).fit(X, A)
        module = vae.net_.module_
        torch.manual_seed(1)
        with torch.no_grad():
            z = module.encode(torch.as_tensor(X))[0]  # posterior means
            errors.append(
                edit_loss(
                    module.decode,
                    z,
                    torch.as_tensor(A.to_numpy(), dtype=torch.float32),
                    [None, first],
                    list(vae.reg_dims_.values()),
                    scale=float(A["other"].std()),
                ).item()
            )
    assert errors[0] > 1.0
    assert errors[1] < 0.1 * errors[0]


def test_zero_weight_ignores_the_functions(mean_data):
    X, A = mean_data
    plain = ARVAE(**FAST, random_state=0).fit(X, A)
    unused = ARVAE(attribute_fns=[mean_output, None], **FAST, random_state=0).fit(X, A)
    np.testing.assert_array_equal(plain.transform(X), unused.transform(X))
    assert "train_edit" not in unused.history_


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"edit_weight": 1.0}, "edit_weight > 0 needs attribute_fns"),
        (
            {"attribute_fns": {"nope": mean_output}, "edit_weight": 1.0},
            r"attribute_fns names unknown attribute\(s\) \['nope'\]",
        ),
        (
            {"attribute_fns": [mean_output], "edit_weight": 1.0},
            "attribute_fns has 1 entries but there are 2",
        ),
        (
            {"attribute_fns": [mean_output, 3], "edit_weight": 1.0},
            "for attribute 'other' must be callable",
        ),
        (
            {"attribute_fns": [None, None], "edit_weight": 1.0},
            "at least one attribute function",
        ),
        (
            {
                "attribute_fns": {"mean": lambda out: out.detach().mean(1)},
                "edit_weight": 1.0,
            },
            "is not differentiable",
        ),
        (
            {"attribute_fns": {"mean": lambda out: out}, "edit_weight": 1.0},
            r"one value per sample, shape \(2,\); got \(2, 8\)",
        ),
        ({"edit_weight": -1.0}, "edit_weight"),
    ],
)
def test_bad_edit_settings_get_clear_errors(mean_data, params, match):
    X, A = mean_data
    with pytest.raises(ValueError, match=match):
        ARVAE(**params, **FAST).fit(X, A)


def test_token_model_with_measure_functions_persists(tmp_path):
    vocabulary = Vocabulary(["C4", "D4", "E4", "G4"])
    rng = np.random.default_rng(0)
    X = rng.integers(0, len(vocabulary), size=(64, 24))
    A = measure_attributes(X, vocabulary=vocabulary)
    fns = measure_attribute_functions(vocabulary)
    vae = ARVAE(
        module="token_mlp",
        hidden_dims=(32,),
        latent_dim=6,
        attribute_fns=fns,
        edit_weight=1.0,
        max_epochs=2,
        batch_size=16,
        random_state=0,
    ).fit(X, A)
    assert np.isfinite(vae.history_["train_edit"]).all()
    vae.save(tmp_path / "edit.skarvae")
    loaded = skarvae.load(tmp_path / "edit.skarvae")
    assert loaded.attribute_fns == fns
    np.testing.assert_array_equal(loaded.transform(X), vae.transform(X))
