"""Bad input to the public API raises ValueError naming the argument, the value and what is allowed."""

from __future__ import annotations

import numpy as np
import pytest

from je_vs_rc import Setting, augmentation_covariance, joint_embedding, reconstruction, supervised, thresholds

X = np.random.default_rng(0).standard_normal((20, 4))
SIGMA = np.eye(4)
TOY = ([4.0, 3.0, 2.0], [1.0, 1.0, 1.0, 0.1, 0.1, 0.1], [0.0, 0.0, 0.0, 10.0, 6.0, 3.0])


@pytest.mark.parametrize(
    "call, match",
    [
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
        (
            lambda: thresholds([1.0], [1.0, 1.0], [0.0, 1.0]).recovers("mae", 1),
            r"method must be one of \[('\w+', )*'rc'(, '\w+')*\]; got 'mae'",  # the registry's keys
        ),
        (lambda: thresholds([1.0], [1.0, 1.0], [0.0, 1.0]).threshold("sl"), r"method must be one with a threshold"),
        (lambda: Setting([1.0], [1.0, 1.0], [0.0, 1.0], basis=np.ones((2, 2))), r"basis must be an orthogonal"),
        (lambda: thresholds(Setting(*TOY), [1.0]), r"pass either a Setting or the three spectra"),
        (lambda: thresholds([1.0], [1.0, 1.0]), r"needs a Setting or the three spectra"),
    ],
)
def test_bad_input_is_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# Each of these was accepted or failed with an unnamed error before (issue 11).
@pytest.mark.parametrize(
    "call, match",
    [
        # alpha = -1 silently computed alpha = +1.
        (lambda: Setting(*TOY).sigma(-1), r"alpha must be >= 0.0; got -1"),
        # Complex input: the imaginary part was dropped (with only a ComplexWarning).
        (lambda: joint_embedding(X + 1j, SIGMA, 2), r"X must be a 2-D matrix of real numbers; got array\("),
        (lambda: thresholds([4.0 + 1j], [1.0, 1.0], [0.0, 1.0]), r"signal_energy must be a 1-D array of real numbers"),
        (lambda: Setting(*TOY).sigma(1 + 2j), r"alpha must be a real number; got \(1\+2j\)"),
        # Empty X: "Eigenvalues did not converge" or a division warning.
        (lambda: joint_embedding(np.empty((0, 4)), SIGMA, 2), r"X must not be empty; got shape \(0, 4\)"),
        # Overflowing X: X^T X / n became inf and eigh failed to converge.
        (lambda: reconstruction(np.full((20, 4), 1e200), SIGMA, 2), r"X is too large: its second moment"),
        (lambda: supervised(np.full((20, 4), np.inf), np.ones((20, 1)), SIGMA), r"X must contain only finite values"),
        # Empty signal_energy: an IndexError / min of an empty array.
        (lambda: thresholds([], [1.0, 1.0], [0.0, 1.0]), r"signal_energy must not be empty; got \[\]"),
        # String spectra: a bare numpy conversion error naming nothing (or silent conversion of "1.0").
        (
            lambda: thresholds(["4", "3"], [1.0, 1.0, 1.0], [0.0, 0.0, 1.0]),
            r"signal_energy must be a 1-D array of real numbers; got \['4', '3'\]",
        ),
        (lambda: Setting([4.0], "abc", [0.0, 1.0]), r"lam_theta must be a 1-D array of real numbers; got 'abc'"),
        (lambda: Setting(*TOY).sigma("2"), r"alpha must be a real number; got '2'"),
    ],
)
def test_silent_or_unnamed_failures_are_now_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()
