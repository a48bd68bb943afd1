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
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Sequence
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
from .stats import CLOSED_FORM

PROBE_RCOND = 1e-12  # relative cut-off of the probe's pseudo-inverse (eigenvalues of the feature Gram)
LINEAR = "linear"
CONDITIONS = ("clean", "corrupted", "replicate")  # the three encoders of a cell
OBJECTIVE_NAMES = {"vicreg": "VICReg", "byol": "BYOL"}  # deep methods' joint-embedding objectives (MLPs only)
OBJECTIVES = tuple(OBJECTIVE_NAMES)
LOSS_POINTS = 40  # a stored loss curve: the mean loss over this many equal windows of the steps


def grid_methods() -> tuple[str, ...]:
    """Registry keys of the methods on the grid: the paper's with an encoder, a threshold and a trained variant."""
    return tuple(m.key for m in methods.PAPER_ENCODERS if m.key in TRAINED)


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


@dataclass(frozen=True)
class GridConfig:
    """The alignment grid, the protocol and the training of every encoder.

    Attributes:
        alphas: alignments, increasing; must bracket every seed's positive alpha_JE and alpha_RC.
        gamma_max: noise levels (paper: 1e3 weak, 1e6 strong).
        seeds: one protocol draw (subsample, spectra, noise) and one training seed each; at least two (the
            intervals are over seeds).
        n: training samples per seed.
        mlp_hidden: hidden widths of each MLP architecture, e.g. ((64,), (64, 64)); the linear model
            always runs too.
        steps: the step ladder, at least two increasing budgets; every cell is trained at each.
        batch_size, lr, constraint: training (see :class:`je_vs_rc.trained.models.TrainConfig`); ``constraint`` is
            how the paper's joint embedding enforces its constraint ("whiten" or "penalty").
        objectives: deep methods' joint-embedding objectives trained on the MLPs besides the paper's
            ("vicreg", "byol"; may be empty).
        theta_max, k, n_noise, pixel_scale: the protocol (``je_vs_rc.simulate.figure3.Fig3Config``).
    """

    alphas: tuple[float, ...] = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
    gamma_max: tuple[float, ...] = (1e3, 1e6)
    seeds: tuple[int, ...] = (0, 1, 2)
    n: int = 5000
    mlp_hidden: tuple[tuple[int, ...], ...] = ((64,),)
    steps: tuple[int, ...] = (75, 300)
    batch_size: int = 64
    lr: float = 3e-3
    constraint: str = "whiten"
    objectives: tuple[str, ...] = ()
    theta_max: float = 1e4
    k: int = 50
    n_noise: int = 50
    pixel_scale: float = 255.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "alphas", tuple(float(a) for a in self.alphas))
        object.__setattr__(self, "gamma_max", tuple(float(g) for g in self.gamma_max))
        object.__setattr__(self, "seeds", tuple(int(s) for s in self.seeds))
        object.__setattr__(self, "objectives", tuple(self.objectives))
        steps = (self.steps,) if isinstance(self.steps, (int, np.integer)) else tuple(self.steps)
        object.__setattr__(self, "steps", tuple(int(t) for t in steps))
        if len(self.seeds) < 2 or len(set(self.seeds)) != len(self.seeds):
            raise ValueError(
                f"seeds must name at least two distinct seeds (intervals are over seeds); got {list(self.seeds)}"
            )
        if len(self.alphas) < 2 or np.any(np.diff(self.alphas) <= 0) or self.alphas[0] <= 0:
            raise ValueError(f"alphas must be at least two increasing positive alignments; got {list(self.alphas)}")
        if len(self.steps) < 2 or np.any(np.diff(self.steps) <= 0) or self.steps[0] < 1:
            raise ValueError(f"steps must be a ladder of at least two increasing budgets; got {list(self.steps)}")
        hidden = tuple(check_hidden(h) for h in self.mlp_hidden)
        if any(len(h) == 0 for h in hidden):
            raise ValueError(f"mlp_hidden lists MLPs (one or more hidden layers each); got {self.mlp_hidden!r}")
        object.__setattr__(self, "mlp_hidden", hidden)
        if self.constraint not in ("whiten", "penalty"):
            raise ValueError(f"constraint must be one of ['whiten', 'penalty']; got {self.constraint!r}")
        bad = [o for o in self.objectives if o not in OBJECTIVES]
        if bad or len(set(self.objectives)) != len(self.objectives):
            raise ValueError(f"objectives must be distinct values of {list(OBJECTIVES)}; got {list(self.objectives)}")
        for arch, hidden_widths in self.archs.items():  # validates batch_size, lr and every variant
            for variant in self.variants(arch):
                self.training(variant, hidden_widths, self.steps[-1])
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

    def variants(self, arch: str) -> tuple[str, ...]:
        """The trained variants of an architecture: the grid's methods, then (MLPs) each deep objective."""
        extra = (
            ()
            if arch in (LINEAR, CLOSED_FORM)
            else tuple(f"{methods.JOINT_EMBEDDING.key} {o}" for o in self.objectives)
        )
        return grid_methods() + extra

    def training(self, variant: str, hidden: tuple[int, ...], steps: int, seed: int = 0) -> TrainConfig:
        method, objective = split_variant(variant)
        return TrainConfig(
            method,
            k=self.k,
            hidden=hidden,
            steps=steps,
            batch_size=self.batch_size,
            lr=self.lr,
            constraint=objective or self.constraint,
            seed=seed,
        )

    @property
    def archs(self) -> dict[str, tuple[int, ...]]:
        """Architecture name -> hidden widths: the linear model, then each MLP."""
        out = {LINEAR: ()}
        out.update({"MLP " + "-".join(map(str, h)): h for h in self.mlp_hidden})
        return out

    def key(self) -> str:
        """A short hash of the configuration (checkpoints of another configuration are refused)."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


def split_variant(variant: str) -> tuple[str, str | None]:
    """A trained variant's registry key and deep objective: "je byol" -> ("je", "byol"), "rc" -> ("rc", None)."""
    method, _, objective = variant.partition(" ")
    return methods.get(method).key, objective or None


