"""Intertwined noise: the rotation, and the smallest alpha that recovers."""

from __future__ import annotations

import numpy as np
import pytest

from je_vs_rc.simulate.intertwined import (
    CLEAN,
    DRIFT,
    SIGNAL,
    effective_threshold,
    effective_thresholds,
    intertwined,
    limit_distances,
    limit_recovery,
    residual_trend,
    rotation,
)
from je_vs_rc.simulate.sweeps import population_distance


def test_rotation_is_orthogonal_and_zero_angle_is_the_paper(toy):
    R = rotation(6, 3, 0.3)
    np.testing.assert_allclose(R @ R.T, np.eye(6), atol=1e-12)
    same = intertwined(toy, 0.0)
    np.testing.assert_allclose(same.gamma(), toy.gamma(), atol=1e-12)
    for method in ("je", "rc"):
        for alpha in (0.3, 1.0, 4.0):
            assert population_distance(same, method, alpha) == pytest.approx(
                population_distance(toy, method, alpha), abs=1e-9
            )


def test_effective_threshold():
    alphas = np.array([0.1, 0.5, 1.0, 2.0])
    assert effective_threshold(np.array([1.0, 0.5, 0.01, 0.0]), alphas, 0.1) == 1.0
    assert effective_threshold(np.array([0.0, 0.5, 0.01, 0.0]), alphas, 0.1) == 1.0  # must stay recovered
    assert effective_threshold(np.array([0.0, 0.0, 0.0, 0.0]), alphas, 0.1) == 0.1
    assert effective_threshold(np.array([1.0, 1.0, 1.0, 0.5]), alphas, 0.1) == float("inf")


def test_effective_thresholds_at_zero_angle_bracket_the_papers(toy):
    grid = np.geomspace(0.1, 10, 40)
    effective = effective_thresholds(toy, [0.0], grid, 0.1)
    assert 0.7 <= effective["je"][0] <= 0.7 * 1.15 and np.sqrt(6.49) <= effective["rc"][0] <= np.sqrt(6.49) * 1.15


def test_rotation_sign_matches_the_chapter():
    # Gamma's i-th noise eigenvector becomes cos(t) q_{k+i} + sin(t) q_i (the chapter's convention).
    t = 0.3
    R = rotation(6, 3, t)
    expected = np.zeros(6)
    expected[[3, 0]] = np.cos(t), np.sin(t)
    np.testing.assert_allclose(R[:, 3], expected, atol=1e-15)


def test_clean_encoder_drifts_by_about_sin_angle(toy):
    angles = np.deg2rad([0.0, 10.0, 30.0, 60.0])
    dist = limit_distances(toy, angles, [10.0])
    for key in ("je", "rc"):
        assert dist[DRIFT][key][0, 0] < 1e-12
        np.testing.assert_allclose(dist[DRIFT][key][0, 1:], np.sin(angles[1:]), atol=0.01)
        # Above both thresholds the two encoders agree, so the corrupted one is as far from the signal.
        np.testing.assert_allclose(dist[SIGNAL][key], dist[DRIFT][key], atol=0.01)
    np.testing.assert_allclose(limit_recovery(toy, angles, [10.0])["je"], dist[CLEAN]["je"])


def test_residual_does_not_grow_with_the_angle_for_reconstruction(toy):
    angles, alphas = np.deg2rad([0.0, 10.0, 45.0, 75.0]), np.array([3.0, 10.0])
    limits = limit_recovery(toy, angles, alphas)
    trend = residual_trend(limits, angles, alphas, {"je": np.array([True, True]), "rc": np.array([True, True])})
    assert limits["rc"][0, 2] > limits["rc"][0, 3]  # 0.093 at 45 degrees, 0.065 at 75
    assert not trend["rc"]["grows_with_angle"] and trend["rc"]["peak_angle"] == pytest.approx(np.deg2rad(45))
    assert trend["rc"]["shrinks_with_alpha"]
