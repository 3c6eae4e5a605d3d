"""Every ``python`` code block of the documentation runs.

The blocks of a page run in order in one namespace, as a reader would run
them, in a temporary folder. Every page of ``docs/`` is collected, so a new
page is tested without being listed here. Code that is not meant to run
(shell commands, program output, formulas) is fenced with another language
(``bash``, ``text``); a fence without a language is an error.
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))
PAGES = ["README.md", *DOCS]
MNIST = ROOT.parent / "shared" / "data" / "mnist"

# Optional dependencies: a page whose code mentions one of the keys needs
# the module named by the value (skipped when it is not installed).
NEEDS = {
    "optuna": "optuna",
    "skarvae.model_selection": "optuna",
    "music21": "music21",
    "skarvae.music": "music21",
    "load_bach_chorales": "music21",
    "load_folk_tunes": "music21",
    "load_music_files": "music21",
    "skarvae.plotting": "matplotlib",
    "skarvae.app": "gradio",
}

# Pages whose blocks are known not to run yet, with the reason; only for
# pages that are not ours to fix.
BROKEN = {}

FENCE = re.compile(r"^```(\S*)", re.M)


def _blocks(page):
    return re.findall(r"^```python\n(.*?)^```", (ROOT / page).read_text(), re.S | re.M)


def _fences(page):
    # opening fences are the odd ones: 1st, 3rd, ...
    return FENCE.findall((ROOT / page).read_text())[::2]


@pytest.mark.parametrize("page", PAGES)
def test_fences_have_a_language(page):
    unlabeled = [i for i, lang in enumerate(_fences(page)) if not lang]
    assert not unlabeled, (
        f"{page}: code fences {unlabeled} (0-based) have no language; use "
        "python (runs in this test), bash or text"
    )


@pytest.mark.parametrize(
    "page",
    [
        pytest.param(p, marks=pytest.mark.skip(reason=BROKEN[p])) if p in BROKEN else p
        for p in PAGES
        if _blocks(p)
    ],
)
def test_code_blocks_run(page, tmp_path, monkeypatch):
    blocks = _blocks(page)
    code = "\n".join(blocks)
    for key, module in NEEDS.items():
        if key in code and importlib.util.find_spec(module) is None:
            pytest.skip(f"{page} needs {module}")
    if "shared/data/mnist" in code and not MNIST.is_dir():
        pytest.skip(f"{page} needs the MNIST files in {MNIST}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # music corpora are parsed into a fresh cache: the pages must use small
    # max_pieces= subsets to stay fast
    monkeypatch.setenv("SKARVAE_DATA", str(tmp_path / "skarvae_data"))
    namespace = {"__name__": "__docs__"}
    for block in blocks:
        exec(compile(block, page, "exec"), namespace)
