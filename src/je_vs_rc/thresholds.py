"""Alignment thresholds: Props 4.3 and 4.4 and Corollary 4.5.

Everything is expressed in the common eigenbasis ``Q`` of the data, Theta and Gamma.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ._checks import as_scalar
from .setting import Setting

Model = Literal["je", "rc"]
Regime = Literal["low", "high", "undetermined"]


@dataclass(frozen=True)
class Thresholds:
    """Squared alignment thresholds and the constants that define them.

    A squared threshold may be negative: then every ``alpha >= 0`` satisfies ``alpha^2 > threshold``
    and the model recovers the clean encoder without any alignment.

    Attributes:
        alpha_rc2: ``alpha_RC^2`` (eq. 10); recovery iff ``alpha^2 > alpha_rc2``.
        alpha_je2: ``alpha_JE^2`` (eq. 11).
        eta: ``min_{i<=k} e_i / sqrt(e_i + lam_theta_i)`` with ``e_i = (1/n) kappa_i^2``.
        delta: ``min_{i<=k} e_i / (e_i + lam_theta_i)``, in (0, 1].
        rc2_per_noise: the bracket of eq. 10 for each noise component i = k+1..d.
        je2_per_noise: the bracket of eq. 11 for each noise component.
        noise_gamma: ``lam_gamma[k:]``, the corruption's eigenvalues.
    """

    alpha_rc2: float
    alpha_je2: float
    eta: float
    delta: float
    rc2_per_noise: np.ndarray
    je2_per_noise: np.ndarray
    noise_gamma: np.ndarray

    @property
    def switch(self) -> float:
        """``eta^2 / delta``: the noise level at which JE and RC trade places (Cor 4.5)."""
        return self.eta**2 / self.delta

    @property
    def regime(self) -> Regime:
        """Cor 4.5: "low" (RC needs less alignment), "high" (JE does) or "undetermined"."""
        if self.noise_gamma.max() < self.switch:
            return "low"
        if self.noise_gamma.min() > self.switch:
            return "high"
        return "undetermined"

    def threshold2(self, model: Model) -> float:
        """The squared threshold of ``model`` ("je" or "rc")."""
        if model not in ("je", "rc"):
            raise ValueError(f"model must be 'je' or 'rc'; got {model!r}")
        return self.alpha_je2 if model == "je" else self.alpha_rc2

    def recovers(self, model: Model, alpha: float) -> bool:
        """Whether the theory predicts recovery as n -> infinity: ``alpha^2 > threshold^2``."""
        alpha = as_scalar("alpha", alpha, minimum=0.0)
        return bool(alpha**2 > self.threshold2(model))

    def alpha(self, model: Model) -> float:
        """The threshold on alpha itself (0 when the squared threshold is negative)."""
        return float(np.sqrt(max(self.threshold2(model), 0.0)))


def _spectra(signal_energy: object, lam_theta: object, lam_gamma: object) -> tuple[np.ndarray, ...]:
    # Setting validates shapes, signs and the zero block; the thresholds also need lam_gamma[k:] > 0.
    setting = Setting(signal_energy, lam_theta, lam_gamma)
    energy, theta, gamma, k = setting.signal_energy, setting.lam_theta, setting.lam_gamma, setting.k
    if np.any(gamma[k:] <= 0):
        raise ValueError(f"lam_gamma[k:] must be > 0 on every noise component (the paper's model); "
                         f"got {gamma[k:]}")
    return energy, theta[:k], theta[k:], gamma[k:]


def thresholds(signal_energy: object, lam_theta: object, lam_gamma: object) -> Thresholds:
    """Compute ``alpha_RC^2``, ``alpha_JE^2``, ``eta`` and ``delta`` (Props 4.3, 4.4; Cor 4.5).

        alpha_RC^2 = max_{i>k} ( lam_gamma_i / eta^2 - lam_theta_i / lam_gamma_i - 1 )     (eq. 10)
        alpha_JE^2 = max_{i>k} ( (1 - delta) / delta - lam_theta_i / lam_gamma_i )          (eq. 11)

    Args:
        signal_energy: length k, ``(1/n) kappa_i^2 > 0`` (the limiting per-sample energies).
        lam_theta: length d eigenvalues of Theta, >= 0.
        lam_gamma: length d eigenvalues of Gamma with ``lam_gamma[:k] == 0`` and ``lam_gamma[k:] > 0``.
    Returns:
        A :class:`Thresholds`. Either squared threshold may be negative (no alignment needed).
    """
    energy, theta_sig, theta_noise, gamma_noise = _spectra(signal_energy, lam_theta, lam_gamma)
    eta = float(np.min(energy / np.sqrt(energy + theta_sig)))
    delta = float(np.min(energy / (energy + theta_sig)))
    rc = gamma_noise / eta**2 - theta_noise / gamma_noise - 1.0
    je = (1.0 - delta) / delta - theta_noise / gamma_noise
    return Thresholds(float(rc.max()), float(je.max()), eta, delta, rc, je, gamma_noise)


def limit_scores(signal_energy: object, lam_theta: object, lam_gamma: object,
                 alpha: float) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per-component n -> infinity scores that the closed forms rank (proofs of Props 4.3, 4.4).

    JE ranks eigenvalues of ``S^{-1/2} G S^{-1/2}``: ``e_i/(e_i + lam_theta_i)`` on signal components,
    ``lam_gamma_i/(lam_theta_i + (1+alpha^2) lam_gamma_i)`` on noise components.
    RC ranks singular values of ``G S^{-1/2}``: ``e_i/sqrt(e_i + lam_theta_i)`` and
    ``lam_gamma_i/sqrt(lam_theta_i + (1+alpha^2) lam_gamma_i)``.
    Recovery holds iff every signal score beats every noise score.

    Returns:
        ``{"je": (signal, noise), "rc": (signal, noise)}``.
    """
    energy, theta_sig, theta_noise, gamma_noise = _spectra(signal_energy, lam_theta, lam_gamma)
    alpha = as_scalar("alpha", alpha, minimum=0.0)
    noise_var = theta_noise + (1.0 + alpha**2) * gamma_noise
    return {
        "je": (energy / (energy + theta_sig), gamma_noise / noise_var),
        "rc": (energy / np.sqrt(energy + theta_sig), gamma_noise / np.sqrt(noise_var)),
    }
