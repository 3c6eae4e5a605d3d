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
exclude_patterns = ["_build", "results", "Thumbs.db", ".DS_Store"]
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
