"""The controlled setting (section 2): exact clean-data energies, spectra blocks, validation."""

from __future__ import annotations

import numpy as np
import pytest

from je_vs_rc import Setting, augmented_moments


def test_clean_data_has_exact_energies(toy):
    rng = np.random.default_rng(3)
    for n in (3, 10, 1000):
        S, G = augmented_moments(toy.clean_data(n, rng), toy.sigma(1.0))
        np.testing.assert_allclose(G, np.diag(np.r_[toy.signal_energy, np.zeros(3)]), atol=1e-10)


def test_spectra_split_signal_and_noise(toy):
    spectra = toy.spectra()
    np.testing.assert_array_equal(spectra.gamma_noise, [10.0, 6.0, 3.0])
    np.testing.assert_array_equal(spectra.theta_signal, [1.0, 1.0, 1.0])
    assert spectra.eta == pytest.approx(2 / np.sqrt(3)) and spectra.delta == pytest.approx(2 / 3)


def test_population_moments_at_alpha_two(toy):
    # alpha = 2 tells alpha from alpha^2: S - G must be Theta + 4 Gamma.
    S, G = toy.population_moments(2.0, corrupted=True)
    np.testing.assert_allclose(S - G, np.diag(toy.lam_theta + 4.0 * toy.lam_gamma), atol=1e-12)
    np.testing.assert_allclose(G, np.diag(np.r_[toy.signal_energy, 0, 0, 0] + toy.lam_gamma), atol=1e-12)


def test_sigma_rejects_negative_alpha(toy):
    # Before: sigma(-1) silently computed Theta + Gamma (alpha^2 = 1).
    with pytest.raises(ValueError, match=r"alpha must be >= 0.0; got -1\.0"):
        toy.sigma(-1.0)


def test_corruption_basis_must_be_orthogonal():
    with pytest.raises(ValueError, match="corruption_basis must be an orthogonal"):
        Setting([1.0], [1.0, 1.0], [0.0, 1.0], corruption_basis=np.ones((2, 2)))
