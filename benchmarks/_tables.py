"""Markdown tables for benchmark output, without optional dependencies."""

# Authors: The skarvae developers
# SPDX-License-Identifier: BSD-3-Clause


def markdown_table(table, index=False):
    """Render a DataFrame as a GitHub markdown table (pandas needs tabulate)."""
    if index:
        table = table.reset_index()
    lines = ["| " + " | ".join(map(str, table.columns)) + " |"]
    lines.append("|" + "---|" * len(table.columns))
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in table.to_numpy()]
    return "\n".join(lines)
