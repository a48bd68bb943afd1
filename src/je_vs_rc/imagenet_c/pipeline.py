"""The Table 1 experiment end to end: for each corruption x severity, corrupt the data (cached),
pretrain each method (checkpointed, resumable), extract frozen features (cached), probe, and write
the table with its provenance.

Every cache is keyed on what determines its content (``je_vs_rc.imagenet_c.keys``): the corrupted images
on the data, corruption, severity, seed and code; a checkpoint on those images and the whole
pretraining configuration; features on the model and the images. A rerun with any input changed
computes afresh; a rerun with nothing changed reuses everything.

Command line: ``[torchrun --nproc_per_node N] python -m je_vs_rc.imagenet_c.pipeline PARAMS.yml [--out DIR]``.
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..provenance import provenance
from . import convert, corruptions, datasets, keys, methods, probe, results
from .config import ExperimentConfig, read_params
from .pretrain import PretrainConfig, pretrain
from .statistics import RANDOM_INIT

__all__ = ["ExperimentConfig", "run", "main"]


def _file_digest(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def _model(
    cfg: ExperimentConfig,
    method: str,
    seed: int,
    strength: int,
    corruption: str,
    images: np.ndarray,
    images_key: str,
    cache: Path,
    timing: dict[str, float],
    progress: bool,
) -> tuple[torch.nn.Module, str]:
    """The model to probe and its key: a supplied checkpoint, or pretraining (resumed if cached), with
    ``corruption`` injected into the views at ``strength`` (0: none)."""
    backbone = cfg.backbone_of(method)
    if cfg.checkpoints and method in cfg.checkpoints:
        path = cfg.checkpoints[method]
        model = methods.build(method, backbone, cfg.image_size, cfg.epochs)
        convert.load_checkpoint(model, method, path)
        return model.to(cfg.device), keys.digest(
            "checkpoint", method, backbone, cfg.image_size, _file_digest(path), keys.code_version(methods, convert)
        )
    pcfg = PretrainConfig(
        method,
        backbone,
        cfg.image_size,
        cfg.epochs,
        cfg.batch_size,
        (cfg.lr or {}).get(method),
        seed,
        cfg.device,
        cfg.num_workers,
        corruption if strength else None,
        strength,
    )
    key = pcfg.key(images_key)
    t0 = time.perf_counter()
    trained = pretrain(images, pcfg, cache / "checkpoints" / f"{method}_{key}", progress=progress, data_key=images_key)
    timing["pretrain_images"] += trained.epochs_run * len(images)
    timing["pretrain_seconds"] += time.perf_counter() - t0
    return trained.model, key


def _random_init(cfg: ExperimentConfig, backbone: str, seed: int) -> tuple[torch.nn.Module, str]:
    """The frozen baseline: ``backbone`` at the random initialisation of ``seed``, keyed on both, the
    image size and the code."""
    model = methods.random_init(backbone, cfg.image_size, seed).to(cfg.device)
    return model, keys.digest(RANDOM_INIT, backbone, cfg.image_size, seed, keys.code_version(methods))


def _features(
    model: torch.nn.Module,
    model_key: str,
    images: np.ndarray,
    images_key: str,
    cfg: ExperimentConfig,
    cache: Path,
    name: str,
) -> np.ndarray:
    key = keys.digest(model_key, images_key, keys.code_version(probe))
    return probe.extract_features(model, images, device=cfg.device, cache=cache / "features" / f"{name}_{key}.npz")


def _corrupted(split: datasets.Images, name: str, severity: int, seed: int, cache: Path) -> datasets.Images:
    images = corruptions.corrupt_all(split.images, name, severity, seed, cache / "corrupted", data_key=split.key)
    return datasets.Images(images, split.labels, corruptions.cache_key(split.key, name, severity, seed))


def _score(
    model: torch.nn.Module,
    model_key: str,
    name: str,
    pairs: list[tuple[datasets.Images, datasets.Images]],
    cfg: ExperimentConfig,
    seed: int,
    cache: Path,
    timing: dict[str, float],
) -> list[dict[str, Any]]:
    """The probe's score on each (train, test) pair of image sets, features cached per model and set."""
    scores = []
    for tr, te in pairs:
        t0 = time.perf_counter()
        feats = [
            _features(model, model_key, s.images, s.key, cfg, cache, f"{name}_{part}")
            for s, part in ((tr, "train"), (te, "test"))
        ]
        timing["feature_images"] += len(tr.images) + len(te.images)
        timing["feature_seconds"] += time.perf_counter() - t0
        scores.append(
            probe.linear_probe(
                feats[0], tr.labels, feats[1], te.labels, seed, tuple(cfg.probe_weight_decays), cfg.probe_iters
            )
        )
    return scores


def _jobs(cfg: ExperimentConfig) -> list[tuple[int, int, str, int]]:
    """The grid as (strength, seed, corruption, severity), in the order it runs: the plain table
    (strength 0, every seed; also where the random-init rows come from) first, then the injected
    strengths, so that a run stopped early has whole tables."""
    cells = [(seed, name, sev) for seed in cfg.seeds for name in cfg.corruptions for sev in cfg.severities]
    injected = [
        (strength, *cell)
        for strength in cfg.augment_strengths
        if strength
        for cell in cells
        if cfg.augment_severities is None or cell[2] in cfg.augment_severities
    ]
    return [(0, *cell) for cell in cells] + injected


