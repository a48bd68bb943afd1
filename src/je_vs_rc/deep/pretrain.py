"""Self-supervised pretraining: checkpointed every epoch, resumable with nothing lost, mixed
precision on GPUs, several GPUs through torch.distributed (launch with ``torchrun``).

Determinism: at the start of epoch ``e`` every random generator (torch, NumPy, Python, the data
order) is reseeded from ``(seed, e, rank)``. An epoch therefore depends only on the state at its
start, which the checkpoint holds, so a run interrupted after any epoch and resumed ends with exactly
the weights of an uninterrupted run.
"""
from __future__ import annotations

import json
import math
import os
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from .._io import atomic_path
from . import methods


@dataclass(frozen=True)
class PretrainConfig:
    """One pretraining run. ``lr=None`` uses the paper's rate scaled to the batch size."""

    method: str
    backbone: str
    image_size: int
    epochs: int
    batch_size: int
    lr: float | None = None
    seed: int = 0
    device: str = "cpu"
    num_workers: int = 0

    def __post_init__(self) -> None:
        if self.method not in methods.METHODS:
            raise ValueError(f"method must be one of {list(methods.METHODS)}; got {self.method!r}")
        if self.backbone not in methods.BACKBONES:
            raise ValueError(f"backbone must be one of {list(methods.BACKBONES)}; got {self.backbone!r}")
        for name in ("epochs", "batch_size", "image_size"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"{name} must be a positive integer; got {getattr(self, name)!r}")


class ViewDataset(Dataset):
    """Uint8 images (N x S x S x 3) -> the method's list of augmented views."""

    def __init__(self, images: np.ndarray, transform: Any):
        self.images, self.transform = images, transform

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> list[torch.Tensor]:
        from PIL import Image

        return self.transform(Image.fromarray(np.asarray(self.images[i])))


def _collate(batch: list[list[torch.Tensor]]) -> list[torch.Tensor]:
    return [torch.stack(views) for views in zip(*batch)]


def _seed_everything(seed: int, epoch: int, rank: int) -> torch.Generator:
    value = (seed * 1_000_003 + epoch * 1_009 + rank) % 2**31
    torch.manual_seed(value)
    np.random.seed(value)
    random.seed(value)
    return torch.Generator().manual_seed(value)


def _distributed() -> tuple[int, int]:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


@dataclass
class PretrainResult:
    """The trained model, the mean loss of every epoch so far, and how many epochs this call ran."""

    model: torch.nn.Module
    history: list[float]
    epochs_run: int


def pretrain(images: np.ndarray, config: PretrainConfig, out_dir: str | os.PathLike[str],
             stop_after: int | None = None, progress: bool = False) -> PretrainResult:
    """Train ``config.method`` on ``images``; returns a :class:`PretrainResult`.

    Checkpoints go to ``out_dir/last.pt`` after every epoch (written atomically, by rank 0). If a
    checkpoint of the same configuration is there, training resumes after its epoch. ``stop_after``
    ends this call after that many epochs (the run can be resumed later): it is how long jobs are
    sliced, and how the tests interrupt a run.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rank, world = _distributed()
    device = torch.device(config.device)
    torch.manual_seed(config.seed)  # the initial weights, identical on every rank and every rerun
    model = methods.build(config.method, config.backbone, config.image_size, config.epochs).to(device)
    opt = methods.optimizer(config.method, model, config.batch_size * world, config.lr)
    dataset = ViewDataset(images, model.transform)
    steps_per_epoch = max(1, math.ceil(len(dataset) / (config.batch_size * world)))
    total = config.epochs * steps_per_epoch
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 0.5 * (1 + math.cos(math.pi * step / total)))
    history: list[float] = []
    start = 0
    ckpt = out / "last.pt"
    if ckpt.is_file():
        state = torch.load(ckpt, map_location=device, weights_only=False)
        if state["config"] != asdict(config):
            raise ValueError(f"{ckpt} belongs to another configuration ({state['config']}); use another out_dir")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        start, history = state["epoch"] + 1, state["history"]
    train_model: torch.nn.Module = model
    if world > 1:
        # Some lightly modules hold parameters a given loss does not touch (e.g. parts of MAE's decoder).
        train_model = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None, find_unused_parameters=True)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else torch.autocast("cpu", enabled=False)
    end = config.epochs if stop_after is None else min(config.epochs, start + stop_after)
    for epoch in range(start, end):
        generator = _seed_everything(config.seed, epoch, rank)
        if world > 1:
            sampler: Any = torch.utils.data.distributed.DistributedSampler(dataset, shuffle=True, seed=config.seed)
            sampler.set_epoch(epoch)
        else:
            sampler = torch.utils.data.RandomSampler(dataset, generator=generator)
        loader = DataLoader(dataset, batch_size=config.batch_size, sampler=sampler, collate_fn=_collate,
                            num_workers=config.num_workers, generator=generator, drop_last=False)
        model.train()
        losses = []
        batches = loader
        if progress and rank == 0:
            from tqdm.auto import tqdm

            batches = tqdm(loader, desc=f"{config.method} epoch {epoch + 1}/{config.epochs}", leave=False)
        for step, views in enumerate(batches):
            views = [v.to(device, non_blocking=True) for v in views]
            with autocast:
                loss = train_model(views, (epoch * steps_per_epoch + step) / total)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if config.method == "dino":
                model.student_head.cancel_last_layer_gradients(current_epoch=epoch)
            opt.step()
            sched.step()
            model.after_step((epoch * steps_per_epoch + step + 1) / total)
            losses.append(float(loss.detach()))
        history.append(float(np.mean(losses)))
        if rank == 0:
            with atomic_path(ckpt) as tmp:
                torch.save({"config": asdict(config), "epoch": epoch, "history": history, "model": model.state_dict(),
                            "optimizer": opt.state_dict(), "scheduler": sched.state_dict()}, tmp)
    if rank == 0:
        (out / "history.json").write_text(json.dumps({"config": asdict(config), "loss": history}))
    return PretrainResult(model, history, end - start)
