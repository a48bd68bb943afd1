"""The grid of chapter 13: noise levels x alignments x methods x seeds, plus the clean runs, the
baselines and the closed forms; resumable cell by cell.

For every seed (one subset of MNIST, one nuisance draw, one initialisation shared by every alignment so
that alignments are compared on common random numbers):

- baselines: the probe on raw pixels and on a frozen randomly initialised encoder, per noise level;
- the closed forms of Thm 3.1 and Thm 3.2 on the same views (``je_vs_rc.simulate.nuisance``);
- every method of the registry trained on the clean images (the reference a corrupted run must reach)
  and on every noise level at every alignment, for ``steps`` Adam steps;
- readouts: linear-probe top-1 on the corrupted and on the clean test images, and the nuisance R^2 of the
  features (how much of their variance the nuisance coefficients explain), after ``steps`` and after each of
  the ``probes`` earlier step counts of the same run (the convergence check).

Every finished cell is written at once (atomically) to the run's JSON file, with the run's provenance;
a rerun with the same configuration skips the cells already there.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from ..config import (
    ALPHA_GRID,
    POSITIVE,
    SEED,
    SEEDS,
    SIZE,
    TEXT_OR_NONE,
    Choices,
    Number,
    Numbers,
    ParameterError,
    Texts,
    param,
)
from ..parameters import ChapterConfig
from ..parameters.chapters import MNIST_TRAIN_SIZE
from ..provenance import code_commit
from ..simulate.nuisance import NuisanceConfig, NuisanceData, closed_forms, nuisance_data, nuisance_r2, probe_top1
from ..theory import methods as theory_methods
from ..words import count
from . import methods
from .cells import CLEAN, GridConfig, GridResult, cell_key, merge, read
from .views import ViewMaker

WARMUP_FRACTION = 0.05  # linear learning-rate warm-up, then cosine decay to zero
CURVE_POINTS = 50  # a loss curve is stored as this many window means


def _schedule(step: int, steps: int) -> float:
    warm = max(1.0, WARMUP_FRACTION * steps)
    return min(1.0, (step + 1) / warm) * 0.5 * (1.0 + math.cos(math.pi * step / steps))


def train(
    method: str,
    x: torch.Tensor,
    views: ViewMaker,
    k: int,
    steps: int,
    batch_size: int,
    seed: int,
    probe: Callable[[int, methods.SelfSupModel], None] | None = None,
    probe_at: tuple[int, ...] = (),
) -> tuple[methods.SelfSupModel, np.ndarray]:
    """Train ``method`` on the samples ``x`` (n x 784) with views from ``views``; returns the model (in eval
    mode) and the loss curve (:data:`CURVE_POINTS` window means). The loop calls the model's hooks only.
    ``probe(t, model)`` is called (model in eval mode, no gradients, optimiser untouched) after each step
    count ``t`` in ``probe_at``: the same run read out at intermediate budgets."""
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
        if probe is not None and t + 1 in probe_at:
            model.eval()
            probe(t + 1, model)
            model.train()
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


def features_of(
    model: torch.nn.Module, inputs: dict[str, np.ndarray], seen: dict | None = None
) -> dict[str, np.ndarray]:
    """:func:`features` of every input set, each distinct array once (a clean cell's test images are its clean
    test images; every level's clean test images are the seed's). ``seen`` carries the arrays done to later
    calls with the same model (each kept beside its features, so that its id is not reused)."""
    seen = {} if seen is None else seen
    for x in inputs.values():
        if id(x) not in seen:
            seen[id(x)] = (x, features(model, x))
    return {s: seen[id(x)][1] for s, x in inputs.items()}


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
    seen: dict = {}
    for level in (CLEAN, *cfg.nuisance.levels):
        inputs = _inputs(data, level)
        for name, feats in (("raw pixels", inputs), ("random init", features_of(random_encoder, inputs, seen))):
            baselines.append({"level": level, "seed": seed, "baseline": name, **readouts(feats, data, level)})
        alphas = [0.0] if level == CLEAN else list(cfg.alphas)
        for alpha, scores in zip(alphas, closed_forms(data, None if level == CLEAN else level, alphas)):
            for key, score in scores.items():
                closed.append({"level": level, "alpha": alpha, "method": key, "seed": seed, **asdict(score)})
    return levels, baselines, closed


class _Session:
    """One process's share of a run: its commit, its start, the loads after each cell (resumes extend the
    run's provenance rather than replacing it)."""

    def __init__(self, result: GridResult):
        self.start, self.cpu_start = time.perf_counter(), time.process_time()
        self.commit = code_commit()  # at the start: the code that runs, whatever is edited meanwhile
        saved = result.provenance
        self.commits = [c for c in saved.get("code_commits", []) if c != self.commit] + [self.commit]
        self.previous_wall = float(saved.get("wall_seconds", 0.0))
        self.previous_cpu = float(saved.get("cpu_seconds", 0.0))
        self.loads = list(saved.get("load_averages", []))
        self.parts = saved.get("parts")

    def out_of_time(self, max_seconds: float | None) -> bool:
        return max_seconds is not None and time.perf_counter() - self.start > max_seconds

    def provenance(self, cfg: GridConfig) -> dict[str, Any]:
        """Commits (one per session of a resumed run), versions, device, wall and CPU time (the process's) and
        the load average after every cell (wall times on a shared machine mean little without it)."""
        out = {
            "code_commits": self.commits,
            "torch": torch.__version__,
            "numpy": np.__version__,
            "device": f"CPU ({os.cpu_count()} cores), {count(cfg.threads, 'torch thread', 'torch threads')}",
            "wall_seconds": round(self.previous_wall + time.perf_counter() - self.start, 1),
            "cpu_seconds": round(self.previous_cpu + time.process_time() - self.cpu_start, 1),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "load_averages": [round(x, 2) for x in self.loads],
        }
        return out if self.parts is None else {**out, "parts": self.parts}


