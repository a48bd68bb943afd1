"""Figure 3's measurement on trained encoders, over a grid of alignments (chapter 12, part 2).

The paper's MNIST protocol (App. C; ``je_vs_rc.simulate.figure3``): PCA of the images to ``k`` components, ``n_noise``
appended noise coordinates, Theta and Gamma spectra drawn per seed, the family T(alpha). For every
noise level, seed and alpha, an encoder is trained on the clean data and one on the corrupted data,
with the JE loss (SSL-JE) and the RC loss (SSL-RC), for each architecture: the paper's linear model
and ReLU MLPs (RC with a mirrored MLP decoder). The closed forms (Thm 3.1, Thm 3.2) on the same
draws give the linear theory's curve at the same n.

Metric: Figure 3's distance to optimality, ``|probe MSE(clean-data encoder on clean data) - probe MSE
(corrupted-data encoder on corrupted data)|``, the probe being least squares from the features to the
one-hot labels, scored in-sample (eq. 93), with an intercept (MLP features are not centred; for linear
features on centred data the intercept changes nothing but the constant label mean).

Beyond Figure 3, for trained encoders (``je_vs_rc.trained.stats`` reads what this module stores):

- a **replicate**: a second clean-data encoder per cell (its own initialisation, minibatches and views), so
  that the clean-vs-corrupted difference can be set against the clean-vs-clean one (the floor of
  optimisation noise, zero for a closed form);
- a **step ladder**: every cell is trained at each budget of ``GridConfig.steps`` (each a full run with its
  own schedule), the replicate at the last budget only; the change from the last-but-one budget to the last
  says whether training has converged;
- **deep methods' objectives**: besides the paper's constrained joint embedding, MLP encoders train with
  VICReg and BYOL (``GridConfig.objectives``), which the closed form does not cover;
- **checkpoints**: each trained (architecture, variant, budget) is saved as it finishes, and a rerun with the
  same configuration and checkpoint folder resumes from them.

What is trained is a :class:`GridConfig` (``trained.grid_config``); what a run stores, a :class:`GridResult`
(``trained.results``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import partial

import numpy as np

from ..provenance import code_commit, provenance
from ..simulate.figure3 import one_hot, protocol_draws
from ..simulate.figure3 import probe_mse as moment_probe_mse
from ..simulate.pca import pca
from ..theory import methods
from ..theory.thresholds import thresholds
from .grid_config import GridConfig, grid_methods
from .models import Problems, train
from .results import CONDITIONS, LOSS_POINTS, Checkpoints, GridResult, loss_curve, read
from .stats import CLOSED_FORM

__all__ = ["GridConfig", "GridResult", "check_bracketing", "probe_mse", "read", "run_grid"]

PROBE_RCOND = 1e-12  # relative cut-off of the probe's pseudo-inverse (eigenvalues of the feature Gram)
Row = tuple[int, int, int, int]  # a model: (noise level, alpha, seed, condition), condition indexing CONDITIONS


def probe_mse(features: np.ndarray, Y: np.ndarray) -> float:
    """In-sample MSE of the least-squares probe with intercept from ``features`` (n x k) to ``Y`` (eq. 93).

    Through the centred normal equations (the intercept is the centring), on unit-norm feature columns, with a
    pseudo-inverse that drops directions below 1e-12 of the largest eigenvalue: a k x k problem after one pass
    over the data, ten times faster than a QR of the features. Features that are constant (dead ReLU units)
    carry no information and are dropped. Features that are not finite (a diverged encoder) give NaN.
    """
    if not np.all(np.isfinite(features)):
        return float("nan")
    F = features - features.mean(axis=0)
    Yc = Y - Y.mean(axis=0)
    total = float(np.sum(Yc**2))
    norms = np.sqrt(np.sum(F**2, axis=0))
    keep = norms > PROBE_RCOND * max(float(norms.max()), np.finfo(float).tiny)
    F = F[:, keep] / norms[keep]
    vals, vecs = np.linalg.eigh(F.T @ F)
    ok = vals > PROBE_RCOND * vals.max() if vals.size else vals > 0
    proj = vecs[:, ok].T @ (F.T @ Yc)
    return max(0.0, total - float(np.sum(proj**2 / vals[ok, None]))) / Y.shape[0]


def check_bracketing(alphas: tuple[float, ...], alpha: dict[str, np.ndarray], gamma_max: tuple[float, ...]) -> None:
    """Raise unless the grid has a value below and one above every positive threshold of every draw
    (``alpha[method]``: (noise levels, seeds)).

    A zero threshold (``alpha^2`` threshold <= 0: no alignment needed) is bracketed by any grid.
    """
    for method, values in alpha.items():
        name = f"alpha_{methods.get(method).short}"
        for level, row in zip(gamma_max, values):
            positive = row[row > 0]
            if positive.size and not (alphas[0] < positive.min() and alphas[-1] > positive.max()):
                raise ValueError(
                    f"alphas {list(alphas)} do not bracket {name} at gamma_max={level:g}: the seeds' thresholds "
                    f"range over [{positive.min():.3g}, {positive.max():.3g}]; add an alignment below "
                    f"{positive.min():.3g} and one above {positive.max():.3g}"
                )


@dataclass
class _Design:
    """The grid's data and models. Data groups ``X``: per seed the clean data, then per seed a copy of it for
    the replicate (its own minibatches and views), then per (seed, level) the corrupted data; ``Ys`` the
    one-hot labels per seed; ``index`` every model's :data:`Row`."""

    cfg: GridConfig
    X: np.ndarray
    Ys: list[np.ndarray]
    sd_theta: list[np.ndarray]  # per seed
    lam_gamma: np.ndarray  # (noise levels, seeds, d)
    index: list[Row]

    def group(self, row: Row) -> int:
        g, _, s, c = row
        S, L = len(self.cfg.seeds), len(self.cfg.gamma_max)
        return (s, 2 * S + s * L + g, S + s)[c]

    def problems(self, rows: list[Row]) -> Problems:
        return Problems(
            self.X,
            np.array([self.group(r) for r in rows]),
            np.array([self.sd_theta[s] for g, a, s, c in rows]),
            np.array([self.cfg.alphas[a] * np.sqrt(self.lam_gamma[g, s]) for g, a, s, c in rows]),
        )


