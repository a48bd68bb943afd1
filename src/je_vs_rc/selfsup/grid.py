"""The grid of chapter 13: noise levels x alignments x methods x seeds, plus the clean runs, the
baselines and the closed forms; resumable cell by cell.

For every seed (one subset of MNIST, one nuisance draw, one initialisation shared by every alignment so
that alignments are compared on common random numbers):

- baselines: the probe on raw pixels and on a frozen randomly initialised encoder, per noise level;
- the closed forms of Thm 3.1 and Thm 3.2 on the same views (``je_vs_rc.simulate.nuisance``);
- every method of the registry trained on the clean images (the reference a corrupted run must reach)
  and on every noise level at every alignment, for ``steps`` Adam steps; the clean runs again for
  ``long_steps`` (the convergence check);
- readouts: linear-probe top-1 on the corrupted and on the clean test images, and the nuisance R^2 of the
  features (how much of their variance the nuisance coefficients explain).

Every finished cell is written at once (atomically) to the run's JSON file, with the run's provenance;
a rerun with the same configuration skips the cells already there.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from .._io import atomic_path
from ..config import ALPHA_GRID, POSITIVE, SEED, SEEDS, SIZE, TEXT_OR_NONE, Number, ParameterError, Texts, param
from ..parameters import MNIST_TRAIN_SIZE, ChapterConfig
from ..provenance import code_commit
from ..simulate.nuisance import NuisanceConfig, NuisanceData, closed_forms, nuisance_data, nuisance_r2, probe_top1
from ..theory import methods as theory_methods
from . import methods
from .views import ViewMaker

CLEAN = "clean"  # the level name of the runs on clean images
WARMUP_FRACTION = 0.05  # linear learning-rate warm-up, then cosine decay to zero
CURVE_POINTS = 50  # a loss curve is stored as this many window means


def _steps(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


@dataclass(frozen=True)
class GridConfig:
    """What the grid trains (every value validated before any training; errors name the parameter).

    Attributes:
        nuisance: the data, the views and the levels (:class:`NuisanceConfig`).
        alphas: alignments, increasing, each >= 0.
        methods: registry names (``je_vs_rc.selfsup.methods``; default: every registered method).
        seeds: one replicate each (data subset, nuisance draws, initialisation, views).
        steps, batch_size: the training budget of every cell (Adam, warm-up then cosine decay).
        long_steps: the clean runs' budget in the convergence check (0: no check).
        threads: torch CPU threads.
    """

    nuisance: NuisanceConfig = field(default_factory=NuisanceConfig)
    alphas: tuple[float, ...] = (0.0, 0.3, 1.0, 3.0, 10.0)
    methods: tuple[str, ...] = field(default_factory=lambda: tuple(methods.METHODS))
    seeds: tuple[int, ...] = (0, 1, 2)
    steps: int = 400
    batch_size: int = 256
    long_steps: int = 800
    threads: int = 1

    def __post_init__(self) -> None:
        alphas = tuple(float(a) for a in self.alphas)
        if not alphas or any(not math.isfinite(a) or a < 0 for a in alphas):
            raise ValueError(f"alphas must be alignments >= 0; got {list(self.alphas)}")
        if any(b <= a for a, b in zip(alphas, alphas[1:])):
            raise ValueError(f"alphas must be increasing; got {list(self.alphas)}")
        object.__setattr__(self, "alphas", alphas)
        if not self.methods:
            raise ValueError("methods must name at least one method")
        for name in self.methods:
            methods.get(name)
        object.__setattr__(self, "methods", tuple(self.methods))
        if not self.seeds or len(set(self.seeds)) != len(self.seeds):
            raise ValueError(f"seeds must be distinct and at least one; got {list(self.seeds)}")
        object.__setattr__(self, "seeds", tuple(int(s) for s in self.seeds))
        _steps("steps", self.steps)
        _steps("batch_size", self.batch_size)
        _steps("threads", self.threads)
        if isinstance(self.long_steps, bool) or int(self.long_steps) != self.long_steps or self.long_steps < 0:
            raise ValueError(f"long_steps must be an integer >= 0; got {self.long_steps!r}")
        if self.long_steps and self.long_steps <= self.steps:
            raise ValueError(f"long_steps must exceed steps = {self.steps} (or be 0: no check); got {self.long_steps}")
        if not isinstance(self.nuisance, NuisanceConfig):
            raise ValueError("nuisance must be a NuisanceConfig")
        if CLEAN in self.nuisance.levels:
            raise ValueError(f"a noise level cannot be named {CLEAN!r} (the clean runs' name)")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, payload: dict[str, Any]) -> GridConfig:
        p = dict(payload)
        p["nuisance"] = NuisanceConfig(**p["nuisance"])
        return cls(**p)

    def cells(self) -> list[tuple[str, float, str, int, int]]:
        """Every trained cell ``(level, alpha, method, seed, steps)``, seed-major (a seed's data is built once)."""
        out = []
        for seed in self.seeds:
            for method in self.methods:
                out.append((CLEAN, 0.0, method, seed, self.steps))
                if self.long_steps:
                    out.append((CLEAN, 0.0, method, seed, self.long_steps))
            for level in self.nuisance.levels:
                for alpha in self.alphas:
                    for method in self.methods:
                        out.append((level, alpha, method, seed, self.steps))
        return out


def cell_key(level: str, alpha: float, method: str, seed: int, steps: int) -> str:
    return f"{level}|{alpha:g}|{method}|{seed}|{steps}"


def _schedule(step: int, steps: int) -> float:
    warm = max(1.0, WARMUP_FRACTION * steps)
    return min(1.0, (step + 1) / warm) * 0.5 * (1.0 + math.cos(math.pi * step / steps))


def train(
    method: str, x: torch.Tensor, views: ViewMaker, k: int, steps: int, batch_size: int, seed: int
) -> tuple[methods.SelfSupModel, np.ndarray]:
    """Train ``method`` on the samples ``x`` (n x 784) with views from ``views``; returns the model (in eval
    mode) and the loss curve (:data:`CURVE_POINTS` window means). The loop calls the model's hooks only."""
    torch.manual_seed(seed)  # the initialisation (and MAE's masks): the same for every alignment
    gen = torch.Generator().manual_seed(seed)
    entry = methods.get(method)
    model = entry.build(k)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=entry.lr)
    losses = np.empty(steps)
    for t in range(steps):
        for group in opt.param_groups:
            group["lr"] = entry.lr * _schedule(t, steps)
        xb = x[torch.randint(x.shape[0], (batch_size,), generator=gen)]
        step = methods.Step(t, steps)
        loss = model.loss(xb, [views(xb, gen) for _ in range(model.n_views)], step)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        model.after_optimizer_step(step)
        losses[t] = float(loss.detach())
    model.eval()
    windows = np.array_split(losses, min(CURVE_POINTS, steps))
    return model, np.array([w.mean() for w in windows])


