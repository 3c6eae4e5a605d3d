"""Bad inputs through every public entry point, as listed in docs/errors.md.

Each row of ``CASES`` is one bad input: the entry point, what is wrong, the
call, and the error it must raise, whose message must name the problem. The
error must come from skarvae's own checks (or scikit-learn's validation that
they call), never from deep inside torch, pandas, numpy or music21. Inputs
with a documented result instead of an error are tested below the table.
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import hashlib
import io
import json
import struct
import warnings
import zipfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import sparse
from sklearn.exceptions import NotFittedError

import skarvae
from skarvae import ARVAE, GLSRVAE, BetaVAE
from skarvae.datasets import (
    load_bach_chorales,
    load_dsprites,
    load_folk_tunes,
    load_mnist,
    load_music_files,
    make_attribute_data,
    measure_sprites,
    morphometrics,
)
from skarvae.metrics import (
    content_preservation_score,
    disentanglement_report,
    disentanglement_scorer,
    make_disentanglement_scorer,
    mig_score,
    reconstruction_accuracy,
    sap_score,
)
from skarvae.utils._testing import FAST, mean_output

DOCS = Path(__file__).resolve().parents[1] / "docs" / "errors.md"
BAD = "The '{}' parameter of {} must be"  # scikit-learn's InvalidParameterError


@pytest.fixture(scope="module")
def c(tmp_path_factory):
    """Fitted models, data and files shared by the table's calls."""
    data = make_attribute_data(
        n_samples=120, n_features=6, n_attributes=2, random_state=0
    )
    X, A = data.data, data.attributes
    vae = ARVAE(**FAST, random_state=0).fit(X, A)
    tmp = tmp_path_factory.mktemp("bad")
    model = tmp / "model.skarvae"
    vae.save(model)
    tokens = np.arange(60).reshape(12, 5) % 5
    # Models whose weights blew up: an encoder or decoder that overflows float32.
    blown = {"encoder": ("encoder", "mu"), "decoder": ("decoder",)}
    for key, parts in blown.items():
        blown[key] = copy.deepcopy(vae)
        with torch.no_grad():
            for part in parts:
                for weights in getattr(blown[key].net_.module_, part).parameters():
                    weights.mul_(1e20)
    nan = X.copy()
    nan[3, 2] = np.nan
    return SimpleNamespace(
        X=X,
        A=A,
        nan=nan,
        inf=np.where(nan != nan, np.inf, X),
        Z=vae.transform(X),
        vae=vae,
        blown_encoder=blown["encoder"],
        blown_decoder=blown["decoder"],
        tokens=tokens,
        token_vae=BetaVAE(**FAST, recon_loss="ce", random_state=0).fit(tokens),
        tmp=tmp,
        model=model,
    )


def _write(c, name, data):
    path = c.tmp / name
    path.write_bytes(data)
    return path


def _tampered(c, name, *, metadata=None, weights=None):
    """A copy of the saved model with edited metadata or weights."""
    with zipfile.ZipFile(c.model) as archive:
        meta = json.loads(archive.read("metadata.json"))
        blob = archive.read("weights.pt")
    if metadata is not None:
        metadata(meta)
    if weights is not None:
        blob = weights
        meta["weights_sha256"] = hashlib.sha256(blob).hexdigest()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("metadata.json", json.dumps(meta))
        archive.writestr("weights.pt", blob)
    return _write(c, name, buffer.getvalue())


def _idx(c, images=None, *, magic=0x0803, cut=0, gz=False, n_labels=2):
    """A folder with t10k IDX files, the images file possibly corrupted."""
    folder = c.tmp / f"mnist-{magic}-{cut}-{gz}-{n_labels}-{images is None}"
    folder.mkdir(exist_ok=True)
    raw = struct.pack(">4I", magic, 2, 28, 28) + bytes(2 * 784)
    raw = raw[: len(raw) - cut] if images is None else images
    name = "t10k-images-idx3-ubyte" + (".gz" if gz else "")
    (folder / name).write_bytes(raw)
    labels = struct.pack(">2I", 0x0801, n_labels) + bytes(n_labels)
    (folder / "t10k-labels-idx1-ubyte").write_bytes(labels)
    return folder


def _search(c, X=None, y=None, **params):
    optuna = pytest.importorskip("optuna")
    from skarvae.model_selection import ARVAESearchCV

    space = {"gamma": optuna.distributions.FloatDistribution(0.1, 10, log=True)}
    search = ARVAESearchCV(
        ARVAE(**FAST, random_state=0),
        **{"param_distributions": space, "n_trials": 1, "cv": 2, **params},
    )
    return search.fit(c.X if X is None else X, c.A if y is None else y)


def _dist(low, high):
    return pytest.importorskip("optuna").distributions.IntDistribution(low, high)