def _design(images: np.ndarray, labels: np.ndarray, cfg: GridConfig) -> tuple[_Design, dict[str, np.ndarray]]:
    """The protocol's draws and data groups, and each draw's thresholds (validated against the grid)."""
    if cfg.n > images.shape[0]:
        raise ValueError(f"n={cfg.n} exceeds the {images.shape[0]} images available")
    proto = cfg.protocol()
    pixels = images.astype(float) * (cfg.pixel_scale / 255.0)
    _, comps, energy = pca(pixels, cfg.k)
    scores = (pixels - pixels.mean(axis=0)) @ comps
    L, A, S = len(cfg.gamma_max), len(cfg.alphas), len(cfg.seeds)
    draws = [protocol_draws(np.random.default_rng(seed), proto, images.shape[0]) for seed in cfg.seeds]
    zeros = np.zeros(cfg.k)
    lam_gamma = np.array([[np.concatenate([zeros, g * draw[1]]) for draw in draws] for g in cfg.gamma_max])
    ths = [[thresholds(energy, draws[s][0], lam_gamma[g, s]) for s in range(S)] for g in range(L)]
    alpha = {m: np.array([[t.threshold(m) for t in row] for row in ths]) for m in grid_methods()}
    check_bracketing(cfg.alphas, alpha, cfg.gamma_max)
    clean, corrupted, Ys = [], [], []
    for _lam_theta, gamma_unit, order, noise in draws:
        Z = scores[order[: cfg.n]]
        clean.append(np.hstack([Z, np.zeros((cfg.n, cfg.n_noise))]))
        corrupted.append([np.hstack([Z, noise[: cfg.n] * np.sqrt(g * gamma_unit)]) for g in cfg.gamma_max])
        Ys.append(one_hot(labels[order[: cfg.n]]))
    X = np.stack(clean + clean + [c for per_seed in corrupted for c in per_seed])
    index = [(g, a, s, c) for g in range(L) for a in range(A) for s in range(S) for c in range(len(CONDITIONS))]
    sd_theta = [np.sqrt(draw[0]) for draw in draws]
    return _Design(cfg, X, Ys, sd_theta, lam_gamma, index), alpha