@torch.no_grad()
def features(model: torch.nn.Module, images: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """``model.features`` of flattened centred images (n x 784), in eval mode."""
    out = []
    for start in range(0, len(images), chunk):
        x = torch.as_tensor(images[start : start + chunk], dtype=torch.float32).reshape(-1, 1, 28, 28)
        out.append(model.features(x).numpy())
    return np.concatenate(out).astype(float)


def readouts(feats: dict[str, np.ndarray], data: NuisanceData, level: str) -> dict[str, float]:
    """Probe top-1 on the corrupted and clean test images, and the nuisance R^2 (NaN on clean data)."""
    top1, top1_clean = probe_top1(
        feats["train"], data.y_train, [(feats["test"], data.y_test), (feats["test_clean"], data.y_test)]
    )
    r2 = float("nan") if level == CLEAN else nuisance_r2(feats["test"], data.coefficients("test", level))
    return {"top1": top1, "top1_clean": top1_clean, "r2": r2}


def _inputs(data: NuisanceData, level: str) -> dict[str, np.ndarray]:
    lv = None if level == CLEAN else level
    return {"train": data.images("train", lv), "test": data.images("test", lv), "test_clean": data.x_test}


@dataclass
class GridResult:
    """Everything a grid run measured (JSON with provenance). Rows are dicts:

    ``cells``: trained runs (level, alpha, method, paradigm, seed, steps, top1, top1_clean, r2, loss curve,
    seconds); ``baselines``: (level, seed, baseline "raw pixels" / "random init", top1, top1_clean, r2);
    ``closed_form``: (level, alpha, method "je"/"rc", seed, top1, top1_clean, r2); ``levels``: (level,
    seed, ratio, variance, switch, regime, alpha_je, alpha_rc).
    """

    config: GridConfig
    cells: list[dict[str, Any]] = field(default_factory=list)
    baselines: list[dict[str, Any]] = field(default_factory=list)
    closed_form: list[dict[str, Any]] = field(default_factory=list)
    levels: list[dict[str, Any]] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "config": self.config.to_json(),
            "cells": self.cells,
            "baselines": self.baselines,
            "closed_form": self.closed_form,
            "levels": self.levels,
            "labels": {name: methods.get(name).label for name in self.config.methods},
            "provenance": self.provenance,
        }

    @classmethod
    def from_json(cls, payload: dict[str, Any]) -> GridResult:
        return cls(
            GridConfig.from_json(payload["config"]),
            payload["cells"],
            payload["baselines"],
            payload["closed_form"],
            payload["levels"],
            payload.get("provenance", {}),
        )

    def write(self, path: str | os.PathLike[str]) -> Path:
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(self.to_json(), indent=1, allow_nan=True))
        return Path(path)

    def done(self) -> set[str]:
        return {cell_key(c["level"], c["alpha"], c["method"], c["seed"], c["steps"]) for c in self.cells}

    def missing(self) -> list[tuple[str, float, str, int, int]]:
        """The configuration's cells not (yet) in the results: an unfinished run says which."""
        done = self.done()
        return [c for c in self.config.cells() if cell_key(*c) not in done]


