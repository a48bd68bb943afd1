"""What a chapter-13 grid is and what it measured: its configuration (:class:`GridConfig`), its cells,
its results file (:class:`GridResult`, JSON with provenance) and :func:`merge`, which joins partial
results files cell by cell (runs split across processes, or a run resumed elsewhere).

A *cell* is one trained network, ``(level, alpha, method, seed, steps)``; its key (:func:`cell_key`) is
what a rerun or a merge matches. The rows that need no training (per seed and level: the level's
thresholds, the baselines and the closed forms) are keyed by level and seed.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._io import atomic_path
from ..simulate.nuisance import NuisanceConfig
from . import methods

CLEAN = "clean"  # the level name of the runs on clean images


def _steps(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


@dataclass(frozen=True)
class GridConfig:
    """What the grid trains (every value validated before any training; errors name the parameter).
    Chapter 13 and ``params/nuisance_2400.yml`` build one from the chapter's parameters
    (``je_vs_rc.selfsup.grid.NuisanceChapter``, their one source of names and defaults).

    Attributes:
        nuisance: the data, the views and the levels (:class:`NuisanceConfig`).
        alphas: alignments, increasing, each >= 0.
        methods: registry names (``je_vs_rc.selfsup.methods``).
        seeds: one replicate each (data subset, nuisance draws, initialisation, views).
        steps, batch_size: the training budget of every cell (Adam, warm-up then cosine decay).
        probes: earlier step counts (increasing, below ``steps``) at which every network is also read out,
            in the same run (its learning rate still on the schedule to ``steps``): the convergence check.
        threads: torch CPU threads.
    """

    nuisance: NuisanceConfig
    alphas: tuple[float, ...]
    methods: tuple[str, ...]
    seeds: tuple[int, ...]
    steps: int
    batch_size: int
    probes: tuple[int, ...] = ()
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
        probes = tuple(_steps("probes", p) for p in self.probes)
        if any(b <= a for a, b in zip(probes, probes[1:])) or any(p >= self.steps for p in probes):
            raise ValueError(
                f"probes must be increasing step counts below steps = {self.steps}; got {list(self.probes)}"
            )
        object.__setattr__(self, "probes", probes)
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
        """Every trained cell ``(level, alpha, method, seed, steps)``, method by method and within a method seed by
        seed (consecutive cells of one seed share its data, built once): a method's clean run, then every level
        and alignment. A run cut short holds every seed of its first methods, which is what their intervals
        need."""
        out = []
        for method in self.methods:
            for seed in self.seeds:
                out.append((CLEAN, 0.0, method, seed, self.steps))
                for level in self.nuisance.levels:
                    out += [(level, alpha, method, seed, self.steps) for alpha in self.alphas]
        return out


def cell_key(level: str, alpha: float, method: str, seed: int, steps: int) -> str:
    return f"{level}|{alpha:g}|{method}|{seed}|{steps}"


def row_key(table: str, row: dict[str, Any]) -> tuple[Any, ...]:
    """What identifies a row of ``table`` (cells: :func:`cell_key`)."""
    if table == "cells":
        return (cell_key(row["level"], row["alpha"], row["method"], row["seed"], row["steps"]),)
    extra = {"levels": (), "baselines": ("baseline",), "closed_form": ("alpha", "method")}[table]
    return (row["level"], row["seed"], *(row[name] for name in extra))


TABLES = ("cells", "baselines", "closed_form", "levels")


@dataclass
class GridResult:
    """Everything a grid run measured (JSON with provenance). Rows are dicts:

    ``cells``: trained runs (level, alpha, method, paradigm, seed, steps, top1, top1_clean, r2, loss curve,
    probes: the same readouts at the configuration's earlier step counts, seconds and cpu_seconds);
    ``baselines``: (level, seed, baseline "raw pixels" / "random init", top1, top1_clean, r2);
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
            **{table: getattr(self, table) for table in TABLES},
            "labels": {name: methods.get(name).label for name in self.config.methods},
            "provenance": self.provenance,
        }

    @classmethod
    def from_json(cls, payload: dict[str, Any]) -> GridResult:
        rows = {table: payload[table] for table in TABLES}
        return cls(GridConfig.from_json(payload["config"]), **rows, provenance=payload.get("provenance", {}))

    def write(self, path: str | os.PathLike[str]) -> Path:
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(self.to_json(), indent=1, allow_nan=True))
        return Path(path)

    def done(self) -> set[str]:
        return {row_key("cells", c)[0] for c in self.cells}

    def seeded(self) -> set[int]:
        """The seeds whose untrained rows (every level's thresholds, baselines, closed forms at every alignment)
        are all here: a grid given more alignments recomputes its seeds' rows instead of lacking closed forms."""
        have = {row_key("levels", r) for r in self.levels}
        closed = {(r["level"], r["seed"], r["alpha"]) for r in self.closed_form}
        wanted = [(CLEAN, 0.0)] + [(lv, a) for lv in self.config.nuisance.levels for a in self.config.alphas]
        return {
            s
            for s in self.config.seeds
            if all((lv, s) in have for lv in self.config.nuisance.levels)
            and all((lv, s, a) in closed for lv, a in wanted)
        }

    def missing(self) -> list[tuple[str, float, str, int, int]]:
        """The configuration's cells not (yet) in the results: an unfinished run says which."""
        done = self.done()
        return [c for c in self.config.cells() if cell_key(*c) not in done]


