"""Part 1 of chapter 12: do stochastic gradients on sampled views find the closed forms?

On the toy setting (``je_vs_rc.Setting``), each variant (``VARIANTS``: supervised, RC, and JE with each
way of enforcing its constraint) is trained in one batched run over a ladder of step budgets and
batch sizes, on corrupted data at one alignment, and compared with the closed form on the same data
(eq. 46, Thm 3.1, Thm 3.2): relative objective gap (exact objectives of Lemma B.1) and subspace
distance. The same run trains RC and JE just below and above their thresholds (Props 4.3, 4.4), and
the penalty variant at several weights, to compare with :func:`penalty_feature_scales`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..config import Validated, like
from ..parameters.chapters import TrainedNetworks, noisy_spectra, sample_sizes
from ..theory import methods
from ..theory.joint_embedding import joint_embedding_from_moments
from ..theory.linalg import subspace_distance
from ..theory.setting import Setting, augmented_moments
from ..theory.thresholds import thresholds
from .models import Problems, TrainConfig, train
from .variants import TRAINED, trained_variant

CONSTRAINT_NAMES = {"whiten": "whitening", "penalty": "penalty", "project": "projection"}


class Variant(NamedTuple):
    """One trained model of Part 1: a registry key and, for a variant with a constraint, how it is enforced."""

    method: str
    constraint: str


def _variants() -> dict[str, Variant]:
    """Every trained variant of the registry, once per way of enforcing its constraint, by display name."""
    out = {}
    for key, variant in TRAINED.items():
        short = methods.get(key).short
        for constraint in variant.constraints or (TrainConfig.constraint,):
            out[f"{short} {CONSTRAINT_NAMES[constraint]}" if variant.constraints else short] = Variant(key, constraint)
    return out


VARIANTS = _variants()


def penalty_feature_scales(omega: np.ndarray, k: int, penalty: float) -> np.ndarray:
    """Population optimum of the JE invariance term plus ``penalty * ||W S W^T - I||_F^2`` (beyond the paper).

    In whitened coordinates ``A = W S^{1/2}`` the loss is ``2 Tr(A (I - Omega) A^T) + lambda ||A A^T - I||^2``
    with ``Omega`` the eigenvalues of ``S^{-1/2} G S^{-1/2}`` (Thm 3.2). Along an eigenvector with squared
    scale ``t`` it is ``2 (1 - omega) t + lambda (t - 1)^2``, minimised at ``t = max(0, 1 - (1 - omega)/lambda)``,
    and by von Neumann's trace inequality the largest scales go to the directions of largest omega. So the
    penalty shrinks feature i by ``(1 - omega_i)/lambda``, *collapses* it when ``lambda <= 1 - omega_i``, and
    selects the closed form's subspace only while ``lambda > 1 - omega_k`` (every feature survives).

    Returns the k eigenvalues of ``W S W^T`` at that optimum, descending (``omega`` descending, length >= k).
    """
    return np.maximum(0.0, 1.0 - (1.0 - np.asarray(omega)[:k]) / penalty)


@dataclass(frozen=True)
class LinearStudyConfig(Validated):
    """Parameters of Part 1: chapter 12's parameters of the same names, declared like them
    (``parameters.TrainedNetworks``), so the defaults and allowed values have one home.

    Attributes:
        signal_energy, lam_theta, lam_gamma: the toy setting (identity basis).
        n: samples per seed (corrupted data ``X + N``, labels linear in the signal for SL), at least d.
        alpha: the alignment of the budget ladder.
        steps, batch_sizes: the ladder (every pair is trained).
        seeds: one data draw each.
        penalties: weights of the penalty variant, trained at the largest budget.
        recovery_ratios: alignments, as multiples of each threshold, trained at the largest budget.
        lr, optimizer: the optimiser of every variant.
    """

    signal_energy: tuple[float, ...] = like(TrainedNetworks, "signal_energy", tuple)
    lam_theta: tuple[float, ...] = like(TrainedNetworks, "lam_theta", tuple)
    lam_gamma: tuple[float, ...] = like(TrainedNetworks, "lam_gamma", tuple)
    n: int = like(TrainedNetworks, "n")
    alpha: float = like(TrainedNetworks, "alpha")
    steps: tuple[int, ...] = like(TrainedNetworks, "steps", tuple)
    batch_sizes: tuple[int, ...] = like(TrainedNetworks, "batch_sizes", tuple)
    seeds: tuple[int, ...] = like(TrainedNetworks, "seeds", tuple)
    penalties: tuple[float, ...] = like(TrainedNetworks, "penalties", tuple)
    penalty: float = like(TrainedNetworks, "penalty")
    recovery_ratios: tuple[float, ...] = like(TrainedNetworks, "recovery_ratios", tuple)
    lr: float = like(TrainedNetworks, "lr")
    optimizer: str = like(TrainedNetworks, "optimizer")

    def check(self) -> None:
        noisy_spectra(self)
        sample_sizes(self, "n", minimum="d")

    def setting(self) -> Setting:
        return Setting(np.array(self.signal_energy), np.array(self.lam_theta), np.array(self.lam_gamma))


@dataclass
class LinearStudy:
    """Results of Part 1. Ladder arrays have shape (steps, batch sizes, seeds).

    ``distance[v]``: subspace distance to the closed form (SL: relative error of V); ``gap[v]``: relative
    objective gap; ``recovery[v]`` (ratios, seeds): distance to the clean-data encoder's row space;
    ``scales`` (penalties, seeds, k) and ``predicted_scales`` (penalties, seeds, k): eigenvalues of
    ``W S W^T`` for the penalty variant; ``omega`` (seeds, k): the top-k eigenvalues of ``S^{-1/2} G S^{-1/2}``
    at the ladder's alignment; ``alpha_threshold[m]``: alpha_JE / alpha_RC; ``steps_per_second[v]``.
    """

    config: LinearStudyConfig
    distance: dict[str, np.ndarray]
    gap: dict[str, np.ndarray]
    recovery: dict[str, np.ndarray]
    scales: np.ndarray
    predicted_scales: np.ndarray
    omega: np.ndarray
    alpha_threshold: dict[str, float]
    steps_per_second: dict[str, float]


def _study_data(cfg: LinearStudyConfig, setting: Setting) -> tuple[np.ndarray, np.ndarray]:
    """Per seed, stacked: corrupted data (n x d) and two labels linear in the signal plus a little noise."""
    data, labels = [], []
    for seed in cfg.seeds:
        rng = np.random.default_rng(seed)
        X = setting.clean_data(cfg.n, rng)
        data.append(X + setting.corruption(cfg.n, rng))
        B = rng.standard_normal((setting.k, 2))
        labels.append(X @ setting.signal_basis().T @ B + 0.1 * rng.standard_normal((cfg.n, 2)))
    return np.stack(data), np.stack(labels)


def _models(cfg: LinearStudyConfig, ladder: list, extra: list) -> tuple[np.ndarray, ...]:
    """Per model (alphas, steps, batch sizes, seeds, penalty weights): the ladder at ``cfg.alpha`` first, then
    each ``extra`` (what, alpha, penalty weight) for every seed at the largest budget and batch."""
    rows = [(cfg.alpha, t, b, s, cfg.penalty) for t, b, s in ladder]
    rows += [
        (alpha, cfg.steps[-1], cfg.batch_sizes[-1], s, lam) for _, alpha, lam in extra for s in range(len(cfg.seeds))
    ]
    return tuple(np.array(column) for column in zip(*rows))


def _against_closed_form(variant, F_all, D_all, ladder: list, X_all, Y_all, sigma: np.ndarray, k: int):
    """The ladder's models against the closed form: (distance, relative objective gap); NaN where training diverged
    (step size too large for this variant)."""
    dist, rel = np.empty(len(ladder)), np.empty(len(ladder))
    for i, (_, _, s) in enumerate(ladder):
        F = F_all[i]
        if not np.all(np.isfinite(F)):
            dist[i] = rel[i] = np.nan
            continue
        D = None if D_all is None else D_all[i]
        dist[i], rel[i] = variant.against_closed_form(F, D, X_all[s], Y_all[s], sigma, k)
    return dist, rel


def _recovery(F_all: np.ndarray, first: int, count: int, signal_basis: np.ndarray) -> np.ndarray:
    """Distance of models ``first .. first + count`` to the clean-data closed form's row space Q_1 (signal
    coordinates): Props 4.3/4.4's target."""
    return np.array(
        [
            subspace_distance(F_all[i], signal_basis) if np.all(np.isfinite(F_all[i])) else np.nan
            for i in range(first, first + count)
        ]
    )


