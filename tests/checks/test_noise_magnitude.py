"""Chapter 1's picture of noise magnitude: the check passes on the theory and raises on plausible wrong
formulas for either criterion."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pytest

from je_vs_rc import Setting
from je_vs_rc.checks.claims import ClaimError
from je_vs_rc.checks.noise_magnitude import check_noise_magnitude
from je_vs_rc.theory.linalg import sym_inv_sqrt
from je_vs_rc.theory.methods import JOINT_EMBEDDING, PAPER_ENCODERS, RECONSTRUCTION, JointEmbedding, Reconstruction
from je_vs_rc.theory.thresholds import noise_magnitude_scores, overtaking_scale

SCALES = np.geomspace(0.01, 1000, 25)


@pytest.fixture
def profile() -> Setting:
    """Chapter 1's setting before scaling: the toy spectra with Gamma = the noise profile."""
    return Setting([4.0, 3.0, 2.0], [1.0, 1.0, 1.0, 0.1, 0.1, 0.1], [0, 0, 0, 1.0, 0.6, 0.3])


def test_the_check_passes_on_the_theory(profile):
    out = check_noise_magnitude(profile, noise_magnitude_scores(profile, 1.0, SCALES))
    # delta = 2/3 > 1/2 = the ceiling: JE keeps the signal at every magnitude; RC's loudest noise score
    # g s / sqrt(0.1 + 2 g s) (g = 1) meets eta^2 = 4/3 where s^2 - (8/3) s - 0.4/3 = 0.
    assert out["ceiling"] == 0.5 and out["je_weakest_signal"] == pytest.approx(2 / 3)
    assert out["je_overtaken_at"] == np.inf
    assert out["rc_overtaken_at"] == pytest.approx((8 / 3 + np.sqrt(64 / 9 + 0.4 * 4 / 3)) / 2, rel=1e-10)
    # Without alignment JE is overtaken too: g s / (0.1 + g s) = 2/3 at s = 0.2.
    at_zero = check_noise_magnitude(profile, noise_magnitude_scores(profile, 0.0, SCALES))
    assert at_zero["je_overtaken_at"] == pytest.approx(0.2, rel=1e-10)


@pytest.mark.parametrize("alpha", [0.0, 0.7, 3.0])
def test_the_check_passes_in_a_random_basis(random_setting, alpha):
    setting = random_setting(np.random.default_rng(3), 7, 3)
    out = check_noise_magnitude(setting, noise_magnitude_scores(setting, alpha, SCALES))
    assert 0 < out["rc_overtaken_at"] < np.inf


def test_overtaking_scale_edges(profile):
    # Theta = 0 on the noise and alpha = 0: every noise score is 1 at every magnitude.
    bare = Setting([4.0, 3.0, 2.0], [1.0, 1.0, 1.0, 0, 0, 0], [0, 0, 0, 1.0, 0.6, 0.3])
    assert overtaking_scale(bare.spectra(), JOINT_EMBEDDING, 0.0) == 0.0
    assert overtaking_scale(profile.spectra(), JOINT_EMBEDDING, 1.0) == np.inf
    with pytest.raises(ValueError, match="scales must be increasing"):
        noise_magnitude_scores(profile, 1.0, [1.0, 0.5])


@dataclass(frozen=True)
class Unwhitened(JointEmbedding):
    """JE scored without its constraint: the views' shared variance G, a PCA (consistently so)."""

    def selection_matrix(self, S, G):
        return G

    def limit_scores(self, spectra, alpha):
        return spectra.energy, spectra.gamma_noise


@dataclass(frozen=True)
class FullyWhitened(Reconstruction):
    """RC with S^-1 in place of S^-1/2 (a slip in Thm 3.1's substitution), consistently so."""

    def selection_matrix(self, S, G):
        S_is = sym_inv_sqrt(S, "S")
        return G @ S_is @ S_is

    def limit_scores(self, spectra, alpha):
        e, g = spectra.energy, spectra.gamma_noise
        return e / (e + spectra.theta_signal), g / (spectra.theta_noise + (1 + alpha**2) * g)


