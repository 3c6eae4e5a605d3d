"""Read MNIST digits from the original IDX files."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import gzip
import math
import os

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils._param_validation import StrOptions, validate_params

_DESCR = """MNIST handwritten digits (LeCun et al. 1998), read from IDX files.

``images`` are uint8 grey levels 0-255 of shape (n, 28, 28) and
``target`` the digit labels 0-9.
"""


def _find(directory, stem):
    for name in (stem, stem + ".gz"):
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate):
            return candidate
    raise FileNotFoundError(
        f"Neither {stem!r} nor {stem + '.gz'!r} was found in {directory!r}."
    )


def _read_idx(file, ndim):
    """Read an unsigned-byte IDX file holding an array of ``ndim`` dimensions."""
    opener = gzip.open if file.endswith(".gz") else open
    try:
        with opener(file, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError) as exc:
        raise ValueError(f"{file!r} cannot be read ({exc}).") from exc
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(
            f"{file!r} is truncated: {len(raw)} bytes, shorter than the "
            f"{header}-byte IDX header."
        )
    magic = raw[:4]
    if magic[:2] != b"\x00\x00" or magic[2] != 0x08 or magic[3] != ndim:
        raise ValueError(
            f"{file!r} is not an unsigned-byte IDX file of {ndim} dimensions: "
            f"its magic number is 0x{magic.hex()}, expected 0x000008{ndim:02x}."
        )
    shape = tuple(int(s) for s in np.frombuffer(raw[4:header], dtype=">u4"))
    n_bytes = math.prod(shape)
    if len(raw) - header != n_bytes:
        state = "truncated" if len(raw) - header < n_bytes else "too long"
        raise ValueError(
            f"{file!r} is {state}: its header announces shape {shape}, that "
            f"is {n_bytes} bytes of data, but it holds {len(raw) - header}."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape).copy()


@validate_params(
    {
        "path": [str, os.PathLike],
        "kind": [StrOptions({"train", "t10k"})],
        "return_X_y": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_mnist(path, *, kind="t10k", return_X_y=False):
    """Load MNIST images and labels from the original IDX files.

    Reads ``{kind}-images-idx3-ubyte`` and ``{kind}-labels-idx1-ubyte`` from
    ``path``, gzip-compressed (``.gz``) or raw. Nothing is downloaded. The
    magic numbers, the announced sizes and the number of labels are checked.

    Parameters
    ----------
    path : str or path-like
        Directory holding the IDX files.
    kind : {'t10k', 'train'}, default='t10k'
        Which split to read: the 10,000 test or 60,000 training digits.
    return_X_y : bool, default=False
        If True, return ``(images, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        images : ndarray of shape (n_samples, 28, 28)
            uint8 grey levels 0-255. Divide by 255 for the conv modules.
        target : ndarray of shape (n_samples,)
            uint8 digit labels 0-9.
        DESCR : str
            Description of the data.

    (images, target) : tuple
        Returned when ``return_X_y`` is True.

    Raises
    ------
    FileNotFoundError
        If a file is missing.
    ValueError
        If a file is not an unsigned-byte IDX file, is truncated or too long,
        or if the images and labels disagree in number.

    See Also
    --------
    morphometrics : Measure area, length, thickness, slant, width and height.

    References
    ----------
    .. [1] Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, "Gradient-based
       learning applied to document recognition", Proc. IEEE, 1998.

    Examples
    --------
    >>> import gzip, os, struct, tempfile
    >>> from skarvae.datasets import load_mnist
    >>> folder = tempfile.mkdtemp()
    >>> with gzip.open(os.path.join(folder, "t10k-images-idx3-ubyte.gz"), "wb") as f:
    ...     _ = f.write(struct.pack(">4I", 2051, 2, 28, 28) + bytes(2 * 784))
    >>> with open(os.path.join(folder, "t10k-labels-idx1-ubyte"), "wb") as f:
    ...     _ = f.write(struct.pack(">2I", 2049, 2) + bytes([3, 7]))
    >>> digits = load_mnist(folder)
    >>> digits.images.shape, digits.target.tolist()
    ((2, 28, 28), [3, 7])
    """
    directory = os.fspath(path)
    images = _read_idx(_find(directory, f"{kind}-images-idx3-ubyte"), 3)
    target = _read_idx(_find(directory, f"{kind}-labels-idx1-ubyte"), 1)
    if len(images) != len(target):
        raise ValueError(
            f"The {kind} images and labels disagree: {len(images)} images "
            f"but {len(target)} labels."
        )
    if return_X_y:
        return images, target
    return Bunch(images=images, target=target, DESCR=_DESCR)
