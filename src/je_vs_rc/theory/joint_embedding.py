"""Joint-embedding SSL (SSL-JE): Theorem 3.2 and its exact objective."""

from __future__ import annotations

import numpy as np

from .linalg import single_threaded_module, sym_inv_sqrt, top_eigenvectors
from .setting import augmented_moments
from .validation import as_matrix, check_k


def joint_embedding_from_moments(
    S: np.ndarray, G: np.ndarray, k: int, S_inv_sqrt: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Thm 3.2 from the moments ``S`` and ``G``: returns ``(W, omega, Q_k)``.

    ``W`` is k x d with ``U = I``; ``omega`` are all d eigenvalues of
    ``S^{-1/2} G S^{-1/2}`` in descending order (the generalised eigenvalues of the
    pencil ``(G, S)``); ``Q_k`` (d x k) are the selected eigenvectors, the directions
    chosen in whitened coordinates. Pass ``S_inv_sqrt`` to reuse a decomposition
    already made (the RC closed form needs the same one). Stacks of moments
    ``(..., d, d)`` give stacks of outputs (one LAPACK call for all).
    """
    if S_inv_sqrt is None:
        S_inv_sqrt = sym_inv_sqrt(S, "S")
    omega, Q_k = top_eigenvectors(S_inv_sqrt @ G @ S_inv_sqrt, k)
    return np.swapaxes(Q_k, -1, -2) @ S_inv_sqrt, omega, Q_k


def joint_embedding_encoder(G: np.ndarray, whitener: np.ndarray, k: int) -> np.ndarray:
    """Thm 3.2's encoder ``W`` alone, from ``G`` and a whitener ``T`` of ``S`` (``T^T S T = I``, e.g. the
    Cholesky one of :func:`~je_vs_rc.theory.linalg.whitener`, cheaper than ``S^{-1/2}``): ``Y_k^T T^T``
    with ``Y_k`` the top-k eigenvectors of ``T^T G T``. It is :func:`joint_embedding_from_moments`'s ``W``
    up to the signs of its rows: with ``T = S^{-1/2} O`` (``O`` orthogonal), ``T^T G T = O^T (S^{-1/2} G
    S^{-1/2}) O`` has the eigenvectors ``Y = O^T Q``, and ``Y_k^T T^T = Q_k^T S^{-1/2}``. Stacks give stacks."""
    Tt = np.swapaxes(whitener, -1, -2)
    Y_k = top_eigenvectors(Tt @ G @ whitener, k)[1]
    return np.swapaxes(Y_k, -1, -2) @ Tt


def joint_embedding(X: object, Sigma: object, k: int) -> np.ndarray:
    """Closed-form joint-embedding encoder, Theorem 3.2 with ``U = I``.

    With ``S = (1/n) sum_i E[tau(x_i) tau(x_i)^T]`` and ``G = (1/n) sum_i xbar_i xbar_i^T``, take
    ``S^{-1/2} G S^{-1/2} = Q Omega Q^T`` (descending omega); then ``W* = Q_k^T S^{-1/2}``, and
    ``U W*`` is optimal for every orthogonal ``U``. It satisfies ``W S W^T = I_k``.

    Args:
        X: n x d view means.
        Sigma: d x d augmentation covariance (S = G + Sigma must be positive definite).
        k: latent dimension, 1 <= k <= d.
    Returns:
        W, k x d.
    """
    X = as_matrix("X", X)
    k = check_k(k, X.shape[1])
    S, G = augmented_moments(X, Sigma)
    return joint_embedding_from_moments(S, G, k)[0]


def joint_embedding_objective(W: np.ndarray, Sigma: np.ndarray) -> float:
    """Exact invariance term ``(1/n) sum_i E ||W tau_1(x_i) - W tau_2(x_i)||^2 = 2 Tr(W Sigma W^T)``."""
    return float(2.0 * np.trace(W @ Sigma @ W.T))


def joint_embedding_constraint(W: np.ndarray, S: np.ndarray) -> np.ndarray:
    """The (SSL-JE) constraint's left side ``W S W^T`` (must equal ``I_k``)."""
    return W @ S @ W.T


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
