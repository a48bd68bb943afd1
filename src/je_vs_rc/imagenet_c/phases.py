"""The experiment as five phases, each resumable, each shared among all processes.

1. ``data``: decode the training and test images and corrupt them, once per corruption, severity and
   corruption draw, into memory-mapped caches (:func:`distributed.build_once`: every process fills its
   own chunks, with ``num_workers`` worker processes each; nothing is held in RAM).
2. ``pretrain``: every (augmentation strength, seed, corruption, severity) x method, each a
   checkpointed, resumable run, distributed over all processes (DDP), whose weights do not depend on
   the number of processes (``pretrain``'s global batches).
3. ``features``: every frozen model (the pretrained ones, the random initialisation of every backbone,
   and the raw pixels) on every image set it is probed on, into memory-mapped caches, every process
   computing its chunks.
4. ``probe``: one linear probe per row of the table, the rows shared among processes (row ``i`` on rank
   ``i % world``), each result cached as a small JSON file.
5. ``report``: rank 0 gathers the rows into ``results.json`` with the run's provenance.

Processes meet at a barrier between phases and inside every cache build, never while one of them
works alone on something long. A rerun skips every cache that exists: a run stopped at any point
resumes where it stopped (a pretraining run at its last finished epoch, an image cache at its last
finished chunk).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._io import atomic_path
from . import corruptions, datasets, distributed, folders, keys, methods, networks, probe
from .config import ExperimentConfig
from .statistics import BASELINES, PIXELS, RANDOM_INIT

PIXEL_SIDE = 32  # pixels are average-pooled to at most this side, so the pixel probe stays small at 224 px


@dataclass(frozen=True)
class ImageSet:
    """A cached image set: its array (memory-mapped), labels, and the key of its content."""

    images: np.ndarray
    labels: np.ndarray
    key: str


# ---------------------------------------------------------------- fills (picklable: worker processes run them)


@dataclass(frozen=True)
class FromArray:
    array: np.ndarray

    def __call__(self, start: int, stop: int) -> np.ndarray:
        return np.asarray(self.array[start:stop])


@dataclass(frozen=True)
class Decode:
    files: tuple[str, ...]
    image_size: int

    def __call__(self, start: int, stop: int) -> np.ndarray:
        return np.stack([folders.decode(f, self.image_size) for f in self.files[start:stop]])


@dataclass(frozen=True)
class Corrupt:
    source: str
    name: str
    severity: int
    seed: int

    def __call__(self, start: int, stop: int) -> np.ndarray:
        src = np.load(self.source, mmap_mode="r")
        return np.stack(
            [
                corruptions.corrupt(
                    np.asarray(src[i]),
                    self.name,
                    self.severity,
                    corruptions.image_seed(self.seed, i, self.name, self.severity),
                )
                for i in range(start, stop)
            ]
        )


def _cached(cache: Path, name: str, key: str, labels: np.ndarray, shape: tuple, fill: Any, pool: Any) -> ImageSet:
    path = cache / "images" / f"{name}_{key}.npy"
    images = distributed.build_once(path, shape, np.uint8, fill, name, pool)
    return ImageSet(images, labels, key)


# ---------------------------------------------------------------- phase 1: data


@dataclass(frozen=True)
class Split:
    """One seed's data: the clean training and test sets and their corrupted versions by (corruption,
    severity); ``clean_probe``: whether the rows are also probed on the clean sets."""

    train: ImageSet
    test: ImageSet | None
    corrupted_train: dict[tuple[str, int], ImageSet]
    corrupted_test: dict[tuple[str, int], ImageSet]
    clean_probe: bool = True


def _clean(cfg: ExperimentConfig, split: str, seed: int, cache: Path, classes: tuple[str, ...] | None, pool: Any):
    """A clean split: (image set, the class names its labels index)."""
    budget = cfg.train_images if split == "train" else cfg.test_images
    if cfg.dataset == "mnist":
        mn = datasets.mnist(split, cfg.data_root, budget, seed)  # small: every process reads it itself
        return _cached(cache, f"mnist_{split}", mn.key, mn.labels, mn.images.shape, FromArray(mn.images), None), None
    folder = Path(cfg.data_root) / ("train" if split == "train" else "val")
    found = datasets.folder_set(folder, cfg.image_size, budget, seed, classes)
    return _decoded(cfg, f"{Path(cfg.data_root).name}_{split}", found, cache, pool), found.classes


def _decoded(cfg: ExperimentConfig, name: str, found: datasets.FolderSet, cache: Path, pool: Any) -> ImageSet:
    s = cfg.image_size
    return _cached(cache, name, found.key, found.labels, (len(found.files), s, s, 3), Decode(found.files, s), pool)


def _corrupted(src: ImageSet, name: str, severity: int, seed: int, cache: Path, pool: Any) -> ImageSet:
    key = corruptions.cache_key(src.key, name, severity, seed)
    fill = Corrupt(str(src.images.filename), name, severity, seed)
    return _cached(cache, f"{name}_s{severity}", key, src.labels, src.images.shape, fill, pool)


def _imagenet_c(
    cfg: ExperimentConfig, name: str, severity: int, seed: int, classes: tuple[str, ...], cache: Path, pool: Any
) -> ImageSet:
    """The released ImageNet-C images of ``name`` at ``severity``, labelled by the training classes."""
    corruptions.check_corruption(name, severity)
    folder = Path(cfg.imagenet_c_root) / name / str(severity)
    found = datasets.folder_set(folder, cfg.image_size, cfg.test_images, seed, classes)
    return _decoded(cfg, f"imagenet_c_{name}_s{severity}", found, cache, pool)


def data(cfg: ExperimentConfig, cache: Path, pool: Any = None) -> dict[int, Split]:
    """Phase 1: every seed's clean and corrupted image sets, cached (see the module docstring)."""
    out = {}
    for seed in cfg.seeds:
        draw = seed if cfg.corruption_seed is None else cfg.corruption_seed
        train, classes = _clean(cfg, "train", seed, cache, None, pool)
        test = None if cfg.imagenet_c_root else _clean(cfg, "test", seed, cache, classes, pool)[0]
        ctrain, ctest = {}, {}
        for name in cfg.corruptions:
            for severity in cfg.severities:
                ctrain[name, severity] = _corrupted(train, name, severity, draw, cache, pool)
                ctest[name, severity] = (
                    _imagenet_c(cfg, name, severity, seed, classes, cache, pool)
                    if test is None
                    else _corrupted(test, name, severity, draw + 1, cache, pool)
                )
        out[seed] = Split(train, test, ctrain, ctest, cfg.clean_probe and test is not None)
    return out


