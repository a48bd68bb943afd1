"""The controlled setting of the paper (section 2 and section 4.1).

Clean data with exactly ``k`` signal components in a basis ``Q``, an additive Gaussian
corruption living on the other ``d - k`` directions, and the augmentation family T(alpha) of
:mod:`.augmentations` built from the same spectra (eq. 7). Everything the closed forms need is the
pair of moments ``S`` and ``G`` (Thm 3.2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .augmentations import AlignedNoise, covariance_in_basis
from .linalg import single_threaded_module
from .validation import as_matrix, as_scalar, as_vector, check_psd


def augmented_moments(X: object, Sigma: object) -> tuple[np.ndarray, np.ndarray]:
    """Exact moments of the augmented views for zero-mean additive augmentations.

    With ``Xbar = X`` (the views' means) and augmentation covariance ``Sigma`` (Cov):
    ``G = (1/n) X^T X`` and ``S = G + Sigma`` (the definitions of Thm 3.2).

    Args:
        X: n x d matrix of view means (the data itself under T(alpha)).
        Sigma: d x d augmentation covariance, symmetric PSD.
    Returns:
        ``(S, G)``, both d x d.
    """
    X = as_matrix("X", X)
    Sigma = check_psd("Sigma", as_matrix("Sigma", Sigma, rows=X.shape[1], cols=X.shape[1]))
    with np.errstate(over="ignore"):  # reported below, with the parameter named
        G = X.T @ X / X.shape[0]
    if not np.all(np.isfinite(G)):
        raise ValueError(
            f"X is too large: its second moment X^T X / n overflows (largest |X| entry "
            f"{np.abs(X).max():.3g}); rescale the data"
        )
    return G + Sigma, G


@dataclass(frozen=True)
class Spectra:
    """The spectra in the common eigenbasis, split into the k signal and the d - k noise components.

    Attributes:
        energy: length k, ``e_i = (1/n) kappa_i^2``.
        theta_signal, theta_noise: Theta's eigenvalues on the signal and on the noise components.
        gamma_noise: Gamma's eigenvalues on the noise components (> 0).
    """

    energy: np.ndarray
    theta_signal: np.ndarray
    theta_noise: np.ndarray
    gamma_noise: np.ndarray

    @property
    def eta(self) -> float:
        """``min_{i<=k} e_i / sqrt(e_i + lam_theta_i)`` (Prop 4.3)."""
        return float(np.min(self.energy / np.sqrt(self.energy + self.theta_signal)))

    @property
    def delta(self) -> float:
        """``min_{i<=k} e_i / (e_i + lam_theta_i)``, in (0, 1] (Prop 4.4)."""
        return float(np.min(self.energy / (self.energy + self.theta_signal)))

    def noise_scaled(self, scale: float) -> Spectra:
        """The same spectra with the corruption's eigenvalues multiplied by ``scale`` (Gamma -> s Gamma)."""
        return Spectra(self.energy, self.theta_signal, self.theta_noise, scale * self.gamma_noise)


@dataclass(frozen=True)
class Setting:
    """Spectra of the controlled model in the common eigenbasis ``Q`` (identity by default).

    Attributes:
        signal_energy: length k, the per-sample energies ``(1/n) kappa_i^2 > 0`` of the clean data.
        lam_theta: length d, eigenvalues of the "other" augmentation noise Theta.
        lam_gamma: length d, eigenvalues of the corruption Gamma; zero on the first k entries.
        basis: optional d x d orthogonal Q (columns = eigenvectors).
        corruption_basis: optional d x d orthogonal eigenbasis of Gamma alone; by default ``basis``
            (the paper's assumption). A different one makes data and noise *intertwined* (beyond
            the paper: the thresholds then no longer apply exactly).
    """

    signal_energy: np.ndarray
    lam_theta: np.ndarray
    lam_gamma: np.ndarray
    basis: np.ndarray | None = None
    corruption_basis: np.ndarray | None = None

    def __post_init__(self) -> None:
        energy = as_vector("signal_energy", self.signal_energy, positive=True)
        theta = as_vector("lam_theta", self.lam_theta, nonnegative=True)
        gamma = as_vector("lam_gamma", self.lam_gamma, length=theta.size, nonnegative=True)
        k, d = energy.size, theta.size
        if k >= d:
            raise ValueError(f"signal_energy has length k={k}; it must be shorter than lam_theta (d={d})")
        if np.any(gamma[:k] != 0):
            raise ValueError(
                f"lam_gamma[:k] must be zero (the corruption avoids the k signal directions); got {gamma[:k]}"
            )
        for name in ("basis", "corruption_basis"):
            if getattr(self, name) is not None:
                q = as_matrix(name, getattr(self, name), rows=d, cols=d)
                if not np.allclose(q.T @ q, np.eye(d), atol=1e-8):
                    raise ValueError(f"{name} must be an orthogonal d x d matrix (columns orthonormal)")
                object.__setattr__(self, name, q)
        object.__setattr__(self, "signal_energy", energy)
        object.__setattr__(self, "lam_theta", theta)
        object.__setattr__(self, "lam_gamma", gamma)

    @property
    def k(self) -> int:
        return int(self.signal_energy.size)

    @property
    def d(self) -> int:
        return int(self.lam_theta.size)

    @property
    def Q(self) -> np.ndarray:
        return np.eye(self.d) if self.basis is None else self.basis

    @property
    def Q_gamma(self) -> np.ndarray:
        """Eigenbasis of Gamma: ``corruption_basis`` if given, else the common basis Q."""
        return self.Q if self.corruption_basis is None else self.corruption_basis

    def augmentation(self, alpha: float) -> AlignedNoise:
        """The family T(alpha) of this setting: Theta in ``basis``, Gamma in its own eigenbasis."""
        return AlignedNoise(self.lam_theta, self.lam_gamma, alpha, self.basis, self.Q_gamma)

    def sigma(self, alpha: float) -> np.ndarray:
        """Augmentation covariance ``Theta + alpha^2 Gamma`` (d x d) of T(alpha), alpha >= 0."""
        return self.augmentation(alpha).covariance()

    def gamma(self) -> np.ndarray:
        """Corruption covariance Gamma (d x d)."""
        return covariance_in_basis(self.lam_gamma, self.Q_gamma)

    def spectra(self) -> Spectra:
        """The signal and noise blocks of the spectra, for the thresholds and the limit scores.

        The paper's model needs a corruption on every noise component: ``lam_gamma[k:] > 0``.
        """
        gamma = self.lam_gamma[self.k :]
        if np.any(gamma <= 0):
            raise ValueError(f"lam_gamma[k:] must be > 0 on every noise component (the paper's model); got {gamma}")
        theta = self.lam_theta
        return Spectra(self.signal_energy, theta[: self.k], theta[self.k :], gamma)

    def signal_basis(self) -> np.ndarray:
        """``Q_1^T`` (k x d): the row space every recovered encoder must span."""
        return self.Q[:, : self.k].T

    def clean_data(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n x d clean data whose second moment is exactly ``Q_1 diag(signal_energy) Q_1^T``.

        ``X = sqrt(n) L diag(sqrt(energy)) Q_1^T`` with ``L`` a random n x k matrix with
        orthonormal columns, so ``(1/n) kappa_i^2`` equals ``signal_energy`` at every n and the
        clean-data solutions are exactly the population ones; only the corruption is random.
        """
        n = int(as_scalar("n", n, minimum=self.k))
        L, _ = np.linalg.qr(rng.standard_normal((n, self.k)))
        return np.sqrt(n) * (L * np.sqrt(self.signal_energy)) @ self.signal_basis()

    def corruption(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n x d i.i.d. draws gamma_i ~ N(0, Gamma)."""
        return (rng.standard_normal((n, self.d)) * np.sqrt(self.lam_gamma)) @ self.Q_gamma.T

    def population_moments(self, alpha: float, corrupted: bool) -> tuple[np.ndarray, np.ndarray]:
        """The n -> infinity limits of ``(S, G)`` for clean or corrupted data (proofs of Props 4.3/4.4).

        The SLLN sends ``(1/n) N^T N`` to Gamma and the cross terms ``(1/n) X^T N`` to zero.
        """
        energy = np.concatenate([self.signal_energy, np.zeros(self.d - self.k)])
        G = (self.Q * energy) @ self.Q.T + (self.gamma() if corrupted else 0.0)
        return G + self.sigma(alpha), G


def monte_carlo_moments(views: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Estimate ``(S, G, Sigma)`` from views of shape m x n x d (m views of each of n samples).

    ``S = (1/n) sum_i mean_tau tau tau^T``; ``G = (1/n) sum_i xbar_i xbar_i^T`` with ``xbar_i`` the
    views' sample mean; ``Sigma = (1/n) sum_i Cov_tau[tau(x_i)]`` -- the (Cov) of Lemma B.1 with the
    index slip of the paper's typesetting fixed (the outer product is inside the sum).
    """
    m, n, _ = views.shape
    S = np.einsum("mni,mnj->ij", views, views) / (m * n)
    means = views.mean(axis=0)
    G = means.T @ means / n
    return S, G, S - G


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
