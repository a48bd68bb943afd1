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
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .._io import atomic_path
from ..provenance import code_commit, provenance
from ..simulate.figure3 import Fig3Config, one_hot, pca, protocol_draws
from ..simulate.figure3 import probe_mse as moment_probe_mse
from ..theory import methods
from ..theory.thresholds import thresholds
from .models import TRAINED, Problems, TrainConfig, check_hidden, train

CLOSED_FORM = "closed form"
PROBE_RCOND = 1e-12  # relative cut-off of the probe's pseudo-inverse (eigenvalues of the feature Gram)
LINEAR = "linear"


def grid_methods() -> tuple[str, ...]:
    """Registry keys of the methods on the grid: the paper's with an encoder, a threshold and a trained variant."""
    return tuple(m.key for m in methods.PAPER_ENCODERS if m.key in TRAINED)


def probe_mse(features: np.ndarray, Y: np.ndarray) -> float:
    """In-sample MSE of the least-squares probe with intercept from ``features`` (n x k) to ``Y`` (eq. 93).

    Through the centred normal equations (the intercept is the centring), on unit-norm feature columns, with a
    pseudo-inverse that drops directions below 1e-12 of the largest eigenvalue: a k x k problem after one pass
    over the data, ten times faster than a QR of the features. Features that are constant (dead ReLU units)
    carry no information and are dropped.
    """
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


@dataclass(frozen=True)
class GridConfig:
    """The alignment grid, the protocol and the training of every encoder.

    Attributes:
        alphas: alignments, increasing; must bracket every seed's positive alpha_JE and alpha_RC.
        gamma_max: noise levels (paper: 1e3 weak, 1e6 strong).
        seeds: one protocol draw (subsample, spectra, noise) and one training seed each; at least one.
        n: training samples per seed.
        mlp_hidden: hidden widths of each MLP architecture, e.g. ((64,), (64, 64)); the linear model
            always runs too.
        steps, batch_size, lr, constraint: training (see :class:`je_vs_rc.trained.models.TrainConfig`).
        theta_max, k, n_noise, pixel_scale: the protocol (``je_vs_rc.simulate.figure3.Fig3Config``).
    """

    alphas: tuple[float, ...] = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
    gamma_max: tuple[float, ...] = (1e3, 1e6)
    seeds: tuple[int, ...] = (0, 1, 2)
    n: int = 5000
    mlp_hidden: tuple[tuple[int, ...], ...] = ((64,),)
    steps: int = 300
    batch_size: int = 64
    lr: float = 3e-3
    constraint: str = "whiten"
    theta_max: float = 1e4
    k: int = 50
    n_noise: int = 50
    pixel_scale: float = 255.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "alphas", tuple(float(a) for a in self.alphas))
        object.__setattr__(self, "gamma_max", tuple(float(g) for g in self.gamma_max))
        object.__setattr__(self, "seeds", tuple(int(s) for s in self.seeds))
        if len(self.seeds) == 0:
            raise ValueError("seeds must name at least one seed (bands need three or more); got []")
        if len(self.alphas) < 2 or np.any(np.diff(self.alphas) <= 0) or self.alphas[0] <= 0:
            raise ValueError(f"alphas must be at least two increasing positive alignments; got {list(self.alphas)}")
        hidden = tuple(check_hidden(h) for h in self.mlp_hidden)
        if any(len(h) == 0 for h in hidden):
            raise ValueError(f"mlp_hidden lists MLPs (one or more hidden layers each); got {self.mlp_hidden!r}")
        object.__setattr__(self, "mlp_hidden", hidden)
        for method in grid_methods():  # validates steps, batch_size, lr, constraint
            self.training(method, ())
        self.protocol()  # validates the protocol's values

    def protocol(self) -> Fig3Config:
        return Fig3Config(
            k=self.k,
            n_noise=self.n_noise,
            theta_max=self.theta_max,
            gamma_max=self.gamma_max,
            alphas=self.alphas,
            ns=(self.n,),
            seeds=self.seeds,
            pixel_scale=self.pixel_scale,
        )

    def training(self, method: str, hidden: tuple[int, ...], seed: int = 0) -> TrainConfig:
        return TrainConfig(
            method,
            k=self.k,
            hidden=hidden,
            steps=self.steps,
            batch_size=self.batch_size,
            lr=self.lr,
            constraint=self.constraint,
            seed=seed,
        )

    @property
    def archs(self) -> dict[str, tuple[int, ...]]:
        """Architecture name -> hidden widths: the linear model, then each MLP."""
        out = {LINEAR: ()}
        out.update({"MLP " + "-".join(map(str, h)): h for h in self.mlp_hidden})
        return out