def read(path: str | os.PathLike[str]) -> GridResult:
    return GridResult.from_json(json.loads(Path(path).read_text()))


def merge(parts: list[GridResult]) -> GridResult:
    """One run from runs of the same grid split by seeds (e.g. two processes, one per group of seeds): the
    configuration with the seeds of every part, in order; ValueError if the parts differ in anything else or
    share a seed. The provenance keeps every part's commits and loads; the wall time is the longest part's
    (the parts ran side by side), and ``parts`` says how many there were."""
    if not parts:
        raise ValueError("merge needs at least one run")
    seeds = [s for part in parts for s in part.config.seeds]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"runs to merge must not share a seed; got seeds {seeds}")
    base = parts[0].config
    for part in parts[1:]:
        if replace(part.config, seeds=base.seeds) != base:
            raise ValueError("runs to merge must share every parameter but the seeds")
    merged = GridResult(replace(base, seeds=tuple(seeds)))
    for part in parts:
        merged.cells += part.cells
        merged.baselines += part.baselines
        merged.closed_form += part.closed_form
        merged.levels += part.levels
    provs = [part.provenance for part in parts]
    merged.provenance = {
        **provs[0],
        "code_commits": list(dict.fromkeys(c for p in provs for c in p.get("code_commits", []))),
        "wall_seconds": max(float(p.get("wall_seconds", 0.0)) for p in provs),
        "load_averages": [x for p in provs for x in p.get("load_averages", [])],
        "finished": max(p.get("finished", "") for p in provs),
        "parts": len(parts),
    }
    return merged


def _seed_rows(data: NuisanceData, cfg: GridConfig, seed: int) -> tuple[list, list, list]:
    """Levels, baselines and closed forms of one seed (numpy and a frozen random encoder; no training)."""
    levels, baselines, closed = [], [], []
    for level in cfg.nuisance.levels:
        th = data.thresholds(level)
        levels.append(
            {
                "level": level,
                "seed": seed,
                "ratio": cfg.nuisance.levels[level],
                "variance": data.variance[level],
                "switch": data.switch,
                "regime": th.regime,
                **{f"alpha_{m.key}": th.threshold(m) for m in theory_methods.PAPER_ENCODERS},
            }
        )
    torch.manual_seed(seed)
    random_encoder = methods.SelfSupModel(cfg.nuisance.k).eval()  # the shared encoder, untrained
    for level in (CLEAN, *cfg.nuisance.levels):
        inputs = _inputs(data, level)
        for name, feats in (
            ("raw pixels", inputs),
            ("random init", {s: features(random_encoder, x) for s, x in inputs.items()}),
        ):
            baselines.append({"level": level, "seed": seed, "baseline": name, **readouts(feats, data, level)})
        alphas = [0.0] if level == CLEAN else list(cfg.alphas)
        for alpha, scores in zip(alphas, closed_forms(data, None if level == CLEAN else level, alphas)):
            for key, score in scores.items():
                closed.append({"level": level, "alpha": alpha, "method": key, "seed": seed, **asdict(score)})
    return levels, baselines, closed


