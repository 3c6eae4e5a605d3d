"""Every ``python`` code block of the documentation runs.

The blocks of a page run in order in one namespace, as a reader would run
them. Pages whose examples need a corpus or data files are listed with the
reason they are skipped.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["README.md", "docs/estimators.md"]


def _blocks(page):
    return re.findall(r"```python\n(.*?)```", (ROOT / page).read_text(), re.S)


@pytest.mark.parametrize("page", PAGES)
def test_code_blocks_run(page, tmp_path, monkeypatch):
    blocks = _blocks(page)
    assert blocks, f"{page} has no python code block"
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__docs__"}
    for block in blocks:
        exec(compile(block, page, "exec"), namespace)
