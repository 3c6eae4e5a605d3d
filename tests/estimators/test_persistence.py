"""pickle, joblib and the code-free save/load format."""

import io
import json
import os
import pickle
import zipfile

import joblib
import numpy as np
import pandas as pd
import pytest
from skorch.callbacks import EpochScoring

import skarvae
from skarvae import ARVAE, BetaVAE
from skarvae.modules import MLPVAE
from skarvae.utils._testing import FAST


@pytest.fixture
def fitted(tabular):
    X = pd.DataFrame(tabular.data, columns=tabular.feature_names)
    vae = ARVAE(**FAST, gamma=[1.0, 3.0], random_state=0)
    return vae.fit(X, tabular.attributes), X


def _assert_same_model(a, b, X):
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    Z = a.transform(X)
    np.testing.assert_array_equal(a.inverse_transform(Z), b.inverse_transform(Z))
    assert a.score(X) == b.score(X)


def test_pickle_and_joblib_round_trip(fitted, tmp_path):
    vae, X = fitted
    _assert_same_model(vae, pickle.loads(pickle.dumps(vae)), X)
    joblib.dump(vae, tmp_path / "model.joblib")
    _assert_same_model(vae, joblib.load(tmp_path / "model.joblib"), X)


def test_save_load_round_trip(fitted, tmp_path):
    vae, X = fitted
    path = tmp_path / "model.skarvae"
    assert vae.save(path) is vae
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    loaded = skarvae.load(path)
    assert type(loaded) is ARVAE
    assert loaded.get_params() == vae.get_params()
    assert loaded.reg_dims_ == vae.reg_dims_
    assert loaded.attribute_names_in_ == vae.attribute_names_in_
    assert list(loaded.feature_names_in_) == list(vae.feature_names_in_)
    assert loaded.input_shape_ == vae.input_shape_
    pd.testing.assert_frame_equal(loaded.history_, vae.history_)
    _assert_same_model(vae, loaded, X)


def test_save_load_tokens_and_images(tmp_path):
    X = np.arange(120).reshape(20, 6) % 7
    vae = BetaVAE(**FAST, recon_loss="ce", random_state=0).fit(X)
    vae.save(tmp_path / "tokens.skarvae")
    _assert_same_model(vae, skarvae.load(tmp_path / "tokens.skarvae"), X)
    pooled = {"n_tokens": 7, "pool_dim": 3}
    vae = BetaVAE(
        module="token_mlp", module_params=pooled, hidden_dims=(8,), latent_dim=2
    )
    vae.set_params(max_epochs=2, random_state=0).fit(X)
    assert vae.net_.module_.pool.weight.any()  # the pooled branch was trained
    vae.save(tmp_path / "pooled.skarvae")
    _assert_same_model(vae, skarvae.load(tmp_path / "pooled.skarvae"), X)
    images = np.random.default_rng(0).random((20, 1, 3, 3))
    vae = BetaVAE(**FAST, random_state=0).fit(images)
    vae.save(tmp_path / "images.skarvae")
    loaded = skarvae.load(tmp_path / "images.skarvae")
    assert loaded.input_shape_ == (1, 3, 3)
    _assert_same_model(vae, loaded, images)


def test_weights_load_without_pickle(fitted, tmp_path):
    vae, _ = fitted
    vae.save(tmp_path / "m.skarvae")
    with zipfile.ZipFile(tmp_path / "m.skarvae") as archive:
        assert sorted(archive.namelist()) == ["metadata.json", "weights.pt"]
        import torch

        state = torch.load(io.BytesIO(archive.read("weights.pt")), weights_only=True)
        json.loads(archive.read("metadata.json"))
    assert set(state) == set(vae.net_.module_.state_dict())


def _rewrite(path, metadata=None, weights=None):
    with zipfile.ZipFile(path) as archive:
        meta = json.loads(archive.read("metadata.json"))
        blob = archive.read("weights.pt")
    meta = metadata(meta) if metadata else meta
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps(meta))
        archive.writestr("weights.pt", weights if weights is not None else blob)


def test_truncated_and_garbage_files_are_refused(fitted, tmp_path):
    vae, _ = fitted
    path = tmp_path / "m.skarvae"
    vae.save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="corrupt, truncated or of another format"):
        skarvae.load(path)
    path.write_bytes(b"not a model at all")
    with pytest.raises(ValueError, match="not a readable skarvae model file"):
        skarvae.load(path)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"format": "other"}))
        archive.writestr("weights.pt", b"")
    with pytest.raises(ValueError, match="not a skarvae model file"):
        skarvae.load(path)


def test_tampered_weights_and_versions_are_refused(fitted, tmp_path):
    vae, _ = fitted
    path = tmp_path / "m.skarvae"
    vae.save(path)
    _rewrite(path, weights=b"x" * 100)
    with pytest.raises(ValueError, match="corrupt \\(checksum\\)"):
        skarvae.load(path)
    vae.save(path)
    _rewrite(path, metadata=lambda m: {**m, "format_version": 99})
    with pytest.raises(ValueError, match="format version 99"):
        skarvae.load(path)
    vae.save(path)
    _rewrite(path, metadata=lambda m: {k: v for k, v in m.items() if k != "fitted"})
    with pytest.raises(ValueError, match="incomplete or invalid metadata"):
        skarvae.load(path)

    def drop_calibration(meta):
        del meta["fitted"]["calibration_"]
        return meta

    vae.save(path)
    _rewrite(path, metadata=drop_calibration)
    with pytest.raises(ValueError, match=r"calibration_"):
        skarvae.load(path)


def test_mismatched_architecture_is_refused(fitted, tmp_path):
    vae, _ = fitted
    path = tmp_path / "m.skarvae"
    vae.save(path)

    def bigger(meta):
        meta["params"]["hidden_dims"] = {"__tuple__": [32]}
        return meta

    _rewrite(path, metadata=bigger)
    with pytest.raises(ValueError, match="do not match the model's architecture"):
        skarvae.load(path)


def test_cuda_model_loads_on_cpu(fitted, tmp_path):
    vae, X = fitted
    path = tmp_path / "m.skarvae"
    vae.save(path)
    _rewrite(path, metadata=lambda m: {**m, "device": "cuda"})
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is available")
    with pytest.warns(UserWarning, match="loaded on the CPU"):
        loaded = skarvae.load(path)
    assert str(loaded.net_.device) == "cpu"
    _assert_same_model(vae, loaded, X)


def test_unsaveable_models(tabular, tmp_path):
    class Custom(MLPVAE):
        pass

    vae = BetaVAE(**FAST, module=Custom, random_state=0).fit(tabular.data)
    with pytest.raises(ValueError, match="custom module"):
        vae.save(tmp_path / "m.skarvae")
    cb = EpochScoring(lambda net, X, y: 0.0, name="zero")
    vae = BetaVAE(**FAST, callbacks=[cb], random_state=0).fit(tabular.data)
    with pytest.raises(ValueError, match="callbacks"):
        vae.save(tmp_path / "m.skarvae")
    assert not list(tmp_path.iterdir())


def test_failed_save_keeps_existing_file(fitted, tmp_path, monkeypatch):
    vae, _ = fitted
    path = tmp_path / "m.skarvae"
    path.write_bytes(b"precious")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", broken)
    with pytest.raises(OSError, match="disk full"):
        vae.save(path)
    assert path.read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == ["m.skarvae"]
