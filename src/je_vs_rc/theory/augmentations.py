"""Augmentation families, each described by what the closed forms need from it.

A family maps a data matrix X (n x d) to views tau(x_i). The closed forms depend on it only through
two moments (Thm 3.1, Thm 3.2, eq. 46): the views' means ``Xbar`` (n x d) and the average view
covariance ``Sigma = (1/n) sum_i Cov_tau[tau(x_i)]`` (d x d, the (Cov) of Lemma B.1). Every family
here returns that pair from :meth:`moments` and draws Monte-Carlo views from :meth:`sample`, so a new
family is one class with these two methods; nothing else needs to know how it is built.

- :class:`AlignedNoise`: the paper's family T(alpha), ``tau(x) = x + theta + alpha gamma`` (eq. 7).
- :class:`Masking`: Bernoulli masking ``tau(x) = m * x`` with keep-probability p (the slides' example
  of an augmentation whose mean is not the data, see the errata chapter).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .validation import as_matrix, as_scalar, as_vector


class AugmentationFamily(Protocol):
    """What a family provides: the views' moments and Monte-Carlo views."""

    def moments(self, X: object) -> tuple[np.ndarray, np.ndarray]:
        """``(Xbar, Sigma)``: the views' means (n x d) and average covariance (d x d)."""
        ...

    def sample(self, X: np.ndarray, n_views: int, rng: np.random.Generator) -> np.ndarray:
        """Views of every sample, shape n_views x n x d."""
        ...


def covariance_in_basis(eigenvalues: np.ndarray, basis: np.ndarray | None) -> np.ndarray:
    """``Q diag(eigenvalues) Q^T`` (d x d); the diagonal matrix when ``basis`` is None (Q = I)."""
    return np.diag(eigenvalues) if basis is None else (basis * eigenvalues) @ basis.T


@dataclass(frozen=True)
class AlignedNoise:
    """T(alpha): ``tau(x) = x + theta + alpha gamma``, ``theta ~ N(0, Theta)``, ``gamma ~ N(0, Gamma)`` (eq. 7).

    The views' mean is the data (``Xbar = X``) and ``Sigma = Theta + alpha^2 Gamma`` (Remark 4.1).

    Attributes:
        lam_theta, lam_gamma: length-d eigenvalues of Theta and Gamma (>= 0).
        alpha: the alignment with the corruption Gamma, >= 0.
        basis: d x d orthogonal eigenbasis of Theta (identity if None), and of Gamma unless
            ``gamma_basis`` is given.
        gamma_basis: d x d orthogonal eigenbasis of Gamma when it differs from ``basis``.
    """

    lam_theta: np.ndarray
    lam_gamma: np.ndarray
    alpha: float
    basis: np.ndarray | None = None
    gamma_basis: np.ndarray | None = None

    def __post_init__(self) -> None:
        theta = as_vector("lam_theta", self.lam_theta, nonnegative=True)
        object.__setattr__(self, "lam_theta", theta)
        object.__setattr__(
            self, "lam_gamma", as_vector("lam_gamma", self.lam_gamma, length=theta.size, nonnegative=True)
        )
        object.__setattr__(self, "alpha", as_scalar("alpha", self.alpha, minimum=0.0))

    def _gamma_basis(self) -> np.ndarray | None:
        return self.basis if self.gamma_basis is None else self.gamma_basis

    def covariance(self) -> np.ndarray:
        """``Sigma = Theta + alpha^2 Gamma`` (d x d)."""
        return covariance_in_basis(self.lam_theta, self.basis) + self.alpha**2 * covariance_in_basis(
            self.lam_gamma, self._gamma_basis()
        )

    def moments(self, X: object) -> tuple[np.ndarray, np.ndarray]:
        """``(Xbar, Sigma) = (X, Theta + alpha^2 Gamma)``."""
        return as_matrix("X", X, cols=self.lam_theta.size), self.covariance()

    def sample(self, X: np.ndarray, n_views: int, rng: np.random.Generator) -> np.ndarray:
        """Monte-Carlo views ``x_i + theta + alpha gamma``, shape n_views x n x d."""
        d = self.lam_theta.size
        shape = (n_views, *X.shape)
        theta_basis = np.eye(d) if self.basis is None else self.basis
        gamma_basis = np.eye(d) if self._gamma_basis() is None else self._gamma_basis()
        theta = (rng.standard_normal(shape) * np.sqrt(self.lam_theta)) @ theta_basis.T
        gamma = (rng.standard_normal(shape) * np.sqrt(self.lam_gamma)) @ gamma_basis.T
        return X[None] + theta + self.alpha * gamma


@dataclass(frozen=True)
class Masking:
    """Bernoulli masking ``tau(x) = m * x`` with ``m_j ~ B(keep_prob)`` independent per coordinate.

    ``Xbar = p X`` and ``Sigma = p (1 - p) diag((1/n) sum_i x_i^2)``: the mean of a view is not the data,
    which is where the slides' and the paper's forms of Thm 3.1 part ways.
    """

    keep_prob: float

    def __post_init__(self) -> None:
        p = as_scalar("keep_prob", self.keep_prob, minimum=0.0, strict=True)
        if p > 1:
            raise ValueError(f"keep_prob must be in (0, 1]; got {p!r}")
        object.__setattr__(self, "keep_prob", p)

    def moments(self, X: object) -> tuple[np.ndarray, np.ndarray]:
        """``(p X, p (1 - p) diag(mean_i x_i^2))``."""
        X = as_matrix("X", X)
        p = self.keep_prob
        return p * X, np.diag(p * (1 - p) * np.mean(X**2, axis=0))

    def sample(self, X: np.ndarray, n_views: int, rng: np.random.Generator) -> np.ndarray:
        """Monte-Carlo masked views, shape n_views x n x d."""
        return (rng.random((n_views, *X.shape)) < self.keep_prob) * X[None]


def augmentation_covariance(
    lam_theta: object, lam_gamma: object, alpha: float, basis: np.ndarray | None = None
) -> np.ndarray:
    """``Sigma = Theta + alpha^2 Gamma`` for the family T(alpha) (eq. 7, Remark 4.1).

    Args:
        lam_theta, lam_gamma: length-d eigenvalues of Theta and Gamma in ``basis``.
        alpha: the alignment, alpha >= 0.
        basis: d x d orthogonal matrix Q whose columns are the common eigenvectors
            (identity if omitted).
    """
    return AlignedNoise(lam_theta, lam_gamma, alpha, basis).covariance()