def _penalty_scales(cfg: LinearStudyConfig, setting: Setting, F_all, first: int, X_all) -> tuple[np.ndarray, ...]:
    """Per penalty weight and seed: the trained features' scales (eigenvalues of ``W S W^T``; NaN where a weight
    too large for the step size diverged) and their predicted optimum (:func:`penalty_feature_scales`)."""
    k, S_n = setting.k, len(cfg.seeds)
    sc, pr = [], []
    for p, lam in enumerate(cfg.penalties):
        for s in range(S_n):
            i = first + p * S_n + s
            S, G = augmented_moments(X_all[s], setting.sigma(cfg.alpha))
            omega = joint_embedding_from_moments(S, G, k)[1]
            finite = np.all(np.isfinite(F_all[i]))
            sc.append(np.sort(np.linalg.eigvalsh(F_all[i] @ S @ F_all[i].T))[::-1] if finite else np.full(k, np.nan))
            pr.append(penalty_feature_scales(omega, k, lam))
    return np.array(sc).reshape(len(cfg.penalties), S_n, k), np.array(pr).reshape(len(cfg.penalties), S_n, k)


def run_linear_study(cfg: LinearStudyConfig) -> LinearStudy:
    """Train every variant over the ladder, the recovery alignments and the penalty weights."""
    setting = cfg.setting()
    th = thresholds(setting.signal_energy, setting.lam_theta, setting.lam_gamma)
    alpha_threshold = {m.key: th.threshold(m.key) for m in methods.PAPER_ENCODERS}
    k = setting.k
    X_all, Y_all = _study_data(cfg, setting)
    S_n, B_n, T_n = len(cfg.seeds), len(cfg.batch_sizes), len(cfg.steps)
    ladder = [(t, b, s) for t in cfg.steps for b in cfg.batch_sizes for s in range(S_n)]
    distance, gap, recovery, rates = {}, {}, {}, {}
    scales = predicted = np.zeros((0, S_n, k))
    for name, (method, constraint) in VARIANTS.items():
        # Models: the ladder at cfg.alpha, then (methods with a threshold) the recovery alignments, then (penalty)
        # the penalty weights.
        variant = trained_variant(method)
        has_threshold = method in alpha_threshold  # Props 4.3/4.4: the self-supervised methods
        extra = []
        if has_threshold:
            extra += [("recovery", r * alpha_threshold[method], cfg.penalty) for r in cfg.recovery_ratios]
        if constraint == "penalty":
            extra += [("penalty", cfg.alpha, lam) for lam in cfg.penalties]
        alphas, steps, batch, seeds, penalty = _models(cfg, ladder, extra)
        problems = Problems(
            X_all,
            seeds,
            np.tile(np.sqrt(setting.lam_theta), (len(seeds), 1)),
            alphas[:, None] * np.sqrt(setting.lam_gamma),
            Y=Y_all if variant.needs_labels else None,
            steps=steps,
            batch_size=batch,
            penalty=penalty,
        )
        train_cfg = TrainConfig(
            method,
            k=k,
            steps=cfg.steps[-1],
            lr=cfg.lr,
            optimizer=cfg.optimizer,
            constraint=constraint,
            penalty=cfg.penalty,
            seed=cfg.seeds[0],
        )
        trained = train(problems, train_cfg)
        rates[name] = cfg.steps[-1] / trained.seconds
        F_all = trained.encoder_matrix()
        D_all = trained.decoder_matrix() if variant.has_decoder else None
        dist, rel = _against_closed_form(variant, F_all, D_all, ladder, X_all, Y_all, setting.sigma(cfg.alpha), k)
        distance[name], gap[name] = dist.reshape(T_n, B_n, S_n), rel.reshape(T_n, B_n, S_n)
        n_rec = len(cfg.recovery_ratios) * S_n
        if has_threshold:
            rec = _recovery(F_all, len(ladder), n_rec, setting.signal_basis())
            recovery[name] = rec.reshape(len(cfg.recovery_ratios), S_n)
        if constraint == "penalty":
            scales, predicted = _penalty_scales(cfg, setting, F_all, len(ladder) + n_rec, X_all)
    omega = np.array(
        [joint_embedding_from_moments(*augmented_moments(X, setting.sigma(cfg.alpha)), k)[1][:k] for X in X_all]
    )
    return LinearStudy(cfg, distance, gap, recovery, scales, predicted, omega, alpha_threshold, rates)


def budget_needed(study: LinearStudy, name: str, tolerance: float) -> list[dict[str, object]]:
    """Per batch size, the smallest step budget whose seed-mean distance is below ``tolerance``,
    with the views it consumed (steps x batch x views per sample); None where no budget reached it."""
    cfg = study.config
    views_per_sample = trained_variant(VARIANTS[name].method).n_views
    rows = []
    for b, batch in enumerate(cfg.batch_sizes):
        curve = study.distance[name][:, b].mean(axis=-1)
        hit = np.nonzero(curve < tolerance)[0]
        steps = cfg.steps[int(hit[0])] if hit.size else None
        rows.append(
            {
                "variant": name,
                "batch": batch,
                "steps": steps,
                "views": None if steps is None else steps * batch * views_per_sample,
            }
        )
    return rows
