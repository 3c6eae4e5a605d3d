"""Serve a saved model's attribute editor: ``python -m skarvae.app MODEL_FILE``."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import sys

from skarvae.app._cli import main

if __name__ == "__main__":
    sys.exit(main())
