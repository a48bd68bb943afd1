"""Intertwined noise: the rotation, and the smallest alpha that recovers."""
from __future__ import annotations

import numpy as np
import pytest

from je_vs_rc.simulate.intertwined import effective_threshold, effective_thresholds, intertwined, rotation
from je_vs_rc.simulate.sweeps import population_distance


def test_rotation_is_orthogonal_and_zero_angle_is_the_paper(toy):
    R = rotation(6, 3, 0.3)
    np.testing.assert_allclose(R @ R.T, np.eye(6), atol=1e-12)
    same = intertwined(toy, 0.0)
    np.testing.assert_allclose(same.gamma(), toy.gamma(), atol=1e-12)
    for method in ("je", "rc"):
        for alpha in (0.3, 1.0, 4.0):
            assert population_distance(same, method, alpha) == pytest.approx(population_distance(toy, method, alpha),
                                                                             abs=1e-9)


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
