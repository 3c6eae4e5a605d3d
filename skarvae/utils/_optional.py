"""Import optional dependencies with an error that names the extra to install."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import importlib

_EXTRAS = {
    "music21": "music",
    "optuna": "search",
    "matplotlib": "plot",
    "gradio": "app",
}


def import_optional(name):
    """Import and return module ``name``, or raise an ImportError naming the extra.

    Parameters
    ----------
    name : str
        Module to import, e.g. ``"music21"`` or ``"matplotlib.pyplot"``.

    Returns
    -------
    module : module
        The imported module.

    Examples
    --------
    >>> from skarvae.utils._optional import import_optional
    >>> import_optional("json").__name__
    'json'
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        top = name.split(".")[0]
        extra = _EXTRAS.get(top)
        hint = f'pip install "skarvae[{extra}]"' if extra else f"pip install {top}"
        raise ImportError(
            f"{name!r} is required for this feature but is not installed; "
            f"install it with: {hint}"
        ) from exc
