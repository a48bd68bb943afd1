"""The linear methods of the paper as one registry.

Every sweep, bound, figure and check looks a method up here (by its key, "sl", "je" or "rc") or
iterates over :data:`METHODS`; nothing else branches on a method's name. A method object carries
what the rest of the package needs from it:

- its closed form from the moments (``S``, ``G`` or ``(1/n) X^T Y``),
- for the self-supervised ones (:class:`EncoderMethod`): the directions it selects in whitened
  coordinates, the matrix whose top-k space it selects, the n -> infinity per-component scores its
  closed form ranks, and its alignment threshold (Props 4.3, 4.4);
- a display name, a short name and a colour.

A new linear method is one subclass instance passed to :func:`register`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import numpy as np

from .joint_embedding import joint_embedding_from_moments
from .linalg import sym_inv_sqrt
from .reconstruction import reconstruction_from_moments
from .setting import Spectra
from .supervised import supervised_from_moments


class Encoding(NamedTuple):
    """A self-supervised closed form's output: ``encoder`` (k x d), the full ``spectrum`` it ranks
    (descending, length d) and the ``selected`` directions in whitened coordinates (d x k)."""

    encoder: np.ndarray
    spectrum: np.ndarray
    selected: np.ndarray


@dataclass(frozen=True)
class LinearMethod:
    """What every method has: a registry key, a display name, a short name and a colour."""

    key: str
    label: str
    short: str
    color: str
    has_threshold: ClassVar[bool] = False
    metric_label: ClassVar[str] = ""

    def recovers(self, threshold2: float | None, alpha: float) -> bool:
        """Whether the theory predicts recovery as n -> infinity at alignment ``alpha``."""
        raise NotImplementedError


@dataclass(frozen=True)
class SupervisedMethod(LinearMethod):
    """Augmented supervised learning: ``V* = ((1/n) X^T Y)^T S^{-1}`` (eq. 46). No threshold: it
    recovers the clean solution for every alpha (Prop 4.2)."""

    metric_label: ClassVar[str] = "relative error ‖Ṽ−V‖/‖V‖"

    def solve(self, S: np.ndarray, XtY: np.ndarray) -> np.ndarray:
        """The l x d solution from ``S`` (d x d) and ``XtY = (1/n) X^T Y`` (d x l)."""
        return supervised_from_moments(S, XtY)

    def recovers(self, threshold2: float | None, alpha: float) -> bool:
        return True


@dataclass(frozen=True)
class EncoderMethod(LinearMethod):
    """A self-supervised method with a k x d encoder and an alignment threshold."""

    has_threshold: ClassVar[bool] = True
    metric_label: ClassVar[str] = "subspace distance"
    # What the limit scores are, as mathtext for an axis label.
    score_label: ClassVar[str] = "score"
    # The eigengap of the finite-sample bound compares the limit scores raised to this power.
    gap_power: ClassVar[int] = 1

    def solve(self, S: np.ndarray, G: np.ndarray, k: int, S_inv_sqrt: np.ndarray | None = None) -> Encoding:
        """The closed form from ``S`` and ``G`` (pass ``S_inv_sqrt`` to reuse a decomposition)."""
        raise NotImplementedError

    def selection_matrix(self, S: np.ndarray, G: np.ndarray) -> np.ndarray:
        """The matrix whose top-k space the closed form selects."""
        raise NotImplementedError

    def top_space(self, M: np.ndarray, k: int) -> np.ndarray:
        """The top-k space of a :meth:`selection_matrix` as rows, k x d."""
        raise NotImplementedError

    def limit_scores(self, spectra: Spectra, alpha: float) -> tuple[np.ndarray, np.ndarray]:
        """Per-component n -> infinity scores the closed form ranks: ``(signal (k), noise (d - k))``.
        Recovery holds iff every signal score beats every noise score."""
        raise NotImplementedError

    def threshold2_per_noise(self, spectra: Spectra) -> np.ndarray:
        """The squared threshold's bracket for each noise component; the threshold is their max."""
        raise NotImplementedError

    def noise_ceiling(self, alpha: float) -> float:
        """The least upper bound of a noise component's limit score over all corruption magnitudes
        (``inf`` if louder noise always scores higher)."""
        return float("inf")

    def gap_and_factor(self, M: np.ndarray, k: int, e_op: float) -> tuple[float, float]:
        """Davis-Kahan ingredients for a perturbation of norm ``e_op`` of ``M``: the gap in the bound's
        denominator and the factor in front (Yu, Wang & Samworth 2015)."""
        raise NotImplementedError

    def tolerable_perturbation(self, M: np.ndarray, k: int, budget: float) -> float:
        """The largest ``||E||_op = x`` with ``factor(x) sqrt(k) x <= budget`` (budget = target x gap)."""
        raise NotImplementedError

    def recovers(self, threshold2: float | None, alpha: float) -> bool:
        return bool(alpha**2 > threshold2)