def _closed_forms(design: _Design, alpha_methods: Sequence[str]) -> dict[str, dict[str, np.ndarray]]:
    """Each method's closed form from each data group's moments (one Gram of [x, 1, y] per group); the probe
    with intercept is the moment-based one of Figure 3 on the features [F x, 1]."""
    cfg, S, L = design.cfg, len(design.cfg.seeds), len(design.cfg.gamma_max)
    grams = [
        np.hstack([x, np.ones((cfg.n, 1)), design.Ys[s]])
        for x, s in zip(design.X, [*range(S), *range(S), *(s for s in range(S) for _ in range(L))])
    ]
    grams = [a.T @ a / cfg.n for a in grams]
    d = cfg.k + cfg.n_noise
    rows = [r for r in design.index if r[3] < 2]
    closed = design.problems(rows)
    out = {}
    for method in alpha_methods:
        solve = methods.get(method).solve
        values = []
        for i in range(len(rows)):
            gram = grams[closed.group[i]]
            G = gram[:d, :d]
            F = solve(G + np.diag(closed.sd_theta[i] ** 2 + closed.sd_gamma[i] ** 2), G, cfg.k).encoder
            F_aug = np.zeros((cfg.k + 1, d + 1))
            F_aug[:-1, :-1], F_aug[-1, -1] = F, 1.0
            values.append(
                moment_probe_mse(
                    F_aug, gram[: d + 1, : d + 1], gram[: d + 1, d + 1 :], float(np.trace(gram[d + 1 :, d + 1 :]))
                )
            )
        mse = np.array(values).reshape(1, L, len(cfg.alphas), S, 2)
        out[method] = {"clean": mse[..., 0], "corrupted": mse[..., 1], "replicate": mse[..., 0]}
    return out


def _train_unit(design: _Design, rows: list[Row], variant: str, hidden: tuple[int, ...], steps: int, rung: int):
    """Train one (architecture, variant, budget) unit: its probe MSEs, loss curves and wall time."""
    start = time.perf_counter()
    cfg = design.cfg
    trained = train(design.problems(rows), cfg.training(variant, hidden, steps, seed=cfg.seeds[0] + 1000 * rung))
    feats = trained.encode(design.X, design.problems(rows).group)
    return {
        "mse": np.array([probe_mse(f, design.Ys[s]) for f, (g, a, s, c) in zip(feats, rows)]),
        "loss": loss_curve(trained.loss),
        "seconds": np.array(time.perf_counter() - start),
    }


def _resume_or_train(
    saved: Checkpoints,
    design: _Design,
    name: str,
    variant: str,
    hidden: tuple[int, ...],
    may_train: bool,
    rows: list[Row],
    rung: int,
    steps: int,
) -> dict | None:
    """A unit from its checkpoint, else (if ``may_train``) trained and checkpointed; None: neither."""
    got = saved.load(f"{name}__{steps}")
    if got is None and may_train:
        got = _train_unit(design, rows, variant, hidden, steps, rung)
        saved.save(f"{name}__{steps}", **got)
    return got