def variant_label(variant: str) -> str:
    """How the chapter names a variant: "JE", "RC", "JE (VICReg)", "JE (BYOL)"."""
    method, objective = split_variant(variant)
    short = methods.get(method).short
    return f"{short} ({OBJECTIVE_NAMES[objective]})" if objective else short


@dataclass
class GridResult:
    """Probe MSEs and thresholds of one grid run (JSON-serialisable with provenance).

    ``mse[arch][variant][condition]`` (condition in :data:`CONDITIONS`) has shape (rungs, noise levels, alphas,
    seeds), one rung per budget of ``config.steps`` (the replicate is NaN below the last rung); for
    ``CLOSED_FORM`` one rung, and the replicate equals the clean encoder (a closed form has no optimisation
    noise). ``arch`` ranges over ``CLOSED_FORM`` and the trained architectures, ``variant`` over registry keys
    and "je <objective>". ``loss[arch][variant]`` (noise levels, alphas, conditions, LOSS_POINTS): the last
    rung's training loss, mean over seeds, in equal windows of the steps. ``alpha[method]`` (noise levels, seeds):
    each draw's thresholds (Props 4.3, 4.4). ``missing`` lists the (arch, variant, steps) units not trained (a run
    collected before it finished).
    """

    config: GridConfig
    mse: dict[str, dict[str, dict[str, np.ndarray]]]
    loss: dict[str, dict[str, np.ndarray]]
    alpha: dict[str, np.ndarray]
    seconds: dict[str, float] = field(default_factory=dict)
    provenance: dict[str, object] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    @property
    def methods(self) -> tuple[str, ...]:
        """The registry keys with a closed form on the grid, in the registry's order."""
        return tuple(self.alpha)

    def variants(self, arch: str) -> tuple[str, ...]:
        return tuple(self.mse[arch])

    def distance(self, arch: str, variant: str, rung: int = -1) -> np.ndarray:
        """Figure 3's distance ``|clean - corrupted|`` at one rung: (noise levels, alphas, seeds)."""
        cells = self.mse[arch][variant]
        return np.abs(cells["corrupted"][rung] - cells["clean"][rung])

    def to_json(self) -> dict[str, object]:
        return {
            "config": asdict(self.config),
            "mse": {
                a: {v: {c: x.tolist() for c, x in cells.items()} for v, cells in inner.items()}
                for a, inner in self.mse.items()
            },
            "loss": {a: {v: x.tolist() for v, x in inner.items()} for a, inner in self.loss.items()},
            "alpha": {m: v.tolist() for m, v in self.alpha.items()},
            "seconds": self.seconds,
            "provenance": self.provenance,
            "missing": self.missing,
        }

    @classmethod
    def from_json(cls, payload: dict) -> GridResult:
        cfg = dict(payload["config"])
        cfg["mlp_hidden"] = tuple(tuple(h) for h in cfg["mlp_hidden"])
        mse = {
            a: {v: {c: np.asarray(x, dtype=float) for c, x in cells.items()} for v, cells in inner.items()}
            for a, inner in payload["mse"].items()
        }
        loss = {a: {v: np.asarray(x, dtype=float) for v, x in inner.items()} for a, inner in payload["loss"].items()}
        alpha = {methods.get(m).key: np.asarray(v) for m, v in payload["alpha"].items()}
        return cls(
            GridConfig(**cfg),
            mse,
            loss,
            alpha,
            payload.get("seconds", {}),
            payload.get("provenance", {}),
            list(payload.get("missing", [])),
        )

    def write(self, path: str | Path) -> Path:
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(self.to_json(), indent=None, separators=(",", ":")))
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


