"""Markdown tables for the chapters."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..words import MINUS, PLAIN_BELOW, plain

TABLE_DIGITS = 3  # significant figures of a float in a table, as prose says it (words.plain)
TINY_DIGITS = 2  # and of a power of ten (below words.PLAIN_BELOW): its size is what it says


def cell(value: object) -> str:
    """A value as a table shows it: numbers as :func:`je_vs_rc.words.plain` says them in prose (3
    significant figures, thousands separators, decimals down to 0.0001 and powers of ten below, never
    e-notation: a column reads 0.0343 above 0.00013, not above 1.3e−04; a true minus), booleans as
    yes/no, a missing value as a dash, sequences element by element."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{value:,}".replace("-", MINUS)
    if isinstance(value, float | np.floating):
        return plain(value, TABLE_DIGITS if not 0 < abs(value) < PLAIN_BELOW else TINY_DIGITS)
    if isinstance(value, list | tuple | np.ndarray):
        return ", ".join(cell(v) for v in value)
    return str(value)


def markdown_table(
    rows: Sequence[dict[str, object]],
    columns: dict[str, str],
    caption: str | None = None,
    formats: dict[str, str | int] | None = None,
    classes: Sequence[str] = (),
) -> str:
    """A Markdown table of ``rows`` with the given ``{key: header}`` columns (cells by :func:`cell`,
    or by ``formats``: a number of significant figures for :func:`je_vs_rc.words.plain`, e.g.
    ``{"exact": 4}``, or a format spec, e.g. ``{"drop": ".1f"}`` for a column of fixed decimals); with a
    ``caption``, a numbered MyST ``{table}`` (the chapters render their Markdown output as MyST), whose caption may
    hold inline code; with ``classes``, a ``{table}`` carrying them (``"stacked"``: on a phone each row is
    shown as a block of labelled values, site.css)."""
    formats = formats or {}

    def shown(row: dict[str, object], key: str) -> str:
        value = row[key]
        if key in formats and isinstance(value, int | float):
            spec = formats[key]
            return plain(value, spec) if isinstance(spec, int) else format(value, spec).replace("-", MINUS)
        return cell(value)

    lines = ["| " + " | ".join(columns.values()) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(shown(row, key) for key in columns) + " |" for row in rows]
    if caption is None and not classes:
        return "\n".join(lines)
    caption = caption or ""
    if "\n" in caption:
        raise ValueError(f"caption must be one line (it is the table directive's argument); got {caption!r}")
    # A tilde fence: a backtick fence's opening line cannot hold the caption's inline code (`--plan`).
    options = [f":class: {' '.join(classes)}"] if classes else []
    return "\n".join([f"~~~{{table}} {caption}".rstrip(), *options, "", *lines, "~~~"])


def split_constant(rows: Sequence[dict[str, object]], columns: dict[str, str]) -> tuple[dict[str, str], str]:
    """The columns whose cell differs between rows, and the others said once, for a caption
    (``"backbone: vit_tiny, seeds: 3"``): a column that is the same on every line only takes width.
    A table of one row keeps all its columns."""
    if len(rows) < 2:
        return dict(columns), ""
    constant = {k: h for k, h in columns.items() if len({cell(r[k]) for r in rows}) == 1}
    varying = {k: h for k, h in columns.items() if k not in constant}
    return varying, ", ".join(f"{h}: {cell(rows[0][k])}" for k, h in constant.items())


def measurements_table(values: dict[object, object], key: str = "quantity", value: str = "value") -> str:
    """A two-column Markdown table of what a check or sweep measured (``{name: value}``), instead of
    the raw dict with 16-digit floats; names read as words (``objective_gap`` -> ``objective gap``)."""
    rows = [{"key": cell(k).replace("_", " "), "value": v} for k, v in values.items()]
    return markdown_table(rows, {"key": key, "value": value})
