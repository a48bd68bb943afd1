"""The statistics over seeds the three trained studies share (``je_vs_rc.stats``)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from je_vs_rc import stats


def test_spread_is_the_sample_mean_std_and_standard_error():
    s = stats.spread([1.0, 2.0, 3.0, 4.0])
    assert s.mean == 2.5 and s.std == pytest.approx(math.sqrt(5 / 3))  # n - 1, not n
    assert s.sem == pytest.approx(math.sqrt(5 / 3) / 2) and s.n == 4
    one = stats.spread([3.0])
    assert math.isnan(one.std) and one.halfwidth() == math.inf  # one value: no interval
    none = stats.spread(iter([]))
    assert none.n == 0 and math.isnan(none.mean) and none.halfwidth() == math.inf


def test_t_intervals_are_wider_than_two_standard_errors_with_few_seeds():
    # three seeds, a mean 3.5 standard errors from 0: resolved by a 2-standard-error rule (which passes a
    # null difference 18% of the time with 3 seeds), not by the 95% t interval (4.30 sem)
    three = stats.spread([1.0, 2.0, 3.0])
    assert abs(three.mean) / three.sem == pytest.approx(2 * math.sqrt(3))
    assert three.halfwidth() == pytest.approx(4.302653 * three.sem, rel=1e-5) and not three.resolved()
    assert stats.spread([2.0, 2.5, 3.0]).resolved()  # 8.7 standard errors
    assert not stats.spread([5.0]).resolved()  # one seed: no interval
    assert stats.spread([1.0, 2.0, 3.0]).halfwidth(0.5) == pytest.approx(0.816497 * three.sem, rel=1e-5)


def test_the_interval_is_scipys_along_any_axis():
    x = np.random.default_rng(0).normal(size=(3, 5))
    s = stats.spread(x, axis=1)
    for row, mean, half in zip(x, s.mean, s.halfwidth()):
        lo, hi = scipy_stats.t.interval(0.95, len(row) - 1, loc=row.mean(), scale=scipy_stats.sem(row))
        assert (mean - half, mean + half) == pytest.approx((lo, hi))
    assert np.isinf(stats.spread(x[:, :1], axis=1).halfwidth()).all()


def test_side_says_where_the_interval_lies_and_cannot_tell_when_it_holds_the_value():
    low = stats.spread([1.0, 1.1, 0.9])  # 1 +- 0.25
    assert low.side(0.0) == 1 and low.side(2.0) == -1 and low.side(1.2) == 0
    assert stats.spread([4.0]).side(-100.0) == 0  # one value decides nothing


def test_paired_differences_use_the_seeds_both_sides_have():
    a, b = {0: 5.0, 1: 7.0, 2: 9.0}, {1: 6.0, 2: 6.0, 3: 100.0}
    d = stats.paired(a, b)
    assert (d.mean, d.n) == (2.0, 2)
    assert stats.paired(a, {7: 1.0}) == stats.NO_VALUES