# ---------------------------------------------------------------- phase 2: pretrain


@dataclass(frozen=True)
class Job:
    """One pretrained model: ``method`` on the training set of (seed, corruption, severity), with the
    corruption injected into its views at ``strength`` (0: none)."""

    strength: int
    seed: int
    corruption: str
    severity: int
    method: str


def jobs(cfg: ExperimentConfig) -> list[Job]:
    """The grid in the order it runs: the plain table (strength 0, every seed) first, then the injected
    strengths, so that a run stopped early has whole tables."""
    out = []
    for strength in [0] + [s for s in cfg.augment_strengths if s]:
        if strength == 0 and 0 not in cfg.augment_strengths:
            continue
        for seed in cfg.seeds:
            for name in cfg.corruptions:
                for severity in cfg.severities:
                    if strength and cfg.augment_severities is not None and severity not in cfg.augment_severities:
                        continue
                    out += [Job(strength, seed, name, severity, m) for m in cfg.methods]
    return out


def _pretrain_config(cfg: ExperimentConfig, job: Job):
    from .pretrain import PretrainConfig

    return PretrainConfig(
        job.method,
        cfg.backbone_of(job.method),
        cfg.image_size,
        cfg.epochs,
        cfg.batch_size,
        (cfg.lr or {}).get(job.method),
        job.seed,
        cfg.device,
        cfg.num_workers,
        job.corruption if job.strength else None,
        job.strength,
    )


def _checkpoint_dir(cache: Path, job: Job, key: str) -> Path:
    return cache / "checkpoints" / f"{job.method}_{key}"


