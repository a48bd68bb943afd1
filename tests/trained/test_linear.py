"""trained/linear.py: the penalty's optimum (derived in the chapter) against direct minimisation, and
Part 1's study over every trained variant of the registry."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import trained_toy
from scipy import optimize

from je_vs_rc.theory.setting import augmented_moments
from je_vs_rc.trained import linear as trained_linear
from je_vs_rc.trained.linear import LinearStudyConfig, penalty_feature_scales, run_linear_study
from je_vs_rc.trained.variants import TRAINED


def test_penalty_optimum_matches_direct_minimisation():
    # Minimise 2 Tr(W Sigma W^T) + lam ||W S W^T - I||^2 numerically and compare W S W^T's eigenvalues.
    X, _, Sigma = trained_toy(400)
    S, G = augmented_moments(X, Sigma)
    omega = np.linalg.eigvalsh(np.linalg.solve(np.linalg.cholesky(S), np.linalg.solve(np.linalg.cholesky(S), G).T))[
        ::-1
    ]
    for lam in (0.05, 0.15, 5.0):

        def loss(w, lam=lam):
            W = w.reshape(2, 4)
            return 2 * np.trace(W @ Sigma @ W.T) + lam * np.sum((W @ S @ W.T - np.eye(2)) ** 2)

        best = min(
            (
                optimize.minimize(
                    loss, np.random.default_rng(s).standard_normal(8), method="BFGS", options={"gtol": 1e-10}
                )
                for s in range(4)
            ),
            key=lambda r: r.fun,
        )
        W = best.x.reshape(2, 4)
        got = np.sort(np.linalg.eigvalsh(W @ S @ W.T))[::-1]
        assert np.allclose(got, penalty_feature_scales(omega, 2, lam), atol=1e-4)
    # A wrong formula (no collapse) would predict a negative scale for lam = 0.15 here.
    assert np.any(1 - (1 - omega[:2]) / 0.15 < 0)


def test_variants_come_from_the_registry():
    assert {v.method for v in trained_linear.VARIANTS.values()} == set(TRAINED)
    assert list(trained_linear.VARIANTS) == ["SL", "JE whitening", "JE penalty", "JE projection", "RC"]


def test_a_tiny_study_measures_every_variant():
    cfg = LinearStudyConfig(n=200, steps=(5, 20), batch_sizes=(8, 32), seeds=(0, 1), penalties=(0.3, 3.0))
    study = run_linear_study(cfg)
    for name in trained_linear.VARIANTS:
        assert study.distance[name].shape == study.gap[name].shape == (2, 2, 2)
        assert np.all(np.isfinite(study.distance[name]))
    assert set(study.recovery) == {"JE whitening", "JE penalty", "JE projection", "RC"}
    assert study.scales.shape == study.predicted_scales.shape == (2, 2, 3)
    assert set(study.alpha_threshold) == {"je", "rc"}
    rows = trained_linear.budget_needed(study, "JE whitening", 10.0)  # any budget is within 10
    assert [r["views"] for r in rows] == [5 * 8 * 2, 5 * 32 * 2]


def test_bad_study_parameters_are_refused():
    with pytest.raises(ValueError, match=r"seeds = \(\) is not allowed: it must be a non-empty list"):
        LinearStudyConfig(seeds=())
    with pytest.raises(ValueError, match=r"steps = \(100, 30\) is not allowed: .* in increasing order"):
        LinearStudyConfig(steps=(100, 30))
