"""Intertwined-noise checks."""

from __future__ import annotations

import numpy as np
import pytest

from je_vs_rc import thresholds
from je_vs_rc.checks.claims import ClaimError
from je_vs_rc.checks.intertwined import (
    check_blind_spot,
    check_intertwined,
    check_reference_drift,
    check_simulation_near_limit,
)
from je_vs_rc.simulate.intertwined import DRIFT, intertwined, limit_distances, limit_recovery


def test_tilt_leaves_a_residual_and_simulations_approach_the_limit(toy):
    angles, alphas = np.deg2rad([0.0, 5.0, 30.0]), np.array([0.3, 1.0, 4.0])
    residual = check_intertwined(limit_recovery(toy, angles, alphas), angles, alphas, thresholds(toy))
    assert residual["je"] > 1e-6 and residual["rc"] > 1e-6
    assert check_simulation_near_limit(intertwined(toy, np.deg2rad(30)), 200_000, [4.0], seed=1) < 0.02


def test_intertwined_checks_can_fail(toy):
    angles, alphas = np.deg2rad([0.0, 5.0]), np.array([0.3, 4.0])
    limits = limit_recovery(toy, angles, alphas)
    limits["je"][:, 0] = 0.0  # claims recovery at angle 0 below the threshold
    with pytest.raises(ClaimError, match="JE at angle 0"):
        check_intertwined(limits, angles, alphas, thresholds(toy))
    with pytest.raises(ClaimError, match="simulation at n=50"):  # near alpha_JE, 50 samples are far from the limit
        check_simulation_near_limit(intertwined(toy, np.deg2rad(30)), 50, [0.8], seed=0)
    assert check_blind_spot(toy, [0.3, 4.0]) < 1e-8


def test_reference_drift_check_can_fail(toy):
    angles = np.deg2rad([0.0, 10.0, 45.0])
    distances = limit_distances(toy, angles, [1.5, 10.0])
    drift = check_reference_drift(distances, angles)
    assert drift["je"][1] == pytest.approx(np.sin(angles[1]), abs=0.01)
    distances[DRIFT]["rc"][:, 1] = 0.0  # a clean encoder that stays in span(Q_1) at a tilted angle
    with pytest.raises(ClaimError, match="stays in span"):
        check_reference_drift(distances, angles)