def read(path: str | os.PathLike[str]) -> GridResult:
    return GridResult.from_json(json.loads(Path(path).read_text()))


def _protocol(cfg: GridConfig) -> tuple[Any, ...]:
    """What every part of one run must share: the nuisance but its levels, and the training budget."""
    nuisance = {name: value for name, value in asdict(cfg.nuisance).items() if name != "levels"}
    return (nuisance, cfg.steps, cfg.batch_size, cfg.probes, cfg.threads)


def merge(cfg: GridConfig, parts: list[GridResult]) -> GridResult:
    """The run ``cfg`` from partial results files, joined cell by cell (and row by row for the untrained
    rows): each part must be a piece of ``cfg`` (same protocol and level variances, every cell one of
    ``cfg``'s), ValueError naming the first that is not. A cell in several parts is kept once (the first);
    two copies with different numbers are refused. ``GridResult.missing`` then lists what no part ran (a
    rerun of the grid with the merged file as its checkpoint trains exactly those). The provenance keeps
    every part's commits, loads and wall time."""
    wanted = {cell_key(*c) for c in cfg.cells()}
    merged = GridResult(cfg)
    seen: dict[tuple[str, tuple[Any, ...]], dict[str, Any]] = {}
    for i, part in enumerate(parts):
        pc = part.config
        if _protocol(pc) != _protocol(cfg) or any(
            cfg.nuisance.levels.get(lv) != ratio for lv, ratio in pc.nuisance.levels.items()
        ):
            raise ValueError(f"part {i} ran another protocol (nuisance, levels, steps or batch size) than the grid")
        for table in TABLES:
            for row in getattr(part, table):
                key = row_key(table, row)
                if table == "cells" and key[0] not in wanted:
                    raise ValueError(f"part {i} holds cell {key[0]}, which is not in the grid")
                if (table, key) in seen:
                    if seen[table, key].get("top1") != row.get("top1"):
                        raise ValueError(f"parts disagree on {table} row {key}: two runs of one cell differ")
                    continue
                seen[table, key] = row
                getattr(merged, table).append(row)
    provs = [part.provenance for part in parts]
    merged.provenance = {
        **(provs[0] if provs else {}),
        "code_commits": list(dict.fromkeys(c for p in provs for c in p.get("code_commits", []))),
        "wall_seconds": sum(float(p.get("wall_seconds", 0.0)) for p in provs),
        "cpu_seconds": sum(float(p.get("cpu_seconds", 0.0)) for p in provs),
        "load_averages": [x for p in provs for x in p.get("load_averages", [])],
        "finished": max((p.get("finished", "") for p in provs), default=""),
        "parts": [{k: p.get(k) for k in ("wall_seconds", "finished", "code_commits")} for p in provs],
    }
    return merged
