"""benchmarks/bench_sprites_measure.py: its scores on hand-made cases."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pandas as pd
import pytest

bench = pytest.importorskip("benchmarks.bench_sprites_measure")


def test_accuracy_counts_symmetric_turns_as_exact():
    true = pd.DataFrame(
        {
            "shape": [1, 2, 3, 3],
            "scale": [0.5, 0.6, 0.7, 0.8],
            "orientation": [0.1, 0.2, 0.3, 0.4],
            "pos_x": [0.2, 0.4, 0.6, 0.8],
            "pos_y": [0.1, 0.3, 0.5, 0.7],
        }
    )
    found = true.copy()
    found.loc[0, "orientation"] += np.pi / 2  # a square's quarter turn: the same
    found.loc[1, "orientation"] += np.pi / 2  # an ellipse's: 90 degrees off
    found.loc[3, "scale"] = 0.9
    found.loc[3, "pos_x"] += 0.02
    table = bench.accuracy(found, true).set_index("shape")
    assert table["n"].tolist() == [1, 1, 2]
    assert table["shape_exact"].tolist() == [1.0, 1.0, 1.0]
    assert table["orientation_exact"].tolist() == [1.0, 0.0, 1.0]
    np.testing.assert_allclose(table.loc["ellipse", "orientation_err_deg"], 90.0)
    assert table.loc["heart", "scale_exact"] == 0.5
    np.testing.assert_allclose(table.loc["heart", "pos_max"], 0.02)
    np.testing.assert_allclose(table.loc["heart", "pos_mae"], 0.005)