def loss_curve(loss: np.ndarray, points: int = LOSS_POINTS) -> np.ndarray:
    """(steps, models) -> (models, points): the mean loss over ``points`` equal windows of the steps."""
    windows = np.array_split(np.arange(loss.shape[0]), min(points, loss.shape[0]))
    out = np.stack([loss[w].mean(axis=0) for w in windows], axis=-1)
    return np.pad(out, ((0, 0), (0, points - out.shape[1])), constant_values=np.nan)


class _Checkpoints:
    """One .npz per trained unit in ``folder``, for one configuration (``config.key()``); None: no saving."""

    def __init__(self, folder: str | Path | None, config: GridConfig) -> None:
        self.folder = None if folder is None else Path(folder)
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            stamp = self.folder / "config.json"
            if stamp.exists() and json.loads(stamp.read_text())["key"] != config.key():
                raise ValueError(
                    f"checkpoint folder {self.folder} holds another configuration's units; use a new folder"
                )
            with atomic_path(stamp) as tmp:
                tmp.write_text(json.dumps({"key": config.key(), "config": asdict(config)}))

    def _path(self, unit: str) -> Path:
        assert self.folder is not None
        return self.folder / (unit.replace(" ", "_") + ".npz")

    def load(self, unit: str) -> dict[str, np.ndarray] | None:
        if self.folder is None or not self._path(unit).exists():
            return None
        with np.load(self._path(unit)) as f:
            return {k: f[k] for k in f.files}

    def save(self, unit: str, **arrays: np.ndarray) -> None:
        if self.folder is not None:
            with atomic_path(self._path(unit)) as tmp, open(tmp, "wb") as fh:
                np.savez(fh, **arrays)