def train_cell(data: NuisanceData, cfg: GridConfig, cell: tuple[str, float, str, int, int]) -> dict[str, Any]:
    """Train and read out one cell ``(level, alpha, method, seed, steps)`` on ``data`` (the seed's)."""
    level, alpha, method, seed, steps = cell
    t0, cpu0 = time.perf_counter(), time.process_time()
    inputs = _inputs(data, level)
    scale = 0.0 if level == CLEAN else alpha * math.sqrt(data.variance[level])
    P = None if level == CLEAN else torch.as_tensor(data.P, dtype=torch.float32)
    views = ViewMaker(P, scale, cfg.nuisance.shift, cfg.nuisance.pixel_noise)
    x = torch.as_tensor(inputs["train"], dtype=torch.float32)
    probes: list[dict[str, Any]] = []

    def probe(t: int, model: methods.SelfSupModel) -> None:
        probes.append({"steps": t, **readouts(features_of(model, inputs), data, level)})

    model, curve = train(method, x, views, cfg.nuisance.k, steps, cfg.batch_size, seed, probe, cfg.probes)
    feats = features_of(model, inputs)
    return {
        "level": level,
        "alpha": alpha,
        "method": method,
        "paradigm": methods.get(method).paradigm,
        "seed": seed,
        "steps": steps,
        **readouts(feats, data, level),
        "loss": curve.tolist(),
        "probes": probes,
        "seconds": time.perf_counter() - t0,
        "cpu_seconds": time.process_time() - cpu0,
    }


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
    result = GridResult(cfg)
    if checkpoint is not None and Path(checkpoint).is_file():
        result = read(checkpoint)
        if result.config != cfg:
            raise ValueError(
                f"checkpoint {checkpoint} holds a run with another configuration; move it away or pass its parameters"
            )
    session = _Session(result)
    threads = torch.get_num_threads()
    torch.set_num_threads(cfg.threads)
    try:
        done, seeded = result.done(), result.seeded()
        todo = [c for c in cfg.cells() if cell_key(*c) not in done]
        groups = [(seed, list(cells)) for seed, cells in groupby(todo, key=lambda c: c[3])]
        groups += [(seed, []) for seed in cfg.seeds if seed not in seeded and all(seed != g[0] for g in groups)]
        built: dict[int, NuisanceData] = {}  # each seed's data, built once (its cells come method by method)
        for seed, cells in groups:
            if session.out_of_time(max_seconds):
                break
            if seed not in built:
                built[seed] = nuisance_data(train_images, train_labels, test_images, test_labels, cfg.nuisance, seed)
            data = built[seed]
            if seed not in seeded:  # (re)compute the seed's untrained rows: deterministic, cheap
                for table, rows in zip(("levels", "baselines", "closed_form"), _seed_rows(data, cfg, seed)):
                    setattr(result, table, [r for r in getattr(result, table) if r["seed"] != seed] + rows)
                seeded.add(seed)
            for cell in cells:
                if session.out_of_time(max_seconds):
                    break
                result.cells.append(train_cell(data, cfg, cell))
                session.loads.append(os.getloadavg()[0])
                result.provenance = session.provenance(cfg)
                if checkpoint is not None:
                    result.write(checkpoint)
    finally:
        torch.set_num_threads(threads)
    result.provenance = session.provenance(cfg)
    if checkpoint is not None:
        result.write(checkpoint)
    return result


