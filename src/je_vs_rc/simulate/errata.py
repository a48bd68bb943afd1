"""Computations behind the errata chapter: each settles one discrepancy or typo of the paper."""

from __future__ import annotations

import numpy as np

from ..theory import methods as registry
from ..theory.augmentations import AugmentationFamily
from ..theory.joint_embedding import joint_embedding_from_moments
from ..theory.linalg import single_threaded_module, subspace_distance
from ..theory.methods import PAPER_METHODS, Methods
from ..theory.reconstruction import reconstruction_from_moments, reconstruction_objective
from ..theory.setting import Setting


def rc_paper_vs_slides(X: np.ndarray, family: AugmentationFamily, k: int) -> dict[str, float]:
    """Exact (SSL-RC) losses of Thm 3.1 built from the paper's ``(1/n) X^T Xbar C^{-1/2}`` and from
    the slides' ``(1/n) Xbar^T Xbar C^{-1/2}`` (``C = (1/n) Xbar^T Xbar + Sigma``), with the views'
    moments ``(Xbar, Sigma)`` of the augmentation ``family`` applied to ``X``. Also returns
    ``encoder_distance`` (subspace distance between the two encoders) and ``decoder_scale`` (the
    least-squares factor c with ``D_slides ~ c D_paper``) and ``decoder_misfit`` (``max |D_slides - c D_paper|``)."""
    Xbar, Sigma = family.moments(X)
    n = X.shape[0]
    C = Xbar.T @ Xbar / n + Sigma
    out, solved = {}, {}
    for name, G in (("paper", X.T @ Xbar / n), ("slides", Xbar.T @ Xbar / n)):
        E, D, _, _ = reconstruction_from_moments(C, G, k)
        solved[name] = (E, D)
        out[name] = reconstruction_objective(E, D, X, Sigma, Xbar)
    (E_p, D_p), (E_s, D_s) = solved["paper"], solved["slides"]
    out["encoder_distance"] = subspace_distance(E_p, E_s)
    # Same encoder up to the sign of each singular vector: align the columns before comparing decoders.
    signs = np.sign(np.sum(E_p * E_s, axis=1))
    D_s = D_s * signs
    scale = float(np.sum(D_s * D_p) / np.sum(D_p * D_p))
    out["decoder_scale"] = scale
    out["decoder_misfit"] = float(np.abs(D_s - scale * D_p).max())
    return out


def je_eigengap(setting: Setting, alpha: float) -> float:
    """``omega_k - omega_{k+1}`` of the n -> infinity JE problem on corrupted data: zero means the
    top-k space is not unique (a tie between the weakest signal and the strongest noise)."""
    S, G = setting.population_moments(alpha, corrupted=True)
    omega = joint_embedding_from_moments(S, G, setting.k)[1]
    return float(omega[setting.k - 1] - omega[setting.k])


def clean_positive_eigenvalues(setting: Setting) -> dict[str, float]:
    """The sentence of eq. 68 on clean data: the positive eigenvalues of ``S^{-1/2} G S^{-1/2}`` (n -> infinity,
    clean, alpha = 0) are the k signal ratios ``e_i / (e_i + lam_theta_i)``. Returns the smallest and the
    largest positive eigenvalue (``smallest``, ``largest``) and ``delta`` as eqs. 12 and 76 define it (a min)."""
    S, G = setting.population_moments(0.0, corrupted=False)
    omega = joint_embedding_from_moments(S, G, setting.k)[1]
    positive = omega[: setting.k]
    return {"smallest": float(positive.min()), "largest": float(positive.max()), "delta": setting.spectra().delta}