def _music():
    return pytest.importorskip("skarvae.music", exc_type=ImportError)


def _music21():
    return pytest.importorskip("music21")


V = ValueError
T = TypeError
ROW = ["C4"] + ["__"] * 23

# (entry point, bad input, call, error type, message pattern)
CASES = [
    # fit
    ("fit", "NaN in X", lambda c: ARVAE(**FAST).fit(c.nan, c.A), V,
     "Input X contains NaN"),
    ("fit", "infinity in X", lambda c: BetaVAE(**FAST).fit(c.inf), V,
     "Input X contains infinity"),
    ("fit", "values beyond float32 in X",
     lambda c: BetaVAE(**FAST).fit(c.X * 1e300), V, "beyond the float32 range"),
    ("fit", "NaN in an attribute",
     lambda c: ARVAE(**FAST).fit(c.X, c.A.assign(a1=np.nan)), V,
     "'a1' contain NaN or infinite"),
    ("fit", "infinity in an attribute",
     lambda c: ARVAE(**FAST).fit(c.X, c.A.assign(a0=np.inf)), V,
     "'a0' contain NaN or infinite"),
    ("fit", "empty X", lambda c: ARVAE(**FAST).fit(c.X[:0], c.A[:0]), V,
     r"Found array with 0 sample\(s\)"),
    ("fit", "X with no feature", lambda c: BetaVAE(**FAST).fit(c.X[:, :0]), V,
     r"Found array with 0 feature\(s\)"),
    ("fit", "one sample with a validation split",
     lambda c: ARVAE(**FAST).fit(c.X[:1], c.A[:1]), V,
     "leaves no training sample"),
    ("fit", "1-D X", lambda c: BetaVAE(**FAST).fit(c.X[:, 0]), V,
     "Expected 2D array, got 1D array"),
    ("fit", "X a string", lambda c: BetaVAE(**FAST).fit("data.csv"), V,
     "Expected 2D array, got scalar array"),
    ("fit", "X None", lambda c: BetaVAE(**FAST).fit(None), V,
     "Expected 2D array, got scalar array"),
    ("fit", "X of strings", lambda c: BetaVAE(**FAST).fit(np.full((9, 2), "a")),
     V, "dtype='numeric' is not compatible with arrays of bytes/strings"),
    ("fit", "DataFrame X with a text column",
     lambda c: BetaVAE(**FAST).fit(pd.DataFrame({"x": [1.0] * 9, "kind": "a"})),
     V, r"non-numeric column\(s\) \['kind'\]"),
    ("fit", "sparse X",
     lambda c: BetaVAE(**FAST).fit(sparse.csr_matrix(c.X)), T,
     "Sparse data was passed for X, but dense data is required"),
    ("fit", "complex X", lambda c: BetaVAE(**FAST).fit(c.X + 1j), V,
     "Complex data not supported"),
    ("fit", "no attributes (y=None)", lambda c: ARVAE(**FAST).fit(c.X, None), V,
     "requires y to be passed"),
    ("fit", "y a dict", lambda c: ARVAE(**FAST).fit(c.X, {"a0": 1.0}), T,
     "y must hold the attributes as an array-like.*got dict"),
    ("fit", "y a string", lambda c: ARVAE(**FAST).fit(c.X, "a0"), T,
     "y must hold the attributes.*got str"),
    ("fit", "text attribute values",
     lambda c: ARVAE(**FAST).fit(c.X, c.A.assign(a0="thick")), V,
     "Attributes must be numeric"),
    ("fit", "3-D attributes",
     lambda c: ARVAE(**FAST).fit(c.X, np.zeros((120, 2, 2))), V,
     r"Attributes must have shape \(n_samples,\) or"),
    ("fit", "attributes of another length",
     lambda c: ARVAE(**FAST).fit(c.X, c.A[:-1]), V,
     "inconsistent numbers of samples"),
    ("fit", "unknown attribute name in reg_dims",
     lambda c: ARVAE(**FAST, reg_dims={"a0": 0, "thick": 1}).fit(c.X, c.A), V,
     r"unknown attribute\(s\) \['thick'\]"),
    ("fit", "reg_dims beyond latent_dim",
     lambda c: ARVAE(**FAST, reg_dims=[0, 4]).fit(c.X, c.A), V,
     r"reg_dims for attribute 'a1' must be an integer in \[0, 3\]"),
    ("fit", "more attributes than latent dims",
     lambda c: ARVAE(**{**FAST, "latent_dim": 1}).fit(c.X, c.A), V,
     "latent_dim=1 is smaller than the number of attributes"),
    ("fit", "negative gamma for one attribute",
     lambda c: ARVAE(**FAST, gamma=[1.0, -2.0]).fit(c.X, c.A), V,
     "gamma for attribute 'a1' must be a non-negative"),
    ("fit", "gamma a string", lambda c: ARVAE(**FAST, gamma="big").fit(c.X, c.A),
     V, BAD.format("gamma", "ARVAE")),
    ("fit", "NaN beta", lambda c: ARVAE(**FAST, beta=np.nan).fit(c.X, c.A), V,
     BAD.format("beta", "ARVAE")),
    ("fit", "zero learning rate", lambda c: BetaVAE(**FAST, lr=0.0).fit(c.X), V,
     BAD.format("lr", "BetaVAE")),
    ("fit", "unknown module", lambda c: BetaVAE(**FAST, module="rnn").fit(c.X),
     V, "Unknown module 'rnn'"),
    ("fit", "unknown module_params key",
     lambda c: BetaVAE(**FAST, module_params={"depth": 3}).fit(c.X), V,
     r"module_params has unknown parameter\(s\) \['depth'\] for MLPVAE"),
    ("fit", "invalid device", lambda c: BetaVAE(**FAST, device="gpu0").fit(c.X),
     V, "not a valid torch device"),
    ("fit", "values outside [0, 1] with recon_loss='bce'",
     lambda c: BetaVAE(**FAST, recon_loss="bce").fit(c.X), V,
     r"needs X with values in \[0, 1\]"),
    ("fit", "fractional token ids with recon_loss='ce'",
     lambda c: BetaVAE(**FAST, recon_loss="ce").fit(c.X), V,
     "integer token ids"),
    ("fit", "a diverging loss", lambda c: BetaVAE(**FAST).fit(c.X * 1e25),
     FloatingPointError, r"in epoch 1\. Lower lr"),
    ("fit", "GLSRVAE attribute function returning NaN",
     lambda c: GLSRVAE(lambda out: mean_output(out) * np.nan, **FAST).fit(
         c.X, c.A[["a0"]]), V, "'a0'.*returned NaN or infinite values"),
    ("fit", "GLSRVAE attribute_fns a string",
     lambda c: GLSRVAE("thickness", **FAST).fit(c.X, c.A), V,
     BAD.format("attribute_fns", "GLSRVAE")),
    ("fit", "GLSRVAE attribute function of the wrong shape",
     lambda c: GLSRVAE(lambda out: out, **FAST).fit(c.X, c.A[["a0"]]), V,
     "must return a tensor with one value per sample"),
    # transform, predict, score, sample_latent
    ("transform", "NaN in X", lambda c: c.vae.transform(c.nan), V,
     "Input X contains NaN"),
    ("transform", "infinity in X", lambda c: c.vae.transform(c.inf), V,
     "Input X contains infinity"),
    ("transform", "values beyond float32 in X",
     lambda c: c.vae.transform(np.full((2, 6), 1e300)), V,
     "beyond the float32 range"),
    ("transform", "a model whose weights overflow",
     lambda c: c.blown_encoder.transform(c.X), V,
     "Encoding X gave NaN or infinite codes"),
    ("transform", "wrong number of features",
     lambda c: c.vae.transform(c.X[:, :5]), V,
     "X has 5 features, but ARVAE is expecting 6"),
    ("transform", "wrong per-sample shape",
     lambda c: c.vae.transform(c.X[:, :, None]), V,
     r"per-sample shape \(6, 1\)"),
    ("transform", "empty X", lambda c: c.vae.transform(c.X[:0]), V,
     r"Found array with 0 sample\(s\)"),
    ("transform", "X None", lambda c: c.vae.transform(None), V,
     "Expected 2D array, got scalar array"),
    ("transform", "unfitted model", lambda c: ARVAE().transform(c.X),
     NotFittedError, "not fitted yet"),
    ("transform", "token id beyond the vocabulary",
     lambda c: c.token_vae.transform(c.tokens + 5), V,
     "token id 9, but the model knows 5 tokens"),
    ("predict", "NaN in X", lambda c: c.vae.predict(c.nan), V,
     "Input X contains NaN"),
    ("predict", "wrong number of features",
     lambda c: c.vae.predict(c.X[:, :3]), V, "X has 3 features"),
    ("score", "NaN in X", lambda c: c.vae.score(c.nan), V,
     "Input X contains NaN"),
    ("score", "values beyond float32 in X",
     lambda c: c.vae.score(np.full((2, 6), -1e300)), V,
     "beyond the float32 range"),
    ("score", "X far outside the training scale",
     lambda c: c.vae.score(c.X * 1e6), V,
     "The ELBO of X is NaN or infinite in float32"),
    ("sample_latent", "infinity in X", lambda c: c.vae.sample_latent(c.inf), V,
     "Input X contains infinity"),
    ("sample_latent", "X far outside the training scale",
     lambda c: c.vae.sample_latent(c.X * 1e6), V,
     "Sampling the posterior of X is NaN or infinite"),
    ("sample", "zero samples", lambda c: c.vae.sample(0), V,
     "n_samples must be a positive integer"),
    # inverse_transform
    ("inverse_transform", "NaN in Z",
     lambda c: c.vae.inverse_transform(np.full((2, 4), np.nan)), V,
     "Input contains NaN"),
    ("inverse_transform", "infinity in Z",
     lambda c: c.vae.inverse_transform(np.full((2, 4), -np.inf)), V,
     "Input contains infinity"),
    ("inverse_transform", "values beyond float32 in Z",
     lambda c: c.vae.inverse_transform(np.full((2, 4), 1e300)), V,
     "Input contains infinity or a value too large for dtype"),
    ("inverse_transform", "wrong number of latent features",
     lambda c: c.vae.inverse_transform(c.Z[:, :3]), V,
     "expects 4 latent features, got 3"),
    ("inverse_transform", "1-D Z", lambda c: c.vae.inverse_transform(c.Z[0]), V,
     "Expected 2D array, got 1D array"),
    ("inverse_transform", "Z a string",
     lambda c: c.vae.inverse_transform("z"), V,
     "could not convert string to float"),
    ("inverse_transform", "a model whose weights overflow",
     lambda c: c.blown_decoder.inverse_transform(c.Z), V,
     "Decoding gave NaN or infinite values"),
    # edit
    ("edit", "NaN target", lambda c: c.vae.edit(c.X[:3], {"a0": np.nan}), V,
     "The target for 'a0' has NaN or infinite values"),
    ("edit", "infinite target in an array",
     lambda c: c.vae.edit(c.X[:3], {"a0": [0.0, np.inf, 1.0]}), V,
     "The target for 'a0' has NaN or infinite values"),
    ("edit", "target a string",
     lambda c: c.vae.edit(c.X[:3], {"a0": "thicker"}), T,
     "The target for 'a0' must be a real number or an array-like"),
    ("edit", "target None", lambda c: c.vae.edit(c.X[:3], {"a0": None}), T,
     "The target for 'a0' must be a real number"),
    ("edit", "target a dict",
     lambda c: c.vae.edit(c.X[:3], {"a0": {"value": 1}}), T,
     "The target for 'a0' must be a real number"),
    ("edit", "complex target", lambda c: c.vae.edit(c.X[:3], {"a0": 1j}), T,
     "The target for 'a0' must be a real number"),
    ("edit", "target of the wrong length",
     lambda c: c.vae.edit(c.X[:3], {"a0": [1.0, 2.0]}), V,
     r"must be a scalar or have shape \(n_samples,\) = \(3,\)"),
    ("edit", "unknown attribute name",
     lambda c: c.vae.edit(c.X[:3], {"thick": 1.0}), V,
     r"Unknown attribute 'thick': the attributes are \['a0', 'a1'\]"),
    ("edit", "latent index out of range",
     lambda c: c.vae.edit(c.X[:3], {7: 1.0}, mode="latent"), V,
     "Latent index 7 is out of range"),
    ("edit", "an attribute name for a model without attributes",
     lambda c: c.token_vae.edit(c.tokens[:2], {"a0": 1}), V,
     "BetaVAE has no named attributes; use integer latent indices"),
    ("edit", "target key neither str nor int",
     lambda c: c.vae.edit(c.X[:3], {1.5: 1.0}), T,
     "attribute names .* or latent indices .*got 1.5 of type float"),
    ("edit", "targets not a dict", lambda c: c.vae.edit(c.X[:3], [1.0]), V,
     BAD.format("targets", "edit")),
    ("edit", "unknown mode",
     lambda c: c.vae.edit(c.X[:3], {"a0": 1.0}, mode="values"), V,
     BAD.format("mode", "edit")),
    ("edit", "value outside the training range with on_out_of_range='raise'",
     lambda c: c.vae.edit(c.X[:3], {"a0": 1e9}, on_out_of_range="raise"), V,
     "lie outside the range seen in training"),
    ("edit", "shift that overflows float32",
     lambda c: c.vae.edit(c.X[:3], {0: 1e300}, mode="shift"), V,
     "The edited latent codes overflow float32"),
    ("edit", "a model whose weights overflow",
     lambda c: c.blown_decoder.edit(c.X[:3], {0: 1.0}, mode="latent"), V,
     "Decoding gave NaN or infinite values"),
    ("edit", "NaN in X", lambda c: c.vae.edit(c.nan, {"a0": 1.0}), V,
     "Input X contains NaN"),
    # traverse
    ("traverse", "unknown attribute name",
     lambda c: c.vae.traverse(c.X[:2], "thick"), V, "Unknown attribute 'thick'"),
    ("traverse", "attribute None", lambda c: c.vae.traverse(c.X[:2], None), T,
     "got None of type NoneType"),
    ("traverse", "NaN in values",
     lambda c: c.vae.traverse(c.X[:2], "a0", [0.0, np.nan]), V,
     "values must be finite"),
    ("traverse", "values of strings",
     lambda c: c.vae.traverse(c.X[:2], "a0", ["low", "high"]), T,
     "values must be a real number or an array-like of real numbers"),
    ("traverse", "empty values", lambda c: c.vae.traverse(c.X[:2], "a0", []), V,
     "values must be a non-empty 1-D sequence"),
    ("traverse", "one step", lambda c: c.vae.traverse(c.X[:2], "a0", n_steps=1),
     V, BAD.format("n_steps", "traverse")),
    ("traverse", "values that overflow float32",
     lambda c: c.vae.traverse(c.X[:2], 0, [1e300, 2e300]), V,
     "The edited latent codes overflow float32"),
    # interpolate
    ("interpolate", "NaN in X_b",
     lambda c: c.vae.interpolate(c.X[:4], c.nan[:4]), V,
     "Input X contains NaN"),
    ("interpolate", "different numbers of samples",
     lambda c: c.vae.interpolate(c.X[:3], c.X[:2]), V,
     "X_a has 3 samples and X_b has 2"),
    ("interpolate", "one step",
     lambda c: c.vae.interpolate(c.X[:2], c.X[:2], n_steps=1), V,
     BAD.format("n_steps", "interpolate")),
    # save / load
    ("save", "path None", lambda c: c.vae.save(None), T,
     "path must be a str or path-like object; got NoneType"),
    ("save", "missing folder", lambda c: c.vae.save(c.tmp / "no" / "m.skarvae"),
     FileNotFoundError, "The folder .* does not exist"),
    ("save", "path is a folder", lambda c: c.vae.save(c.tmp), IsADirectoryError,
     "is a folder; give a file path"),
    ("load", "path None", lambda c: skarvae.load(None), T,
     "path must be a str or path-like object"),
    ("load", "missing file", lambda c: skarvae.load(c.tmp / "none.skarvae"),
     FileNotFoundError, "No model file at"),
    ("load", "empty file", lambda c: skarvae.load(_write(c, "e.skarvae", b"")), V,
     "is not a readable skarvae model file: it is corrupt, truncated"),
    ("load", "truncated model file",
     lambda c: skarvae.load(_write(c, "t.skarvae", c.model.read_bytes()[:-40])),
     V, "is not a readable skarvae model file: it is corrupt, truncated"),
    ("load", "model file with a flipped byte",
     lambda c: skarvae.load(_write(c, "f.skarvae", _flip(c.model.read_bytes()))),
     V, "is not a readable skarvae model file"),
    ("load", "a zip file that is not a model",
     lambda c: skarvae.load(_zip(c, "other.zip")), V,
     "is not a readable skarvae model file"),
    ("load", "weights that are not a torch state dict",
     lambda c: skarvae.load(_tampered(c, "w.skarvae", weights=b"garbage")), V,
     "cannot be read as a torch state dict"),
    ("load", "weights that fail their checksum",
     lambda c: skarvae.load(_tampered(c, "s.skarvae", metadata=_set(
         "weights_sha256", "0"))), V, r"are corrupt \(checksum\)"),
    ("load", "weights of another architecture",
     lambda c: skarvae.load(_tampered(c, "a.skarvae", metadata=_set_param(
         "hidden_dims", {"__tuple__": [8]}))), V,
     "do not match the model's architecture"),
    ("load", "an invalid parameter in the metadata",
     lambda c: skarvae.load(_tampered(c, "p.skarvae", metadata=_set_param(
         "lr", -1))), V, "has incomplete or invalid metadata.*'lr' parameter"),
    ("load", "an invalid device in the metadata",
     lambda c: skarvae.load(_tampered(c, "d.skarvae", metadata=_set(
         "device", 3))), V, "has incomplete or invalid metadata.*device"),
    ("load", "an unknown class in the metadata",
     lambda c: skarvae.load(_tampered(c, "k.skarvae", metadata=_set(
         "class", "PCA"))), V, "has incomplete or invalid metadata"),
    # metrics and scorers
    ("metrics", "NaN in the latents",
     lambda c: mig_score(np.full((10, 2), np.nan), np.arange(10)), V,
     "Input latents contains NaN"),
    ("metrics", "infinity in the attributes",
     lambda c: sap_score(c.Z, c.A.assign(a0=np.inf)), V,
     "Input attributes contains infinity"),
    ("metrics", "latents of strings",
     lambda c: mig_score(np.full((10, 2), "z"), np.arange(10)), V,
     "could not convert string to float"),
    ("metrics", "latents None", lambda c: mig_score(None, c.A), V,
     BAD.format("latents", "mig_score")),
    ("metrics", "different numbers of samples",
     lambda c: mig_score(c.Z, c.A[:10]), V,
     "latents and attributes have different numbers of samples"),
    ("metrics", "one sample", lambda c: mig_score(c.Z[:1], c.A[:1]), V,
     "At least 2 samples are needed"),
    ("metrics", "empty latents", lambda c: mig_score(c.Z[:0], c.A[:0]), V,
     r"Found array with 0 sample\(s\)"),
    ("metrics", "a constant attribute",
     lambda c: mig_score(c.Z, c.A.assign(a0=1.0)), V,
     "Attribute 'a0' is constant"),
    ("metrics", "reg_dims beyond the latent dims",
     lambda c: mig_score(c.Z, c.A, reg_dims=[0, 9]), V,
     r"reg_dims must lie in \[0, 3\]"),
    ("metrics", "unknown metric in a report",
     lambda c: disentanglement_report(c.Z, c.A, metrics=["beauty"]), V,
     r"Unknown metric names \['beauty'\]"),
    ("metrics", "NaN threshold in reconstruction_accuracy",
     lambda c: reconstruction_accuracy(np.zeros((2, 3)), np.zeros((2, 3)),
                                       threshold=np.nan), V,
     BAD.format("threshold", "reconstruction_accuracy")),
    ("metrics", "reconstructions of strings",
     lambda c: reconstruction_accuracy(np.zeros((2, 3)), np.full((2, 3), "a")),
     V, "dtype='numeric' is not compatible with arrays of bytes/strings"),
    ("metrics", "reconstructions of another shape",
     lambda c: reconstruction_accuracy(np.zeros((2, 3)), np.zeros((2, 4))), V,
     "y_true and y_pred have incompatible shapes"),
    ("metrics", "NaN in the edited data of content_preservation_score",
     lambda c: content_preservation_score(
         lambda x: np.sign(x[:, 0]), np.full((3, 2), np.nan), [1, 1, 1]), V,
     "Input X_edited contains NaN"),
    ("metrics", "content labels of another length",
     lambda c: content_preservation_score(lambda x: x[:, 0], c.X[:3], [1, 2]), V,
     "The content has shape"),
    ("scorers", "unknown scorer name",
     lambda c: make_disentanglement_scorer("beauty"), V,
     BAD.format("name", "make_disentanglement_scorer")),
    ("scorers", "unfitted model",
     lambda c: disentanglement_scorer(ARVAE(), c.X, c.A), NotFittedError,
     "not fitted yet"),
    ("scorers", "no attributes (y=None)",
     lambda c: make_disentanglement_scorer("mig")(c.vae, c.X, None), V,
     "need the attributes as y"),
    ("scorers", "more attribute columns than the model regularizes",
     lambda c: make_disentanglement_scorer("mig", use_reg_dims=True)(
         c.vae, c.X, c.A.to_numpy()[:, [0, 1, 0]]), V,
     r"y has 3 attribute column\(s\) but the estimator regularizes"),
    # search
    ("ARVAESearchCV", "NaN in X", lambda c: _search(c, X=c.nan), V,
     "No trial of study .* completed; errors: .*Input X contains NaN"),
    ("ARVAESearchCV", "X and y of different lengths",
     lambda c: _search(c, y=c.A[:10]), V, "inconsistent numbers of samples"),
    ("ARVAESearchCV", "more folds than samples", lambda c: _search(c, cv=500),
     V, "Cannot have number of splits n_splits=500 greater than"),
    ("ARVAESearchCV", "an unknown parameter to search",
     lambda c: _search(c, param_distributions={"depth": _dist(1, 3)}), V,
     r"Unknown parameter\(s\) \['depth'\] in param_distributions"),
    ("ARVAESearchCV", "a list instead of a distribution",
     lambda c: _search(c, param_distributions={"gamma": [1.0, 10.0]}), T,
     r"param_distributions\['gamma'\] must be an optuna distribution"),
    ("ARVAESearchCV", "zero trials", lambda c: _search(c, n_trials=0), V,
     BAD.format("n_trials", "ARVAESearchCV")),
    ("ARVAESearchCV", "n_jobs=0", lambda c: _search(c, n_jobs=0), V,
     BAD.format("n_jobs", "ARVAESearchCV")),
    ("ARVAESearchCV", "unknown scoring name",
     lambda c: _search(c, scoring="beauty"), V, "Unknown scoring name 'beauty'"),
    ("ARVAESearchCV", "a storage of the wrong type",
     lambda c: _search(c, storage=3), V, BAD.format("storage", "ARVAESearchCV")),
    ("ARVAESearchCV", "refit naming no objective",
     lambda c: _search(c, refit="mig"), V, "refit='mig' is not an objective"),
    # loaders
    ("load_mnist", "IDX file with a wrong magic number",
     lambda c: load_mnist(_idx(c, magic=0x0D03)), V, "its magic number is"),
    ("load_mnist", "truncated IDX file", lambda c: load_mnist(_idx(c, cut=5)), V,
     "is truncated"),
    ("load_mnist", "IDX file shorter than its header",
     lambda c: load_mnist(_idx(c, images=b"\x00\x00")), V, "shorter than the"),
    ("load_mnist", "corrupt gzip file",
     lambda c: load_mnist(_idx(c, images=b"not gzip data", gz=True)), V,
     "cannot be read"),
    ("load_mnist", "images and labels of different counts",
     lambda c: load_mnist(_idx(c, n_labels=3)), V, "2 images but 3 labels"),
    ("load_mnist", "missing folder", lambda c: load_mnist(c.tmp / "nowhere"),
     FileNotFoundError, "t10k-images-idx3-ubyte"),
    ("load_dsprites", "a file that is not an npz archive",
     lambda c: load_dsprites(_write(c, "d.npz", b"garbage")), V,
     "is not a readable dSprites .npz file"),
    ("load_dsprites", "an npz archive without the dSprites arrays",
     lambda c: load_dsprites(_npz(c)), V, "is not a dSprites file"),
    ("make_attribute_data", "zero samples",
     lambda c: make_attribute_data(n_samples=0), V,
     BAD.format("n_samples", "make_attribute_data")),
    ("load_bach_chorales", "test_size of 1.5",
     lambda c: load_bach_chorales(test_size=1.5), V,
     BAD.format("test_size", "load_bach_chorales")),
    ("load_bach_chorales", "n_jobs of 0",
     lambda c: load_bach_chorales(n_jobs=0), V,
     BAD.format("n_jobs", "load_bach_chorales")),
    ("load_folk_tunes", "an unknown collection",
     lambda c: load_folk_tunes(collection="scottish"), V,
     BAD.format("collection", "load_folk_tunes")),
    ("morphometrics", "NaN in the images",
     lambda c: morphometrics(np.full((2, 28, 28), np.nan)), V,
     "images contain NaN or infinite values"),
    ("measure_sprites", "NaN in the images",
     lambda c: measure_sprites(np.full((2, 64, 64), np.nan)), V,
     "images contain NaN or infinite values"),
    ("measure_sprites", "images that are not square",
     lambda c: measure_sprites(np.zeros((2, 64, 32))), V,
     r"images must be square single-channel sprites .* got \(2, 64, 32\)"),
    ("load_music_files", "paths a single string",
     lambda c: load_music_files("tune.abc"), V,
     BAD.format("paths", "load_music_files")),
    ("load_music_files", "a negative part", lambda c: load_music_files([], part=-1),
     V, BAD.format("part", "load_music_files")),
    # music
    ("music", "an invalid token",
     lambda c: _music().measure_attributes([["Q9"] * 24]), V,
     r"Invalid tokens \['Q9'\]"),
    ("music", "a measure of the wrong length",
     lambda c: _music().measure_attributes([["C4"] * 5]), V,
     r"tokens must have shape \(n_measures, 24\)"),
    ("music", "token ids without their vocabulary",
     lambda c: _music().measure_attributes(np.zeros((2, 24), int)), V,
     "need the vocabulary that produced them"),
    ("music", "a token unknown to the vocabulary",
     lambda c: _music().Vocabulary(["C4"]).encode([["D4"] * 24]), V,
     r"Unknown tokens \['D4'\]"),
    ("music", "token ids beyond the vocabulary",
     lambda c: _music().Vocabulary(["C4"]).decode([[99]]), V,
     r"Token ids must be integers in \[0, 5\)"),
    ("music", "an invalid token to transpose",
     lambda c: _music().transpose_tokens([["Q9"] * 24], 2), V,
     "Invalid token 'Q9'"),
    ("music", "a fractional transposition",
     lambda c: _music().transpose_token("C4", 0.5), T,
     "semitones must be an integer"),
    ("music", "an invalid token to write",
     lambda c: _music().tokens_to_stream([["Q9"] * 24]), V,
     r"Invalid tokens \['Q9'\]"),
    ("music", "a MIDI file in a missing folder",
     lambda c: _music().write_midi([ROW], c.tmp / "no" / "x.mid"),
     FileNotFoundError, "The folder .* does not exist"),
    ("music", "a part that is not a music21 stream",
     lambda c: _music().tokenize_part("score.xml"), T,
     "part must be a music21 Part or Stream"),
]  # fmt: skip


