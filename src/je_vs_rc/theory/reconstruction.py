"""Reconstruction-based SSL (SSL-RC): Theorem 3.1 and its exact objective."""

from __future__ import annotations

import numpy as np

from .linalg import single_threaded_module, sym_inv_sqrt
from .setting import augmented_moments
from .validation import as_matrix, check_k


def reconstruction_from_moments(
    S: np.ndarray, G: np.ndarray, k: int, S_inv_sqrt: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Thm 3.1 from the moments ``S = Xbar^T Xbar / n + Sigma``, ``G = X^T Xbar / n``.

    Returns ``(E, D, phi, P_k)``: the encoder (k x d) and decoder (d x k) with
    ``T = I``, all d singular values ``phi`` of ``G S^{-1/2}`` (descending), and the
    selected right singular vectors ``P_k`` (d x k), the directions chosen in
    whitened coordinates. Pass ``S_inv_sqrt`` to reuse a decomposition already
    made. Stacks of moments ``(..., d, d)`` give stacks of outputs.
    """
    if S_inv_sqrt is None:
        S_inv_sqrt = sym_inv_sqrt(S, "X^T X/n + Sigma")
    R, phi, Pt = np.linalg.svd(G @ S_inv_sqrt)
    P_k = np.swapaxes(Pt[..., :k, :], -1, -2)
    return Pt[..., :k, :] @ S_inv_sqrt, R[..., :k] * phi[..., None, :k], phi, P_k


def reconstruction_encoder(G: np.ndarray, whitener: np.ndarray, k: int) -> np.ndarray:
    """Thm 3.1's encoder ``E`` alone, from ``G`` and a whitener ``T`` of ``S`` (``T^T S T = I``, e.g. the
    Cholesky one of :func:`~je_vs_rc.theory.linalg.whitener`, cheaper than ``S^{-1/2}``): ``P_k^T T^T``
    with ``P_k`` the top-k right singular vectors of ``G T``. It is :func:`reconstruction_from_moments`'s
    ``E`` up to the signs of its rows: with ``T = S^{-1/2} O`` (``O`` orthogonal), ``G T = R Phi (O^T
    P)^T`` and ``(O^T P_k)^T T^T = P_k^T S^{-1/2}``. (The eigenvectors of ``(G T)^T (G T)`` would save a
    quarter of the SVD's cost, but squaring loses the accuracy the Figure 3 sweep needs.) Stacks give
    stacks."""
    Pt = np.linalg.svd(G @ whitener)[2]
    return Pt[..., :k, :] @ np.swapaxes(whitener, -1, -2)


def reconstruction(X: object, Sigma: object, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Closed-form reconstruction encoder/decoder, Theorem 3.1 with ``T = I``.

    Take the SVD ``(1/n) X^T Xbar ((1/n) Xbar^T Xbar + Sigma)^{-1/2} = R Phi P^T``; then

        E* = P_k^T ((1/n) Xbar^T Xbar + Sigma)^{-1/2},   D* = R_k Phi_k,

    and ``(T E*, D* T^{-1})`` is optimal for every invertible k x k ``T``. Under T(alpha) the
    view means are the data, ``Xbar = X`` (the paper's form; the slides' ``Xbar^T Xbar`` agrees).

    Args:
        X: n x d data (view means and reconstruction targets).
        Sigma: d x d augmentation covariance.
        k: latent dimension, 1 <= k <= d.
    Returns:
        ``(E, D)`` with shapes k x d and d x k.
    """
    X = as_matrix("X", X)
    k = check_k(k, X.shape[1])
    S, G = augmented_moments(X, Sigma)
    E, D, _, _ = reconstruction_from_moments(S, G, k)
    return E, D


def reconstruction_objective(
    E: np.ndarray, D: np.ndarray, X: np.ndarray, Sigma: np.ndarray, Xbar: np.ndarray | None = None
) -> float:
    """Exact (SSL-RC) loss ``(1/n) sum_i E_tau ||x_i - D E tau(x_i)||^2`` via Lemma B.1 (eqs. 13-15):
    ``(1/n)||X - Xbar M^T||^2 + Tr(M Sigma M^T)`` with ``M = D E`` (``Xbar = X`` unless given)."""
    M = D @ E
    residual = X - (X if Xbar is None else Xbar) @ M.T
    return float(np.sum(residual**2) / X.shape[0] + np.trace(M @ Sigma @ M.T))


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
