"""The linear methods of the paper as one registry.

The registry looks methods up; callers choose which to run. :data:`METHODS` maps a key ("sl", "je",
"rc") to its method, for :func:`get`; sweeps, bounds, figures and checks take the methods they run
as an argument, by default :data:`PAPER_METHODS` (the paper's three), and a chapter passes the ones
it shows. Registering a method therefore changes no result that did not ask for it. Nothing outside
this module branches on a method's name. A method object carries what the rest of the package needs
from it:

- its closed form from the moments (``S``, ``G`` or ``(1/n) X^T Y``),
- for the self-supervised ones (:class:`EncoderMethod`): the directions it selects in whitened
  coordinates, the matrix whose top-k space it selects, the n -> infinity per-component scores its
  closed form ranks, and its alignment threshold (Props 4.3, 4.4);
- a display name, a short name and a colour.

A new linear method is one subclass instance passed to :func:`register`; it must meet the contract
written in :class:`EncoderMethod` (``checks.thresholds.check_method_contract`` tests it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import numpy as np

from .joint_embedding import joint_embedding_encoder, joint_embedding_from_moments
from .linalg import sym_inv_sqrt
from .reconstruction import reconstruction_encoder, reconstruction_from_moments
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
    # Whether the model fitted on data that are 0 on some coordinates, with a Sigma that does not couple those
    # to the others, is the same whatever Sigma is there (up to what meets only the 0 data). Then the Figure 3
    # sweep fits each seed's clean-data model once for all noise levels and alphas (they change Sigma only on
    # the noise coordinates, where the clean data are 0). A method opts in; by default it is refitted each time.
    ignores_empty_coordinates: ClassVar[bool] = False

    def recovers(self, threshold2: float | None, alpha: float) -> bool:
        """Whether the theory predicts recovery as n -> infinity at alignment ``alpha``."""
        raise NotImplementedError


@dataclass(frozen=True)
class SupervisedMethod(LinearMethod):
    """Augmented supervised learning: ``V* = ((1/n) X^T Y)^T S^{-1}`` (eq. 46). No threshold: it
    recovers the clean solution for every alpha (Prop 4.2)."""

    metric_label: ClassVar[str] = "relative error ‖Ṽ−V‖/‖V‖"
    # S is then block-diagonal and X^T Y is 0 on those coordinates: V* is 0 there, S's data block decides the rest.
    ignores_empty_coordinates: ClassVar[bool] = True

    def solve(self, S: np.ndarray, XtY: np.ndarray, check: bool = True) -> np.ndarray:
        """The l x d solution from ``S`` (d x d) and ``XtY = (1/n) X^T Y`` (d x l), or stacks of them
        (``check=False``: the caller has checked that S is invertible)."""
        return supervised_from_moments(S, XtY, check)

    def recovers(self, threshold2: float | None, alpha: float) -> bool:
        return True


@dataclass(frozen=True)
class EncoderMethod(LinearMethod):
    """A self-supervised method with a k x d encoder and an alignment threshold.

    The contract every subclass meets in the paper's setting (data, Theta and Gamma diagonal in one
    basis Q, the corruption on the d - k directions the clean data leave empty), on which the
    thresholds, sweeps and checks rely:

    1. The clean encoder spans span(Q_1): on clean data the closed form selects the k signal
       directions at every alpha, so the clean-data encoder is the reference of the paper's criterion.
    2. Recovery is monotone in alpha: as n -> infinity the corrupted-data encoder recovers span(Q_1)
       iff ``alpha^2`` exceeds the largest of :meth:`threshold2_per_noise` (one term per noise
       component; ``-inf`` for a component that never wins, ``inf`` for one that always does), i.e.
       iff every signal score of :meth:`limit_scores` beats every noise score.

    ``checks.thresholds.check_method_contract`` checks both on the exact n -> infinity moments.
    """

    has_threshold: ClassVar[bool] = True
    metric_label: ClassVar[str] = "subspace distance"
    # What the limit scores are, as mathtext for an axis label.
    score_label: ClassVar[str] = "score"
    # The eigengap of the finite-sample bound compares the limit scores raised to this power.
    gap_power: ClassVar[int] = 1
    # A small instance (M, E) of the selection matrix and a perturbation (k = 1, d = 2) on which the
    # finite-sample bound (gap_and_factor) is nearly tight, or None (chapter 10 checks it).
    near_tight: ClassVar[tuple[tuple[tuple[float, ...], ...], tuple[tuple[float, ...], ...]] | None] = None

    def solve(self, S: np.ndarray, G: np.ndarray, k: int, S_inv_sqrt: np.ndarray | None = None) -> Encoding:
        """The closed form from ``S`` and ``G`` (pass ``S_inv_sqrt`` to reuse a decomposition)."""
        raise NotImplementedError

    def encoders(self, S: np.ndarray, G: np.ndarray, k: int, whitener: np.ndarray) -> np.ndarray:
        """The closed form's encoders alone (up to the signs of their rows), for stacks of moments
        ``(..., d, d)`` and of whiteners of ``S`` (``T^T S T = I``, :func:`~.linalg.whitener`). By
        default :meth:`solve`'s, matrix by matrix; a method may find them faster from the whiteners."""
        d = S.shape[-1]
        pairs = zip(S.reshape(-1, d, d), np.broadcast_to(G, S.shape).reshape(-1, d, d))
        return np.array([self.solve(S_i, G_i, k).encoder for S_i, G_i in pairs]).reshape(*S.shape[:-2], k, d)

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
    # S^{-1/2} G S^{-1/2} is then 0 outside the data's block and depends on S's data block alone: its top k
    # eigenvectors (k at most the data's coordinates, G positive definite on them) lie in that block.
    ignores_empty_coordinates: ClassVar[bool] = True
    # Found by a random search over 2 x 2 perturbations of diag(1, omega_2): measured / bound = 0.87, so the
    # bound's factor 2 is needed (with it dropped, the bound is exceeded).
    near_tight: ClassVar = (((1.0, 0.0), (0.0, 0.2)), ((-0.43, 0.015), (0.015, 0.45)))

    def solve(self, S: np.ndarray, G: np.ndarray, k: int, S_inv_sqrt: np.ndarray | None = None) -> Encoding:
        return Encoding(*joint_embedding_from_moments(S, G, k, S_inv_sqrt))

    def encoders(self, S: np.ndarray, G: np.ndarray, k: int, whitener: np.ndarray) -> np.ndarray:
        return joint_embedding_encoder(G, whitener, k)

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
    # As JE's, for the top k right singular vectors of G S^{-1/2}.
    ignores_empty_coordinates: ClassVar[bool] = True
    # As JE's, over perturbations of diag(1, phi_2): measured / bound = 0.57.
    near_tight: ClassVar = (((1.0, 0.0), (0.0, 0.77)), ((-0.14, 0.02), (0.03, 0.12)))

    def solve(self, S: np.ndarray, G: np.ndarray, k: int, S_inv_sqrt: np.ndarray | None = None) -> Encoding:
        E, _, phi, P_k = reconstruction_from_moments(S, G, k, S_inv_sqrt)
        return Encoding(E, phi, P_k)

    def encoders(self, S: np.ndarray, G: np.ndarray, k: int, whitener: np.ndarray) -> np.ndarray:
        return reconstruction_encoder(G, whitener, k)

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


