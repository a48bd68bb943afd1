"""Theory sweeps of the controlled setting: recovery as n or alpha grows, and the phase diagram.

Each draw of (clean data, corruption, labels) is shared by every alpha and every method run: the
closed forms only need the moments, so one Gram matrix per (seed, n) serves the whole sweep, and
the methods run (``methods``, by default the paper's) do not change the draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..theory import methods as registry
from ..theory.linalg import single_threaded_module, subspace_distance
from ..theory.methods import PAPER_METHODS, EncoderMethod, LinearMethod, Methods, SupervisedMethod
from ..theory.setting import Setting
from ..theory.thresholds import Thresholds, thresholds
from ..theory.validation import as_scalar, as_vector


@dataclass(frozen=True)
class Sweep:
    """Distances between corrupted-data and clean-data solutions, per method run (``methods``, keys
    in the order run).

    Two metrics, each a dict keyed by method key, arrays of shape (len(alphas), len(ns), n_seeds):

    - ``distance``: the paper's criterion. For a self-supervised method the subspace distance between
      the encoders' row spaces (0 iff equal up to T or U); for supervised learning the relative
      Frobenius error ``||V~ - V|| / ||V||``.
    - ``selected`` (self-supervised methods only): the distance between the directions the closed forms
      select in whitened coordinates (``Q_k`` of Thm 3.2, ``P_k`` of Thm 3.1), the quantity the proofs rank.
    """

    ns: np.ndarray
    alphas: np.ndarray
    distance: dict[str, np.ndarray]
    selected: dict[str, np.ndarray]
    methods: tuple[str, ...]


def _labels(X: np.ndarray, setting: Setting, n_labels: int, label_noise: float, rng: np.random.Generator) -> np.ndarray:
    # Labels depend on the signal only, as in Prop 4.2 ("labels are uncorrelated with the noise").
    B = rng.standard_normal((setting.k, n_labels))
    scores = X @ setting.signal_basis().T
    return scores @ B + label_noise * rng.standard_normal((X.shape[0], n_labels))


def recovery_sweep(
    setting: Setting,
    ns: object,
    alphas: object,
    seeds: object = (0,),
    n_labels: int = 3,
    label_noise: float = 0.1,
    methods: Methods = PAPER_METHODS,
) -> Sweep:
    """Distance of each method's corrupted-data solution to its clean-data counterpart (by default
    the paper's SL, JE and RC).

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
    shape = (alphas_arr.size, ns_arr.size, len(seeds_list))
    run = registry.resolve(methods)
    distance = {m.key: np.empty(shape) for m in run}
    selected = {m.key: np.empty(shape) for m in registry.encoders(run)}
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
                cell = (a_idx, n_idx, s_idx)
                for method in run:
                    if isinstance(method, SupervisedMethod):
                        V, Vc = method.solve(G + Sigma, XtY), method.solve(Gc + Sigma, XctY)
                        distance[method.key][cell] = np.linalg.norm(Vc - V) / np.linalg.norm(V)
                    elif isinstance(method, EncoderMethod):
                        clean, corrupted = method.solve(G + Sigma, G, k), method.solve(Gc + Sigma, Gc, k)
                        distance[method.key][cell] = subspace_distance(corrupted.encoder, clean.encoder)
                        selected[method.key][cell] = subspace_distance(corrupted.selected.T, clean.selected.T)
    return Sweep(ns_arr, alphas_arr, distance, selected, tuple(m.key for m in run))


def population_distance(setting: Setting, method: str | LinearMethod, alpha: float) -> float:
    """Subspace distance between the n -> infinity encoders on corrupted and on clean data (exact limit).

    In the paper's setting the clean encoder spans span(Q_1), so this is the distance to span(Q_1).
    ``method``: a self-supervised method (or its registry key).
    """
    method = registry.get(method)
    if not isinstance(method, EncoderMethod):
        raise ValueError(f"method must be a self-supervised method (an EncoderMethod); got {method.key!r}")
    encoders = [method.solve(*setting.population_moments(alpha, corrupted=c), setting.k).encoder for c in (True, False)]
    return subspace_distance(*encoders)


@dataclass(frozen=True)
class PhaseDiagram:
    """Recovery of the self-supervised methods over noise scale x alpha, with the theory's thresholds.

    ``distance[key]`` and ``selected[key]`` (the two metrics of :class:`Sweep`, per method key) have
    shape (len(alphas), len(noise_scales)) (mean over seeds); ``thresholds[j]`` belongs to
    ``noise_scales[j]`` (Gamma scaled by that factor); ``methods`` are the keys run.
    """

    noise_scales: np.ndarray
    alphas: np.ndarray
    n: int
    distance: dict[str, np.ndarray]
    selected: dict[str, np.ndarray]
    thresholds: list[Thresholds]
    methods: tuple[str, ...]


def scaled_setting(setting: Setting, noise_scale: float) -> Setting:
    """The same setting with Gamma multiplied by ``noise_scale`` (> 0)."""
    scale = as_scalar("noise_scale", noise_scale, minimum=0.0, strict=True)
    return Setting(
        setting.signal_energy, setting.lam_theta, scale * setting.lam_gamma, setting.basis, setting.corruption_basis
    )


def phase_diagram(
    setting: Setting,
    noise_scales: object,
    alphas: object,
    n: int,
    seeds: object = (0,),
    methods: Methods = PAPER_METHODS,
) -> PhaseDiagram:
    """Simulated recovery of the self-supervised methods of ``methods`` at sample size ``n`` over a
    grid of noise magnitudes and alignments.

    A given seed draws the same standard normals at every scale, so the grid differs only by the
    scale, not by the luck of the draw.
    """
    scales = as_vector("noise_scales", noise_scales, positive=True)
    shape = (len(np.atleast_1d(alphas)), scales.size)
    run = registry.encoders(methods)
    keys = tuple(m.key for m in run)
    dist = {key: np.empty(shape) for key in keys}
    sel = {key: np.empty(shape) for key in keys}
    ths = []
    for j, scale in enumerate(scales):
        scaled = scaled_setting(setting, scale)
        sweep = recovery_sweep(scaled, [n], alphas, seeds, methods=run)
        for key in keys:
            dist[key][:, j] = sweep.distance[key][:, 0, :].mean(axis=-1)
            sel[key][:, j] = sweep.selected[key][:, 0, :].mean(axis=-1)
        ths.append(thresholds(scaled, methods=run))
    return PhaseDiagram(scales, as_vector("alphas", alphas), int(n), dist, sel, ths, keys)


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