def run_grid(
    images: np.ndarray,
    labels: np.ndarray,
    config: GridConfig,
    checkpoint: str | Path | None = None,
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
    cfg, proto = config, config.protocol()
    if cfg.n > images.shape[0]:
        raise ValueError(f"n={cfg.n} exceeds the {images.shape[0]} images available")
    saved = _Checkpoints(checkpoint, cfg)
    pixels = images.astype(float) * (cfg.pixel_scale / 255.0)
    _, comps, energy = pca(pixels, cfg.k)
    scores = (pixels - pixels.mean(axis=0)) @ comps
    L, A, S, R = len(cfg.gamma_max), len(cfg.alphas), len(cfg.seeds), len(cfg.steps)
    draws = [protocol_draws(np.random.default_rng(seed), proto, images.shape[0]) for seed in cfg.seeds]
    zeros = np.zeros(cfg.k)
    lam_gamma = np.array([[np.concatenate([zeros, g * draw[1]]) for draw in draws] for g in cfg.gamma_max])
    ths = [[thresholds(energy, draws[s][0], lam_gamma[g, s]) for s in range(S)] for g in range(L)]
    alpha = {m: np.array([[t.threshold(m) for t in row] for row in ths]) for m in grid_methods()}
    check_bracketing(cfg.alphas, alpha, cfg.gamma_max)

    # Data groups: per seed the clean data, then per seed a copy of it for the replicate (its own minibatches
    # and views), then per (seed, level) the corrupted data.
    clean, corrupted, Ys = [], [], []
    for _lam_theta, gamma_unit, order, noise in draws:
        Z = scores[order[: cfg.n]]
        clean.append(np.hstack([Z, np.zeros((cfg.n, cfg.n_noise))]))
        corrupted.append([np.hstack([Z, noise[: cfg.n] * np.sqrt(g * gamma_unit)]) for g in cfg.gamma_max])
        Ys.append(one_hot(labels[order[: cfg.n]]))
    X = np.stack(clean + clean + [c for per_seed in corrupted for c in per_seed])
    group_of = {0: lambda g, s: s, 1: lambda g, s: 2 * S + s * L + g, 2: lambda g, s: S + s}
    # Models: (level, alpha, seed, condition), condition indexing CONDITIONS.
    index = [(g, a, s, c) for g in range(L) for a in range(A) for s in range(S) for c in range(len(CONDITIONS))]

    def problems(rows: list[tuple[int, int, int, int]]) -> Problems:
        return Problems(
            X,
            np.array([group_of[c](g, s) for g, a, s, c in rows]),
            np.array([np.sqrt(draws[s][0]) for g, a, s, c in rows]),
            np.array([cfg.alphas[a] * np.sqrt(lam_gamma[g, s]) for g, a, s, c in rows]),
        )

    def unit_name(arch: str, variant: str, steps: int) -> str:
        return f"{arch}__{variant}__{steps}"

    mse: dict[str, dict[str, dict[str, np.ndarray]]] = {}
    loss: dict[str, dict[str, np.ndarray]] = {}
    seconds: dict[str, float] = {}
    missing: list[str] = []
    wall_start = time.perf_counter()

    # Closed forms from each data group's moments (one Gram of [x, 1, y] per group); the probe with
    # intercept is the moment-based one of Figure 3 on the features [F x, 1].
    start = time.perf_counter()
    grams = [
        np.hstack([x, np.ones((cfg.n, 1)), Ys[s]])
        for x, s in zip(X, [*range(S), *range(S), *(s for s in range(S) for _ in range(L))])
    ]
    grams = [a.T @ a / cfg.n for a in grams]
    d = cfg.k + cfg.n_noise
    closed_rows = [(g, a, s, c) for g, a, s, c in index if c < 2]
    closed = problems(closed_rows)
    for method in alpha:
        solve = methods.get(method).solve
        values = []
        for i in range(len(closed_rows)):
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
        out = np.array(values).reshape(1, L, A, S, 2)
        mse.setdefault(CLOSED_FORM, {})[method] = {
            "clean": out[..., 0],
            "corrupted": out[..., 1],
            "replicate": out[..., 0],
        }
    seconds[CLOSED_FORM] = time.perf_counter() - start

    for arch, hidden in cfg.archs.items():
        for variant in cfg.variants(arch):
            cells = {c: np.full((R, L, A, S), np.nan) for c in CONDITIONS}
            curve = None
            complete = True
            for r, steps in enumerate(cfg.steps):
                # The replicate is trained at the last budget only: the floor is the converged models' noise.
                rows = [i for i in index if i[3] < 2 or r == R - 1]
                unit = unit_name(arch, variant, steps)
                got = saved.load(unit)
                if got is None and train_missing and (only is None or (arch, variant) in only):
                    start = time.perf_counter()
                    trained = train(problems(rows), cfg.training(variant, hidden, steps, seed=cfg.seeds[0] + 1000 * r))
                    feats = trained.encode(X, problems(rows).group)
                    got = {
                        "mse": np.array([probe_mse(f, Ys[s]) for f, (g, a, s, c) in zip(feats, rows)]),
                        "loss": loss_curve(trained.loss),
                        "seconds": np.array(time.perf_counter() - start),
                    }
                    saved.save(unit, **got)
                if got is None:
                    missing.append(unit)
                    complete = False
                    continue
                for value, (g, a, s, c) in zip(got["mse"], rows):
                    cells[CONDITIONS[c]][r, g, a, s] = value
                seconds[f"{arch} {variant} {steps}"] = float(got["seconds"])
                if r == R - 1:
                    curve = np.full((L, A, S, len(CONDITIONS), LOSS_POINTS), np.nan)
                    for row_loss, (g, a, s, c) in zip(got["loss"], rows):
                        curve[g, a, s, c] = row_loss
            if complete:
                mse.setdefault(arch, {})[variant] = cells
                loss.setdefault(arch, {})[variant] = curve.mean(axis=2)
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
