"""Simulations of the controlled setting: recovery as n or alpha grows, and the phase diagram.

Each draw of (clean data, corruption, labels) is shared by every alpha and every model: the
closed forms only need the moments, so one Gram matrix per (seed, n) serves the whole sweep.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_scalar, as_vector
from .joint_embedding import joint_embedding_from_moments
from .linalg import subspace_distance
from .reconstruction import reconstruction_from_moments
from .setting import Setting
from .supervised import supervised_from_moments
from .thresholds import Thresholds, thresholds

MODELS = ("sl", "je", "rc", "je_selected", "rc_selected")


@dataclass(frozen=True)
class Sweep:
    """Distances between corrupted-data and clean-data solutions.

    ``distance[key]`` has shape (len(alphas), len(ns), n_seeds). For "je" and "rc" it is the
    subspace distance between the encoders' row spaces (0 iff equal up to T or U: the paper's
    criterion); for "je_selected" and "rc_selected" the distance between the directions the closed
    forms select in whitened coordinates (``Q_k`` of Thm 3.2, ``P_k`` of Thm 3.1), the quantity
    the proofs rank; for "sl" the relative Frobenius error ``||V~ - V|| / ||V||``.
    """

    ns: np.ndarray
    alphas: np.ndarray
    distance: dict[str, np.ndarray]


def _labels(X: np.ndarray, setting: Setting, n_labels: int, label_noise: float,
            rng: np.random.Generator) -> np.ndarray:
    # Labels depend on the signal only, as in Prop 4.2 ("labels are uncorrelated with the noise").
    B = rng.standard_normal((setting.k, n_labels))
    scores = X @ setting.signal_basis().T
    return scores @ B + label_noise * rng.standard_normal((X.shape[0], n_labels))


def recovery_sweep(setting: Setting, ns: object, alphas: object, seeds: object = (0,),
                   n_labels: int = 3, label_noise: float = 0.1) -> Sweep:
    """Distance of the corrupted-data SL, JE and RC solutions to their clean-data counterparts.

    For each seed and n: clean data with exact signal energies (``Setting.clean_data``), corrupted
    data ``X + N`` with ``N ~ N(0, Gamma)``, and labels linear in the signal. For each alpha the
    closed forms (eq. 46, Thm 3.1, Thm 3.2) are applied with ``Sigma = Theta + alpha^2 Gamma``.
    Props 4.2-4.4 predict the n -> infinity and alpha -> infinity limits of these distances.
    """
    ns_arr = np.asarray(ns, dtype=int)
    if ns_arr.ndim != 1 or ns_arr.size == 0 or np.any(ns_arr < setting.k):
        raise ValueError(f"ns must be a non-empty list of sample sizes >= k={setting.k}; got {ns!r}")
    alphas_arr = as_vector("alphas", alphas, nonnegative=True)
    seeds_list = [int(s) for s in np.atleast_1d(seeds)]
    k = setting.k
    out = {m: np.empty((alphas_arr.size, ns_arr.size, len(seeds_list))) for m in MODELS}
    for s_idx, seed in enumerate(seeds_list):
        rng = np.random.default_rng(seed)
        for n_idx, n in enumerate(ns_arr):
            X = setting.clean_data(int(n), rng)
            Xc = X + setting.corruption(int(n), rng)
            Y = _labels(X, setting, n_labels, label_noise, rng)
            G, Gc = X.T @ X / n, Xc.T @ Xc / n
            XtY, XctY = X.T @ Y / n, Xc.T @ Y / n
            for a_idx, alpha in enumerate(alphas_arr):
                Sigma = setting.sigma(alpha)
                V = supervised_from_moments(G + Sigma, XtY)
                Vc = supervised_from_moments(Gc + Sigma, XctY)
                out["sl"][a_idx, n_idx, s_idx] = np.linalg.norm(Vc - V) / np.linalg.norm(V)
                for model, solve in (("je", joint_embedding_from_moments), ("rc", reconstruction_from_moments)):
                    clean, corrupted = solve(G + Sigma, G, k), solve(Gc + Sigma, Gc, k)
                    out[model][a_idx, n_idx, s_idx] = subspace_distance(corrupted[0], clean[0])
                    out[f"{model}_selected"][a_idx, n_idx, s_idx] = subspace_distance(corrupted[-1].T, clean[-1].T)
    return Sweep(ns_arr, alphas_arr, out)


def population_distance(setting: Setting, model: str, alpha: float) -> float:
    """Subspace distance between the n -> infinity encoders on corrupted and on clean data (exact limit).

    In the paper's setting the clean encoder spans span(Q_1), so this is the distance to span(Q_1).
    """
    solvers = {"je": joint_embedding_from_moments, "rc": reconstruction_from_moments}
    if model not in solvers:
        raise ValueError(f"model must be 'je' or 'rc'; got {model!r}")
    encoders = [solvers[model](*setting.population_moments(alpha, corrupted=c), setting.k)[0] for c in (True, False)]
    return subspace_distance(*encoders)


@dataclass(frozen=True)
class PhaseDiagram:
    """JE and RC recovery over noise scale x alpha, with the theory's thresholds per scale.

    ``distance[key]`` has shape (len(alphas), len(noise_scales)) (mean over seeds), with the keys
    of :class:`Sweep` for JE and RC;
    ``thresholds[j]`` belongs to ``noise_scales[j]`` (Gamma scaled by that factor).
    """

    noise_scales: np.ndarray
    alphas: np.ndarray
    n: int
    distance: dict[str, np.ndarray]
    thresholds: list[Thresholds]


def scaled_setting(setting: Setting, noise_scale: float) -> Setting:
    """The same setting with Gamma multiplied by ``noise_scale`` (> 0)."""
    scale = as_scalar("noise_scale", noise_scale, minimum=0.0, strict=True)
    return Setting(setting.signal_energy, setting.lam_theta, scale * setting.lam_gamma, setting.basis,
                   setting.corruption_basis)


def phase_diagram(setting: Setting, noise_scales: object, alphas: object, n: int,
                  seeds: object = (0,)) -> PhaseDiagram:
    """Simulated recovery at sample size ``n`` over a grid of noise magnitudes and alignments.

    A given seed draws the same standard normals at every scale, so the grid differs only by the
    scale, not by the luck of the draw.
    """
    scales = as_vector("noise_scales", noise_scales, positive=True)
    dist = {m: np.empty((len(np.atleast_1d(alphas)), scales.size)) for m in MODELS if m != "sl"}
    ths = []
    for j, scale in enumerate(scales):
        scaled = scaled_setting(setting, scale)
        sweep = recovery_sweep(scaled, [n], alphas, seeds)
        for m in dist:
            dist[m][:, j] = sweep.distance[m][:, 0, :].mean(axis=-1)
        ths.append(thresholds(scaled.signal_energy, scaled.lam_theta, scaled.lam_gamma))
    return PhaseDiagram(scales, as_vector("alphas", alphas), int(n), dist, ths)
