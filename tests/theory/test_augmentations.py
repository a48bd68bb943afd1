"""Augmentation families: each family's (Xbar, Sigma) against Monte-Carlo views of that family."""

from __future__ import annotations

import numpy as np
import pytest

from je_vs_rc import augmentation_covariance
from je_vs_rc.theory.augmentations import AlignedNoise, Masking
from je_vs_rc.theory.setting import monte_carlo_moments


def _sampled(family, X, n_views, seed=0):
    """Monte-Carlo (Xbar, Sigma) of ``family`` on X: views' sample means and average covariance."""
    views = family.sample(X, n_views, np.random.default_rng(seed))
    _, _, Sigma = monte_carlo_moments(views)
    return views.mean(axis=0), Sigma * n_views / (n_views - 1)


@pytest.mark.parametrize(
    "family",
    [
        AlignedNoise([1.0, 0.5, 0.2], [0.0, 2.0, 1.0], alpha=2.5),
        Masking(keep_prob=0.7),
    ],
)
def test_family_moments_match_its_views(family):
    X = np.random.default_rng(1).uniform(-2, 2, (30, 3))
    Xbar, Sigma = family.moments(X)
    Xbar_mc, Sigma_mc = _sampled(family, X, 20_000)
    np.testing.assert_allclose(Xbar_mc, Xbar, atol=0.1)
    np.testing.assert_allclose(Sigma_mc, Sigma, atol=0.12)


def test_aligned_noise_squares_alpha():
    # alpha = 3: Sigma = Theta + 9 Gamma (not 3 Gamma), in a rotated basis too.
    Q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 3)))
    Sigma = AlignedNoise([1.0, 1.0, 1.0], [0.0, 1.0, 2.0], 3.0, Q).covariance()
    np.testing.assert_allclose(np.sort(np.linalg.eigvalsh(Sigma)), [1.0, 10.0, 19.0])
    np.testing.assert_allclose(augmentation_covariance([1.0, 1.0], [0.0, 2.0], 3.0), np.diag([1.0, 19.0]))


def test_masking_mean_is_not_the_data():
    X = np.ones((4, 2))
    Xbar, Sigma = Masking(0.25).moments(X)
    np.testing.assert_allclose(Xbar, 0.25 * X)
    np.testing.assert_allclose(Sigma, np.diag([0.1875, 0.1875]))


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: Masking(1.5), r"keep_prob must be in \(0, 1\]; got 1\.5"),
        (lambda: Masking(0.0), r"keep_prob must be > 0.0"),
        (lambda: AlignedNoise([1.0], [1.0], -2.0), r"alpha must be >= 0.0; got -2\.0"),
        (lambda: AlignedNoise([1.0], [1.0, 1.0], 1.0), r"lam_gamma must have length 1"),
    ],
)
def test_bad_family_parameters_are_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()