def main(argv: list[str] | None = None) -> int:
    """``python -m je_vs_rc.selfsup.grid PARAMS.yml OUT.json [--merge PART.json ...] [--max-minutes M]``:
    run (or resume) the grid of a parameter file of chapter 13, writing it cell by cell to OUT.json.
    ``--merge`` first joins partial results files of the same grid (and OUT.json, if it exists) cell by
    cell into OUT.json; the run then trains only the cells no part had (``--max-minutes 0``: none)."""
    import argparse

    import yaml

    from .. import data

    parser = argparse.ArgumentParser(prog="python -m je_vs_rc.selfsup.grid", description=main.__doc__)
    parser.add_argument("params", help="a YAML file of chapter 13's parameters")
    parser.add_argument("out", help="the results JSON (resumed if it exists)")
    parser.add_argument("--merge", nargs="+", default=[], metavar="PART", help="partial results files to join first")
    parser.add_argument("--max-minutes", type=float, default=None, help="stop starting new cells after this long")
    args = parser.parse_args(argv)
    try:
        cfg = NuisanceChapter.from_values(yaml.safe_load(Path(args.params).read_text()) or {}).grid()
        if args.merge:
            parts = [read(p) for p in ([args.out] if Path(args.out).is_file() else []) + args.merge]
            merge(cfg, parts).write(args.out)
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
    print(f"{len(result.cells)} cells done, {len(result.missing())} missing; wrote {args.out}")
    return 0


@dataclass(frozen=True)
class NuisanceChapter(ChapterConfig):
    """Chapter 13's parameters (``parameters.CHAPTERS`` names this class): the one source of the names,
    defaults and allowed values of the chapter's parameters cell and of ``params/nuisance_*.yml``;
    :meth:`grid` maps them onto the grid (:class:`GridConfig`, :class:`NuisanceConfig`), whose checks
    of relations (method names, the image dimension, ...) building one runs too."""

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
    levels: list[str] = param(["weak", "strong"], Choices(("weak", "strong")), "noise levels run")
    pixel_noise: float = param(NuisanceConfig().pixel_noise, Number(low=0), "pixel-noise std of every view")
    shift: int = param(
        NuisanceConfig().shift, Number(integer=True, low=0, high=13), "largest translation of a view (pixels)"
    )
    n_train: int = param(2000, Number(integer=True, low=2, high=MNIST_TRAIN_SIZE), "training images per seed")
    n_test: int = param(2000, Number(integer=True, low=1, high=10_000), "test images")
    pattern_seed: int = param(NuisanceConfig().pattern_seed, SEED)
    alphas: list[float] = param([0.0, 10.0], ALPHA_GRID, "alignments of T(alpha)")
    methods: list[str] = param(list(methods.METHODS), Texts(), "methods of je_vs_rc.selfsup.methods")
    seeds: list[int] = param([0, 1], SEEDS)
    steps: int = param(20, SIZE, "Adam steps of every run")
    batch_size: int = param(128, SIZE)
    probes: list[int] = param(
        [], Numbers(SIZE, min_len=0, increasing=True), "earlier step counts at which every run is probed too"
    )
    committed_results: str | None = param("../params/nuisance_2400.json", TEXT_OR_NONE, "the committed larger run")
    budget_pilot: str | None = param("../params/nuisance_budget_pilot.json", TEXT_OR_NONE, "the budget pilot")
    longer_run: str | None = param(
        "../benchmarks/nuisance_pilot_4800.json", TEXT_OR_NONE, "one seed trained longer (the convergence section)"
    )
    save_path: str | None = param(None, TEXT_OR_NONE, "write this page's own run here")

    def grid(self) -> GridConfig:
        """The grid these parameters describe."""
        nuisance = NuisanceConfig(
            **{name: getattr(self, name) for name in NUISANCE_FIELDS},
            levels={name: {"weak": self.weak_level, "strong": self.strong_level}[name] for name in self.levels},
        )
        names = ("alphas", "methods", "seeds")
        lists = {name: tuple(getattr(self, name)) for name in names}
        return GridConfig(
            nuisance,
            steps=self.steps,
            batch_size=self.batch_size,
            probes=tuple(self.probes),
            **lists,
        )

    def check(self) -> None:
        try:
            self.grid()
        except ValueError as err:
            raise ParameterError(f"chapter 13 parameters: {err}") from None


NUISANCE_FIELDS = (
    "n_patterns",
    "avoid",
    "smoothness",
    "k",
    "pixel_noise",
    "shift",
    "n_train",
    "n_test",
    "pattern_seed",
)


if __name__ == "__main__":
    raise SystemExit(main())
