"""Validation of attribute columns, per-attribute parameters and functions."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch


def attribute_names(y):
    """Column names of the attributes: DataFrame columns, Series name or attrN.

    Names are the ``str()`` of the columns, so they must stay distinct after
    that conversion (columns ``["a", "a"]`` or ``[0, "0"]`` are refused).
    """
    if isinstance(y, pd.DataFrame):
        names = [str(c) for c in y.columns]
        seen = {}
        for column, name in zip(y.columns, names):
            if name in seen:
                raise ValueError(
                    f"Attribute columns {seen[name]!r} and {column!r} both have "
                    f"the name {name!r} (names are compared as str); rename one "
                    "of them."
                )
            seen[name] = column
        return names
    if isinstance(y, pd.Series):
        return [str(y.name) if y.name is not None else "attr0"]
    y = np.asarray(y)
    return ["attr0"] if y.ndim == 1 else [f"attr{j}" for j in range(y.shape[-1])]


def check_attributes(y, names):
    """Attributes as a finite float array of shape (n, k); errors name the column."""
    A = np.asarray(y)
    if A.dtype.kind == "c":
        raise ValueError("Complex data not supported as attributes.")
    try:
        A = A.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Attributes must be numeric: {exc}") from exc
    if A.ndim == 1:
        A = A[:, None]
    if A.ndim != 2:
        raise ValueError(
            f"Attributes must have shape (n_samples,) or (n_samples, n_attributes); "
            f"got an array of shape {A.shape}."
        )
    bad = ~np.isfinite(A).all(axis=0)
    if bad.any():
        columns = ", ".join(repr(n) for n, b in zip(names, bad) if b)
        raise ValueError(
            f"Attribute column(s) {columns} contain NaN or infinite values."
        )
    return A


def _by_attribute(value, param, names):
    """Spread a dict keyed by attribute name or a sequence to a list."""
    if isinstance(value, dict):
        value = _by_name(value, param)
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise ValueError(
                f"{param} names unknown attribute(s) {unknown}; the attributes "
                f"are {names}."
            )
        missing = [n for n in names if n not in value]
        if missing:
            raise ValueError(f"{param} has no entry for attribute(s) {missing}.")
        return [value[n] for n in names]
    values = list(np.ravel(np.asarray(value, dtype=object)))
    if len(values) != len(names):
        raise ValueError(
            f"{param} has {len(values)} entries but there are {len(names)} "
            f"attribute(s) {names}."
        )
    return values


def _by_name(value, param):
    """A dict keyed by attribute name: keys compared as str, like the names."""
    by_name, keys = {}, {}
    for key, v in value.items():
        name = str(key)
        if name in keys:
            raise ValueError(
                f"{param} has the keys {keys[name]!r} and {key!r}, which both "
                f"name attribute {name!r}."
            )
        keys[name] = key
        by_name[name] = v
    return by_name


_BOUNDS = {
    "non-negative": lambda v: v >= 0,
    "positive": lambda v: v > 0,
    None: lambda v: True,
}


def per_attribute(value, param, names, *, bound="non-negative"):
    """One finite float per attribute, within ``bound`` (or of any sign)."""
    values = [value] * len(names) if isinstance(value, Real) else value
    values = _by_attribute(values, param, names)
    for name, v in zip(names, values):
        if not (isinstance(v, Real) and np.isfinite(v) and _BOUNDS[bound](v)):
            need = f"{bound} finite number" if bound else "finite number"
            raise ValueError(
                f"{param} for attribute {name!r} must be a {need}; got {v!r}."
            )
    return [float(v) for v in values]


def resolve_reg_dims(reg_dims, names, latent_dim):
    """Latent index of each attribute, validated against latent_dim."""
    if len(names) > latent_dim:
        raise ValueError(
            f"latent_dim={latent_dim} is smaller than the number of attributes "
            f"({len(names)}); each attribute needs its own latent dimension."
        )
    dims = list(range(len(names))) if reg_dims is None else None
    if dims is None:
        dims = _by_attribute(reg_dims, "reg_dims", names)
    for name, d in zip(names, dims):
        if not isinstance(d, Integral) or not 0 <= d < latent_dim:
            raise ValueError(
                f"reg_dims for attribute {name!r} must be an integer in "
                f"[0, {latent_dim - 1}] (latent_dim={latent_dim}); got {d!r}."
            )
    if len(set(dims)) != len(dims):
        raise ValueError(f"reg_dims must be distinct; got {dims}.")
    return dict(zip(names, (int(d) for d in dims)))


def check_attribute_function(decode, z, fn, name):
    """Run an attribute function on decoded codes ``z``; clear errors if it fails.

    Returns the phrase naming the function, for further messages, and the
    values.
    """
    where = f"The attribute function for {name!r} ({fn!r})"
    try:
        value = fn(decode(z))
    except Exception as exc:
        raise ValueError(f"{where} failed on the decoder output: {exc}") from exc
    if not isinstance(value, torch.Tensor) or value.shape != (len(z),):
        shape = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value)
        raise ValueError(
            f"{where} must return a tensor with one value per sample, shape "
            f"({len(z)},); got {shape}."
        )
    if not value.is_floating_point():
        raise ValueError(f"{where} must return floating-point values.")
    if not torch.isfinite(value).all():
        raise ValueError(f"{where} returned NaN or infinite values.")
    return where, value


def attribute_functions(fns, names, *, optional=False):
    """One attribute function per attribute, from a callable, a list or a dict.

    With ``optional``, a dict may leave attributes out (they get None) and a
    list may hold None; otherwise every attribute needs a callable.
    """
    if optional and isinstance(fns, dict):
        fns = {**dict.fromkeys(names), **_by_name(fns, "attribute_fns")}
    fns = _by_attribute([fns] if callable(fns) else fns, "attribute_fns", names)
    for name, fn in zip(names, fns):
        if not (callable(fn) or (optional and fn is None)):
            raise ValueError(
                f"attribute_fns for attribute {name!r} must be callable; got {fn!r}."
            )
    return fns


@contextmanager
def decoder_probe(net, X):
    """The module in eval mode and the posterior means of two samples of X.

    For checking attribute functions on real decoder outputs before
    training; the module's mode is restored afterwards.
    """
    module = net.module_
    training = module.training
    module.eval()
    try:
        with torch.no_grad():
            z = module.encode(torch.as_tensor(X[:2]).to(net.device))[0]
        yield module, z
    finally:
        module.train(training)
