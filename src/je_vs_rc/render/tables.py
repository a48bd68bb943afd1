"""Markdown tables for the chapters."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def markdown_table(rows: Sequence[dict[str, object]], columns: dict[str, str]) -> str:
    """A Markdown table of ``rows`` with the given ``{key: header}`` columns (floats in 3 digits,
    scientific notation outside [0.01, 1000))."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            if np.isnan(value):
                return "–"
            return f"{value:.3g}" if value == 0 or 0.01 <= abs(value) < 1000 else f"{value:.1e}"
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)

    lines = ["| " + " | ".join(columns.values()) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row[key]) for key in columns) + " |" for row in rows]
    return "\n".join(lines)
