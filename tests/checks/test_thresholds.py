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
from je_vs_rc.theory.methods import JOINT_EMBEDDING, RECONSTRUCTION, EncoderMethod
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


def chapter_checks(setting: Setting, sweep, method: EncoderMethod) -> None:
    """What chapters 04 (RC) and 05 (JE) check about the threshold of ``method``, on ``setting``."""
    alphas = CHAPTER_ALPHAS[method.key]
    th = thresholds(setting, methods=[method])
    sub = dataclasses.replace(
        sweep,
        alphas=sweep.alphas[[a in alphas for a in sweep.alphas]],
        distance={m: v[[a in alphas for a in sweep.alphas]] for m, v in sweep.distance.items()},
    )
    check_limit_scores(setting, alphas[0], [method])
    check_recovery(sub, th, method, setting)
    check_threshold_sharp(setting, th, method)


def test_chapter_checks_pass_on_the_theory(uneven_sweep):
    for method in (RECONSTRUCTION, JOINT_EMBEDDING):
        chapter_checks(UNEVEN, uneven_sweep, method)


def _variant(method: EncoderMethod, **wrong) -> EncoderMethod:
    """``method`` with some of its formulas replaced by ``wrong`` ones (passed to the checks, not patched in)."""
    cls = dataclasses.dataclass(frozen=True)(type(f"Wrong{type(method).__name__}", (type(method),), wrong))
    return cls(**dataclasses.asdict(method))


def _uneven_with(spectra) -> Setting:
    """UNEVEN computing its spectra with a wrong formula ``spectra(self)`` in place of ``Setting.spectra``."""
    return type("WrongSetting", (Setting,), {"spectra": spectra})(
        UNEVEN.signal_energy, UNEVEN.lam_theta, UNEVEN.lam_gamma
    )


def _spectra_with(**wrong) -> Setting:
    """UNEVEN whose spectra compute eta or delta with a ``wrong`` formula."""
    cls = type("WrongSpectra", (Spectra,), wrong)
    return _uneven_with(lambda self: cls(**dataclasses.asdict(Setting.spectra(self))))


def _min_to_max(attr):
    def wrong(self):
        e = self.energy
        return float(np.max(e / np.sqrt(e + self.theta_signal) if attr == "eta" else e / (e + self.theta_signal)))

    return property(wrong)


RC, JE = RECONSTRUCTION, JOINT_EMBEDDING
WRONG = {  # name -> (the method checked, the setting checked): one of them computes something wrongly
    "RC without the -1": (
        _variant(RC, threshold2_per_noise=lambda self, s: s.gamma_noise / s.eta**2 - s.theta_noise / s.gamma_noise),
        UNEVEN,
    ),
    "RC with eta not squared": (
        _variant(RC, threshold2_per_noise=lambda self, s: s.gamma_noise / s.eta - s.theta_noise / s.gamma_noise - 1),
        UNEVEN,
    ),
    "RC without the Theta term": (
        _variant(RC, threshold2_per_noise=lambda self, s: s.gamma_noise / s.eta**2 - 1),
        UNEVEN,
    ),
    "RC with delta in place of eta": (RC, _spectra_with(eta=property(lambda self: self.delta))),
    "eta with max instead of min": (RC, _spectra_with(eta=_min_to_max("eta"))),
    "delta with max instead of min": (JE, _spectra_with(delta=_min_to_max("delta"))),
    "JE with 1/delta for (1-delta)/delta": (
        _variant(JE, threshold2_per_noise=lambda self, s: 1 / s.delta - s.theta_noise / s.gamma_noise),
        UNEVEN,
    ),
    "JE without the Theta term": (
        _variant(JE, threshold2_per_noise=lambda self, s: (1 - s.delta) / s.delta + 0 * s.gamma_noise),
        UNEVEN,
    ),
    "JE with the Theta ratio inverted": (
        _variant(JE, threshold2_per_noise=lambda self, s: (1 - s.delta) / s.delta - s.gamma_noise / s.theta_noise),
        UNEVEN,
    ),
    "JE: alpha where alpha^2 belongs": (_variant(JE, recovers=lambda self, t, alpha: bool(alpha > t)), UNEVEN),
    "RC: alpha where alpha^2 belongs": (_variant(RC, recovers=lambda self, t, alpha: bool(alpha > t)), UNEVEN),
    "RC noise score with (1 + alpha)": (
        _variant(
            RC,
            limit_scores=lambda self, s, a: (
                s.energy / np.sqrt(s.energy + s.theta_signal),
                s.gamma_noise / np.sqrt(s.theta_noise + (1 + a) * s.gamma_noise),
            ),
        ),
        UNEVEN,
    ),
    "JE signal scores in the wrong order": (
        _variant(
            JE,
            limit_scores=lambda self, s, a: (
                s.energy[::-1] / (s.energy[::-1] + s.theta_signal),
                s.gamma_noise / (s.theta_noise + (1 + a**2) * s.gamma_noise),
            ),
        ),
        UNEVEN,
    ),
    "energies paired with the wrong Theta": (
        JE,
        _uneven_with(
            lambda self: Spectra(
                self.signal_energy[::-1], self.lam_theta[: self.k], self.lam_theta[self.k :], self.lam_gamma[self.k :]
            )
        ),
    ),
}


@pytest.mark.parametrize("name", WRONG)
def test_chapter_checks_catch_a_wrong_formula(name, uneven_sweep):
    method, setting = WRONG[name]
    with pytest.raises(ClaimError):
        chapter_checks(setting, uneven_sweep, method)


def test_threshold_crossing_is_checked():
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
    real = JE.solve

    def scaled_when_corrupted(self, S, G, k, S_inv_sqrt=None):
        solved = real(S, G, k)
        return solved._replace(encoder=solved.encoder * (2.0 if np.any(np.diag(G)[k:] > 0) else 1.0))

    with pytest.raises(ClaimError, match="orthogonal U"):
        check_up_to_orthogonal(toy, th, [1.0], [100, 10000], method=_variant(JE, solve=scaled_when_corrupted))


def test_phase_check_requires_its_minimum_agreement():
    base = Setting([4.0, 3.0, 2.0], [1.0, 1.0, 1.0, 0.1, 0.1, 0.1], [0, 0, 0, 1.0, 0.6, 0.3])
    phase = phase_diagram(base, np.geomspace(0.1, 100, 6), np.geomspace(0.03, 30, 6), 2000)
    assert min(check_phase_diagram(phase, base).values()) >= PHASE_MIN_AGREEMENT
    # Flip 15% of the cells and exempt every cell from the boundary rule: the agreement rule alone must fail.
    flip = np.random.default_rng(0).random(phase.selected["je"].shape) < 0.15
    flipped = {key: np.where(flip, 1.0 - v, v) for key, v in phase.selected.items()}
    with pytest.raises(ClaimError, match="% of the cells agree"):
        check_phase_diagram(dataclasses.replace(phase, selected=flipped), base, margin=np.inf)
