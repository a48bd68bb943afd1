"""Markdown tables."""

from __future__ import annotations

from je_vs_rc.render.tables import markdown_table


def test_markdown_table_formats_cells():
    table = markdown_table(
        [{"a": 0.5, "b": 12345.0, "c": True, "d": float("nan"), "e": "x"}],
        {"a": "A", "b": "B", "c": "C", "d": "D", "e": "E"},
    )
    assert table.splitlines() == ["| A | B | C | D | E |", "|---|---|---|---|---|", "| 0.5 | 1.2e+04 | yes | – | x |"]
