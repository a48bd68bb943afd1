"""Eq. 46 on a case solvable by hand (the optimum check on random instances: checks/test_closed_forms.py)."""

from __future__ import annotations

import numpy as np

from je_vs_rc import supervised


def test_supervised_ridge_scalar_case():
    # d = l = 1: V = (x.y/n) / (x.x/n + sigma).
    X = np.array([[1.0], [2.0], [3.0]])
    Y = np.array([[2.0], [4.1], [5.9]])
    V = supervised(X, Y, np.array([[0.5]]))
    assert V.shape == (1, 1)
    np.testing.assert_allclose(V[0, 0], (X[:, 0] @ Y[:, 0] / 3) / (X[:, 0] @ X[:, 0] / 3 + 0.5))
