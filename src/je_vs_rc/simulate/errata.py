"""Computations behind the errata chapter: each settles one discrepancy or typo of the paper."""
from __future__ import annotations

import numpy as np

from ..theory.augmentations import AugmentationFamily
from ..theory.joint_embedding import joint_embedding_from_moments
from ..theory.reconstruction import reconstruction_from_moments, reconstruction_objective
from ..theory.setting import Setting


def rc_paper_vs_slides(X: np.ndarray, family: AugmentationFamily, k: int) -> dict[str, float]:
    """Exact (SSL-RC) losses of Thm 3.1 built from the paper's ``(1/n) X^T Xbar C^{-1/2}`` and from
    the slides' ``(1/n) Xbar^T Xbar C^{-1/2}`` (``C = (1/n) Xbar^T Xbar + Sigma``), with the views'
    moments ``(Xbar, Sigma)`` of the augmentation ``family`` applied to ``X``."""
    Xbar, Sigma = family.moments(X)
    n = X.shape[0]
    C = Xbar.T @ Xbar / n + Sigma
    out = {}
    for name, G in (("paper", X.T @ Xbar / n), ("slides", Xbar.T @ Xbar / n)):
        E, D, _, _ = reconstruction_from_moments(C, G, k)
        out[name] = reconstruction_objective(E, D, X, Sigma, Xbar)
    return out


def je_eigengap(setting: Setting, alpha: float) -> float:
    """``omega_k - omega_{k+1}`` of the n -> infinity JE problem on corrupted data: zero means the
    top-k space is not unique (a tie between the weakest signal and the strongest noise)."""
    S, G = setting.population_moments(alpha, corrupted=True)
    omega = joint_embedding_from_moments(S, G, setting.k)[1]
    return float(omega[setting.k - 1] - omega[setting.k])


def alpha_je2_with_max_delta(setting: Setting) -> float:
    """``alpha_JE^2`` computed with eq. 68 as printed: ``delta`` taken as a max instead of a min."""
    e, theta = setting.signal_energy, setting.lam_theta
    delta_max = float(np.max(e / (e + theta[: setting.k])))
    noise = slice(setting.k, setting.d)
    return float(np.max((1 - delta_max) / delta_max - theta[noise] / setting.lam_gamma[noise]))


def whitening_constraint_errors(S: np.ndarray, G: np.ndarray, k: int) -> dict[str, float]:
    """``max |W S W^T - I|`` for ``W = Q_k^T S^{-1/2}`` (correct) and ``W = Q_k^T S^{1/2}`` (the proof's
    "P = S^{1/2} Q" as printed)."""
    W, _, Qk = joint_embedding_from_moments(S, G, k)
    vals, vecs = np.linalg.eigh(S)
    S_sqrt = (vecs * np.sqrt(vals)) @ vecs.T
    wrong = Qk.T @ S_sqrt
    eye = np.eye(k)
    return {"inverse_sqrt": float(np.abs(W @ S @ W.T - eye).max()),
            "sqrt_as_printed": float(np.abs(wrong @ S @ wrong.T - eye).max())}
