"""Sphinx configuration of the skarvae documentation."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import os
import sys

# Document the checkout this file is in, not another installed copy.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
os.environ.setdefault("MPLBACKEND", "Agg")

import skarvae

project = "skarvae"
author = "The skarvae developers"
copyright = "The skarvae developers"
release = skarvae.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
templates_path = ["_templates"]

# Markdown: "#" headings get anchors so pages can link to sections.
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath"]

# API reference: one generated page per public object.
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True}
autodoc_typehints = "none"

# numpydoc renders the docstrings; it does not list every method in a table
# (the generated class pages document the methods themselves).
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

html_theme = "alabaster"
html_title = f"skarvae {release}"
html_static_path = []


# Pages written on other branches: the index lists them, and a checkout
# without one of them still builds (its lines are dropped from the index).
OPTIONAL_PAGES = ["results"]


def _drop_missing_pages(app, docname, source):
    if docname != "index":
        return
    for page in OPTIONAL_PAGES:
        if not os.path.exists(os.path.join(app.srcdir, f"{page}.md")):
            lines = source[0].splitlines(keepends=True)
            source[0] = "".join(
                line
                for line in lines
                if line.strip() != page and f"]({page}.md)" not in line
            )


def setup(app):
    app.connect("source-read", _drop_missing_pages)
