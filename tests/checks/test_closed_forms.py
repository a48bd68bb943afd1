"""The closed-form checks on random instances: moments, Lemma B.1 and each closed form against a
numerical optimum of its exact objective; each check must be able to fail."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from je_vs_rc.checks.claims import ClaimError
from je_vs_rc.checks.closed_forms import (check_joint_embedding_optimum, check_lemma_b1, check_moments,
                                          check_reconstruction_optimum, check_supervised_optimum)
from je_vs_rc.theory.augmentations import AlignedNoise

instances = st.tuples(st.integers(0, 2**32 - 1), st.integers(3, 6), st.data())


def _instance(random_setting, seed: int, d: int, data: st.DataObject):
    k = data.draw(st.integers(1, d - 1), label="k")
    n = data.draw(st.integers(d + 2, 60), label="n")
    alpha = data.draw(st.floats(0.0, 3.0), label="alpha")
    rng = np.random.default_rng(seed)
    setting = random_setting(rng, d, k)
    X = setting.clean_data(n, rng) + setting.corruption(n, rng)
    return rng, setting, X, setting.sigma(alpha), k


@settings(max_examples=15, deadline=None)
@given(instances)
def test_supervised_is_the_optimum(random_setting, args):
    rng, _, X, Sigma, _ = _instance(random_setting, *args)
    check_supervised_optimum(X, rng.standard_normal((X.shape[0], 2)), Sigma, rng)


@settings(max_examples=10, deadline=None)
@given(instances)
def test_reconstruction_is_the_optimum(random_setting, args):
    rng, _, X, Sigma, k = _instance(random_setting, *args)
    check_reconstruction_optimum(X, Sigma, k, rng, starts=3)


@settings(max_examples=10, deadline=None)
@given(instances)
def test_joint_embedding_is_the_optimum(random_setting, args):
    rng, _, X, Sigma, k = _instance(random_setting, *args)
    check_joint_embedding_optimum(X, Sigma, k, rng, starts=2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_moments_match_sampling(random_setting, seed):
    rng = np.random.default_rng(seed)
    check_moments(random_setting(rng, 5, 2), alpha=float(rng.uniform(1.5, 3)), n=50, n_views=400, rng=rng)


@pytest.mark.parametrize("seed, alpha", [(0, 1.0), (1, 2.5)])
def test_lemma_b1(random_setting, seed, alpha):
    rng = np.random.default_rng(seed)
    check_lemma_b1(random_setting(rng, 5, 2), alpha=alpha, n=40, n_views=400, n_labels=2, rng=rng)


def test_moment_check_detects_a_wrong_sigma(toy, monkeypatch):
    # If Sigma forgot the square (Sigma = Theta + alpha Gamma), the check must fail.
    rng = np.random.default_rng(0)
    monkeypatch.setattr(AlignedNoise, "covariance", lambda self: np.diag(self.lam_theta + self.alpha * self.lam_gamma))
    with pytest.raises(ClaimError):
        check_moments(toy, alpha=2.0, n=100, n_views=500, rng=rng)
