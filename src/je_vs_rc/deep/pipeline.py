"""The Table 1 experiment end to end: for each corruption x severity, corrupt the data (cached),
pretrain each method (checkpointed, resumable), extract frozen features (cached), probe, and write
the table with its provenance.
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from . import convert, corruptions, datasets, methods, probe, results
from .pretrain import PretrainConfig, pretrain


@dataclass(frozen=True)
class ExperimentConfig:
    """Every knob of the chapter (each is a papermill parameter there)."""

    dataset: str = "mnist"
    data_root: str | None = None
    image_size: int = 32
    methods: Sequence[str] = ("byol", "dino", "mae")
    backbones: dict[str, str] = field(default_factory=lambda: {"byol": "resnet18", "dino": "vit_tiny", "mae": "vit_tiny"})
    corruptions: Sequence[str] = ("gaussian_noise",)
    severities: Sequence[int] = (1, 5)
    epochs: int = 3
    batch_size: int = 128
    lr: dict[str, float] | None = None
    train_images: int | None = 2000
    test_images: int | None = 1000
    device: str = "cpu"
    num_workers: int = 0
    seed: int = 0
    out_dir: str = "runs/imagenet_c"
    checkpoints: dict[str, str] | None = None   # method -> a checkpoint to evaluate instead of pretraining
    probe_weight_decays: Sequence[float] = probe.WEIGHT_DECAYS
    probe_iters: int = probe.PROBE_ITERS

    def validate(self) -> None:
        unknown = [m for m in self.methods if m not in methods.METHODS]
        if unknown:
            raise ValueError(f"methods must be among {list(methods.METHODS)}; got {unknown}")
        missing = [m for m in self.methods if m not in self.backbones]
        if missing:
            raise ValueError(f"backbones must name a backbone for every method; missing {missing}")
        corruptions.validate(self.corruptions, self.severities)
        if self.dataset == "imagefolder" and (self.data_root is None or not Path(self.data_root).is_dir()):
            raise ValueError(f"data_root must be an existing folder with train/ and val/ for dataset 'imagefolder'; "
                             f"got {self.data_root!r}")
        if self.device.startswith("cuda") and not torch.cuda.is_available():
            raise ValueError(f"device is {self.device!r} but no CUDA device is available; use 'cpu'")


def run(cfg: ExperimentConfig, progress: bool = False) -> dict[str, Any]:
    """Run the whole grid; returns (and writes to ``out_dir/results.json``) rows, drops and provenance."""
    cfg.validate()
    start = time.perf_counter()
    rank = torch.distributed.get_rank() if torch.distributed.is_initialized() else 0
    out = Path(cfg.out_dir)
    cache = out / "cache"
    train_x, train_y = datasets.load(cfg.dataset, "train", cfg.image_size, cfg.data_root, cache, cfg.train_images, cfg.seed)
    test_x, test_y = datasets.load(cfg.dataset, "test", cfg.image_size, cfg.data_root, cache, cfg.test_images, cfg.seed)
    rows, timing = [], {"pretrain_images": 0, "pretrain_seconds": 0.0, "feature_images": 0, "feature_seconds": 0.0}
    for name in cfg.corruptions:
        for severity in cfg.severities:
            tag = f"{name}_s{severity}"
            tr = corruptions.corrupt_all(train_x, name, severity, cfg.seed, cache, f"{cfg.dataset}_train")
            te = corruptions.corrupt_all(test_x, name, severity, cfg.seed + 1, cache, f"{cfg.dataset}_test")
            for method in cfg.methods:
                pcfg = PretrainConfig(method, cfg.backbones[method], cfg.image_size, cfg.epochs, cfg.batch_size,
                                      (cfg.lr or {}).get(method), cfg.seed, cfg.device, cfg.num_workers)
                t0 = time.perf_counter()
                if cfg.checkpoints and method in cfg.checkpoints:
                    model = methods.build(method, pcfg.backbone, cfg.image_size, cfg.epochs)
                    convert.load_checkpoint(model, method, cfg.checkpoints[method])
                    model = model.to(cfg.device)
                    stat = Path(cfg.checkpoints[method]).stat()
                    source = f"{cfg.checkpoints[method]}:{stat.st_size}:{stat.st_mtime_ns}"
                else:
                    trained = pretrain(tr, pcfg, out / "checkpoints" / f"{method}_{tag}", progress=progress)
                    model, source = trained.model, repr(pcfg)
                    timing["pretrain_images"] += trained.epochs_run * len(tr)
                    timing["pretrain_seconds"] += time.perf_counter() - t0
                if rank != 0:  # under torchrun, the other processes only help pretraining
                    continue
                # Feature caches are keyed by what produced the model, so a changed run never reuses them.
                key = hashlib.sha256(source.encode()).hexdigest()[:10]
                t0 = time.perf_counter()
                feats = [probe.extract_features(model, x, device=cfg.device,
                                                cache=out / "features" / f"{method}_{tag}_{key}_{s}.npz")
                         for x, s in ((tr, "train"), (te, "test"))]
                timing["feature_images"] += len(tr) + len(te)
                timing["feature_seconds"] += time.perf_counter() - t0
                score = probe.linear_probe(feats[0], train_y, feats[1], test_y, cfg.seed,
                                           tuple(cfg.probe_weight_decays), cfg.probe_iters)
                rows.append({"method": method, "paradigm": methods.METHODS[method], "backbone": pcfg.backbone,
                             "corruption": name, "severity": severity, **score})
    if rank != 0:
        return {}
    params = {k: (list(v) if isinstance(v, (tuple, list)) else v) for k, v in cfg.__dict__.items()}
    meta = results.provenance(params, time.perf_counter() - start)
    meta["throughput"] = timing
    path = results.write(out / "results.json", rows, meta)
    return {**results.read(path), "path": str(path)}


def main(argv: list[str] | None = None) -> int:
    """``[torchrun --nproc_per_node N] python -m je_vs_rc.deep.experiment PARAMS.yml [--out DIR]``.

    Under torchrun each process takes one GPU (``cuda:LOCAL_RANK``, NCCL) or, on CPUs, gloo.
    """
    import argparse
    import os

    import yaml

    parser = argparse.ArgumentParser(prog="python -m je_vs_rc.deep.experiment", description=main.__doc__)
    parser.add_argument("params", type=Path, help="YAML file with ExperimentConfig fields (see params/)")
    parser.add_argument("--out", help="override out_dir")
    args = parser.parse_args(argv)
    fields = yaml.safe_load(args.params.read_text()) or {}
    if args.out:
        fields["out_dir"] = args.out
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1:
        cuda = torch.cuda.is_available()
        torch.distributed.init_process_group("nccl" if cuda else "gloo")
        if cuda:
            local = int(os.environ.get("LOCAL_RANK", "0"))
            torch.cuda.set_device(local)
            fields["device"] = f"cuda:{local}"
    try:
        result = run(ExperimentConfig(**fields), progress=True)
    except ValueError as err:
        print(f"error: {err}")
        return 2
    finally:
        if torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()
    if result:
        print(result["path"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
