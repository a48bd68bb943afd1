"""Finite-sample checks: the bound check and the sample-size checks can fail, and pass on the theory."""
from __future__ import annotations

import dataclasses

import pytest

from je_vs_rc import thresholds
from je_vs_rc.checks.claims import ClaimError
from je_vs_rc.checks.finite_samples import (check_calibrated_is_conservative, check_gap_closes_at_threshold,
                                            check_perturbation_bound, check_sample_size_prediction)
from je_vs_rc.simulate.finite_samples import finite_sample_sweep, perturbation_constant, required_n


def test_bound_check_can_fail(toy):
    sweep = finite_sample_sweep(toy, "je", [1.0], [200], [0])
    broken = dataclasses.replace(sweep, bound=sweep.distance / 2)
    with pytest.raises(ClaimError, match="exceeds its perturbation bound"):
        check_perturbation_bound(broken)


@pytest.mark.parametrize("method", ["je", "rc"])
def test_gap_check(toy, method):
    threshold = thresholds(toy).threshold(method)
    gaps = check_gap_closes_at_threshold(toy, method, threshold, [1.2 * threshold, 2 * threshold])
    assert abs(gaps[0]) < 1e-9 and gaps[1] < gaps[2]
    with pytest.raises(ClaimError, match="gap is not 0 at the threshold"):
        check_gap_closes_at_threshold(toy, method, 1.1 * threshold, [2 * threshold])


def test_calibrated_check_can_fail():
    rows = [{"err_cal": 0.04}, {"err_cal": float("nan")}, {"err_cal": 0.06}]
    with pytest.raises(ClaimError, match="optimistic"):
        check_calibrated_is_conservative(rows, 0.05)
    assert check_calibrated_is_conservative(rows[:2], 0.05) == pytest.approx((0.8, 0.8))


@pytest.mark.slow
def test_guaranteed_sample_size_delivers(toy):
    c = perturbation_constant(finite_sample_sweep(toy, "je", [3.5], [300, 1000, 3000], range(6)))[0]
    n = required_n(toy, "je", 3.5, 0.05, c)
    errors = check_sample_size_prediction(toy, "je", 3.5, n, 0.05, range(10, 16), guaranteed=True)
    assert errors.max() <= 0.05
