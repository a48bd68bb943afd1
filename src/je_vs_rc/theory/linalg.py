"""Small linear-algebra helpers shared by the closed forms (numpy only)."""

from __future__ import annotations

import numpy as np

from .validation import check_positive_definite


def sym_inv_sqrt(mat: np.ndarray, name: str = "matrix") -> np.ndarray:
    """Return ``mat^{-1/2}`` of a symmetric positive-definite matrix (ValueError if singular)."""
    vals, vecs = np.linalg.eigh(mat)
    check_positive_definite(name, mat, vals)
    return (vecs / np.sqrt(vals)) @ vecs.T


def row_space_projector(mat: np.ndarray) -> np.ndarray:
    """Orthogonal projector onto the row space of a full-row-rank ``mat`` (k x d -> d x d)."""
    q, _ = np.linalg.qr(mat.T)
    return q @ q.T


def subspace_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Largest principal-angle sine between the row spaces of ``a`` and ``b`` (both k x d).

    Equals ``||P_a - P_b||_2``; it is 0 iff the spaces coincide, i.e. iff ``a = T b`` for
    an invertible ``T`` -- the "up to T" / "up to U" equivalence of Props 4.3 and 4.4.
    """
    return float(np.linalg.norm(row_space_projector(a) - row_space_projector(b), 2))


def orthogonal_distance(a: np.ndarray, b: np.ndarray) -> float:
    """``min_U ||a - U b||_F / ||b||_F`` over orthogonal k x k ``U`` (orthogonal Procrustes).

    0 iff ``a = U b`` for an orthogonal U -- JE's "up to U" (Prop 4.4), stricter than
    :func:`subspace_distance`, which is 0 for ``a = 2 b`` as well.
    """
    u, _, vt = np.linalg.svd(a @ b.T)
    return float(np.linalg.norm(a - (u @ vt) @ b) / np.linalg.norm(b))
