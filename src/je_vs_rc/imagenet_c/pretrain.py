"""Self-supervised pretraining: checkpointed every epoch, resumable with nothing lost, mixed
precision on GPUs, several GPUs through torch.distributed (launch with ``torchrun``).

Determinism: at the start of epoch ``e`` every random generator (torch, NumPy, Python, the data
order) is reseeded from ``(seed, e, rank)``. An epoch therefore depends only on the state at its
start, which the checkpoint holds, so a run interrupted after any epoch and resumed ends with exactly
the weights of an uninterrupted run.

The loop knows no method: it calls the hooks of the model that ``methods.build`` returns.
A checkpoint records its configuration, a digest of the training images and the version of the
code; it is resumed only if all three match.
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
from . import corruptions, keys, methods
from .convert import load_state


@dataclass(frozen=True)
class PretrainConfig:
    """One pretraining run. ``lr=None`` uses the method's rate scaled to the batch size.
    ``augment_strength`` > 0 appends ``augment_corruption`` at that severity to every view's
    augmentation (App. D.3); 0 (with no corruption named) is the plain augmentation."""

    method: str
    backbone: str
    image_size: int
    epochs: int
    batch_size: int
    lr: float | None = None
    seed: int = 0
    device: str = "cpu"
    num_workers: int = 0
    augment_corruption: str | None = None
    augment_strength: int = 0

    def __post_init__(self) -> None:
        methods.check_backbone(self.method, self.backbone)
        if (self.augment_strength == 0) != (self.augment_corruption is None):
            raise ValueError(
                f"augment_corruption must be named exactly when augment_strength > 0; got "
                f"{self.augment_corruption!r} at strength {self.augment_strength!r}"
            )
        if self.augment_strength:
            corruptions.check_corruption(self.augment_corruption, self.augment_strength)
        for name in ("epochs", "batch_size", "image_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer; got {value!r}")
        if self.lr is not None and not (
            isinstance(self.lr, (int, float))
            and not isinstance(self.lr, bool)
            and math.isfinite(self.lr)
            and self.lr > 0
        ):
            raise ValueError(f"lr must be a positive number or None (the method's default); got {self.lr!r}")

    def key(self, data_key: str) -> str:
        """Digest of everything that determines the trained weights: this configuration (but not
        where it runs), the training images (``data_key``) and the training code."""
        fields = {k: v for k, v in asdict(self).items() if k not in ("device", "num_workers")}
        return keys.digest(fields, data_key, code_version())


def code_version() -> str:
    """Version of the code that determines trained weights (this loop and the methods)."""
    import sys

    return keys.code_version(methods, corruptions, sys.modules[__name__])


class ViewDataset(Dataset):
    """Uint8 images (N x S x S x 3) -> the method's list of augmented views."""

    def __init__(self, images: np.ndarray, transform: Any):
        self.images, self.transform = images, transform

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> list[torch.Tensor]:
        from PIL import Image

        return self.transform(Image.fromarray(np.asarray(self.images[i])))


def view_transform(model: methods.SSLModel, config: PretrainConfig) -> Any:
    """The augmentation of ``model``'s method, followed by the injected corruption if ``config`` asks."""
    if not config.augment_strength:
        return model.transform
    return corruptions.Injected(model.transform, config.augment_corruption, config.augment_strength)


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


def pretrain(
    images: np.ndarray,
    config: PretrainConfig,
    out_dir: str | os.PathLike[str],
    stop_after: int | None = None,
    progress: bool = False,
    data_key: str | None = None,
) -> PretrainResult:
    """Train ``config.method`` on ``images``; returns a :class:`PretrainResult`.

    Checkpoints go to ``out_dir/last.pt`` after every epoch (written atomically, by rank 0). If a
    checkpoint of the same configuration, data and code is there, training resumes after its epoch;
    a checkpoint of anything else is refused. ``data_key`` identifies the images (default: a digest
    of their bytes). ``stop_after`` ends this call after that many epochs (the run can be resumed
    later): it is how long jobs are sliced, and how the tests interrupt a run.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rank, world = _distributed()
    device = torch.device(config.device)
    identity = {
        "config": asdict(config),
        "data": data_key or keys.array_digest(np.asarray(images)),
        "code": code_version(),
    }
    torch.manual_seed(config.seed)  # the initial weights, identical on every rank and every rerun
    model = methods.build(config.method, config.backbone, config.image_size, config.epochs).to(device)
    opt = methods.optimizer(config.method, model, config.batch_size * world, config.lr)
    dataset = ViewDataset(images, view_transform(model, config))
    steps_per_epoch = max(1, math.ceil(len(dataset) / (config.batch_size * world)))
    total = config.epochs * steps_per_epoch
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 0.5 * (1 + math.cos(math.pi * step / total)))
    history: list[float] = []
    start = 0
    ckpt = out / "last.pt"
    if ckpt.is_file():
        state = load_state(ckpt, map_location=device)
        theirs = {k: state.get(k) for k in identity}
        if theirs != identity:
            changed = sorted(k for k in identity if theirs[k] != identity[k])
            raise ValueError(
                f"{ckpt} belongs to another run (different {', '.join(changed)}: {theirs}); use another out_dir"
            )
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        start, history = state["epoch"] + 1, state["history"]
    train_model: torch.nn.Module = model
    if world > 1:
        # Some lightly modules hold parameters a given loss does not touch (e.g. parts of MAE's decoder).
        train_model = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None, find_unused_parameters=True
        )
    autocast = (
        torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else torch.autocast("cpu", enabled=False)
    )
    end = config.epochs if stop_after is None else min(config.epochs, start + stop_after)
    for epoch in range(start, end):
        generator = _seed_everything(config.seed, epoch, rank)
        if world > 1:
            sampler: Any = torch.utils.data.distributed.DistributedSampler(dataset, shuffle=True, seed=config.seed)
            sampler.set_epoch(epoch)
        else:
            sampler = torch.utils.data.RandomSampler(dataset, generator=generator)
        loader = DataLoader(
            dataset,
            batch_size=config.batch_size,
            sampler=sampler,
            collate_fn=_collate,
            num_workers=config.num_workers,
            generator=generator,
            drop_last=False,
        )
        model.train()
        losses = []
        batches = loader
        if progress and rank == 0:
            from tqdm.auto import tqdm

            batches = tqdm(loader, desc=f"{config.method} epoch {epoch + 1}/{config.epochs}", leave=False)
        for i, views in enumerate(batches):
            step = methods.Step(epoch, config.epochs, epoch * steps_per_epoch + i, total)
            views = [v.to(device, non_blocking=True) for v in views]
            with autocast:
                loss = train_model(views, step)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            model.before_optimizer_step(step)
            opt.step()
            sched.step()
            model.after_optimizer_step(step)
            losses.append(float(loss.detach()))
        history.append(float(np.mean(losses)))
        if rank == 0:
            with atomic_path(ckpt) as tmp:
                torch.save(
                    {
                        **identity,
                        "epoch": epoch,
                        "history": history,
                        "model": model.state_dict(),
                        "optimizer": opt.state_dict(),
                        "scheduler": sched.state_dict(),
                    },
                    tmp,
                )
    if rank == 0:
        with atomic_path(out / "history.json") as tmp:
            tmp.write_text(json.dumps({**identity, "loss": history}))
    return PretrainResult(model, history, end - start)
