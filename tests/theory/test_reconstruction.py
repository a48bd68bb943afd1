"""Thm 3.1 without an optimiser (the optimum check on random instances: checks/test_closed_forms.py)."""

from __future__ import annotations

import numpy as np

from je_vs_rc import reconstruction
from je_vs_rc.theory.reconstruction import reconstruction_objective


def test_reconstruction_beats_perturbations(toy):
    # Small perturbations of the closed form never lower the exact loss.
    rng = np.random.default_rng(1)
    X = toy.clean_data(30, rng) + toy.corruption(30, rng)
    Sigma = toy.sigma(0.5)
    E, D = reconstruction(X, Sigma, 2)
    best = reconstruction_objective(E, D, X, Sigma)
    for _ in range(50):
        dE, dD = 1e-3 * rng.standard_normal(E.shape), 1e-3 * rng.standard_normal(D.shape)
        assert reconstruction_objective(E + dE, D + dD, X, Sigma) >= best - 1e-12
