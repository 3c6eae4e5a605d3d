"""An interactive attribute editor: a local web page with one slider per attribute.

Needs the ``app`` extra (Gradio): ``pip install "skarvae[app]"``.
"""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skarvae.app._blocks import attribute_editor, editor_theme
from skarvae.app._editor import Editor

__all__ = ["Editor", "attribute_editor", "editor_theme"]
