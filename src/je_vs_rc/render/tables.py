"""Markdown tables for the chapters."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def cell(value: object) -> str:
    """A value as a table shows it: floats in 3 significant digits (scientific notation outside
    [0.01, 1000)), booleans as yes/no, sequences element by element."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return "–"
        return f"{value:.3g}" if value == 0 or 0.01 <= abs(value) < 1000 else f"{value:.1e}"
    if isinstance(value, list | tuple | np.ndarray):
        return ", ".join(cell(v) for v in value)
    return str(value)


def markdown_table(rows: Sequence[dict[str, object]], columns: dict[str, str]) -> str:
    """A Markdown table of ``rows`` with the given ``{key: header}`` columns (cells by :func:`cell`)."""
    lines = ["| " + " | ".join(columns.values()) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row[key]) for key in columns) + " |" for row in rows]
    return "\n".join(lines)


def measurements_table(values: dict[object, object], key: str = "quantity", value: str = "value") -> str:
    """A two-column Markdown table of what a check or sweep measured (``{name: value}``), instead of
    the raw dict with 16-digit floats."""
    rows = [{"key": cell(k), "value": v} for k, v in values.items()]
    return markdown_table(rows, {"key": key, "value": value})
