"""Recovery, phase-diagram and Cor 4.5 checks: they pass on the theory and fail on a wrong threshold."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from je_vs_rc import Setting, thresholds
from je_vs_rc.checks.claims import ClaimError
from je_vs_rc.checks.thresholds import check_corollary_45, check_phase_diagram, check_recovery
from je_vs_rc.simulate.sweeps import phase_diagram, recovery_sweep


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
