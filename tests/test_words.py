"""words.py: numbers as prose says them."""

from __future__ import annotations

from je_vs_rc.words import count, number


def test_count_agrees_with_its_number():
    assert count(1, "seed", "seeds") == "1 seed"
    assert count(0, "seed", "seeds") == "0 seeds" and count(3, "line fails", "lines fail") == "3 lines fail"


def test_number_says_whole_numbers_in_full():
    assert number(1e6) == "1,000,000" and number(1000.0) == "1,000" and number(0.25) == "0.25"
    assert number(1e-7) == "1e\u221207"


def test_number_writes_a_true_minus():
    assert number(-0.25) == "\u22120.25" and number(-1500.0) == "\u22121,500" and "-" not in number(-3e-9)