def pretrain_all(
    cfg: ExperimentConfig, splits: dict[int, Split], cache: Path, timing: dict[str, float], progress: bool = False
) -> dict[Job, str]:
    """Phase 2: every job's model, trained (or resumed, or found finished), distributed over all
    processes; returns each job's model key. ``checkpoints`` in ``cfg`` replace training."""
    from .pretrain import pretrain

    out = {}
    grid = jobs(cfg)
    start = time.perf_counter()
    for i, job in enumerate(grid):
        backbone = cfg.backbone_of(job.method)
        if cfg.checkpoints and job.method in cfg.checkpoints:
            out[job] = keys.digest(
                "checkpoint", job.method, backbone, cfg.image_size, keys.file_digest(cfg.checkpoints[job.method])
            )
            continue
        train = splits[job.seed].corrupted_train[job.corruption, job.severity]
        pcfg = _pretrain_config(cfg, job)
        key = pcfg.key(train.key)
        t0 = time.perf_counter()
        result = pretrain(train.images, pcfg, _checkpoint_dir(cache, job, key), progress=progress, data_key=train.key)
        timing["pretrain_images"] += result.images_seen
        timing["pretrain_seconds"] += time.perf_counter() - t0
        out[job] = key
        elapsed = time.perf_counter() - start
        if distributed.rank_world()[0] == 0:
            print(
                f"[pretrain] {i + 1}/{len(grid)} {job.method} seed {job.seed} {job.corruption} {job.severity} "
                f"strength {job.strength}: {result.epochs_run} epochs run; "
                f"ETA {elapsed / (i + 1) * (len(grid) - i - 1) / 60:.1f} min",
                flush=True,
            )
    return out


def load_model(cfg: ExperimentConfig, job: Job, key: str, cache: Path):
    """A pretrained job's model from its checkpoint (or the supplied one)."""
    from . import convert

    model = methods.build(job.method, cfg.backbone_of(job.method), cfg.image_size, cfg.epochs)
    if cfg.checkpoints and job.method in cfg.checkpoints:
        convert.load_checkpoint(model, job.method, cfg.checkpoints[job.method])
    else:
        model.load_state_dict(convert.load_state(_checkpoint_dir(cache, job, key) / "last.pt")["model"])
    return model.to(cfg.device)


# ---------------------------------------------------------------- phase 3: features


@dataclass(frozen=True)
class Row:
    """One row of the table: a representation (``method``: a pretrained method or a baseline) probed on
    one (seed, corruption, severity), with its model's key (``None`` for pixels)."""

    method: str
    backbone: str
    strength: int
    seed: int
    corruption: str
    severity: int
    model_key: str | None
    job: Job | None = None


def rows(cfg: ExperimentConfig, trained: dict[Job, str]) -> list[Row]:
    """Every row of the table: the baselines of every (seed, corruption, severity) first, then the jobs."""
    out = []
    for seed in cfg.seeds:
        for name in cfg.corruptions:
            for severity in cfg.severities:
                if cfg.pixels:
                    out.append(Row(PIXELS, "none", 0, seed, name, severity, None))
                if cfg.random_init:
                    for b in sorted({cfg.backbone_of(m) for m in cfg.methods}):
                        key = keys.digest(RANDOM_INIT, b, cfg.image_size, seed, keys.code_version(methods))
                        out.append(Row(RANDOM_INIT, b, 0, seed, name, severity, key))
    out += [
        Row(j.method, cfg.backbone_of(j.method), j.strength, j.seed, j.corruption, j.severity, k, j)
        for j, k in trained.items()
    ]
    return out


def _sets(row: Row, split: Split) -> list[ImageSet]:
    """The image sets a row is probed on: corrupted train and test, then clean train and test (if probed)."""
    sets = [split.corrupted_train[row.corruption, row.severity], split.corrupted_test[row.corruption, row.severity]]
    return sets + ([split.train, split.test] if split.clean_probe else [])


@dataclass
class Features:
    """Features of a frozen model, chunk by chunk, on its device (``model`` None: pooled pixels)."""

    model: Any
    images: np.ndarray
    device: str

    def __call__(self, start: int, stop: int) -> np.ndarray:
        import torch

        batch = torch.as_tensor(np.array(self.images[start:stop]), device=self.device)  # a copy: caches are read-only
        x = batch.permute(0, 3, 1, 2).float() / 255.0
        if self.model is None:
            side = x.shape[-1]
            if side > PIXEL_SIDE:
                x = torch.nn.functional.adaptive_avg_pool2d(x, PIXEL_SIDE)
            return x.flatten(1).cpu().numpy()
        return probe.features_of(self.model, x)


def feature_path(cache: Path, row: Row, images: ImageSet) -> Path:
    key = keys.digest(row.model_key, images.key, keys.code_version(probe))
    return cache / "features" / f"{row.method}_{key}.npy"


