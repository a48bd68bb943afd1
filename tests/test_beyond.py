"""Beyond the paper: finite-sample bounds and intertwined noise."""
from __future__ import annotations

import numpy as np
import pytest

from je_vs_rc import thresholds
from je_vs_rc.experiments import population_distance, recovery_sweep
from je_vs_rc.finite import (finite_sample_sweep, fit_rate, perturbation_bound, perturbation_constant,
                             population_gap, required_n, selection_matrix)
from je_vs_rc.intertwined import effective_threshold, intertwined, limit_recovery, rotation
from je_vs_rc.verify import ClaimError, check_intertwined, check_perturbation_bound, check_sample_size_prediction

from conftest import random_setting


@pytest.mark.parametrize("model", ["je", "rc"])
def test_gap_vanishes_at_the_threshold(toy, model):
    th = thresholds(toy.signal_energy, toy.lam_theta, toy.lam_gamma)
    assert abs(population_gap(toy, model, th.alpha(model))) < 1e-9
    assert population_gap(toy, model, 1.2 * th.alpha(model)) > 0
    assert population_gap(toy, model, 0.8 * th.alpha(model)) < 0
    assert required_n(toy, model, 0.8 * th.alpha(model), 0.05, 1.0) == float("inf")


@pytest.mark.parametrize("seed", range(6))
def test_davis_kahan_bound_holds_on_random_perturbations(seed):
    # The inequality is deterministic: it must hold for any perturbation, not only simulated ones.
    rng = np.random.default_rng(seed)
    setting = random_setting(rng, 6, 2)
    S, G = setting.population_moments(3.0, corrupted=True)
    for model in ("je", "rc"):
        M = selection_matrix(S, G, model)
        noise = rng.standard_normal(M.shape) * 10 ** rng.uniform(-4, -1)
        E = (noise + noise.T) / 2 if model == "je" else noise
        dist, bound, _ = perturbation_bound(M + E, M, model, 2)
        assert dist <= bound + 1e-12


def test_bound_check_can_fail(toy):
    sweep = finite_sample_sweep(toy, "je", [1.0], [200], [0])
    broken = type(sweep)(sweep.model, sweep.alphas, sweep.ns, sweep.distance, sweep.distance / 2, sweep.perturbation)
    with pytest.raises(ClaimError, match="exceeds its perturbation bound"):
        check_perturbation_bound(broken)


def test_rate_is_one_over_sqrt_n(toy):
    sweep = finite_sample_sweep(toy, "je", [3.0], [1000, 3000, 10000, 30000], range(6))
    rate = fit_rate(sweep.ns, sweep.distance[0])
    assert rate.low < -0.5 < rate.high
    c = perturbation_constant(sweep)
    assert c.shape == (1,) and c[0] > 0


@pytest.mark.slow
def test_guaranteed_sample_size_delivers(toy):
    c = perturbation_constant(finite_sample_sweep(toy, "je", [3.5], [300, 1000, 3000], range(6)))[0]
    n = required_n(toy, "je", 3.5, 0.05, c)
    errors = check_sample_size_prediction(toy, "je", 3.5, n, 0.05, range(10, 16), guaranteed=True)
    assert errors.max() <= 0.05


def test_rotation_is_orthogonal_and_zero_angle_is_the_paper(toy):
    R = rotation(6, 3, 0.3)
    np.testing.assert_allclose(R @ R.T, np.eye(6), atol=1e-12)
    same = intertwined(toy, 0.0)
    np.testing.assert_allclose(same.gamma(), toy.gamma(), atol=1e-12)
    for model in ("je", "rc"):
        for alpha in (0.3, 1.0, 4.0):
            assert population_distance(same, model, alpha) == pytest.approx(population_distance(toy, model, alpha), abs=1e-9)


def test_tilt_leaves_a_residual_and_simulations_approach_the_limit(toy):
    th = thresholds(toy.signal_energy, toy.lam_theta, toy.lam_gamma)
    angles, alphas = np.deg2rad([0.0, 5.0, 30.0]), np.array([0.3, 1.0, 4.0])
    limits = limit_recovery(toy, angles, alphas)
    residual = check_intertwined(limits, angles, alphas, th)
    assert residual["je"] > 1e-6 and residual["rc"] > 1e-6
    tilted = intertwined(toy, np.deg2rad(30))
    sim = recovery_sweep(tilted, [200000], [4.0], seeds=[1])
    assert abs(sim.distance["je"][0, 0, 0] - population_distance(tilted, "je", 4.0)) < 0.02


def test_effective_threshold():
    alphas = np.array([0.1, 0.5, 1.0, 2.0])
    assert effective_threshold(np.array([1.0, 0.5, 0.01, 0.0]), alphas, 0.1) == 1.0
    assert effective_threshold(np.array([0.0, 0.5, 0.01, 0.0]), alphas, 0.1) == 1.0  # must stay recovered
    assert effective_threshold(np.array([0.0, 0.0, 0.0, 0.0]), alphas, 0.1) == 0.1
    assert effective_threshold(np.array([1.0, 1.0, 1.0, 0.5]), alphas, 0.1) == float("inf")