@dataclass(frozen=True)
class DroppedOne(JointEmbedding):
    """JE's noise score with alpha^2 for 1 + alpha^2 (the matrices stay right)."""

    def limit_scores(self, spectra, alpha):
        g = spectra.gamma_noise
        return super().limit_scores(spectra, alpha)[0], g / (spectra.theta_noise + alpha**2 * g)


@dataclass(frozen=True)
class TwoThetas(JointEmbedding):
    """JE's noise score charging Theta once per view, 2 lam_theta (the matrices stay right)."""

    def limit_scores(self, spectra, alpha):
        g = spectra.gamma_noise
        return super().limit_scores(spectra, alpha)[0], g / (2 * spectra.theta_noise + (1 + alpha**2) * g)


@dataclass(frozen=True)
class Doubled(Reconstruction):
    """RC's scores twice too large (a slip in the loss's normalisation), consistently so."""

    def selection_matrix(self, S, G):
        return 2 * super().selection_matrix(S, G)

    def limit_scores(self, spectra, alpha):
        return tuple(2 * x for x in super().limit_scores(spectra, alpha))


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (Unwhitened(**dataclasses.asdict(JOINT_EMBEDDING)), "JE: rescaling noise direction 4"),
        (FullyWhitened(**dataclasses.asdict(RECONSTRUCTION)), "RC: rescaling noise direction 4"),
        (DroppedOne(**dataclasses.asdict(JOINT_EMBEDDING)), "JE: a noise score .* exceeds 1/"),
        (TwoThetas(**dataclasses.asdict(JOINT_EMBEDDING)), "JE at noise scale .* differ from the closed form"),
        (Doubled(**dataclasses.asdict(RECONSTRUCTION)), "RC's scores are not JE's times sqrt"),
    ],
)
def test_the_check_raises_on_a_wrong_formula(profile, wrong, message):
    je, rc = (wrong if wrong.key == m.key else m for m in PAPER_ENCODERS)
    with pytest.raises(ClaimError, match=message):
        check_noise_magnitude(profile, noise_magnitude_scores(profile, 1.0, SCALES, (je, rc)), je=je, rc=rc)


def test_the_check_raises_on_a_wrong_crossing(profile):
    result = noise_magnitude_scores(profile, 1.0, SCALES)
    moved = dataclasses.replace(result, overtaken_at={**result.overtaken_at, "rc": result.overtaken_at["rc"] * 1.01})
    with pytest.raises(ClaimError, match="RC at noise scale .* does not meet"):
        check_noise_magnitude(profile, moved)
    never = noise_magnitude_scores(profile, 0.0, SCALES)
    hidden = dataclasses.replace(never, overtaken_at={**never.overtaken_at, "je": np.inf})
    with pytest.raises(ClaimError, match="JE: ceiling 1 against weakest signal"):
        check_noise_magnitude(profile, hidden)


def test_the_check_raises_on_swapped_scores(profile):
    # A wiring slip: each method given the other's noise scores.
    result = noise_magnitude_scores(profile, 1.0, SCALES)
    swapped = dataclasses.replace(result, noise={"je": result.noise["rc"], "rc": result.noise["je"]})
    with pytest.raises(ClaimError, match="JE: a noise score .* exceeds"):
        check_noise_magnitude(profile, swapped)
    rc_only = dataclasses.replace(result, noise={**result.noise, "rc": result.noise["je"]})
    with pytest.raises(ClaimError, match="RC: squared noise scores fall .* short of linear growth"):
        check_noise_magnitude(profile, rc_only)


def test_the_registry_ceilings_are_the_limits_of_the_scores(profile):
    loud = profile.spectra().noise_scaled(1e12)
    for method in PAPER_ENCODERS:
        for alpha in (0.0, 0.5, 2.0):
            top = float(method.limit_scores(loud, alpha)[1].max())
            assert top == pytest.approx(method.noise_ceiling(alpha), rel=1e-9) or (
                method.noise_ceiling(alpha) == np.inf and top > 1e5
            )
