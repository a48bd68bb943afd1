"""Markdown tables."""

from __future__ import annotations

from je_vs_rc.render.tables import markdown_table


def test_markdown_table_formats_cells():
    table = markdown_table(
        [{"a": 0.5, "b": 12345.0, "c": True, "d": float("nan"), "e": "x"}],
        {"a": "A", "b": "B", "c": "C", "d": "D", "e": "E"},
    )
    assert table.splitlines() == ["| A | B | C | D | E |", "|---|---|---|---|---|", "| 0.5 | 12,345 | yes | – | x |"]
    # one notation down a column: decimals to 0.0001, powers of ten below, never e-notation
    small = markdown_table([{"a": 0.0343}, {"a": 1.3e-4}, {"a": 2.94e-5}, {"a": -0.000612}], {"a": "A"})
    assert small.splitlines()[2:] == [
        "| 0.0343 |",
        "| 0.00013 |",
        "| 2.9\u202f\u00d7\u202f10\u207b\u2075 |",
        "| \u22120.000612 |",
    ]


def test_measurements_table_shows_three_digits_not_raw_floats():
    import numpy as np

    from je_vs_rc.render.tables import measurements_table

    text = measurements_table(
        {"objective": 15.72979797092389, "objective_gap": 2.1316282072803006e-13, 1.0: [np.float64(0.0824), 0.0306]}
    )
    assert text.splitlines()[:2] == ["| quantity | value |", "|---|---|"]
    assert "| objective | 15.7 |" in text and "| objective gap | 2.1\u202f\u00d7\u202f10\u207b\u00b9\u00b3 |" in text
    assert "| 1 | 0.0824, 0.0306 |" in text
    assert "15.729" not in text and "np.float64" not in text


def test_a_captioned_table_is_a_numbered_myst_table_with_its_formats():
    import pytest

    text = markdown_table([{"m": "MAE", "drop": 20.0}], {"m": "method", "drop": "drop"}, "Table 1.", {"drop": ".1f"})
    assert text.splitlines() == ["~~~{table} Table 1.", "", "| method | drop |", "|---|---|", "| MAE | 20.0 |", "~~~"]
    negative = markdown_table([{"m": "MAE", "drop": -1.25}], {"m": "method", "drop": "drop"}, formats={"drop": ".1f"})
    assert negative.splitlines()[-1] == "| MAE | \u22121.2 |"
    digits = markdown_table([{"m": "MAE", "x": 665.773}], {"m": "method", "x": "x"}, formats={"x": 4})
    assert digits.splitlines()[-1] == "| MAE | 665.8 |"
    with pytest.raises(ValueError, match="caption must be one line"):
        markdown_table([], {"m": "method"}, "two\nlines")
    # classes make a {table} too, with or without a caption
    stacked = markdown_table([{"m": "MAE"}], {"m": "method"}, classes=("stacked",))
    assert stacked.splitlines() == ["~~~{table}", ":class: stacked", "", "| method |", "|---|", "| MAE |", "~~~"]


def test_columns_equal_on_every_line_go_to_the_caption():
    from je_vs_rc.render.tables import split_constant

    rows = [{"m": "BYOL", "b": "vit", "s": 3}, {"m": "MAE", "b": "vit", "s": 3}]
    columns, said = split_constant(rows, {"m": "method", "b": "backbone", "s": "seeds"})
    assert columns == {"m": "method"} and said == "backbone: vit, seeds: 3"
    assert split_constant(rows[:1], {"m": "method", "b": "backbone"}) == ({"m": "method", "b": "backbone"}, "")
