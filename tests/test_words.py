"""words.py: numbers as prose says them."""

from __future__ import annotations

from je_vs_rc.words import (
    count,
    fixed,
    measured,
    number,
    percent,
    plain,
    rounded,
    rounded_range,
    scientific,
    series,
)


def test_count_agrees_with_its_number():
    assert count(1, "seed", "seeds") == "1 seed"
    assert count(0, "seed", "seeds") == "0 seeds" and count(3, "line fails", "lines fail") == "3 lines fail"


def test_number_says_whole_numbers_in_full():
    assert number(1e6) == "1,000,000" and number(1000.0) == "1,000" and number(0.25) == "0.25"
    assert number(1e-7) == "1e\u221207"
    # beyond the separators' reach, a power of ten (a table said "2.2e+15")
    assert number(2.2e15, 3) == "2.2\u202f\u00d7\u202f10\u00b9\u2075" and number(1e20) == "10\u00b2\u2070"
    assert number(-3e16) == "\u22123\u202f\u00d7\u202f10\u00b9\u2076"


def test_number_writes_a_true_minus():
    assert number(-0.25) == "\u22120.25" and number(-1500.0) == "\u22121,500" and "-" not in number(-3e-9)


def test_number_to_significant_figures_reads_the_same_everywhere():
    # One threshold is never 0.7 / 0.70 / 0.700, and nothing in [0.001, 1e15) is in e-notation.
    assert number(0.7, 3) == number(0.70000001, 3) == number(0.7, 2) == "0.7"
    assert number(0.461234, 3) == "0.461" and number(2.548, 3) == "2.55" and number(1000.0, 3) == "1,000"
    assert number(172.5, 2) == "170" and number(1234.5, 3) == "1,230" and number(999.7, 3) == "1,000"
    assert number(0.00343, 3) == "0.00343" and number(2.1316e-13, 3) == "2.1e\u221213"
    assert number(-0.0496, 3) == "\u22120.0496" and number(0.0, 3) == "0" and number(float("nan"), 3) == "–"


def test_percent_is_a_rounded_fraction():
    assert percent(0.407) == "41%" and percent(0.536, 3) == "53.6%" and percent(1 / 3) == "33%"


def test_series_lists_as_a_sentence():
    assert series(["a"]) == "a" and series(["a", "b"]) == "a and b" and series(("a", "b", "c")) == "a, b and c"
    assert series([]) == ""


def test_fixed_decimals_with_a_true_minus_and_an_optional_sign():
    assert fixed(-1.25) == "\u22121.2" and fixed(0.5, sign=True) == "+0.5"
    assert fixed(-0.04, 2, sign=True) == "\u22120.04"


def test_rounded_says_an_estimate_to_two_significant_figures():
    assert rounded(1_609_565) == "1.6 million" and rounded(2_540) == "2,500" and rounded(3) == "3"
    assert rounded(44_540_067) == "45 million" and rounded(2.4e9) == "2.4 billion"
    assert rounded_range(2_540_484, 44_540_067) == "2.5 to 45 million"
    assert rounded_range(160_000, 2_540_484) == "160,000 to 2.5 million"


def test_measured_says_rounding_noise_is_zero():
    assert measured(5.6e-17) == "0 (to rounding)" and measured(0.4612) == "0.461" and measured(0.0) == "0 (to rounding)"


def test_scientific_reads_in_one_notation():
    assert scientific(6.04e-4) == "6.0e\u221204" and scientific(0.241) == "2.4e\u221201"


def test_plain_reads_as_decimals_and_tiny_sizes_as_powers_of_ten():
    assert plain(6.2e-4) == "0.00062" and plain(0.0016) == "0.0016" and plain(43.4, 3) == "43.4"
    assert plain(2.6e-15, 1) == "3\u202f\u00d7\u202f10\u207b\u00b9\u2075"
    assert plain(1.2e-15) == "1.2\u202f\u00d7\u202f10\u207b\u00b9\u2075"
    assert plain(1e-6, 1) == "10\u207b\u2076" and plain(0.0) == "0"
    assert plain(2e-15) == "2\u202f\u00d7\u202f10\u207b\u00b9\u2075"
    assert plain(-5e-9, 1) == "\u22125\u202f\u00d7\u202f10\u207b\u2079"


def test_significant_keeps_trailing_zeros_at_one_precision():
    from je_vs_rc.words import significant

    assert [significant(x) for x in (0.7, 0.632, 2.546, 0.0, 2.0, 10.0, 1234.5)] == [
        "0.700",
        "0.632",
        "2.55",
        "0",
        "2.00",
        "10.0",
        "1,230",
    ]
    assert significant(-0.35, 2) == "\u22120.35" and significant(-0.4, 2) == "\u22120.40"
    assert [significant(x, 2) for x in (0.0066, 0.002, 0.0005, 0.0001)] == ["0.0066", "0.0020", "0.00050", "0.00010"]
    assert significant(2e-6, 2) == "2\u202f\u00d7\u202f10\u207b\u2076"