def _flip(raw):
    middle = len(raw) // 3
    return raw[:middle] + bytes([raw[middle] ^ 0xFF]) + raw[middle + 1 :]


def _zip(c, name):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return _write(c, name, buffer.getvalue())


def _npz(c):
    path = c.tmp / "other.npz"
    np.savez(path, images=np.zeros(3))
    return path


def _set(key, value):
    return lambda meta: meta.update({key: value})


def _set_param(key, value):
    return lambda meta: meta["params"].update({key: value})


def _raise_site(excinfo):
    """Module of the innermost frame of the traceback: where it was raised."""
    tb = excinfo.tb
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_globals.get("__name__", "")


@pytest.mark.parametrize(
    ("entry", "what", "call", "error", "match"),
    CASES,
    ids=[f"{entry}: {what}" for entry, what, *_ in CASES],
)
def test_bad_input_raises_a_clear_error(c, entry, what, call, error, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # e.g. a constant attribute
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's overflow in casts
        with pytest.raises(error, match=match) as excinfo:
            call(c)
    site = _raise_site(excinfo)
    assert site.split(".")[0] in {"skarvae", "sklearn"}, (
        f"{entry}: {what} raised from {site}, not from skarvae's checks"
    )


def test_table_is_large_and_covers_every_entry_point():
    entries = {entry for entry, *_ in CASES}
    assert len(CASES) >= 40
    assert entries >= {
        "fit", "transform", "inverse_transform", "predict", "edit", "traverse",
        "interpolate", "score", "save", "load", "metrics", "scorers",
        "ARVAESearchCV", "load_mnist", "load_music_files", "music",
    }  # fmt: skip


def test_every_bad_input_is_listed_in_the_docs():
    sections = {}
    for section in DOCS.read_text().split("\n### ")[1:]:
        heading, _, body = section.partition("\n")
        sections[heading.lower()] = body
    missing = []
    for entry, what, *_ in CASES:
        bodies = [
            body
            for heading, body in sections.items()
            if heading == f"`{entry.lower()}`" or heading.startswith(entry.lower())
        ]
        if not any(f"\n| {what} |" in body for body in bodies):
            missing.append(f"{entry}: {what}")
    assert not missing, f"not listed in docs/errors.md: {missing}"


# ------------------------------------------------- documented results


def test_constant_attribute_warns_and_trains(c):
    A = c.A.assign(a0=2.5)
    with pytest.warns(UserWarning, match=r"\['a0'\] are constant"):
        vae = ARVAE(**FAST, random_state=0).fit(c.X, A)
    predicted = vae.predict(c.X[:5])
    np.testing.assert_allclose(predicted["a0"], 2.5)
    assert np.isfinite(predicted.to_numpy()).all()
    assert np.isfinite(vae.transform(c.X)).all()


def test_one_sample_without_validation_split_trains(c):
    vae = ARVAE(**FAST, validation_fraction=None, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vae.fit(c.X[:1], c.A[:1])
    assert not [w for w in caught if "constant" in str(w.message)]
    np.testing.assert_allclose(vae.predict(c.X[:1]), c.A[:1])
    assert np.isfinite(vae.transform(c.X[:3])).all()


def test_empty_latent_codes_decode_to_an_empty_array(c):
    assert c.vae.inverse_transform(c.Z[:0]).shape == (0, 6)


def test_empty_targets_decode_the_reconstruction(c):
    edited = c.vae.edit(c.X[:3], {})
    np.testing.assert_allclose(edited, c.vae.inverse_transform(c.Z[:3]), atol=1e-6)


def test_music_files_that_give_nothing_warn_and_return_empty(tmp_path):
    _music21()
    corrupt = tmp_path / "corrupt.musicxml"
    corrupt.write_text("<score-partwise><part id='P1'><measure")
    with pytest.warns(UserWarning, match=r"No 4/4 measure was loaded from the 2"):
        bunch = load_music_files([corrupt, tmp_path / "missing.abc"])
    assert bunch.data.shape == (0, 24)
    assert bunch.skipped["unparsable"] == 2


def test_special_and_non_pitch_tokens(c):
    music = _music()
    assert music.token_to_midi("Q9") is None  # documented: None for non-pitches
    assert music.transpose_token("rest", 3) == "rest"
    assert music.transpose_tokens([ROW], 2)[0, 0] == "D4"


@pytest.mark.filterwarnings("ignore:Attribute column:UserWarning")
def test_a_search_with_no_usable_attribute_fails_with_the_reason(c):
    with pytest.raises(ValueError, match=r"No trial .* completed.*'a0' is constant"):
        _search(c, y=c.A.assign(a0=1.0), scoring="mig")