@dataclass(frozen=True)
class JointEmbedding(EncoderMethod):
    """SSL-JE: top-k eigenvectors of ``S^{-1/2} G S^{-1/2}`` (Thm 3.2); threshold eq. 11."""

    score_label: ClassVar[str] = r"eigenvalue of $\mathbf{S}^{-1/2}\mathbf{G}\mathbf{S}^{-1/2}$"

    def solve(self, S: np.ndarray, G: np.ndarray, k: int, S_inv_sqrt: np.ndarray | None = None) -> Encoding:
        return Encoding(*joint_embedding_from_moments(S, G, k, S_inv_sqrt))

    def selection_matrix(self, S: np.ndarray, G: np.ndarray) -> np.ndarray:
        S_is = sym_inv_sqrt(S, "S")
        return S_is @ G @ S_is

    def top_space(self, M: np.ndarray, k: int) -> np.ndarray:
        vals, vecs = np.linalg.eigh(M)
        return vecs[:, np.argsort(vals)[::-1][:k]].T

    def limit_scores(self, spectra: Spectra, alpha: float) -> tuple[np.ndarray, np.ndarray]:
        """``e_i/(e_i + lam_theta_i)`` and ``lam_gamma_i/(lam_theta_i + (1+alpha^2) lam_gamma_i)``."""
        e, g = spectra.energy, spectra.gamma_noise
        return e / (e + spectra.theta_signal), g / (spectra.theta_noise + (1.0 + alpha**2) * g)

    def threshold2_per_noise(self, spectra: Spectra) -> np.ndarray:
        """``(1 - delta) / delta - lam_theta_i / lam_gamma_i`` (eq. 11)."""
        delta = spectra.delta
        return (1.0 - delta) / delta - spectra.theta_noise / spectra.gamma_noise

    def noise_ceiling(self, alpha: float) -> float:
        """``1/(1+alpha^2)``: the noise score tends to it as ``lam_gamma_i`` grows (Prop 4.4's proof)."""
        return 1.0 / (1.0 + alpha**2)

    def gap_and_factor(self, M: np.ndarray, k: int, e_op: float) -> tuple[float, float]:
        vals = np.sort(np.linalg.eigvalsh(M))[::-1]
        return vals[k - 1] - vals[k], 2.0

    def tolerable_perturbation(self, M: np.ndarray, k: int, budget: float) -> float:
        return budget / (2 * np.sqrt(k))


@dataclass(frozen=True)
class Reconstruction(EncoderMethod):
    """SSL-RC: top-k right singular vectors of ``G S^{-1/2}`` (Thm 3.1); threshold eq. 10."""

    # The Davis-Kahan gap for singular vectors compares squared singular values.
    gap_power: ClassVar[int] = 2
    score_label: ClassVar[str] = r"singular value of $\mathbf{G}\mathbf{S}^{-1/2}$"

    def solve(self, S: np.ndarray, G: np.ndarray, k: int, S_inv_sqrt: np.ndarray | None = None) -> Encoding:
        E, _, phi, P_k = reconstruction_from_moments(S, G, k, S_inv_sqrt)
        return Encoding(E, phi, P_k)

    def selection_matrix(self, S: np.ndarray, G: np.ndarray) -> np.ndarray:
        return G @ sym_inv_sqrt(S, "S")

    def top_space(self, M: np.ndarray, k: int) -> np.ndarray:
        return np.linalg.svd(M)[2][:k]

    def limit_scores(self, spectra: Spectra, alpha: float) -> tuple[np.ndarray, np.ndarray]:
        """``e_i/sqrt(e_i + lam_theta_i)`` and ``lam_gamma_i/sqrt(lam_theta_i + (1+alpha^2) lam_gamma_i)``."""
        e, g = spectra.energy, spectra.gamma_noise
        return e / np.sqrt(e + spectra.theta_signal), g / np.sqrt(spectra.theta_noise + (1.0 + alpha**2) * g)

    def threshold2_per_noise(self, spectra: Spectra) -> np.ndarray:
        """``lam_gamma_i / eta^2 - lam_theta_i / lam_gamma_i - 1`` (eq. 10)."""
        g = spectra.gamma_noise
        return g / spectra.eta**2 - spectra.theta_noise / g - 1.0

    def gap_and_factor(self, M: np.ndarray, k: int, e_op: float) -> tuple[float, float]:
        phi = np.linalg.svd(M, compute_uv=False)
        return phi[k - 1] ** 2 - phi[k] ** 2, 2.0 * (2 * phi[0] + e_op)

    def tolerable_perturbation(self, M: np.ndarray, k: int, budget: float) -> float:
        # Positive root of x^2 + 2 phi1 x - budget / (2 sqrt k) = 0.
        phi1 = float(np.linalg.svd(M, compute_uv=False)[0])
        return -phi1 + np.sqrt(phi1**2 + budget / (2 * np.sqrt(k)))


# The registry, in the paper's order. Keys are what sweeps, glue names and parameters use.
METHODS: dict[str, LinearMethod] = {}


def register(method: LinearMethod) -> LinearMethod:
    """Add ``method`` to :data:`METHODS` (its key must be new) and return it."""
    if method.key in METHODS:
        raise ValueError(f"a method with key {method.key!r} is already registered")
    METHODS[method.key] = method
    return method


def get(method: str | LinearMethod) -> LinearMethod:
    """The registered method with this key (a method object is returned as is)."""
    if isinstance(method, LinearMethod):
        return method
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}; got {method!r}")
    return METHODS[method]


def encoder_methods() -> tuple[EncoderMethod, ...]:
    """The registered self-supervised methods (those with an encoder and a threshold), in order."""
    return tuple(m for m in METHODS.values() if isinstance(m, EncoderMethod))


SUPERVISED = register(SupervisedMethod("sl", "Supervised", "SL", "#2a9d5c"))
JOINT_EMBEDDING = register(JointEmbedding("je", "Joint-embedding", "JE", "#1b6ca8"))
RECONSTRUCTION = register(Reconstruction("rc", "Reconstruction", "RC", "#e07b24"))
