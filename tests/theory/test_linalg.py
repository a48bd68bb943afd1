"""Linear-algebra helpers."""

from __future__ import annotations

import numpy as np
import pytest

from je_vs_rc.theory.linalg import subspace_distance, sym_inv_sqrt


def test_subspace_distance_is_blind_to_invertible_maps_only():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((2, 5))
    assert subspace_distance(A, (rng.standard_normal((2, 2)) + 3 * np.eye(2)) @ A) < 1e-12
    assert subspace_distance(np.eye(5)[:2], np.eye(5)[2:4]) == pytest.approx(1.0)


def test_sym_inv_sqrt_and_singular_input():
    M = np.array([[4.0, 1.0], [1.0, 3.0]])
    R = sym_inv_sqrt(M)
    np.testing.assert_allclose(R @ M @ R, np.eye(2), atol=1e-12)
    with pytest.raises(ValueError, match="S must be positive definite"):
        sym_inv_sqrt(np.diag([1.0, 0.0]), "S")


def test_orthogonal_distance_sees_scaling_but_not_rotations():
    from je_vs_rc.theory.linalg import orthogonal_distance

    rng = np.random.default_rng(0)
    W = rng.standard_normal((3, 7))
    U, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    assert orthogonal_distance(U @ W, W) < 1e-12
    assert subspace_distance(2 * W, W) < 1e-12 and orthogonal_distance(2 * W, W) == pytest.approx(1.0)
