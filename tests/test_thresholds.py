"""Thresholds (Props 4.3, 4.4, Cor 4.5) against hand values and the recovery simulation."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from je_vs_rc import Setting, thresholds
from je_vs_rc.experiments import phase_diagram, population_distance, recovery_sweep
from je_vs_rc.verify import (ClaimError, check_corollary_45, check_limit_scores, check_phase_diagram,
                             check_recovery)

from conftest import random_setting


def test_hand_computed_values(toy):
    th = thresholds(toy.signal_energy, toy.lam_theta, toy.lam_gamma)
    # eta = min(4/sqrt5, 3/2, 2/sqrt3) = 2/sqrt3; delta = min(4/5, 3/4, 2/3) = 2/3
    assert th.eta == pytest.approx(2 / np.sqrt(3))
    assert th.delta == pytest.approx(2 / 3)
    assert th.alpha_je2 == pytest.approx(0.5 - 0.1 / 10)       # (1-d)/d - theta/gamma, max at gamma = 10
    assert th.alpha_rc2 == pytest.approx(10 / (4 / 3) - 0.01 - 1)
    assert th.switch == pytest.approx(2.0)
    assert th.regime == "high"
    assert not th.recovers("rc", 2.0) and th.recovers("rc", 3.0)


def test_negative_threshold_means_any_alpha():
    th = thresholds([4.0], [0.0, 5.0], [0.0, 1.0])  # delta = 1 -> alpha_JE^2 = -5 < 0
    assert th.alpha_je2 < 0 and th.alpha("je") == 0.0 and th.recovers("je", 0.0)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(3, 7), st.floats(0.1, 50.0))
def test_threshold_predicts_exact_limit(seed, d, scale):
    # The n -> infinity closed forms recover span(Q_1) iff alpha^2 > threshold, on random spectra/bases.
    rng = np.random.default_rng(seed)
    setting = random_setting(rng, d, int(rng.integers(1, d)), scale)
    th = thresholds(setting.signal_energy, setting.lam_theta, setting.lam_gamma)
    check_corollary_45(th)
    for model in ("je", "rc"):
        t2 = th.threshold2(model)
        # Just below and above the threshold. Where both are negative (about a third of the draws, which
        # used to check nothing), alpha = 0 is above it and must recover.
        alphas2 = [a2 for a2 in (t2 - 0.3 * abs(t2) - 0.05, t2 + 0.3 * abs(t2) + 0.05) if a2 >= 0] or [0.0]
        for alpha2 in alphas2:
            alpha = float(np.sqrt(alpha2))
            check_limit_scores(setting, alpha)
            recovered = population_distance(setting, model, alpha) < 1e-8
            assert recovered == th.recovers(model, alpha), (model, alpha, t2)


@pytest.mark.slow
def test_threshold_predicts_finite_sample_recovery(toy):
    th = thresholds(toy.signal_energy, toy.lam_theta, toy.lam_gamma)
    sweep = recovery_sweep(toy, [100, 1000, 10000, 100000], [0.3, 1.0, 4.0], seeds=[0, 1])
    assert check_recovery(sweep, th, "je", toy) == {0.3: "fails", 1.0: "recovers", 4.0: "recovers"}
    assert check_recovery(sweep, th, "rc", toy) == {0.3: "fails", 1.0: "fails", 4.0: "recovers"}


def test_recovery_check_can_fail(toy):
    # Claim a recovery the simulation does not show: the check must raise.
    th = thresholds(toy.signal_energy, toy.lam_theta, toy.lam_gamma)
    sweep = recovery_sweep(toy, [100, 10000], [1.0], seeds=[0])
    lying = type(th)(th.alpha_rc2 - 10, th.alpha_je2, th.eta, th.delta, th.rc2_per_noise,
                     th.je2_per_noise, th.noise_gamma)
    with pytest.raises(ClaimError, match="RC at alpha=1"):
        check_recovery(sweep, lying, "rc")


@pytest.mark.slow
def test_phase_diagram_agrees_with_thresholds():
    base = Setting([4.0, 3.0, 2.0], [1.0, 1.0, 1.0, 0.1, 0.1, 0.1], [0, 0, 0, 1.0, 0.6, 0.3])
    pd = phase_diagram(base, np.geomspace(0.1, 100, 12), np.geomspace(0.03, 30, 12), 10000)
    agreement = check_phase_diagram(pd, base)
    assert agreement["je"] > 0.9 and agreement["rc"] > 0.9