@dataclass
class GridResult:
    """Distances and thresholds of one grid run (JSON-serialisable with provenance).

    ``distance[arch][method]`` and ``mse_clean`` / ``mse_corrupted`` have shape
    (noise levels, alphas, seeds); ``arch`` ranges over ``CLOSED_FORM`` and the trained architectures,
    ``method`` over registry keys. ``alpha[method]`` (noise levels, seeds) are each draw's thresholds
    (Props 4.3, 4.4).
    """

    config: GridConfig
    distance: dict[str, dict[str, np.ndarray]]
    mse_clean: dict[str, dict[str, np.ndarray]]
    mse_corrupted: dict[str, dict[str, np.ndarray]]
    alpha: dict[str, np.ndarray]
    seconds: dict[str, float] = field(default_factory=dict)
    provenance: dict[str, object] = field(default_factory=dict)

    @property
    def methods(self) -> tuple[str, ...]:
        """The registry keys on the grid, in the registry's order."""
        return tuple(self.alpha)

    def to_json(self) -> dict[str, object]:
        def lists(d):
            return {a: {m: v.tolist() for m, v in inner.items()} for a, inner in d.items()}

        return {
            "config": asdict(self.config),
            "distance": lists(self.distance),
            "mse_clean": lists(self.mse_clean),
            "mse_corrupted": lists(self.mse_corrupted),
            "alpha": {m: v.tolist() for m, v in self.alpha.items()},
            "seconds": self.seconds,
            "provenance": self.provenance,
        }

    @classmethod
    def from_json(cls, payload: dict) -> GridResult:
        def arrays(d):
            return {a: {m: np.asarray(v) for m, v in inner.items()} for a, inner in d.items()}

        cfg = dict(payload["config"])
        cfg["mlp_hidden"] = tuple(tuple(h) for h in cfg["mlp_hidden"])
        alpha = {methods.get(m).key: np.asarray(v) for m, v in payload["alpha"].items()}
        return cls(
            GridConfig(**cfg),
            arrays(payload["distance"]),
            arrays(payload["mse_clean"]),
            arrays(payload["mse_corrupted"]),
            alpha,
            payload.get("seconds", {}),
            payload.get("provenance", {}),
        )

    def write(self, path: str | Path) -> Path:
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(self.to_json(), indent=1))
        return Path(path)


def read(path: str | Path) -> GridResult:
    return GridResult.from_json(json.loads(Path(path).read_text()))


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


