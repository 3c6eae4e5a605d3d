"""Pure torch loss functions."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause
