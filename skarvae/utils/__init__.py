"""Utilities shared across skarvae."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause
