"""Saving and loading fitted estimators in a format whose loading runs no code."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import hashlib
import io
import json
import os
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted
from skorch.history import History

from skarvae.estimators._checks import _resolve_device
from skarvae.losses import ATTRIBUTE_FUNCTIONS
from skarvae.modules import MODULES, get_module_class

FORMAT = "skarvae-model"
FORMAT_VERSION = 1
_METADATA, _WEIGHTS = "metadata.json", "weights.pt"


def _to_json(value):
    """JSON-ready copy of a parameter or fitted attribute; tuples are tagged."""
    if isinstance(value, tuple):
        return {"__tuple__": [_to_json(v) for v in value]}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return _to_json(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, torch.device):
        return str(value)
    if type(value) in ATTRIBUTE_FUNCTIONS.values():
        return {
            "__attribute_fn__": type(value).__name__,
            "params": _to_json(value.get_params()),
        }
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(type(value).__name__)


def _from_json(value):
    if isinstance(value, dict):
        if set(value) == {"__tuple__"}:
            return tuple(_from_json(v) for v in value["__tuple__"])
        if set(value) == {"__attribute_fn__", "params"}:
            cls = ATTRIBUTE_FUNCTIONS[value["__attribute_fn__"]]
            return cls(**_from_json(value["params"]))
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


def _params_to_json(estimator):
    params = estimator.get_params(deep=False)
    if params.get("module") is not None and not isinstance(params["module"], str):
        names = [name for name, cls in MODULES.items() if cls is params["module"]]
        if not names:
            raise ValueError(
                f"Cannot save a model with the custom module {params['module']!r}: "
                "loading it would need to import code. Register it in "
                "skarvae.modules.MODULES, or use pickle/joblib for trusted files."
            )
        params["module"] = names[0]
    if params.get("callbacks"):
        raise ValueError(
            "Cannot save a model with callbacks (they are arbitrary objects); set "
            "callbacks=None before saving, or use pickle/joblib for trusted files."
        )
    if not (params["random_state"] is None or isinstance(params["random_state"], int)):
        warnings.warn(
            "random_state is a RandomState instance, which is saved as None.",
            UserWarning,
            stacklevel=3,
        )
        params["random_state"] = None
    try:
        return {k: _to_json(v) for k, v in params.items()}
    except TypeError as exc:
        raise ValueError(
            f"Cannot save a parameter of type {exc} (only built-in attribute "
            "functions and plain values can be saved without code); use "
            "pickle/joblib for trusted files instead."
        ) from None


def _check_path(path):
    """``path`` as a Path, or a TypeError for anything that is not a path."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"path must be a str or path-like object; got {type(path).__name__}."
        )
    return Path(path)


def save_estimator(estimator, path):
    """Write a fitted estimator to ``path`` (see the estimators' ``save``)."""
    check_is_fitted(estimator)
    path = _check_path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{str(path)!r} is a folder; give a file path.")
    if not path.parent.is_dir():
        raise FileNotFoundError(
            f"The folder {str(path.parent)!r} of {str(path)!r} does not exist."
        )
    buffer = io.BytesIO()
    torch.save(estimator.net_.module_.state_dict(), buffer)
    weights = buffer.getvalue()
    fitted = {
        name: _to_json(getattr(estimator, name)) for name in estimator._json_attributes
    }
    if hasattr(estimator, "feature_names_in_"):
        fitted["feature_names_in_"] = _to_json(estimator.feature_names_in_)
    from skarvae import __version__

    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "skarvae_version": __version__,
        "class": type(estimator).__name__,
        "params": _params_to_json(estimator),
        "fitted": fitted,
        "device": str(estimator.net_.device),
        "history": [
            {k: v for k, v in row.items() if k != "batches"}
            for row in estimator.net_.history
        ],
        "weights_sha256": hashlib.sha256(weights).hexdigest(),
    }
    # Write next to the target and rename, so a failure never leaves a
    # half-written file in place of an existing one.
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f, zipfile.ZipFile(f, "w") as archive:
            archive.writestr(_METADATA, json.dumps(metadata))
            archive.writestr(_WEIGHTS, weights)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates files private (0600)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _read(path):
    try:
        with zipfile.ZipFile(path) as archive:
            metadata = json.loads(archive.read(_METADATA))
            weights = archive.read(_WEIGHTS)
    except (zipfile.BadZipFile, KeyError, EOFError, ValueError) as exc:
        raise ValueError(
            f"{str(path)!r} is not a readable skarvae model file: it is corrupt, "
            f"truncated or of another format ({type(exc).__name__}: {exc})."
        ) from exc
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise ValueError(f"{str(path)!r} is not a skarvae model file.")
    if metadata.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{str(path)!r} uses model format version "
            f"{metadata.get('format_version')!r} (written by skarvae "
            f"{metadata.get('skarvae_version')}); this skarvae reads version "
            f"{FORMAT_VERSION}."
        )
    if hashlib.sha256(weights).hexdigest() != metadata.get("weights_sha256"):
        raise ValueError(f"The weights in {str(path)!r} are corrupt (checksum).")
    return metadata, weights


def load(path):
    """Load an estimator written by its ``save`` method.

    Loading runs no code from the file: parameters and fitted attributes are
    JSON and the weights are read with ``torch.load(weights_only=True)``.
    A model saved on CUDA loads on the CPU when CUDA is not available.

    Parameters
    ----------
    path : str or path-like
        File written by ``save``.

    Returns
    -------
    estimator : ARVAE, BetaVAE or GLSRVAE
        The fitted estimator.

    Examples
    --------
    >>> import os, tempfile
    >>> import skarvae
    >>> from skarvae.datasets import make_attribute_data
    >>> data = make_attribute_data(n_samples=50, random_state=0)
    >>> vae = skarvae.ARVAE(max_epochs=1, random_state=0)
    >>> vae = vae.fit(data.data, data.attributes)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.skarvae")
    >>> loaded = skarvae.load(vae.save(path) and path)
    >>> bool((loaded.transform(data.data) == vae.transform(data.data)).all())
    True
    """
    from skarvae.estimators import ARVAE, GLSRVAE, BetaVAE

    classes = {cls.__name__: cls for cls in (ARVAE, BetaVAE, GLSRVAE)}
    path = _check_path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No model file at {str(path)!r}.")
    metadata, weights = _read(path)
    try:
        cls = classes[metadata["class"]]
        estimator = cls(**_from_json(metadata["params"]))
        fitted = _from_json(metadata["fitted"])
        missing = sorted(set(cls._json_attributes) - set(fitted))
        if missing:
            raise KeyError(f"fitted attributes {missing}")
        for name, value in fitted.items():
            setattr(estimator, name, value)
        if hasattr(estimator, "feature_names_in_"):
            estimator.feature_names_in_ = np.asarray(
                estimator.feature_names_in_, dtype=object
            )
        estimator._validate_params()
        history = History([{**row, "batches": []} for row in metadata["history"]])
        device = str(metadata["device"])
        if device.startswith("cuda") and not torch.cuda.is_available():
            warnings.warn(
                f"The model was saved on {device!r}; CUDA is not available, so "
                "it is loaded on the CPU.",
                UserWarning,
                stacklevel=2,
            )
            device = "cpu"
        device = _resolve_device(device)
        estimator._module_class = get_module_class(estimator.module)
        net = estimator._build_net(device, seed=0)
        net.initialize()
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ValueError(
            f"{str(path)!r} has incomplete or invalid metadata ({exc!r})."
        ) from exc
    try:
        state = torch.load(io.BytesIO(weights), weights_only=True, map_location=device)
    except Exception as exc:
        raise ValueError(
            f"The weights in {str(path)!r} cannot be read as a torch state dict "
            f"({type(exc).__name__})."
        ) from exc
    try:
        net.module_.load_state_dict(state)
    except (RuntimeError, TypeError, AttributeError) as exc:
        raise ValueError(
            f"The weights in {str(path)!r} do not match the model's architecture."
        ) from exc
    net.history = history
    estimator.net_ = net
    return estimator
