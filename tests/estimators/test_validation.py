"""Bad input gets a clear error that names the problem."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from skarvae import ARVAE, BetaVAE
from skarvae.modules import MLPVAE
from skarvae.utils._testing import FAST


def test_nan_in_X(tabular):
    X = tabular.data.copy()
    X[3, 2] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        ARVAE(**FAST).fit(X, tabular.attributes)
    X[3, 2] = np.inf
    with pytest.raises(ValueError, match="Input X contains infinity"):
        BetaVAE(**FAST).fit(X)


def test_nan_in_attributes_names_the_column(tabular):
    A = tabular.attributes.copy()
    A.loc[5, "a1"] = np.nan
    with pytest.raises(ValueError, match="'a1' contain NaN"):
        ARVAE(**FAST).fit(tabular.data, A)
    A = tabular.attributes.to_numpy().copy()
    A[0, 0] = np.inf
    with pytest.raises(ValueError, match="'attr0' contain NaN or infinite"):
        ARVAE(**FAST).fit(tabular.data, A)


def test_non_numeric_attributes(tabular):
    A = tabular.attributes.astype(object)
    A.loc[0, "a0"] = "thick"
    with pytest.raises(ValueError, match="Attributes must be numeric"):
        ARVAE(**FAST).fit(tabular.data, A)


def test_row_count_mismatch(tabular):
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        ARVAE(**FAST).fit(tabular.data, tabular.attributes[:-1])


def test_missing_attributes():
    with pytest.raises(ValueError, match="requires y to be passed"):
        ARVAE(**FAST).fit(np.zeros((10, 3)), None)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        (
            {"reg_dims": [0, 4]},
            r"reg_dims for attribute 'a1' must be an integer in \[0, 3\]",
        ),
        ({"reg_dims": [-1, 0]}, "reg_dims for attribute 'a0'"),
        ({"reg_dims": [1, 1]}, "reg_dims must be distinct"),
        ({"reg_dims": [0]}, r"reg_dims has 1 entries but there are 2 attribute"),
        ({"reg_dims": {"a0": 0, "thick": 1}}, r"unknown attribute\(s\) \['thick'\]"),
        ({"reg_dims": {"a0": 0}}, r"no entry for attribute\(s\) \['a1'\]"),
        ({"latent_dim": 1}, "latent_dim=1 is smaller than the number of attributes"),
        ({"gamma": [1.0]}, "gamma has 1 entries"),
        ({"gamma": [1.0, -2.0]}, "gamma for attribute 'a1' must be a non-negative"),
        ({"gamma": {"a0": 1.0, "a2": 1.0}}, "gamma names unknown attribute"),
        ({"delta": [1.0, 0.0]}, "delta for attribute 'a1' must be a positive"),
        ({"delta": [1.0, np.nan]}, "delta for attribute 'a1'"),
        ({"hidden_dims": (16, 0)}, "hidden_dims must be a sequence of positive"),
        ({"module": "transformer"}, "Unknown module 'transformer'"),
    ],
)
def test_bad_regularization_settings(tabular, params, match):
    est = ARVAE(**{**FAST, **params})
    with pytest.raises(ValueError, match=match):
        est.fit(tabular.data, tabular.attributes)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"gamma": -1.0}, "gamma"),
        ({"delta": 0.0}, "delta"),
        ({"beta": -0.1}, "beta"),
        ({"latent_dim": 0}, "latent_dim"),
        ({"lr": 0.0}, "lr"),
        ({"batch_size": 0}, "batch_size"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"recon_loss": "l1"}, "recon_loss"),
        ({"reg_dims": "a0"}, "reg_dims"),
    ],
)
def test_out_of_range_parameters(tabular, params, name):
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of ARVAE"):
        ARVAE(**{**FAST, **params}).fit(tabular.data, tabular.attributes)


def test_module_instance_is_rejected(tabular):
    with pytest.raises(InvalidParameterError, match="'module' parameter"):
        BetaVAE(**FAST, module=MLPVAE((6,), 4)).fit(tabular.data)


def test_unavailable_or_invalid_device(tabular):
    with pytest.raises(ValueError, match="not a valid torch device"):
        BetaVAE(**FAST, device="gpu0").fit(tabular.data)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            BetaVAE(**FAST, device="cuda").fit(tabular.data)


def test_not_fitted():
    for method in ("transform", "inverse_transform", "score", "save"):
        with pytest.raises(NotFittedError):
            getattr(ARVAE(), method)(np.zeros((2, 3)))
    with pytest.raises(NotFittedError):
        ARVAE().get_feature_names_out()


def test_wrong_feature_count(tabular):
    vae = ARVAE(**FAST, random_state=0).fit(tabular.data, tabular.attributes)
    with pytest.raises(ValueError, match="X has 5 features"):
        vae.transform(tabular.data[:, :5])
    with pytest.raises(ValueError, match="expects 4 latent features, got 3"):
        vae.inverse_transform(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        vae.inverse_transform(np.full((2, 4), np.nan))


def test_wrong_image_shape():
    X = np.random.default_rng(0).random((20, 1, 4, 4))
    vae = BetaVAE(**FAST, random_state=0).fit(X)
    with pytest.raises(ValueError, match=r"per-sample shape \(1, 2, 8\)"):
        vae.transform(X.reshape(20, 1, 2, 8))


def test_feature_names_must_match(tabular):
    X = pd.DataFrame(tabular.data, columns=tabular.feature_names)
    vae = BetaVAE(**FAST, random_state=0).fit(X)
    with pytest.raises(ValueError, match="feature names"):
        vae.transform(X.rename(columns={"x0": "other"}))


def test_bce_needs_unit_interval(tabular):
    with pytest.raises(
        ValueError, match=r"recon_loss='bce' needs X with values in \[0, 1\]"
    ):
        BetaVAE(**FAST, recon_loss="bce").fit(tabular.data)


def test_ce_needs_token_ids(tabular):
    with pytest.raises(ValueError, match="integer token ids"):
        BetaVAE(**FAST, recon_loss="ce").fit(tabular.data + 5)
    X = np.arange(40).reshape(10, 4) % 5
    vae = BetaVAE(**FAST, recon_loss="ce", random_state=0).fit(X)
    with pytest.raises(ValueError, match="token id 9, but the model knows 5 tokens"):
        vae.transform(X + 5)
    with pytest.raises(ValueError, match="non-negative"):
        vae.transform(X - 1)


def test_diverging_loss_names_the_epoch():
    X = np.random.default_rng(0).normal(size=(64, 4)) * 1e25
    with pytest.raises(FloatingPointError, match=r"in epoch 1\. Lower lr"):
        BetaVAE(**FAST, random_state=0).fit(X)


def test_too_few_samples_for_validation():
    with pytest.raises(ValueError, match="leaves no training sample"):
        BetaVAE(**FAST, validation_fraction=0.5).fit(np.zeros((1, 3)))
