"""Checks of the estimators' inputs: the device and the columns of X."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import pandas as pd
import torch


def _resolve_device(device):
    """The torch device string for ``device``; a clear error if it is unusable."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device={device!r} is not a valid torch device; use 'cpu', 'cuda', "
            "'cuda:N' or 'auto'."
        ) from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this "
            "machine; use device='cpu' or device='auto'."
        )
    return str(resolved)


def _check_numeric_columns(X):
    """Reject DataFrame columns that are not numbers, naming them."""
    if isinstance(X, pd.DataFrame):
        bad = [
            str(c)
            for c, dtype in X.dtypes.items()
            if not pd.api.types.is_numeric_dtype(dtype)
        ]
        if bad:
            raise ValueError(
                f"X has non-numeric column(s) {bad}; encode them as numbers "
                "first (e.g. with OneHotEncoder or OrdinalEncoder)."
            )