Methods = Iterable[str | LinearMethod]  # what a caller passes: method objects or registry keys


def resolve(methods: Methods) -> tuple[LinearMethod, ...]:
    """The methods named (keys or objects), in the order given; ValueError for an unknown key, an
    empty selection or a repeated method."""
    out = tuple(get(m) for m in methods)
    keys = [m.key for m in out]
    if not out or len(set(keys)) != len(keys):
        raise ValueError(f"methods must name at least one method, each once; got {keys}")
    return out


def encoders(methods: Methods) -> tuple[EncoderMethod, ...]:
    """The self-supervised methods (those with an encoder and a threshold) among ``methods``, in order."""
    return tuple(m for m in resolve(methods) if isinstance(m, EncoderMethod))


SUPERVISED = register(SupervisedMethod("sl", "Supervised", "SL", "#2a9d5c"))
JOINT_EMBEDDING = register(JointEmbedding("je", "Joint-embedding", "JE", "#1b6ca8"))
RECONSTRUCTION = register(Reconstruction("rc", "Reconstruction", "RC", "#e07b24"))

# What the paper runs, in its order: the default of every sweep, bound, figure and check.
PAPER_METHODS: tuple[LinearMethod, ...] = (SUPERVISED, JOINT_EMBEDDING, RECONSTRUCTION)
PAPER_ENCODERS: tuple[EncoderMethod, ...] = (JOINT_EMBEDDING, RECONSTRUCTION)
