"""Thresholds (Props 4.3, 4.4, Cor 4.5) against hand values and the exact n -> infinity limits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from je_vs_rc import thresholds
from je_vs_rc.checks.thresholds import check_corollary_45, check_limit_scores
from je_vs_rc.simulate.sweeps import population_distance
from je_vs_rc.theory.methods import JOINT_EMBEDDING, PAPER_ENCODERS, PAPER_METHODS, RECONSTRUCTION
from je_vs_rc.theory.thresholds import EDGE_RTOL, limit_scores


def test_hand_computed_values(toy):
    th = thresholds(toy)
    # eta = min(4/sqrt5, 3/2, 2/sqrt3) = 2/sqrt3; delta = min(4/5, 3/4, 2/3) = 2/3
    assert th.eta == pytest.approx(2 / np.sqrt(3))
    assert th.delta == pytest.approx(2 / 3)
    assert th.alpha_je2 == pytest.approx(0.5 - 0.1 / 10)  # (1-d)/d - theta/gamma, max at gamma = 10
    assert th.alpha_rc2 == pytest.approx(10 / (4 / 3) - 0.01 - 1)
    assert th.threshold("je") == pytest.approx(0.7) and th.threshold(RECONSTRUCTION) == pytest.approx(np.sqrt(6.49))
    assert th.switch == pytest.approx(2.0)
    assert th.regime == "high"
    assert not th.recovers("rc", 2.0) and th.recovers("rc", 3.0) and th.recovers("sl", 0.0)


def test_setting_and_spectra_give_the_same_thresholds(toy):
    a, b = thresholds(toy), thresholds(toy.signal_energy, toy.lam_theta, toy.lam_gamma)
    assert a.squared == b.squared and (a.eta, a.delta) == (b.eta, b.delta)


def test_negative_threshold_means_any_alpha():
    th = thresholds([4.0], [0.0, 5.0], [0.0, 1.0])  # delta = 1 -> alpha_JE^2 = -5 < 0
    assert th.alpha_je2 < 0 and th.threshold("je") == 0.0 and th.recovers("je", 0.0)


def test_limit_scores_at_alpha_two(toy):
    # alpha = 2 tells alpha from alpha^2 in the noise scores.
    scores = limit_scores(toy, 2.0)
    np.testing.assert_allclose(scores["je"][1], [10 / 50.1, 6 / 30.1, 3 / 15.1])
    np.testing.assert_allclose(scores["rc"][0], [4 / np.sqrt(5), 3 / 2, 2 / np.sqrt(3)])


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(3, 7), st.floats(0.1, 50.0))
def test_threshold_predicts_exact_limit(random_setting, seed, d, scale):
    # The n -> infinity closed forms recover span(Q_1) iff alpha^2 > threshold, on random spectra/bases.
    rng = np.random.default_rng(seed)
    setting = random_setting(rng, d, int(rng.integers(1, d)), scale)
    th = thresholds(setting, methods=PAPER_METHODS)
    check_corollary_45(th)
    for method in PAPER_ENCODERS:
        t2 = th.threshold2(method)
        # Just below and above the threshold. Where both are negative (about a third of the draws, which
        # used to check nothing), alpha = 0 is above it and must recover.
        alphas2 = [a2 for a2 in (t2 - 0.3 * abs(t2) - 0.05, t2 + 0.3 * abs(t2) + 0.05) if a2 >= 0] or [0.0]
        for alpha2 in alphas2:
            alpha = float(np.sqrt(alpha2))
            check_limit_scores(setting, alpha)
            recovered = population_distance(setting, method, alpha) < 1e-8
            assert recovered == th.recovers(method, alpha), (method.key, alpha, t2)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_threshold_crossing_is_the_root_of_the_difference(seed):
    # The closed-form crossing against bisection on alpha_JE^2 - alpha_RC^2 computed from the registry.
    from je_vs_rc import Setting
    from je_vs_rc.simulate.sweeps import scaled_setting
    from je_vs_rc.theory.thresholds import threshold_crossing

    rng = np.random.default_rng(seed)
    k, m = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    base = Setting(rng.uniform(0.5, 5, k), rng.uniform(0.01, 3, k + m), np.r_[np.zeros(k), rng.uniform(0.1, 2, m)])
    crossing = threshold_crossing(base)

    def diff(s):
        th = thresholds(scaled_setting(base, s))
        return th.alpha_je2 - th.alpha_rc2

    lo, hi = crossing.switch_scale * 0.999, crossing.switch_scale * 1e4
    assert diff(lo) > 0 > diff(hi)
    for _ in range(200):
        mid = np.sqrt(lo * hi)
        lo, hi = (mid, hi) if diff(mid) > 0 else (lo, mid)
    assert crossing.scale == pytest.approx(lo, rel=EDGE_RTOL)
    g, theta = base.lam_gamma[k:], base.lam_theta[k:]
    assert crossing.at_switch == (theta[g.argmax()] / g.max() == np.min(theta / g))
    assert crossing.at_switch == (crossing.scale == pytest.approx(crossing.switch_scale, rel=EDGE_RTOL))
    # Both drawn thresholds are 0 exactly up to zero_until, beyond the crossing iff alpha^2 there is <= 0.
    z = crossing.zero_until
    assert (z >= crossing.scale) == (crossing.alpha2 <= 0)
    if 0 < z < np.inf:
        assert max(thresholds(scaled_setting(base, z * (1 - 1e-6))).squared.values()) <= 0
        assert max(thresholds(scaled_setting(base, z * (1 + 1e-6))).squared.values()) > 0


@pytest.mark.parametrize(
    "theta_noise, profile",
    [
        ([0.9, 0.1, 0.1], [18.9, 2.1, 2.1]),  # 0.9/18.9 and 0.1/2.1 are both 1/21 but round apart
        ([0.4, 0.3, 0.5], [1.2, 0.9, 0.5]),  # 1/3 twice, rounded apart as well
    ],
)
def test_equal_ratios_that_round_apart_cross_on_the_edge(theta_noise, profile):
    # The loudest component has the smallest lam_theta/g in exact arithmetic, so the crossing is on the
    # low-noise edge; an exact float comparison of the ratios said it was not, and the chapter's check
    # then stopped a legal rerun (issue 23, item 2).
    from je_vs_rc import Setting
    from je_vs_rc.checks.thresholds import check_threshold_crossing
    from je_vs_rc.theory.thresholds import threshold_crossing

    base = Setting([4.0, 3.0, 2.0], [1.0, 1.0, 1.0, *theta_noise], [0.0, 0.0, 0.0, *profile])
    theta, g = np.array(theta_noise), np.array(profile)
    assert theta[0] / g[0] != np.min(theta / g)  # the ratios do round apart
    crossing = threshold_crossing(base)
    assert crossing.at_switch and crossing.scale == crossing.switch_scale
    check_threshold_crossing(base, crossing)


@pytest.mark.parametrize("theta_noise, tie", [([0.1, 0.1, 0.1], False), ([0.0, 0.1, 0.1], True)])
def test_je_alignment_past_its_ceiling_protects_at_every_noise_level(theta_noise, tie):
    # Chapter 6 (issue 23, item 3): JE's noise scores are <= 1/(1+alpha^2), with equality where lam_theta_i
    # = 0, and its weakest signal score is delta. So alpha^2 > (1-delta)/delta keeps every noise score
    # below delta at every magnitude; at alpha^2 = (1-delta)/delta an uncovered component ties with delta.
    from je_vs_rc import Setting

    base = Setting([4.0, 3.0, 2.0], [1.0, 1.0, 1.0, *theta_noise], [0.0, 0.0, 0.0, 1.0, 0.6, 0.3])
    spectra = base.spectra()
    ceiling2 = (1 - spectra.delta) / spectra.delta
    je = JOINT_EMBEDDING
    for scale in (1e-3, 1.0, 1e3, 1e9):
        loud = spectra.noise_scaled(scale)
        assert je.limit_scores(loud, np.sqrt(ceiling2 * (1 + 1e-6)))[1].max() < spectra.delta
        at = je.limit_scores(loud, np.sqrt(ceiling2))[1].max()
        assert (at == pytest.approx(spectra.delta, rel=1e-12)) == tie
        assert at <= spectra.delta * (1 + 1e-12)