def features_all(
    cfg: ExperimentConfig, splits: dict[int, Split], table: list[Row], cache: Path, timing: dict[str, float]
) -> None:
    """Phase 3: the features of every row's model on every set it is probed on (cached; each set once
    per model however many rows share it)."""
    import torch

    done: set[Path] = set()
    for row in table:
        todo = [s for s in _sets(row, splits[row.seed]) if feature_path(cache, row, s) not in done]
        todo = [s for s in todo if not feature_path(cache, row, s).is_file()] or []
        if not todo:
            continue
        if row.method == PIXELS:
            model = None
        elif row.method == RANDOM_INIT:
            model = networks.random_init(row.backbone, cfg.image_size, row.seed).to(cfg.device)
        else:
            model = load_model(cfg, row.job, row.model_key, cache)
        if model is not None:
            model.eval()
        t0 = time.perf_counter()
        with torch.no_grad():
            for s in todo:
                path = feature_path(cache, row, s)
                dim = Features(model, s.images[:1], cfg.device)(0, 1).shape[1]
                distributed.build_once(
                    path,
                    (len(s.images), dim),
                    np.float32,
                    Features(model, s.images, cfg.device),
                    f"features {row.method}",
                )
                done.add(path)
                timing["feature_images"] += len(s.images)
        timing["feature_seconds"] += time.perf_counter() - t0


# ---------------------------------------------------------------- phase 4: probe


def _probe_path(cache: Path, row: Row, sets: list[ImageSet], cfg: ExperimentConfig) -> Path:
    key = keys.digest(
        [feature_path(cache, row, s).name for s in sets],
        cfg.probe_weight_decays,
        cfg.probe_iters,
        cfg.probe_epochs,
        row.seed,
        keys.code_version(probe),
    )
    return cache / "probes" / f"{row.method}_{key}.json"


def probe_all(cfg: ExperimentConfig, splits: dict[int, Split], table: list[Row], cache: Path) -> None:
    """Phase 4: the probe of every row (corrupted, and clean where the clean test set exists), rows
    shared among processes, each result cached as JSON."""
    import json

    rank, world = distributed.rank_world()
    mine = [r for i, r in enumerate(table) if i % world == rank]
    progress = distributed.Progress("probe", len(mine) * world, "rows")
    # A pair of feature files is probed once: a baseline's clean images are the same at every severity.
    probed: dict[tuple[str, str, int], dict[str, Any]] = {}
    for row in mine:
        sets = _sets(row, splits[row.seed])
        path = _probe_path(cache, row, sets, cfg)
        if not path.is_file():
            scores = []
            for train, test in zip(sets[::2], sets[1::2]):
                pair = (feature_path(cache, row, train).name, feature_path(cache, row, test).name, row.seed)
                if pair not in probed:
                    probed[pair] = probe.linear_probe(
                        np.asarray(np.load(feature_path(cache, row, train), mmap_mode="r")),
                        train.labels,
                        np.asarray(np.load(feature_path(cache, row, test), mmap_mode="r")),
                        test.labels,
                        row.seed,
                        tuple(cfg.probe_weight_decays),
                        cfg.probe_iters,
                        device=cfg.device,
                        epochs=cfg.probe_epochs,
                    )
                scores.append(probed[pair])
            with atomic_path(path) as tmp:
                tmp.write_text(json.dumps(scores))
        progress.update(1, world)
    distributed.barrier()


def gather(cfg: ExperimentConfig, splits: dict[int, Split], table: list[Row], cache: Path) -> list[dict[str, Any]]:
    """Phase 5's rows: every row's identity and scores (``top1`` corrupted, ``top1_clean`` clean or NaN)."""
    import json

    out = []
    for row in table:
        scores = json.loads(_probe_path(cache, row, _sets(row, splits[row.seed]), cfg).read_text())
        paradigm = "none" if row.method in BASELINES else methods.get(row.method).paradigm.short
        out.append(
            {
                "method": row.method,
                "paradigm": paradigm,
                "backbone": row.backbone,
                "corruption": row.corruption,
                "severity": row.severity,
                "seed": row.seed,
                "augment_strength": row.strength,
                **scores[0],
                "top1_clean": scores[1]["top1"] if len(scores) > 1 else float("nan"),
            }
        )
    return out
