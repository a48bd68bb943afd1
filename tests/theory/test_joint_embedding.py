"""Thm 3.2 on a case solvable by hand (the optimum check on random instances: checks/test_closed_forms.py)."""

from __future__ import annotations

import numpy as np

from je_vs_rc import joint_embedding
from je_vs_rc.theory.linalg import subspace_distance


def test_joint_embedding_matches_generalised_eigenproblem_by_hand():
    # A 2-d case solvable on paper: S = diag(2, 1), G = diag(1, 0.9): ratios 0.5 and 0.9 -> picks e2.
    X = np.array([[np.sqrt(2.0), 0.0], [0.0, np.sqrt(1.8)]])  # G = X^T X / 2 = diag(1, 0.9)
    Sigma = np.diag([1.0, 0.1])
    W = joint_embedding(X, Sigma, 1)
    assert subspace_distance(W, np.array([[0.0, 1.0]])) < 1e-12
    np.testing.assert_allclose(abs(W[0, 1]), 1.0)  # W S W^T = 1 with S_22 = 1
