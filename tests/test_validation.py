"""Bad input raises ValueError naming the argument, the value and what is allowed."""
from __future__ import annotations

import numpy as np
import pytest

from je_vs_rc import Setting, augmentation_covariance, joint_embedding, reconstruction, supervised, thresholds

X = np.random.default_rng(0).standard_normal((20, 4))
SIGMA = np.eye(4)


@pytest.mark.parametrize("call, match", [
    (lambda: reconstruction(X, SIGMA, 0), r"k must be an integer in 1\.\.4.*got 0"),
    (lambda: reconstruction(X, SIGMA, 5), r"k must be an integer in 1\.\.4.*got 5"),
    (lambda: joint_embedding(X, SIGMA, 2.5), r"k must be an integer.*got 2\.5"),
    (lambda: joint_embedding(X, np.eye(3), 2), r"Sigma must have 4 rows"),
    (lambda: supervised(X, np.ones((19, 2)), SIGMA), r"Y must have 20 rows"),
    (lambda: supervised(X[0], np.ones((20, 2)), SIGMA), r"X must be a 2-D matrix"),
    (lambda: reconstruction(np.where(X > 1, np.nan, X), SIGMA, 2), r"X must contain only finite values"),
    (lambda: joint_embedding(X, -np.eye(4), 2), r"Sigma must be positive semi-definite"),
    (lambda: joint_embedding(X, np.triu(np.ones((4, 4))), 2), r"Sigma must be symmetric"),
    (lambda: joint_embedding(np.zeros((20, 4)), np.diag([1.0, 1, 1, 0]), 2), r"S must be positive definite"),
    (lambda: supervised(np.zeros((20, 4)), np.ones((20, 1)), np.zeros((4, 4))), r"must be positive definite"),
    (lambda: augmentation_covariance([1, 1], [0, 1], -0.5), r"alpha must be >= 0.0; got -0\.5"),
    (lambda: augmentation_covariance([1, -1], [0, 1], 1.0), r"lam_theta must be non-negative"),
    (lambda: thresholds([1.0], [1.0, 1.0], [0.5, 1.0]), r"lam_gamma\[:k\] must be zero"),
    (lambda: thresholds([1.0], [1.0, 1.0], [0.0, 0.0]), r"lam_gamma\[k:\] must be > 0"),
    (lambda: thresholds([0.0], [1.0, 1.0], [0.0, 1.0]), r"signal_energy must be strictly positive"),
    (lambda: thresholds([1.0, 1.0], [1.0, 1.0], [0.0, 0.0]), r"must be shorter than lam_theta"),
    (lambda: thresholds([1.0], [1.0, 1.0], [0.0, 1.0]).recovers("je", -1), r"alpha must be >= 0"),
    (lambda: thresholds([1.0], [1.0, 1.0], [0.0, 1.0]).recovers("mae", 1), r"model must be 'je' or 'rc'"),
    (lambda: Setting([1.0], [1.0, 1.0], [0.0, 1.0], basis=np.ones((2, 2))), r"basis must be an orthogonal"),
])
def test_bad_input_is_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()