def _sqrt_and_eigen(S: np.ndarray, G: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(S^{1/2}, S^{-1/2}, Omega, Q)`` with ``S^{-1/2} G S^{-1/2} = Q diag(Omega) Q^T``, descending."""
    vals, vecs = np.linalg.eigh(S)
    S_sqrt, S_inv_sqrt = (vecs * np.sqrt(vals)) @ vecs.T, (vecs / np.sqrt(vals)) @ vecs.T
    omega, Q = np.linalg.eigh(S_inv_sqrt @ G @ S_inv_sqrt)
    order = np.argsort(omega)[::-1]
    return S_sqrt, S_inv_sqrt, omega[order], Q[:, order]


def whitening_errors(S: np.ndarray, G: np.ndarray, k: int) -> dict[str, float]:
    """Proof of Thm 3.2, eqs. 41-42, measured, with ``S^{-1/2} G S^{-1/2} = Q diag(Omega) Q^T``:

    - ``eq41_printed`` / ``eq41_inverse``: ``max |G S^-1 - P Omega P^-1|`` with ``P = S^{1/2} Q`` (eq. 41 as
      printed) and with ``P = S^{-1/2} Q`` (the other reading, which holds only if S and G commute);
    - ``eq42_middle``: ``max |W S W^T - I|`` for eq. 42's middle member ``W = P_k^T`` (printed ``P``);
    - ``eq42_last``: the same for its last member ``W = Q_k^T S^{-1/2}``, the encoder of Thm 3.2;
    - ``span_printed``: subspace distance between the rows of that encoder and ``span{p_1..p_k}`` (the
      sentence after eq. 42); ``span_corrected``: the same with ``span{S^-1 p_1..S^-1 p_k}``.
    """
    S_sqrt, S_inv_sqrt, omega, Q = _sqrt_and_eigen(S, G)
    S_inv = S_inv_sqrt @ S_inv_sqrt
    eye = np.eye(k)

    def eq41(P: np.ndarray) -> float:
        return float(np.abs(G @ S_inv - (P * omega) @ np.linalg.inv(P)).max())

    def constraint(W: np.ndarray) -> float:
        return float(np.abs(W @ S @ W.T - eye).max())

    P = S_sqrt @ Q
    W = Q[:, :k].T @ S_inv_sqrt
    return {
        "eq41_printed": eq41(P),
        "eq41_inverse": eq41(S_inv_sqrt @ Q),
        "eq42_middle": constraint(P[:, :k].T),
        "eq42_last": constraint(W),
        "span_printed": subspace_distance(W, P[:, :k].T),
        "span_corrected": subspace_distance(W, (S_inv @ P[:, :k]).T),
    }


def dropped_cross_terms(
    setting: Setting, alpha: float, ns: object, seed: int, methods: Methods = PAPER_METHODS
) -> dict[str, np.ndarray]:
    """The finite-n cross terms the proofs drop (eqs. 49, 57-58, 72-73 write the corrupted moments as
    block diagonal in ``(Q_1 | Q_2)``). Per n of ``ns`` (one draw each, seed ``seed``):

    - ``cross``: ``||Q_1^T G Q_2||_op`` with ``G = (1/n) X~^T X~``, the block ``(1/n) X_1^T N_2`` dropped;
    - ``encoder_shift_<key>``: for each self-supervised method of ``methods``, the subspace distance
      between its encoder computed from the exact moments and from the same moments with the cross
      block set to 0."""
    run = registry.encoders(methods)
    rng = np.random.default_rng(seed)
    Q, k = setting.Q, setting.k
    Sigma = setting.sigma(alpha)
    ns_arr = np.asarray(ns, dtype=int)
    out = {"cross": np.empty(ns_arr.size)}
    out.update({f"encoder_shift_{m.key}": np.empty(ns_arr.size) for m in run})
    for j, n in enumerate(ns_arr):
        Xc = setting.clean_data(int(n), rng) + setting.corruption(int(n), rng)
        G = Xc.T @ Xc / n
        Gq = Q.T @ G @ Q
        out["cross"][j] = np.linalg.norm(Gq[:k, k:], 2)
        Gq[:k, k:], Gq[k:, :k] = 0.0, 0.0
        G_block = Q @ Gq @ Q.T
        for m in run:
            exact = m.solve(G + Sigma, G, k).encoder
            dropped = m.solve(G_block + Sigma, G_block, k).encoder
            out[f"encoder_shift_{m.key}"][j] = subspace_distance(exact, dropped)
    return out


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
