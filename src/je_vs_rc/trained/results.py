"""What a run of chapter 12's grid (``je_vs_rc.trained.grid``) stores: the result with its provenance, written
and read as JSON, and the per-unit checkpoints a rerun resumes from."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .._io import atomic_path
from ..theory import methods
from .grid_config import GridConfig

CONDITIONS = ("clean", "corrupted", "replicate")  # the three encoders of a cell
LOSS_POINTS = 40  # a stored loss curve: the mean loss over this many equal windows of the steps


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
        mse = {
            a: {v: {c: np.asarray(x, dtype=float) for c, x in cells.items()} for v, cells in inner.items()}
            for a, inner in payload["mse"].items()
        }
        loss = {a: {v: np.asarray(x, dtype=float) for v, x in inner.items()} for a, inner in payload["loss"].items()}
        alpha = {methods.get(m).key: np.asarray(v) for m, v in payload["alpha"].items()}
        return cls(
            GridConfig(**payload["config"]),
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


def loss_curve(loss: np.ndarray, points: int = LOSS_POINTS) -> np.ndarray:
    """(steps, models) -> (models, points): the mean loss over ``points`` equal windows of the steps."""
    windows = np.array_split(np.arange(loss.shape[0]), min(points, loss.shape[0]))
    out = np.stack([loss[w].mean(axis=0) for w in windows], axis=-1)
    return np.pad(out, ((0, 0), (0, points - out.shape[1])), constant_values=np.nan)


class Checkpoints:
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
