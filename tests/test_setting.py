"""The setting's moments (section 2) against Monte-Carlo sampling, and its invariants."""
from __future__ import annotations

import numpy as np
import pytest

from je_vs_rc import augmented_moments
from je_vs_rc.verify import ClaimError, check_lemma_b1, check_moments

from conftest import random_setting


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_moments_match_sampling(seed):
    rng = np.random.default_rng(seed)
    check_moments(random_setting(rng, 5, 2), alpha=float(rng.uniform(0, 2)), n=50, n_views=400, rng=rng)


@pytest.mark.parametrize("seed", [0, 1])
def test_lemma_b1(seed):
    rng = np.random.default_rng(seed)
    check_lemma_b1(random_setting(rng, 5, 2), alpha=1.0, n=40, n_views=400, n_labels=2, rng=rng)


def test_moment_check_detects_a_wrong_sigma(toy, monkeypatch):
    # If Sigma forgot the alpha^2 (Sigma = Theta + alpha Gamma), the check must fail.
    rng = np.random.default_rng(0)
    monkeypatch.setattr(type(toy), "sigma", lambda self, a: np.diag(self.lam_theta + a * self.lam_gamma))
    with pytest.raises(ClaimError):
        check_moments(toy, alpha=2.0, n=100, n_views=500, rng=rng)


def test_clean_data_has_exact_energies(toy):
    rng = np.random.default_rng(3)
    for n in (3, 10, 1000):
        S, G = augmented_moments(toy.clean_data(n, rng), toy.sigma(1.0))
        np.testing.assert_allclose(G, np.diag(np.r_[toy.signal_energy, np.zeros(3)]), atol=1e-10)


def test_seeds_make_runs_repeatable(toy):
    from je_vs_rc.experiments import recovery_sweep

    a = recovery_sweep(toy, [50, 200], [0.5, 2.0], seeds=[7])
    b = recovery_sweep(toy, [50, 200], [0.5, 2.0], seeds=[7])
    for key in a.distance:
        np.testing.assert_array_equal(a.distance[key], b.distance[key])
