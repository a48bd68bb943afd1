"""Finite-sample checks: the bound check and the sample-size checks can fail, and pass on the theory."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from je_vs_rc import thresholds
from je_vs_rc.checks.claims import ClaimError
from je_vs_rc.checks.finite_samples import (
    check_bound_nearly_tight,
    check_calibrated_errors,
    check_fresh_predictions,
    check_gap_closes_at_threshold,
    check_perturbation_bound,
    check_predictions_grow_towards_threshold,
    check_sample_size_prediction,
)
from je_vs_rc.simulate.finite_samples import (
    Calibration,
    calibrate,
    finite_sample_sweep,
    perturbation_constant,
    required_n,
)
from je_vs_rc.theory import methods


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
    assert check_calibrated_errors(rows, 0.05) == pytest.approx((0.8, 1.2))
    with pytest.raises(ClaimError, match="missed by more than 2x"):
        check_calibrated_errors([*rows, {"err_cal": 0.11}], 0.05)
    with pytest.raises(ClaimError, match="no calibrated prediction"):
        check_calibrated_errors(rows[1:2], 0.05)


@pytest.mark.slow
def test_bound_sample_size_delivers_on_covered_draws(toy):
    c = perturbation_constant(finite_sample_sweep(toy, "je", [3.5], [300, 1000, 3000], range(6)))[0]
    n = required_n(toy, "je", 3.5, 0.05, c)
    fresh = check_sample_size_prediction(toy, "je", 3.5, n, 0.05, range(10, 16), constant=c)
    covered = fresh.perturbation[0, 0] * np.sqrt(fresh.ns[0]) <= c
    assert np.all(fresh.distance[0, 0][covered] <= 0.05)


def test_coverage_check_fails_with_an_optimistic_constant(toy):
    threshold = thresholds(toy).threshold("je")
    sweep = finite_sample_sweep(toy, "je", [2 * threshold], [300, 1000], range(4))
    cal = calibrate(sweep, [2.0])
    rows, coverage = check_fresh_predictions(toy, sweep, cal, 0.2, range(10, 30), 1e5)
    assert coverage["share"] >= coverage["floor"] and coverage["draws"] >= 20
    # The median in place of the 90th percentile: about half the fresh draws exceed it.
    low = dataclasses.replace(cal, constant=perturbation_constant(sweep, quantile=0.5))
    with pytest.raises(ClaimError, match="fresh draws have"):
        check_fresh_predictions(toy, sweep, low, 0.2, range(10, 30), 1e5)


@pytest.mark.parametrize("method", ["je", "rc"])
def test_factor_two_of_the_bound_is_needed(method):
    assert 0.5 < check_bound_nearly_tight(method) <= 1
    m = methods.get(method)

    @dataclasses.dataclass(frozen=True)
    class Halved(type(m)):
        """The bound with its factor 2 dropped: the near-tight instance then exceeds it."""

        def gap_and_factor(self, M, k, e_op):
            gap, factor = super().gap_and_factor(M, k, e_op)
            return gap, factor / 2

    with pytest.raises(ClaimError, match="near-tight"):
        check_bound_nearly_tight(Halved(**dataclasses.asdict(m)))

    @dataclasses.dataclass(frozen=True)
    class Untried(type(m)):
        near_tight = None  # a method nobody searched an instance for

    with pytest.raises(ValueError, match="no near-tight instance"):
        check_bound_nearly_tight(Untried(**dataclasses.asdict(m)))


def test_calibration_refuses_to_extrapolate():
    cal = Calibration(np.array([1.5, 5.0]), np.ones(2), np.ones(2), np.ones(2))
    assert cal.at([1.5, 3.0, 5.0])[0] == pytest.approx(np.ones(3))
    with pytest.raises(ValueError, match="swept range"):
        cal.at([1.02, 3.0])


def test_growth_check_can_fail():
    assert check_predictions_grow_towards_threshold({"a": np.array([9.0, 3.0, 1.0])})
    with pytest.raises(ClaimError, match="do not grow towards the threshold"):
        check_predictions_grow_towards_threshold({"a": np.array([9.0, 3.0, 3.5])})