def run_grid(
    train_images: np.ndarray,
    train_labels: np.ndarray,
    test_images: np.ndarray,
    test_labels: np.ndarray,
    cfg: GridConfig,
    checkpoint: str | os.PathLike[str] | None = None,
    max_seconds: float | None = None,
) -> GridResult:
    """Run every cell of ``cfg`` (see the module docstring); with ``checkpoint`` every finished cell is
    written there at once and a rerun resumes. ``max_seconds``: stop starting new cells after this
    long (what finished is returned and kept; :meth:`GridResult.missing` lists the rest)."""
    start = time.perf_counter()
    result = GridResult(cfg)
    if checkpoint is not None and Path(checkpoint).is_file():
        saved = read(checkpoint)
        if saved.config != cfg:
            raise ValueError(
                f"checkpoint {checkpoint} holds a run with another configuration; move it away or pass its parameters"
            )
        result = saved
    commit = code_commit()  # at the start: the code that runs, whatever is edited meanwhile
    commits = [c for c in result.provenance.get("code_commits", []) if c != commit] + [commit]
    previous_wall = float(result.provenance.get("wall_seconds", 0.0))
    loads = list(result.provenance.get("load_averages", []))
    threads = torch.get_num_threads()
    torch.set_num_threads(cfg.threads)
    try:
        done = result.done()
        seeded = {row["seed"] for row in result.levels}
        for seed in cfg.seeds:
            if max_seconds is not None and time.perf_counter() - start > max_seconds:
                break
            todo = [c for c in cfg.cells() if c[3] == seed and cell_key(*c) not in done]
            if not todo and seed in seeded:
                continue
            data = nuisance_data(train_images, train_labels, test_images, test_labels, cfg.nuisance, seed)
            if seed not in seeded:
                levels, baselines, closed = _seed_rows(data, cfg, seed)
                result.levels += levels
                result.baselines += baselines
                result.closed_form += closed
            P = torch.as_tensor(data.P, dtype=torch.float32)
            for level, alpha, method, _, steps in todo:
                if max_seconds is not None and time.perf_counter() - start > max_seconds:
                    break
                t0 = time.perf_counter()
                inputs = _inputs(data, level)
                scale = 0.0 if level == CLEAN else alpha * math.sqrt(data.variance[level])
                views = ViewMaker(None if level == CLEAN else P, scale, cfg.nuisance.shift, cfg.nuisance.pixel_noise)
                x = torch.as_tensor(inputs["train"], dtype=torch.float32)
                model, curve = train(method, x, views, cfg.nuisance.k, steps, cfg.batch_size, seed)
                feats = {s: features(model, imgs) for s, imgs in inputs.items()}
                result.cells.append(
                    {
                        "level": level,
                        "alpha": alpha,
                        "method": method,
                        "paradigm": methods.get(method).paradigm,
                        "seed": seed,
                        "steps": steps,
                        **readouts(feats, data, level),
                        "loss": curve.tolist(),
                        "seconds": time.perf_counter() - t0,
                    }
                )
                loads.append(os.getloadavg()[0])
                result.provenance = _provenance(cfg, previous_wall + time.perf_counter() - start, loads, commits)
                if checkpoint is not None:
                    result.write(checkpoint)
    finally:
        torch.set_num_threads(threads)
    result.provenance = _provenance(cfg, previous_wall + time.perf_counter() - start, loads, commits)
    if checkpoint is not None:
        result.write(checkpoint)
    return result


def _provenance(cfg: GridConfig, wall: float, loads: list[float], commits: list[str]) -> dict[str, Any]:
    """Commits (one per session of a resumed run), versions, device, wall time and the load average
    after every cell (times on a shared machine mean little without it)."""
    return {
        "code_commits": commits,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "device": f"CPU ({os.cpu_count()} cores), {cfg.threads} torch thread(s)",
        "wall_seconds": round(wall, 1),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_averages": [round(x, 2) for x in loads],
    }


NUISANCE_NAMES = {"weak_level": None, "strong_level": None}  # chapter names of the levels (not NuisanceConfig's)
GRID_NAMES = ("alphas", "methods", "seeds", "steps", "batch_size", "long_steps")


def config_from_parameters(p: dict[str, Any], strict: bool = True) -> GridConfig:
    """The grid of the chapter's parameters (the names of its parameters cell and of ``params/*.yml``); a name
    that is not given takes :class:`GridConfig`'s and :class:`NuisanceConfig`'s default (the committed run's
    scale, not the chapter's small one). Bad values are one-line ValueErrors, and so are unknown names when
    ``strict`` (a notebook's ``globals()`` holds much else: pass ``strict=False``)."""
    nuisance_fields = [f for f in NuisanceConfig.__dataclass_fields__ if f != "levels"]
    allowed = set(nuisance_fields) | set(NUISANCE_NAMES) | set(GRID_NAMES) | {"committed_results", "save_path"}
    unknown = sorted(set(p) - allowed)
    if not strict:
        p = {k: v for k, v in p.items() if k in allowed}
    elif unknown:
        raise ValueError(f"unknown parameter(s) {unknown}; allowed: {sorted(allowed)}")
    levels = dict(NuisanceConfig().levels)
    levels.update({name: p[f"{name}_level"] for name in ("weak", "strong") if f"{name}_level" in p})
    nuisance = NuisanceConfig(**{f: p[f] for f in nuisance_fields if f in p}, levels=levels)
    grid = {f: tuple(p[f]) if isinstance(p[f], list) else p[f] for f in GRID_NAMES if f in p}
    return GridConfig(nuisance, **grid)