def run_grid(images: np.ndarray, labels: np.ndarray, config: GridConfig) -> GridResult:
    """Train and measure every (architecture, method, noise level, alpha, seed); see the module docstring.

    Validates everything, the alignment grid against the thresholds included, before any training.
    """
    cfg, proto = config, config.protocol()
    if cfg.n > images.shape[0]:
        raise ValueError(f"n={cfg.n} exceeds the {images.shape[0]} images available")
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

    # Data groups: per seed the clean data, then per (seed, level) the corrupted data.
    clean, corrupted, Ys = [], [], []
    for _lam_theta, gamma_unit, order, noise in draws:
        Z = scores[order[: cfg.n]]
        clean.append(np.hstack([Z, np.zeros((cfg.n, cfg.n_noise))]))
        corrupted.append([np.hstack([Z, noise[: cfg.n] * np.sqrt(g * gamma_unit)]) for g in cfg.gamma_max])
        Ys.append(one_hot(labels[order[: cfg.n]]))
    X = np.stack(clean + [c for per_seed in corrupted for c in per_seed])
    # Models: (level, alpha, seed, condition) with condition 0 = clean, 1 = corrupted.
    index = [(g, a, s, c) for g in range(L) for a in range(A) for s in range(S) for c in (0, 1)]
    group = np.array([s if c == 0 else S + s * L + g for g, a, s, c in index])
    sd_theta = np.array([np.sqrt(draws[s][0]) for g, a, s, c in index])
    sd_gamma = np.array([cfg.alphas[a] * np.sqrt(lam_gamma[g, s]) for g, a, s, c in index])
    problems = Problems(X, group, sd_theta, sd_gamma)

    def collect(mse: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(models,) probe MSEs -> clean, corrupted and distance arrays of shape (L, A, S)."""
        out = mse.reshape(L, A, S, 2)
        return out[..., 0], out[..., 1], np.abs(out[..., 0] - out[..., 1])

    distance: dict[str, dict[str, np.ndarray]] = {}
    mse_clean: dict[str, dict[str, np.ndarray]] = {}
    mse_corr: dict[str, dict[str, np.ndarray]] = {}
    seconds: dict[str, float] = {}

    def store(arch: str, method: str, mse: np.ndarray) -> None:
        c, r, dist = collect(mse)
        for target, value in ((mse_clean, c), (mse_corr, r), (distance, dist)):
            target.setdefault(arch, {})[method] = value

    wall_start = time.perf_counter()
    start = time.perf_counter()
    # Closed forms from each data group's moments (one Gram of [x, 1, y] per group); the probe with
    # intercept is the moment-based one of Figure 3 on the features [F x, 1].
    grams = [np.hstack([x, np.ones((cfg.n, 1)), Ys[grp if grp < S else (grp - S) // L]]) for grp, x in enumerate(X)]
    grams = [a.T @ a / cfg.n for a in grams]
    d = cfg.k + cfg.n_noise
    for method in alpha:
        solve = methods.get(method).solve
        mse = []
        for i in range(len(index)):
            gram = grams[group[i]]
            G = gram[:d, :d]
            F = solve(G + np.diag(sd_theta[i] ** 2 + sd_gamma[i] ** 2), G, cfg.k).encoder
            F_aug = np.zeros((cfg.k + 1, d + 1))
            F_aug[:-1, :-1], F_aug[-1, -1] = F, 1.0
            mse.append(
                moment_probe_mse(
                    F_aug, gram[: d + 1, : d + 1], gram[: d + 1, d + 1 :], float(np.trace(gram[d + 1 :, d + 1 :]))
                )
            )
        store(CLOSED_FORM, method, np.array(mse))
    seconds[CLOSED_FORM] = time.perf_counter() - start
    for arch, hidden in cfg.archs.items():
        for method in alpha:
            trained = train(problems, cfg.training(method, hidden, seed=cfg.seeds[0]))
            feats = trained.encode(X, group)
            store(arch, method, np.array([probe_mse(f, Ys[s]) for f, (g, a, s, c) in zip(feats, index)]))
            seconds[f"{arch} {method}"] = trained.seconds
    meta = provenance(asdict(cfg), time.perf_counter() - wall_start)
    # When and under what load: wall times on a shared machine mean little without it.
    meta.update(
        finished=datetime.now(UTC).isoformat(timespec="seconds"),
        load_average=os.getloadavg()[0],
        seeds=list(cfg.seeds),
        torch_threads=cfg.training(grid_methods()[0], ()).threads,
        commit=code_commit(),
    )
    return GridResult(cfg, distance, mse_clean, mse_corr, alpha, seconds, meta)


@dataclass(frozen=True)
class CurveSummary:
    """What one distance-vs-alignment curve shows (seed means; ``runs`` has shape (alphas, seeds)).

    Attributes:
        plateau: the largest seed-mean distance over the grid (the damage of failing).
        residual: the seed-mean distance at the largest alignment.
        state: "no damage" (plateau below ``DAMAGE_MIN``), "no drop" (the curve is still at or above half its
            plateau at the largest alignment), "not resolved" (it drops, but the seeds' values at the plateau
            overlap those at the largest alignment: noise may explain it),
            "no drop" (the curve never falls below half its plateau inside the grid) or "switch".
        alpha_half: for "switch", the alignment at which the curve falls below half its plateau for good,
            interpolated linearly in log alpha between the bracketing grid values.
    """

    plateau: float
    residual: float
    state: str
    alpha_half: float | None


DAMAGE_MIN = 1e-4  # a plateau below this (in probe-MSE units; the labels' MSE is ~0.4) is no damage


def summarize(alphas: tuple[float, ...], runs: np.ndarray) -> CurveSummary:
    """Summarise a distance curve over the alignment grid (see :class:`CurveSummary`)."""
    runs = np.asarray(runs, dtype=float)
    mean = runs.mean(axis=-1)
    top = int(np.argmax(mean))
    plateau, residual = float(mean[top]), float(mean[-1])
    if plateau < DAMAGE_MIN:
        return CurveSummary(plateau, residual, "no damage", None)
    high = np.nonzero(mean >= plateau / 2)[0].max()
    if high == len(alphas) - 1:
        return CurveSummary(plateau, residual, "no drop", None)
    # A drop counts only if every seed is higher at the plateau than every seed at the largest alignment.
    if runs[top].min() <= runs[-1].max():
        return CurveSummary(plateau, residual, "not resolved", None)
    a0, a1, d0, d1 = np.log(alphas[high]), np.log(alphas[high + 1]), mean[high], mean[high + 1]
    alpha_half = float(np.exp(a0 + (d0 - plateau / 2) / (d0 - d1) * (a1 - a0)))
    return CurveSummary(plateau, residual, "switch", alpha_half)
