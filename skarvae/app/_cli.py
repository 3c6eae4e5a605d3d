"""``python -m skarvae.app MODEL_FILE``: serve a saved model's attribute editor."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import json
import sys
from pathlib import Path

import numpy as np

DEFAULT_PORT = 7860


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m skarvae.app",
        description="Serve the attribute editor of a saved .skarvae model on "
        "this machine (http://127.0.0.1:7860 by default). The page loads "
        "nothing from the internet and has no public link.",
    )
    parser.add_argument("model", help="model file written by ARVAE.save")
    parser.add_argument(
        "--data",
        help="start points: .npy, .npz (array 'X', 'data' or the first one) or "
        ".csv (read with a header row); without it, starts are prior draws",
    )
    parser.add_argument(
        "--vocabulary",
        help="token models: JSON file of Vocabulary.to_dict(), e.g. written with "
        "json.dump(bunch.vocabulary.to_dict(), f)",
    )
    parser.add_argument(
        "--measure",
        choices=["auto", "none", "morphometrics"],
        default="auto",
        help="measured attributes: 'auto' measures token measures with "
        "skarvae.music.measure_attributes; 'morphometrics' measures digit "
        "images with skarvae.datasets.morphometrics",
    )
    parser.add_argument(
        "--kind", choices=["auto", "image", "measures", "tabular"], default="auto"
    )
    parser.add_argument(
        "--image-shape",
        type=int,
        nargs="+",
        metavar="N",
        help="draw flat samples as images of this shape, e.g. 28 28",
    )
    parser.add_argument("--n-steps", type=int, default=7, help="traversal steps")
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--check",
        action="store_true",
        help="build the page and exit without serving (checks the inputs)",
    )
    return parser


def read_data(path):
    """Start points from a ``.npy``, ``.npz`` or ``.csv`` file.

    Parameters
    ----------
    path : str or path-like
        The file.

    Returns
    -------
    X : ndarray or DataFrame
        The data; a DataFrame for CSV files.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return np.load(path, allow_pickle=False)
    if suffix == ".npz":
        with np.load(path, allow_pickle=False) as archive:
            for key in ("X", "data"):
                if key in archive.files:
                    return archive[key]
            if not archive.files:
                raise ValueError(f"{str(path)!r} holds no arrays.")
            return archive[archive.files[0]]
    if suffix == ".csv":
        import pandas as pd

        return pd.read_csv(path)
    raise ValueError(
        f"--data {str(path)!r}: unknown file type {suffix!r}; use .npy, .npz or .csv."
    )


def read_vocabulary(path):
    """A :class:`~skarvae.music.Vocabulary` from the JSON of its ``to_dict``."""
    from skarvae.music import Vocabulary

    try:
        state = json.loads(Path(path).read_text())
        return Vocabulary.from_dict(state)
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(
            f"--vocabulary {str(path)!r} is not the JSON of Vocabulary.to_dict() "
            f"({type(exc).__name__}: {exc})."
        ) from None


def _measure(choice):
    if choice == "morphometrics":
        from skarvae.datasets import morphometrics

        def measure(images):
            return morphometrics(images, verbose=False)

        return measure
    return None if choice == "none" else "auto"


def build(args):
    """Load the model and inputs named by parsed ``args`` and build the page."""
    import skarvae
    from skarvae.app import attribute_editor

    model = skarvae.load(args.model)
    X = read_data(args.data) if args.data else None
    vocabulary = read_vocabulary(args.vocabulary) if args.vocabulary else None
    return attribute_editor(
        model,
        X,
        measure=_measure(args.measure),
        vocabulary=vocabulary,
        kind=args.kind,
        image_shape=args.image_shape,
        n_steps=args.n_steps,
        title=f"skarvae attribute editor: {Path(args.model).name}",
    )


def main(argv=None):
    """Parse the command line, check every input, then serve the page.

    Returns
    -------
    status : int
        0 on success; bad input exits with status 2 and a message before
        any server starts.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        app = build(args)
    except (OSError, ValueError, TypeError, ImportError) as exc:
        parser.exit(2, f"{parser.prog}: error: {exc}\n")
    if args.check:
        print(f"{args.model}: the editor page builds ({app.skarvae_editor.kind} data).")
        return 0
    from skarvae.app import editor_theme

    app.launch(
        server_name=args.host,
        server_port=args.port,
        share=False,
        theme=editor_theme(),
        show_error=True,
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
