"""Beyond the paper (1): finite samples.

The paper's results are limits. Here the selected directions of the closed forms are compared with
their n -> infinity values through standard perturbation theorems (Yu, Wang & Samworth 2015, a
Davis-Kahan variant), which are *proven* deterministic inequalities:

- JE selects the top-k eigenvectors of ``M = S^{-1/2} G S^{-1/2}`` (Thm 3.2). With ``E = M_hat - M``,
      ||sin Theta||_F <= 2 min(sqrt(k) ||E||_op, ||E||_F) / (omega_k - omega_{k+1}).
- RC selects the top-k right singular vectors of ``A = G S^{-1/2}`` (Thm 3.1). With ``E = A_hat - A``,
      ||sin Theta||_F <= 2 (2 phi_1 + ||E||_op) min(sqrt(k) ||E||_op, ||E||_F) / (phi_k^2 - phi_{k+1}^2).

The largest principal-angle sine (our distance) is at most ``||sin Theta||_F``. The gaps are those of
the n -> infinity problem; they vanish exactly at the alignment thresholds (Props 4.3, 4.4), which is
why the required n blows up there. How ``||E||`` shrinks with n is *measured* (it behaves like
``c / sqrt(n)``, the usual concentration rate); combined with the proven inequality it predicts the
sample size needed for a target error.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._checks import as_scalar
from .linalg import subspace_distance, sym_inv_sqrt
from .setting import Setting
from .thresholds import limit_scores

MODELS = ("je", "rc")


def selection_matrix(S: np.ndarray, G: np.ndarray, model: str) -> np.ndarray:
    """The matrix whose top-k space the closed form selects: ``S^-1/2 G S^-1/2`` (JE) or ``G S^-1/2`` (RC)."""
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}; got {model!r}")
    S_is = sym_inv_sqrt(S, "S")
    return S_is @ G @ S_is if model == "je" else G @ S_is


def _top_space(M: np.ndarray, model: str, k: int) -> np.ndarray:
    """Top-k eigenvectors (JE, symmetric M) or right singular vectors (RC) as rows, k x d."""
    if model == "je":
        vals, vecs = np.linalg.eigh(M)
        return vecs[:, np.argsort(vals)[::-1][:k]].T
    return np.linalg.svd(M)[2][:k]


def population_gap(setting: Setting, model: str, alpha: float) -> float:
    """Signed n -> infinity gap between the weakest signal score and the strongest noise score (the
    quantities the proofs of Props 4.3/4.4 compare): ``delta_min - max noise eigenvalue`` for JE, and
    the same with squared singular values for RC. Above the threshold it equals the eigengap of the
    perturbation bound (``omega_k - omega_{k+1}`` or ``phi_k^2 - phi_{k+1}^2``); it is 0 at the
    threshold and negative below, where the closed forms select a noise direction."""
    if setting.corruption_basis is not None:
        raise ValueError("population_gap needs the paper's shared eigenbasis (no corruption_basis)")
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}; got {model!r}")
    signal, noise = limit_scores(setting.signal_energy, setting.lam_theta, setting.lam_gamma, alpha)[model]
    power = 1 if model == "je" else 2
    return float(signal.min() ** power - noise.max() ** power)


def perturbation_bound(M_hat: np.ndarray, M: np.ndarray, model: str, k: int) -> tuple[float, float, float]:
    """``(distance, bound, ||E||_op)`` for one draw: the selected space of ``M_hat`` against that of ``M``
    and the Yu-Wang-Samworth bound (infinite when the gap is not positive)."""
    E = M_hat - M
    e_op, e_f = float(np.linalg.norm(E, 2)), float(np.linalg.norm(E, "fro"))
    dist = subspace_distance(_top_space(M_hat, model, k), _top_space(M, model, k))
    if model == "je":
        vals = np.sort(np.linalg.eigvalsh(M))[::-1]
        gap, scale = vals[k - 1] - vals[k], 2.0
    else:
        phi = np.linalg.svd(M, compute_uv=False)
        gap, scale = phi[k - 1] ** 2 - phi[k] ** 2, 2.0 * (2 * phi[0] + e_op)
    bound = scale * min(np.sqrt(k) * e_op, e_f) / gap if gap > 0 else np.inf
    return dist, float(bound), e_op


@dataclass(frozen=True)
class FiniteSweep:
    """Per (alpha, n, seed): measured distance of the selected directions, its proven bound and ||E||_op."""

    model: str
    alphas: np.ndarray
    ns: np.ndarray
    distance: np.ndarray
    bound: np.ndarray
    perturbation: np.ndarray


def finite_sample_sweep(setting: Setting, model: str, alphas: object, ns: object, seeds: object) -> FiniteSweep:
    """Measure, for corrupted data of each size, the selected-direction error and its bound."""
    alphas_arr, ns_arr = np.asarray(alphas, dtype=float), np.asarray(ns, dtype=int)
    seeds_list = [int(s) for s in np.atleast_1d(seeds)]
    shape = (alphas_arr.size, ns_arr.size, len(seeds_list))
    dist, bound, pert = np.empty(shape), np.empty(shape), np.empty(shape)
    for a, alpha in enumerate(alphas_arr):
        S_pop, G_pop = setting.population_moments(alpha, corrupted=True)
        M = selection_matrix(S_pop, G_pop, model)
        Sigma = setting.sigma(alpha)
        for s, seed in enumerate(seeds_list):
            rng = np.random.default_rng(seed)
            for j, n in enumerate(ns_arr):
                Xc = setting.clean_data(int(n), rng) + setting.corruption(int(n), rng)
                G = Xc.T @ Xc / n
                dist[a, j, s], bound[a, j, s], pert[a, j, s] = perturbation_bound(
                    selection_matrix(G + Sigma, G, model), M, model, setting.k)
    return FiniteSweep(model, alphas_arr, ns_arr, dist, bound, pert)


@dataclass(frozen=True)
class Rate:
    """A power law ``error ~ C n^slope`` fitted on log-log axes, with a confidence interval."""

    slope: float
    low: float
    high: float
    intercept: float


def fit_rate(ns: np.ndarray, errors: np.ndarray, level: float = 0.95) -> Rate:
    """Least-squares fit of ``log error = intercept + slope log n`` over every seed (errors: ns x seeds),
    with a ``level`` confidence interval for the slope from the t distribution."""
    x = np.repeat(np.log(np.asarray(ns, dtype=float)), errors.shape[1])
    y = np.log(np.asarray(errors, dtype=float).ravel())
    fit = stats.linregress(x, y)
    half = stats.t.ppf(0.5 + level / 2, x.size - 2) * fit.stderr
    return Rate(float(fit.slope), float(fit.slope - half), float(fit.slope + half), float(fit.intercept))


def perturbation_constant(sweep: FiniteSweep, quantile: float = 0.9, ns_from: int = 0) -> np.ndarray:
    """Per alpha, the ``quantile`` over seeds (and over ``sweep.ns[ns_from:]``) of ``||E||_op sqrt(n)``,
    which is nearly constant in n (measured)."""
    scaled = (sweep.perturbation * np.sqrt(sweep.ns)[None, :, None])[:, ns_from:]
    return np.quantile(scaled.reshape(scaled.shape[0], -1), quantile, axis=1)


def required_n(setting: Setting, model: str, alpha: float, target: float, constant: float) -> float:
    """Sample size at which the proven bound falls to ``target``, if ``||E||_op = constant / sqrt(n)``.

    JE: ``2 sqrt(k) c / sqrt(n) <= target gap``. RC: ``2 sqrt(k) x (2 phi_1 + x) <= target gap`` with
    ``x = c / sqrt(n)``, solved for x. Infinite at or below the threshold (no positive gap).
    """
    target = as_scalar("target", target, minimum=0.0, strict=True)
    constant = as_scalar("constant", constant, minimum=0.0, strict=True)
    gap, k = population_gap(setting, model, alpha), setting.k
    if gap <= 0:
        return float("inf")
    if model == "je":
        x = target * gap / (2 * np.sqrt(k))
    else:
        S, G = setting.population_moments(alpha, corrupted=True)
        phi1 = float(np.linalg.svd(selection_matrix(S, G, model), compute_uv=False)[0])
        # Positive root of x^2 + 2 phi1 x - target gap / (2 sqrt k) = 0.
        x = -phi1 + np.sqrt(phi1**2 + target * gap / (2 * np.sqrt(k)))
    return float((constant / x) ** 2)
