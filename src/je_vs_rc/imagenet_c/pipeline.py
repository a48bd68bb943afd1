"""The Table 1 experiment end to end, in the phases of ``je_vs_rc.imagenet_c.phases``: data (decoded
and corrupted images, cached), pretraining (checkpointed, resumable), frozen features (cached), the
probes (cached) and the table with its provenance.

Every cache is keyed on what determines its content (``je_vs_rc.imagenet_c.keys``): the corrupted images
on the data, corruption, severity, seed and code; a checkpoint on those images and the whole
pretraining configuration; features on the model and the images. A rerun with any input changed
computes afresh; a rerun with nothing changed reuses everything.

Command line:
``[torchrun --nproc_per_node N] python -m je_vs_rc.imagenet_c.pipeline PARAMS.yml [--out DIR] [--phase P]``,
or ``... PARAMS.yml --plan [--gpus N]`` for each phase's time, disk and memory before anything runs.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import torch

from ..provenance import provenance
from . import distributed, phases, results
from .config import ExperimentConfig, read_params

__all__ = ["ExperimentConfig", "run", "main"]

RANDOM_INIT = phases.RANDOM_INIT
PHASES = ("data", "pretrain", "features", "probe", "report")


def run(cfg: ExperimentConfig, progress: bool = False, until: str = "report") -> dict[str, Any]:
    """Run the phases up to ``until`` (all by default) for the whole grid (seeds x corruptions x
    severities x augmentation strengths x methods, and the baselines: the raw pixels and the random
    initialisation of every backbone); returns (and writes to ``out_dir/results.json``) rows, drops
    and provenance ({} on ranks other than 0, and when stopping before the report).

    Every row holds ``top1`` (probe fitted on the corrupted training set, scored on the test set of
    the same corruption and severity) and ``top1_clean`` (probe fitted and scored on the clean
    images: what the representation keeps of clean data; NaN with ``imagenet_c_root``).
    """
    if until not in PHASES:
        raise ValueError(f"until must be one of {list(PHASES)}; got {until!r}")
    cfg.validate()
    if cfg.num_threads is not None:
        torch.set_num_threads(cfg.num_threads)
    start = time.perf_counter()
    rank, world = distributed.rank_world()
    cache = cfg.cache_path()
    meta = {
        **provenance(cfg.params(), 0.0, ("torch", "lightly", "numpy")),
        "torch_threads": torch.get_num_threads(),
        "world_size": world,
    }
    timing = {"pretrain_images": 0, "pretrain_seconds": 0.0, "feature_images": 0, "feature_seconds": 0.0}
    pool = None
    if cfg.num_workers and cfg.dataset == "imagefolder":
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(cfg.num_workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        t0 = time.perf_counter()
        splits = phases.data(cfg, cache, pool)
        timing["data_seconds"] = round(time.perf_counter() - t0, 1)
    finally:
        if pool is not None:
            pool.shutdown()
    if until == "data":
        return {}
    trained = phases.pretrain_all(cfg, splits, cache, timing, progress)
    if until == "pretrain":
        return {}
    table = phases.rows(cfg, trained)
    phases.features_all(cfg, splits, table, cache, timing)
    if until == "features":
        return {}
    t0 = time.perf_counter()
    phases.probe_all(cfg, splits, table, cache)
    timing["probe_seconds"] = round(time.perf_counter() - t0, 1)
    if until == "probe" or rank != 0:
        return {}
    path = cfg.output_dir() / "results.json"
    rows = phases.gather(cfg, splits, table, cache)
    results.write(
        path,
        rows,
        {**meta, "wall_seconds": round(time.perf_counter() - start, 1), "throughput": timing, "complete": True},
    )
    return {**results.read(path), "path": str(path)}


def main(argv: list[str] | None = None) -> int:
    """``[torchrun --nproc_per_node N] python -m je_vs_rc.imagenet_c.pipeline PARAMS.yml [--out DIR]``.

    Every parameter is checked before any work; a bad one ends the command with one line and exit
    status 2. Under torchrun each process takes one GPU (``cuda:LOCAL_RANK``, NCCL) or, on CPUs, gloo.
    ``--plan`` prints each phase's estimated time, disk and memory and runs nothing.
    """
    import argparse
    import dataclasses
    import os

    parser = argparse.ArgumentParser(prog="python -m je_vs_rc.imagenet_c.pipeline", description=main.__doc__)
    parser.add_argument("params", help="YAML file with ExperimentConfig fields (see params/)")
    parser.add_argument("--out", help="override out_dir")
    parser.add_argument("--phase", choices=PHASES, default="report", help="stop after this phase")
    parser.add_argument("--plan", action="store_true", help="print the estimated cost of each phase and stop")
    parser.add_argument("--gpus", type=int, default=8, help="with --plan: accelerators (default 8)")
    parser.add_argument("--cpus", type=int, help="with --plan: CPU cores for data work (default gpus x num_workers)")
    parser.add_argument("--tflops", type=float, help="with --plan: sustained TFLOP/s per GPU (default: an assumption)")
    args = parser.parse_args(argv)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    try:
        fields = read_params(args.params)
        if args.out:
            fields["out_dir"] = args.out
        cfg = ExperimentConfig.from_mapping(fields)
        if args.plan:
            from . import plan

            cfg.validate(data=False)
            print(plan.report(cfg, args.gpus, args.cpus, args.tflops or plan.TFLOPS))
            return 0
        if world > 1 and torch.cuda.is_available():
            cfg = dataclasses.replace(cfg, device=f"cuda:{local}")
        cfg.validate()
    except (ValueError, TypeError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if world > 1:
        cuda = torch.cuda.is_available()
        distributed.init("cuda" if cuda else "cpu")
        if cuda:
            torch.cuda.set_device(local)
    try:
        result = run(cfg, progress=True, until=args.phase)
    finally:
        if torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()
    if result:
        print(result["path"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
