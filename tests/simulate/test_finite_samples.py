"""Finite samples: the proven inequality, the gaps, the fitted rate and the sample-size predictions."""

from __future__ import annotations

import numpy as np
import pytest

from je_vs_rc import Setting, thresholds
from je_vs_rc.simulate.finite_samples import (
    CALIBRATED,
    CALIBRATED_BOUND,
    alphas_above_threshold,
    calibrate,
    finite_sample_sweep,
    fit_rate,
    perturbation_bound,
    perturbation_constant,
    population_gap,
    predicted_sample_sizes,
    required_n,
)
from je_vs_rc.theory import methods
from je_vs_rc.theory.methods import PAPER_ENCODERS


@pytest.mark.parametrize("method", ["je", "rc"])
def test_gap_vanishes_at_the_threshold(toy, method):
    threshold = thresholds(toy).threshold(method)
    assert abs(population_gap(toy, method, threshold)) < 1e-9
    assert population_gap(toy, method, 1.2 * threshold) > 0
    assert population_gap(toy, method, 0.8 * threshold) < 0
    assert required_n(toy, method, 0.8 * threshold, 0.05, 1.0) == float("inf")


@pytest.mark.parametrize("seed", range(6))
def test_davis_kahan_bound_holds_on_random_perturbations(random_setting, seed):
    # The inequality is deterministic: it must hold for any perturbation, not only simulated ones.
    rng = np.random.default_rng(seed)
    setting = random_setting(rng, 6, 2)
    S, G = setting.population_moments(3.0, corrupted=True)
    for method in PAPER_ENCODERS:
        M = method.selection_matrix(S, G)
        noise = rng.standard_normal(M.shape) * 10 ** rng.uniform(-4, -1)
        E = (noise + noise.T) / 2 if method is methods.JOINT_EMBEDDING else noise
        dist, bound, _ = perturbation_bound(M + E, M, method, 2)
        assert dist <= bound + 1e-12


def test_rate_is_one_over_sqrt_n(toy):
    sweep = finite_sample_sweep(toy, "je", [3.0], [1000, 3000, 10000, 30000], range(6))
    rate = fit_rate(sweep.ns, sweep.distance[0])
    assert rate.low < -0.5 < rate.high
    c = perturbation_constant(sweep)
    assert c.shape == (1,) and c[0] > 0


def test_predictions_grow_towards_the_threshold(toy):
    ratios = [1.5, 3.0]
    threshold = thresholds(toy).threshold("rc")
    sweep = finite_sample_sweep(toy, "rc", [r * threshold for r in ratios], [300, 3000], range(3))
    calibration = calibrate(sweep, ratios)
    np.testing.assert_allclose(calibration.at(ratios)[0], calibration.constant)
    predicted = predicted_sample_sizes(toy, "rc", calibration, [1.5, 2.0, 3.0], 0.05)
    for name in (CALIBRATED_BOUND, CALIBRATED):
        assert np.all(np.diff(predicted[name]) < 0)
    assert np.all(predicted[CALIBRATED] < predicted[CALIBRATED_BOUND])
    assert predicted[CALIBRATED_BOUND][0] == pytest.approx(
        required_n(toy, "rc", 1.5 * threshold, 0.05, calibration.constant[0])
    )


def test_alphas_at_multiples_of_the_threshold(toy):
    th = thresholds(toy)
    assert alphas_above_threshold(toy, "rc", [1.5, 2.0]) == pytest.approx(
        [1.5 * th.threshold("rc"), 2 * th.threshold("rc")]
    )
    # Theta as loud as the signal on the noise: no alignment needed, no multiple of the threshold to sweep.
    quiet = Setting([4.0, 3.0, 2.0], [1.0] * 6, [0.0, 0.0, 0.0, 1.0, 0.6, 0.3])
    with pytest.raises(ValueError, match="JE squared threshold is -0.5 <= 0"):
        alphas_above_threshold(quiet, "je", [1.5])