def main(argv: list[str] | None = None) -> int:
    """``python -m je_vs_rc.selfsup.grid PARAMS.yml OUT.json [--max-minutes M]``: run (or resume) a grid
    from a parameter file of chapter 13 and write it, cell by cell, to OUT.json."""
    import argparse

    import yaml

    from .. import data

    parser = argparse.ArgumentParser(prog="python -m je_vs_rc.selfsup.grid", description=main.__doc__)
    parser.add_argument("params", help="a YAML file of chapter 13's parameters")
    parser.add_argument("out", help="the results JSON (resumed if it exists)")
    parser.add_argument("--max-minutes", type=float, default=None, help="stop starting new cells after this long")
    args = parser.parse_args(argv)
    try:
        cfg = config_from_parameters(yaml.safe_load(Path(args.params).read_text()) or {})
    except (ValueError, TypeError) as err:
        parser.exit(2, f"error: {err}\n")
    train_images, train_labels = data.load("mnist", "train")
    test_images, test_labels = data.load("mnist", "test")
    result = run_grid(
        train_images,
        train_labels,
        test_images,
        test_labels,
        cfg,
        checkpoint=args.out,
        max_seconds=None if args.max_minutes is None else 60 * args.max_minutes,
    )
    missing = result.missing()
    print(f"{len(result.cells)} cells done, {len(missing)} missing; wrote {args.out}")
    return 0


@dataclass(frozen=True)
class NuisanceChapter(ChapterConfig):
    """Chapter 13's parameters (``parameters.CHAPTERS`` names this class): the nuisance protocol
    (:class:`NuisanceConfig`'s defaults) and the grid; building one checks the grid too
    (:func:`config_from_parameters`: method names, levels, the image dimension)."""

    requires: ClassVar[str | None] = "je_vs_rc.selfsup"

    n_patterns: int = param(NuisanceConfig().n_patterns, SIZE, "nuisance patterns (the corruption's rank)")
    avoid: int = param(
        NuisanceConfig().avoid, Number(integer=True, low=0), "top principal components the patterns avoid"
    )
    smoothness: float = param(NuisanceConfig().smoothness, Number(low=0), "blur width of the random patterns (pixels)")
    k: int = param(NuisanceConfig().k, SIZE, "feature dimension of every encoder")
    weak_level: float = param(
        NuisanceConfig().levels["weak"], POSITIVE, "weak nuisance variance, a multiple of eta^2/delta"
    )
    strong_level: float = param(
        NuisanceConfig().levels["strong"], POSITIVE, "strong nuisance variance, a multiple of eta^2/delta"
    )
    pixel_noise: float = param(NuisanceConfig().pixel_noise, Number(low=0), "pixel-noise std of every view")
    shift: int = param(
        NuisanceConfig().shift, Number(integer=True, low=0, high=13), "largest translation of a view (pixels)"
    )
    n_train: int = param(2000, Number(integer=True, low=2, high=MNIST_TRAIN_SIZE), "training images per seed")
    n_test: int = param(2000, Number(integer=True, low=1, high=10_000), "test images")
    pattern_seed: int = param(NuisanceConfig().pattern_seed, SEED)
    alphas: list[float] = param([0.0, 10.0], ALPHA_GRID, "alignments of T(alpha)")
    methods: list[str] = param(list(GridConfig().methods), Texts(), "methods of je_vs_rc.selfsup.methods")
    seeds: list[int] = param([0, 1], SEEDS)
    steps: int = param(20, SIZE, "Adam steps of every run")
    batch_size: int = param(128, SIZE)
    long_steps: int = param(0, Number(integer=True, low=0), "clean runs' budget in the convergence check (0: none)")
    committed_results: str | None = param("../params/nuisance_large.json", TEXT_OR_NONE, "the committed larger run")
    save_path: str | None = param(None, TEXT_OR_NONE, "write this page's own run here")

    def check(self) -> None:
        try:
            config_from_parameters(self.values())
        except ValueError as err:
            raise ParameterError(f"chapter 13 parameters: {err}") from None


if __name__ == "__main__":
    raise SystemExit(main())
