"""Every ``python`` code block of the documentation runs, and says what it prints.

The blocks of a page run in order in one namespace, as a reader would run
them, in a temporary folder. Every page of ``docs/`` is collected, so a new
page is tested without being listed here. Code that is not meant to run
(shell commands, program output, formulas) is fenced with another language
(``bash``, ``text``); a fence without a language is an error.

A page states what a line prints in a trailing ``# -> output`` comment::

    print(Z.shape)  # -> (500, 4)

and the test compares it with what the line really prints (whitespace runs
count as one space, so long output may be written on one line). Any other
trailing comment on a ``print`` line is an error: a stated output must be
checked, and prose goes on a line of its own.
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import importlib.util
import io
import re
import tokenize
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


# print(...) with a trailing comment; group 3 is the comment's text
PRINT = re.compile(r"^(\s*)print\((.*)\)\s+#\s?(.*)$")


def _checked(block, page):
    """The block with each ``print(...)  # -> output`` line checking its output."""
    lines = []
    for line in block.splitlines():
        match = PRINT.match(line)
        if match and match[3].startswith("->"):
            indent, args, expected = match[1], match[2], match[3][2:].strip()
            line = f"{indent}__expect__({expected!r}, {line.strip()!r}, {args})"
        lines.append(line)
    return "\n".join(lines)


def _expect(expected, line, *args, **kwargs):
    out = io.StringIO()
    print(*args, **kwargs, file=out)
    got = out.getvalue()
    print(got, end="")
    assert got.split() == expected.split(), (
        f"`{line}` printed {got.strip()!r}, but the page says {expected!r}"
    )


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


# a comment that reads like program output: a number, a string, a tuple,
# list or dict, True, False or None
LOOKS_LIKE_OUTPUT = re.compile(r"^(-?[\d.]|['\"(\[{]|(True|False|None)\b)")


def _trailing_comments(block):
    """``(line, text)`` of each comment that follows code on its line."""
    lines = block.splitlines()
    for token in tokenize.generate_tokens(io.StringIO(block).readline):
        row, col = token.start
        if token.type == tokenize.COMMENT and lines[row - 1][:col].strip():
            yield lines[row - 1], token.string[1:].strip()


def _unchecked_outputs(page):
    unchecked = []
    for block in _blocks(page):
        for line, text in _trailing_comments(block):
            checked_form = PRINT.match(line) is not None
            stated = text.startswith("->") or LOOKS_LIKE_OUTPUT.match(text)
            if (checked_form and not text.startswith("->")) or (
                stated and not checked_form
            ):
                unchecked.append(line.strip())
    return unchecked


@pytest.mark.parametrize("page", PAGES)
def test_stated_outputs_use_the_checked_form(page):
    unchecked = _unchecked_outputs(page)
    assert not unchecked, (
        f"{page}: state what a line prints as `print(...)  # -> output` on one "
        f"line (compared when the page runs), and put prose on a line of its "
        f"own: {unchecked}"
    )


def test_unchecked_output_claims_are_found(tmp_path, monkeypatch):
    page = tmp_path / "page.md"
    page.write_text(
        "```python\n"
        "print(x)  # -> 1\n"  # fine: checked
        "y = 2  # the second value\n"  # fine: prose on a statement
        "print(x)  # one\n"  # prose on a print line
        "z = f(x)  # (8, 7)\n"  # an output that is never compared
        "w = g(x)  # -> 3\n"  # the same
        "```\n"
    )
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert _unchecked_outputs("page.md") == [
        "print(x)  # one",
        "z = f(x)  # (8, 7)",
        "w = g(x)  # -> 3",
    ]


def test_stated_outputs_are_compared():
    namespace = {"__expect__": _expect}
    exec(_checked("print(1 + 1)  # -> 2\nprint([1,  2])  # -> [1, 2]", "x"), namespace)
    with pytest.raises(AssertionError, match="printed '3', but the page says '4'"):
        exec(_checked("print(3)  # -> 4", "x"), namespace)


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
    namespace = {"__name__": "__docs__", "__expect__": _expect}
    for block in blocks:
        exec(compile(_checked(block, page), page, "exec"), namespace)