def run(cfg: ExperimentConfig, progress: bool = False) -> dict[str, Any]:
    """Run the whole grid (seeds x corruptions x severities x augmentation strengths x methods, and
    the random-init baseline of every backbone); returns (and writes to ``out_dir/results.json``)
    rows, drops and provenance.

    Every row holds ``top1`` (probe fitted on the corrupted training set, scored on the test set of
    the same corruption and severity) and ``top1_clean`` (probe fitted and scored on the clean
    images: what the representation keeps of clean data; NaN with ``imagenet_c_root``).
    ``results.json`` is rewritten (atomically) after every cell of the grid, its provenance saying
    how many cells are done (``cells_done``, ``complete``): a long run shows its table as it goes, and
    a rerun after an interruption recomputes nothing that is cached.
    """
    cfg.validate()
    if cfg.num_threads is not None:
        torch.set_num_threads(cfg.num_threads)
    start = time.perf_counter()
    rank = torch.distributed.get_rank() if torch.distributed.is_initialized() else 0
    cache = cfg.cache_path()
    meta = {**provenance(cfg.params(), 0.0, ("torch", "lightly", "numpy")), "torch_threads": torch.get_num_threads()}
    rows, timing = [], {"pretrain_images": 0, "pretrain_seconds": 0.0, "feature_images": 0, "feature_seconds": 0.0}
    data: dict[int, tuple[datasets.Images, datasets.Images | None]] = {}
    jobs = _jobs(cfg)
    path = cfg.output_dir() / "results.json"
    for done, (strength, seed, name, severity) in enumerate(jobs, 1):
        if seed not in data:
            data[seed] = (
                datasets.load(cfg.dataset, "train", cfg.image_size, cfg.data_root, cache, cfg.train_images, seed),
                None
                if cfg.imagenet_c_root
                else datasets.load(cfg.dataset, "test", cfg.image_size, cfg.data_root, cache, cfg.test_images, seed),
            )
        train, test = data[seed]
        tr = _corrupted(train, name, severity, seed, cache)
        te = (
            datasets.imagenet_c(cfg.imagenet_c_root, name, severity, cfg.image_size, cache, cfg.test_images, seed)
            if test is None
            else _corrupted(test, name, severity, seed + 1, cache)
        )
        pairs = [(tr, te)] + ([(train, test)] if test is not None else [])
        where = {"corruption": name, "severity": severity, "seed": seed}
        if strength == 0 and cfg.random_init and rank == 0:
            for backbone in sorted({cfg.backbone_of(m) for m in cfg.methods}):
                model, key = _random_init(cfg, backbone, seed)
                rows.append(
                    _row(
                        RANDOM_INIT,
                        "none",
                        backbone,
                        0,
                        where,
                        _score(model, key, f"{RANDOM_INIT}_{backbone}", pairs, cfg, seed, cache, timing),
                    )
                )
        if strength in cfg.augment_strengths:
            for method in cfg.methods:
                model, key = _model(cfg, method, seed, strength, name, tr.images, tr.key, cache, timing, progress)
                if rank != 0:  # under torchrun, the other processes only help pretraining
                    continue
                rows.append(
                    _row(
                        method,
                        methods.get(method).paradigm.short,
                        cfg.backbone_of(method),
                        strength,
                        where,
                        _score(model, key, method, pairs, cfg, seed, cache, timing),
                    )
                )
        if rank == 0:
            results.write(
                path,
                rows,
                {
                    **meta,
                    "wall_seconds": round(time.perf_counter() - start, 1),
                    "throughput": timing,
                    "cells_done": done,
                    "cells": len(jobs),
                    "complete": done == len(jobs),
                },
            )
    if rank != 0:
        return {}
    return {**results.read(path), "path": str(path)}


def _row(
    method: str, paradigm: str, backbone: str, strength: int, where: dict[str, Any], scores: list[dict[str, Any]]
) -> dict[str, Any]:
    clean = scores[1]["top1"] if len(scores) > 1 else float("nan")
    return {
        "method": method,
        "paradigm": paradigm,
        "backbone": backbone,
        **where,
        "augment_strength": strength,
        **scores[0],
        "top1_clean": clean,
    }


def main(argv: list[str] | None = None) -> int:
    """``[torchrun --nproc_per_node N] python -m je_vs_rc.imagenet_c.pipeline PARAMS.yml [--out DIR]``.

    Every parameter is checked before any work; a bad one ends the command with one line and exit
    status 2. Under torchrun each process takes one GPU (``cuda:LOCAL_RANK``, NCCL) or, on CPUs, gloo.
    """
    import argparse
    import dataclasses
    import os

    parser = argparse.ArgumentParser(prog="python -m je_vs_rc.imagenet_c.pipeline", description=main.__doc__)
    parser.add_argument("params", help="YAML file with ExperimentConfig fields (see params/)")
    parser.add_argument("--out", help="override out_dir")
    args = parser.parse_args(argv)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    try:
        fields = read_params(args.params)
        if args.out:
            fields["out_dir"] = args.out
        cfg = ExperimentConfig.from_mapping(fields)
        if world > 1 and torch.cuda.is_available():
            cfg = dataclasses.replace(cfg, device=f"cuda:{local}")
        cfg.validate()
    except (ValueError, TypeError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if world > 1:
        cuda = torch.cuda.is_available()
        torch.distributed.init_process_group("nccl" if cuda else "gloo")
        if cuda:
            torch.cuda.set_device(local)
    try:
        result = run(cfg, progress=True)
    finally:
        if torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()
    if result:
        print(result["path"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
