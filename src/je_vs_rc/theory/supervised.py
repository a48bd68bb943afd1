"""Augmented supervised learning (section 2, Lemma B.1, eqs. 44-46, Prop 4.2)."""

from __future__ import annotations

import numpy as np

from .linalg import single_threaded_module
from .setting import augmented_moments
from .validation import as_matrix, check_positive_definite


def supervised_from_moments(
    S: np.ndarray,
    XtY: np.ndarray,
    check: bool = True,
) -> np.ndarray:
    """``V* = ((1/n) X^T Y)^T S^{-1}`` (eq. 46) from ``S`` (d x d) and
    ``XtY = (1/n) X^T Y`` (d x l), or from stacks of them (``(..., d, d)`` and
    ``(..., d, l)``: one LAPACK call for all). ``check=False`` skips the check that
    S is invertible, for a caller that has made it (e.g. with
    :func:`~je_vs_rc.theory.linalg.whitener`)."""
    if check:
        check_positive_definite("S = X^T X/n + Sigma", S, np.linalg.eigvalsh(S))
    return np.swapaxes(np.linalg.solve(S, XtY), -1, -2)


def supervised(X: object, Y: object, Sigma: object) -> np.ndarray:
    """Closed-form augmented supervised solution, eq. 46.

    Minimises ``(1/n) sum_i E_tau ||y_i - V tau(x_i)||^2``, which by Lemma B.1 is the ridge
    problem ``(1/n)||Y - X V^T||_F^2 + Tr(V Sigma V^T)`` (eq. 44), so

        V* = (1/n) Y^T X ((1/n) X^T X + Sigma)^{-1}.

    Args:
        X: n x d view means (the data under zero-mean augmentations).
        Y: n x l targets.
        Sigma: d x d augmentation covariance Theta + alpha^2 Gamma.
    Returns:
        V, l x d.
    """
    X = as_matrix("X", X)
    Y = as_matrix("Y", Y, rows=X.shape[0])
    S, _ = augmented_moments(X, Sigma)
    return supervised_from_moments(S, X.T @ Y / X.shape[0])


def supervised_objective(V: np.ndarray, X: np.ndarray, Y: np.ndarray, Sigma: np.ndarray) -> float:
    """The exact expected augmented risk of ``V`` via Lemma B.1 (eq. 44)."""
    residual = Y - X @ V.T
    return float(np.sum(residual**2) / X.shape[0] + np.trace(V @ Sigma @ V.T))


def augmented_risk_monte_carlo(V: np.ndarray, views: np.ndarray, Y: np.ndarray) -> float:
    """Monte-Carlo estimate of ``(1/n) sum_i E_tau ||y_i - V tau(x_i)||^2`` from views (m x n x d)."""
    residual = Y[None] - views @ V.T
    return float(np.mean(np.sum(residual**2, axis=-1)))


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