def _ladder(design: _Design, unit: Callable[[list[Row], int, int], dict | None]):
    """One (architecture, variant) over the step ladder, each rung's unit from ``unit(rows, rung, steps)`` (None:
    not available): the cells (rungs, noise levels, alphas, seeds) per condition, the last rung's loss curves
    (noise levels, alphas, conditions, LOSS_POINTS; seed mean) and each rung's seconds (None where missing)."""
    cfg = design.cfg
    R, L, A, S = len(cfg.steps), len(cfg.gamma_max), len(cfg.alphas), len(cfg.seeds)
    cells = {c: np.full((R, L, A, S), np.nan) for c in CONDITIONS}
    curve, seconds = None, []
    for r, steps in enumerate(cfg.steps):
        # The replicate is trained at the last budget only: the floor is the converged models' noise.
        rows = [i for i in design.index if i[3] < 2 or r == R - 1]
        got = unit(rows, r, steps)
        seconds.append(None if got is None else float(got["seconds"]))
        if got is None:
            continue
        for value, (g, a, s, c) in zip(got["mse"], rows):
            cells[CONDITIONS[c]][r, g, a, s] = value
        if r == R - 1:
            curve = np.full((L, A, S, len(CONDITIONS), LOSS_POINTS), np.nan)
            for row_loss, (g, a, s, c) in zip(got["loss"], rows):
                curve[g, a, s, c] = row_loss
    return cells, None if curve is None else curve.mean(axis=2), seconds


def run_grid(
    images: np.ndarray,
    labels: np.ndarray,
    config: GridConfig,
    checkpoint: str | os.PathLike | None = None,
    train_missing: bool = True,
    only: Sequence[tuple[str, str]] | None = None,
) -> GridResult:
    """Train and measure every (architecture, variant, budget, noise level, alpha, seed, condition); see the module
    docstring. Validates everything, the alignment grid against the thresholds included, before any training.

    ``checkpoint``: a folder where each unit is saved as it finishes and from which a rerun resumes.
    ``train_missing=False`` trains nothing: the result holds the checkpointed units and lists the others in
    ``missing`` (to collect a run that could not finish). ``only``: train just these (architecture, variant) pairs
    (another process sharing the checkpoint folder trains the rest; a unit it saved first is not trained again).
    """
    cfg = config
    design, alpha = _design(images, labels, cfg)
    saved = Checkpoints(checkpoint, cfg)
    wall_start = time.perf_counter()
    start = time.perf_counter()
    mse = {CLOSED_FORM: _closed_forms(design, list(alpha))}
    loss: dict[str, dict[str, np.ndarray]] = {}
    seconds = {CLOSED_FORM: time.perf_counter() - start}
    missing: list[str] = []
    for arch, hidden in cfg.archs.items():
        for variant in cfg.variants(arch):
            may_train = train_missing and (only is None or (arch, variant) in only)
            unit = partial(_resume_or_train, saved, design, f"{arch}__{variant}", variant, hidden, may_train)
            cells, curve, rung_seconds = _ladder(design, unit)
            for steps, took in zip(cfg.steps, rung_seconds):
                if took is None:
                    missing.append(f"{arch}__{variant}__{steps}")
                else:
                    seconds[f"{arch} {variant} {steps}"] = took
            if None not in rung_seconds:
                mse.setdefault(arch, {})[variant] = cells
                loss.setdefault(arch, {})[variant] = curve
    meta = provenance(asdict(cfg), time.perf_counter() - wall_start)
    # When and under what load: wall times on a shared machine mean little without it.
    meta.update(
        finished=datetime.now(UTC).isoformat(timespec="seconds"),
        load_average=os.getloadavg()[0],
        seeds=list(cfg.seeds),
        torch_threads=cfg.training(grid_methods()[0], (), cfg.steps[0]).threads,
        commit=code_commit(),
        trained_seconds=sum(v for k, v in seconds.items() if k != CLOSED_FORM),
    )
    return GridResult(cfg, mse, loss, alpha, seconds, meta, missing)
