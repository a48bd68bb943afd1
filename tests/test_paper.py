"""The paper's printed numbers and the arithmetic on them."""

from __future__ import annotations

import pytest

from je_vs_rc import paper


def test_relative_drop():
    assert paper.relative_drop(50.0, 40.0) == pytest.approx(20.0)
    with pytest.raises(ValueError, match="top1_s1 must be > 0"):
        paper.relative_drop(0.0, 1.0)


def test_table1_drop_ratio():
    assert paper.table1_drop_ratio() == pytest.approx(25.1 / ((12.4 + 10.5) / 2))
