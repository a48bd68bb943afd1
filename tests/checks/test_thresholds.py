"""Recovery, phase-diagram and Cor 4.5 checks: they pass on the theory and fail on a wrong threshold."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from je_vs_rc import Setting, thresholds
from je_vs_rc.checks.claims import ClaimError
from je_vs_rc.checks.thresholds import (
    PHASE_MIN_AGREEMENT,
    check_corollary_45,
    check_limit_scores,
    check_phase_diagram,
    check_recovery,
    check_threshold_crossing,
    check_threshold_sharp,
    check_up_to_orthogonal,
)
from je_vs_rc.simulate.sweeps import phase_diagram, recovery_sweep
from je_vs_rc.theory.linalg import orthogonal_distance, subspace_distance
from je_vs_rc.theory.methods import EncoderMethod, JointEmbedding, Reconstruction
from je_vs_rc.theory.setting import Spectra
from je_vs_rc.theory.thresholds import threshold_crossing


@pytest.mark.slow
def test_threshold_predicts_finite_sample_recovery(toy):
    th = thresholds(toy)
    sweep = recovery_sweep(toy, [100, 1000, 10000, 100000], [0.3, 1.0, 4.0], seeds=[0, 1])
    assert check_recovery(sweep, th, "je", toy) == {0.3: "fails", 1.0: "recovers", 4.0: "recovers"}
    assert check_recovery(sweep, th, "rc", toy) == {0.3: "fails", 1.0: "fails", 4.0: "recovers"}


def test_recovery_check_can_fail(toy):
    # Claim a recovery the simulation does not show: the check must raise.
    th = thresholds(toy)
    sweep = recovery_sweep(toy, [100, 10000], [1.0], seeds=[0])
    lying = dataclasses.replace(th, squared={**th.squared, "rc": th.alpha_rc2 - 10})
    with pytest.raises(ClaimError, match="RC at alpha=1"):
        check_recovery(sweep, lying, "rc")


def test_corollary_check_can_fail(toy):
    th = thresholds(toy)
    wrong = dataclasses.replace(th, per_noise={**th.per_noise, "je": th.per_noise["je"] + 0.1})
    with pytest.raises(ClaimError, match="per-component identity"):
        check_corollary_45(wrong)


@pytest.mark.slow
def test_phase_diagram_agrees_with_thresholds():
    base = Setting([4.0, 3.0, 2.0], [1.0, 1.0, 1.0, 0.1, 0.1, 0.1], [0, 0, 0, 1.0, 0.6, 0.3])
    phase = phase_diagram(base, np.geomspace(0.1, 100, 12), np.geomspace(0.03, 30, 12), 10000)
    agreement = check_phase_diagram(phase, base)
    assert agreement["je"] > 0.9 and agreement["rc"] > 0.9


# ---- plausible wrong formulas: the chapters' checks must catch each one --------------------------------
# Unequal Theta on the signal (pairings matter), eta far from 1 (eta and eta^2 differ) and Theta large
# enough on the noise that each term of each threshold moves it by more than 10%.
UNEVEN = Setting([16.0, 12.0, 8.0], [0.5, 1.0, 1.5, 300.0, 3.6, 1.8], [0.0, 0.0, 0.0, 60.0, 24.0, 12.0])
CHAPTER_ALPHAS = {"rc": [0.5, 2.0, 4.0], "je": [0.3, 1.0, 3.0]}  # the alphas of chapters 04 and 05


@pytest.fixture(scope="module")
def uneven_sweep():
    return recovery_sweep(
        UNEVEN, [100, 1000, 100000], sorted({*CHAPTER_ALPHAS["rc"], *CHAPTER_ALPHAS["je"]}), seeds=[0, 1]
    )


def chapter_checks(setting: Setting, sweep, key: str) -> None:
    """What chapters 04 (RC) and 05 (JE) check about the threshold, on ``setting``."""
    th = thresholds(setting)
    sub = dataclasses.replace(
        sweep,
        alphas=sweep.alphas[[a in CHAPTER_ALPHAS[key] for a in sweep.alphas]],
        distance={m: v[[a in CHAPTER_ALPHAS[key] for a in sweep.alphas]] for m, v in sweep.distance.items()},
    )
    check_limit_scores(setting, CHAPTER_ALPHAS[key][0])
    check_recovery(sub, th, key, setting)
    check_threshold_sharp(setting, th, key)


def test_chapter_checks_pass_on_the_theory(uneven_sweep):
    for key in ("rc", "je"):
        chapter_checks(UNEVEN, uneven_sweep, key)


def _min_to_max(attr):
    def wrong(self):
        e = self.energy
        return float(np.max(e / np.sqrt(e + self.theta_signal) if attr == "eta" else e / (e + self.theta_signal)))

    return property(wrong)


WRONG = {  # name -> (method key, class or module to patch, attribute, wrong value)
    "RC without the -1": (
        "rc",
        Reconstruction,
        "threshold2_per_noise",
        lambda self, s: s.gamma_noise / s.eta**2 - s.theta_noise / s.gamma_noise,
    ),
    "RC with eta not squared": (
        "rc",
        Reconstruction,
        "threshold2_per_noise",
        lambda self, s: s.gamma_noise / s.eta - s.theta_noise / s.gamma_noise - 1,
    ),
    "RC without the Theta term": (
        "rc",
        Reconstruction,
        "threshold2_per_noise",
        lambda self, s: s.gamma_noise / s.eta**2 - 1,
    ),
    "RC with delta in place of eta": ("rc", Spectra, "eta", property(lambda self: self.delta)),
    "eta with max instead of min": ("rc", Spectra, "eta", _min_to_max("eta")),
    "delta with max instead of min": ("je", Spectra, "delta", _min_to_max("delta")),
    "JE with 1/delta for (1-delta)/delta": (
        "je",
        JointEmbedding,
        "threshold2_per_noise",
        lambda self, s: 1 / s.delta - s.theta_noise / s.gamma_noise,
    ),
    "JE without the Theta term": (
        "je",
        JointEmbedding,
        "threshold2_per_noise",
        lambda self, s: (1 - s.delta) / s.delta + 0 * s.gamma_noise,
    ),
    "JE with the Theta ratio inverted": (
        "je",
        JointEmbedding,
        "threshold2_per_noise",
        lambda self, s: (1 - s.delta) / s.delta - s.gamma_noise / s.theta_noise,
    ),
    "JE: alpha where alpha^2 belongs": ("je", EncoderMethod, "recovers", lambda self, t, alpha: bool(alpha > t)),
    "RC: alpha where alpha^2 belongs": ("rc", EncoderMethod, "recovers", lambda self, t, alpha: bool(alpha > t)),
    "RC noise score with (1 + alpha)": (
        "rc",
        Reconstruction,
        "limit_scores",
        lambda self, s, a: (
            s.energy / np.sqrt(s.energy + s.theta_signal),
            s.gamma_noise / np.sqrt(s.theta_noise + (1 + a) * s.gamma_noise),
        ),
    ),
    "JE signal scores in the wrong order": (
        "je",
        JointEmbedding,
        "limit_scores",
        lambda self, s, a: (
            s.energy[::-1] / (s.energy[::-1] + s.theta_signal),
            s.gamma_noise / (s.theta_noise + (1 + a**2) * s.gamma_noise),
        ),
    ),
    "energies paired with the wrong Theta": (
        "je",
        Setting,
        "spectra",
        lambda self: Spectra(
            self.signal_energy[::-1], self.lam_theta[: self.k], self.lam_theta[self.k :], self.lam_gamma[self.k :]
        ),
    ),
}


@pytest.mark.parametrize("name", WRONG)
def test_chapter_checks_catch_a_wrong_formula(name, uneven_sweep, monkeypatch):
    key, owner, attr, wrong = WRONG[name]
    monkeypatch.setattr(owner, attr, wrong)
    with pytest.raises(ClaimError):
        chapter_checks(UNEVEN, uneven_sweep, key)


def test_threshold_crossing_is_checked(monkeypatch):
    # The default spectra cross on the switch; Theta loud on the loudest noise component moves it right.
    for theta_noise, at_switch in (([0.1, 0.1, 0.1], True), ([2.0, 0.01, 0.1], False)):
        base = Setting([4.0, 3.0, 2.0], [1.0, 1.0, 1.0, *theta_noise], [0, 0, 0, 1.0, 0.6, 0.3])
        crossing = threshold_crossing(base)
        assert crossing.at_switch == at_switch
        check_threshold_crossing(base, crossing)
    assert crossing.scale == pytest.approx(2.909, abs=1e-3)
    # The old caption's reading (crossing at max lam_gamma = eta^2/delta) fails the check here.
    with pytest.raises(ClaimError):
        check_threshold_crossing(base, dataclasses.replace(crossing, scale=crossing.switch_scale))
    with pytest.raises(ClaimError):
        check_threshold_crossing(base, dataclasses.replace(crossing, at_switch=True))
    # Where both drawn thresholds sit at alpha = 0: a wrong end of that interval fails.
    with pytest.raises(ClaimError, match="said to be 0 up to scale"):
        check_threshold_crossing(base, dataclasses.replace(crossing, zero_until=2 * crossing.zero_until))


def test_lines_at_zero_past_the_crossing_are_checked():
    # Theta loud on the noise (issue 23, item 1): the squared thresholds cross at scale 2 where both are
    # negative; both thresholds on alpha are 0 up to scale 2.72, where RC's turns positive.
    base = Setting([4.0, 3.0, 2.0], [0.01, 0.01, 0.01, 1.0, 1.0, 1.0], [0, 0, 0, 1.0, 0.6, 0.3])
    crossing = threshold_crossing(base)
    assert crossing.alpha2 < 0 and crossing.zero_until == pytest.approx(2.7213, abs=1e-4)
    check_threshold_crossing(base, crossing)
    with pytest.raises(ClaimError, match="0 up to scale"):
        check_threshold_crossing(base, dataclasses.replace(crossing, zero_until=0.5 * crossing.scale))


def test_orthogonal_check_sees_what_the_subspace_distance_cannot(toy):
    W = np.random.default_rng(0).standard_normal((3, 6))
    assert subspace_distance(W, 2 * W) < 1e-12 and orthogonal_distance(2 * W, W) == pytest.approx(1.0)
    th = thresholds(toy)
    curves = check_up_to_orthogonal(toy, th, [0.3, 1.0, 3.0], [100, 10000])
    assert set(curves) == {1.0, 3.0}
    # An encoder scaled by 2 is "recovered" for the subspace distance but not up to an orthogonal U.
    solve = JointEmbedding.solve
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            JointEmbedding,
            "solve",
            lambda self, S, G, k, S_inv_sqrt=None: solve(self, S, G, k)._replace(
                encoder=solve(self, S, G, k).encoder * (2.0 if np.any(np.diag(G)[k:] > 0) else 1.0)
            ),
        )
        with pytest.raises(ClaimError, match="orthogonal U"):
            check_up_to_orthogonal(toy, th, [1.0], [100, 10000])


def test_phase_check_requires_its_minimum_agreement():
    base = Setting([4.0, 3.0, 2.0], [1.0, 1.0, 1.0, 0.1, 0.1, 0.1], [0, 0, 0, 1.0, 0.6, 0.3])
    phase = phase_diagram(base, np.geomspace(0.1, 100, 6), np.geomspace(0.03, 30, 6), 2000)
    assert min(check_phase_diagram(phase, base).values()) >= PHASE_MIN_AGREEMENT
    # Flip 15% of the cells and exempt every cell from the boundary rule: the agreement rule alone must fail.
    flip = np.random.default_rng(0).random(phase.selected["je"].shape) < 0.15
    flipped = {key: np.where(flip, 1.0 - v, v) for key, v in phase.selected.items()}
    with pytest.raises(ClaimError, match="% of the cells agree"):
        check_phase_diagram(dataclasses.replace(phase, selected=flipped), base, margin=np.inf)
