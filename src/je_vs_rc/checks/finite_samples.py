"""Checks of the finite-sample chapter: the proven perturbation bound on every draw, and the
predicted sample sizes on fresh simulations."""
from __future__ import annotations

import numpy as np

from ..simulate.finite_samples import (Calibration, FiniteSweep, Rate, finite_sample_sweep, fit_rate,
                                       population_gap, required_n)
from ..theory import methods
from ..theory.methods import EncoderMethod
from ..theory.setting import Setting
from .claims import IDENTITY_ATOL, claim

# A calibrated sample-size prediction may miss its target by this factor (median over fresh seeds).
CALIBRATED_SLACK = 2.0
# The n -> infinity gap at the threshold is 0 up to rounding. Achieved: ~1e-16 (a difference of two
# O(1) scores); the margin covers thresholds computed from other spectra.
GAP_AT_THRESHOLD_ATOL = 1e-9
# How many of the largest sample sizes the error rate is fitted on.
RATE_POINTS = 3


def check_perturbation_bound(sweep: FiniteSweep) -> float:
    """The Yu-Wang-Samworth (Davis-Kahan) inequality holds on every simulated draw; returns the
    largest ratio measured / bound (at most 1, typically far below: the bound is loose)."""
    ratio = sweep.distance / sweep.bound
    worst = float(np.nanmax(ratio))
    claim(worst <= 1.0 + IDENTITY_ATOL, f"{methods.get(sweep.method).short}: a draw exceeds its perturbation bound "
                                         f"(measured/bound = {worst:.3g})")
    return worst


def check_sample_size_prediction(setting: Setting, method: str | EncoderMethod, alpha: float, n: float, target: float,
                                 seeds: object, guaranteed: bool) -> np.ndarray:
    """Fresh simulations at a predicted sample size ``n`` must not do worse than promised: for a
    guaranteed (bound-based) prediction every error is at most ``target``; for a calibrated one the
    median error is at most ``CALIBRATED_SLACK`` times ``target``. Returns the measured errors (how far
    below the target they fall is reported, not judged: a conservative prediction is not a failure)."""
    method = methods.get(method)
    errors = finite_sample_sweep(setting, method, [alpha], [int(np.ceil(n))], seeds).distance[0, 0]
    value, limit = (errors.max(), target) if guaranteed else (float(np.median(errors)), CALIBRATED_SLACK * target)
    claim(value <= limit, f"{method.short} at alpha={alpha:.3g}, n={n:.0f}: {'largest' if guaranteed else 'median'} "
                          f"error {value:.3g} exceeds {limit:.3g}")
    return errors


def check_gap_closes_at_threshold(setting: Setting, method: str | EncoderMethod, threshold: float,
                                  alphas: object) -> list[float]:
    """The n -> infinity gap of the perturbation bound (:func:`population_gap`) is 0 at the threshold
    (within ``GAP_AT_THRESHOLD_ATOL``) and grows strictly along the increasing ``alphas`` above it.
    Returns the gaps at the threshold and at each alpha."""
    method = methods.get(method)
    gaps = [population_gap(setting, method, a) for a in [threshold, *np.atleast_1d(alphas)]]
    claim(abs(gaps[0]) < GAP_AT_THRESHOLD_ATOL and all(np.diff(gaps) > 0),
          f"{method.short} gap is not 0 at the threshold and increasing: {gaps}")
    return gaps


def check_error_decreases(sweep: FiniteSweep) -> list[Rate]:
    """Above the threshold the error falls with n: for each alpha, the 95% confidence interval of the
    slope fitted on the ``RATE_POINTS`` largest n (log-log, every seed) lies below 0. Returns the fits."""
    rates = []
    for i, alpha in enumerate(sweep.alphas):
        rate = fit_rate(sweep.ns[-RATE_POINTS:], sweep.distance[i, -RATE_POINTS:])
        claim(rate.high < 0, f"{methods.get(sweep.method).short} at alpha={alpha:.3g}: the error does not "
                             f"decrease with n ({rate})")
        rates.append(rate)
    return rates


def check_fresh_predictions(setting: Setting, sweep: FiniteSweep, calibration: Calibration, target: float,
                            seeds: object, max_n: float) -> list[dict[str, float]]:
    """Both sample-size predictions at each swept alpha, checked on fresh ``seeds`` where the predicted n
    is at most ``max_n`` (:func:`check_sample_size_prediction`). Returns one row per alpha: ``ratio``,
    ``n_cal`` and ``err_cal`` (median error there, nan if not simulated), ``n_bound`` and ``err_bound``
    (largest error there)."""
    rows = []
    for i, (ratio, alpha) in enumerate(zip(calibration.ratios, sweep.alphas)):
        n_cal = required_n(setting, sweep.method, alpha, target / calibration.bound_ratio[i],
                           calibration.typical_constant[i])
        n_bound = required_n(setting, sweep.method, alpha, target, calibration.constant[i])
        cal = check_sample_size_prediction(setting, sweep.method, alpha, n_cal, target, seeds, guaranteed=False) \
            if n_cal <= max_n else None
        bnd = check_sample_size_prediction(setting, sweep.method, alpha, n_bound, target, seeds, guaranteed=True) \
            if n_bound <= max_n else None
        rows.append({"ratio": float(ratio), "n_cal": n_cal,
                     "err_cal": float(np.median(cal)) if cal is not None else float("nan"),
                     "n_bound": n_bound, "err_bound": float(np.max(bnd)) if bnd is not None else float("nan")})
    return rows


def check_calibrated_is_conservative(rows: list[dict[str, float]], target: float) -> tuple[float, float]:
    """The book says the calibrated predictions err on the safe side: at every simulated calibrated n
    the median error is at most the target. Returns the smallest and largest median error / target."""
    ratios = [row["err_cal"] / target for row in rows if np.isfinite(row["err_cal"])]
    claim(bool(ratios), "no calibrated prediction could be simulated")
    claim(max(ratios) <= 1, f"a calibrated prediction was optimistic: median error / target = {ratios}")
    return min(ratios), max(ratios)
