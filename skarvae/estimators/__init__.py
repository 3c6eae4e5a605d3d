"""Public scikit-learn estimators."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause
