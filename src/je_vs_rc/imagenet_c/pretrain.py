"""Self-supervised pretraining: checkpointed every epoch, resumable with nothing lost, mixed
precision on GPUs, several GPUs through torch.distributed (launch with ``torchrun``).

Determinism, whatever the number of processes: ``batch_size`` is the total batch. Epoch ``e`` visits
the images in an order drawn from ``(seed, e)`` alone, in global batches of ``batch_size`` (the last,
incomplete one is dropped), and process ``r`` of ``W`` takes the ``r``-th slice of each. Every random
draw of an image (its views, MAE's mask) comes from a generator seeded by ``(seed, e, image index)``.
Each process's loss is the mean over its slice and DDP averages the gradients, so a step's gradient
is the mean over the global batch: one process and eight compute the same training (up to the order
of floating-point sums; BatchNorm is synchronised on GPUs, SyncBN, and is local on CPUs, where only
the methods without it are exact). An epoch depends only on the state at its start, which the
checkpoint holds, so a run interrupted after any epoch and resumed ends with exactly the weights of
an uninterrupted run.

Schedule: linear warmup for the method's share of training (``methods.Method.warmup_fraction``), then
cosine decay to 0; gradients clipped where the method clips.

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
from . import corruptions, distributed, keys, methods
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
    """Uint8 images (N x S x S x 3) -> the method's list of augmented views and per-image extras,
    every random draw seeded by (seed, epoch, image index): the same whichever process draws it.
    ``cpu_only``: the run trains on the CPU (see :func:`_seed_everything`)."""

    def __init__(self, images: np.ndarray, transform: Any, extras: Any, seed: int, cpu_only: bool = False):
        self.images, self.transform, self.extras, self.seed = images, transform, extras, seed
        self.cpu_only = cpu_only
        self.epoch = 0

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> list[torch.Tensor]:
        from PIL import Image

        value = _seed_everything(self.seed, self.epoch, i, self.cpu_only)
        views = self.transform(Image.fromarray(np.asarray(self.images[i])))
        return views + self.extras(torch.Generator().manual_seed(value))


class GlobalBatches(torch.utils.data.Sampler):
    """This process's slice of every global batch of an epoch (see the module docstring)."""

    def __init__(self, n: int, total: int, seed: int, rank: int, world: int):
        self.n, self.total, self.seed, self.rank, self.world = n, total, seed, rank, world
        self.local = total // world
        self.epoch = 0

    def __len__(self) -> int:
        return self.n // self.total

    def __iter__(self) -> Any:
        order = torch.randperm(self.n, generator=torch.Generator().manual_seed(_seed_value(self.seed, self.epoch, -1)))
        for b in range(len(self)):
            start = b * self.total + self.rank * self.local
            yield order[start : start + self.local].tolist()


def view_transform(model: methods.SSLModel, config: PretrainConfig) -> Any:
    """The augmentation of ``model``'s method, followed by the injected corruption if ``config`` asks."""
    if not config.augment_strength:
        return model.transform
    return corruptions.Injected(model.transform, config.augment_corruption, config.augment_strength)


def _collate(batch: list[list[torch.Tensor]]) -> list[torch.Tensor]:
    return [torch.stack(views) for views in zip(*batch)]


def _seed_value(seed: int, epoch: int, index: int) -> int:
    return keys.seed_of(seed, epoch, index)


def _seed_everything(seed: int, epoch: int, index: int, cpu_only: bool = False) -> int:
    """Seed torch's, NumPy's and Python's generators for image ``index`` of ``epoch``; return the seed.

    ``cpu_only`` (a run on the CPU): of torch's generators only the CPU's, the one such a run draws from.
    ``torch.manual_seed`` also queues the seed for every accelerator not started (CUDA, XPU, MTIA), each
    time recording the caller's stack as text: about 1 ms a call in a notebook, seconds per run of
    chapter 8, which seeds every image of every epoch."""
    value = _seed_value(seed, epoch, index)
    if cpu_only:
        torch.default_generator.manual_seed(value)
    else:
        torch.manual_seed(value)
    np.random.seed(value)
    random.seed(value)
    return value


def schedule(step: int, total: int, warmup: int) -> float:
    """The learning-rate factor at ``step``: linear warmup over ``warmup`` steps, then cosine to 0."""
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


@dataclass
class PretrainResult:
    """The trained model, the mean loss of every epoch so far, how many epochs this call ran and how
    many images it saw (over all processes)."""

    model: torch.nn.Module
    history: list[float]
    epochs_run: int
    images_seen: int = 0


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
    rank, world = distributed.rank_world()
    device = torch.device(config.device)
    identity = {
        "config": asdict(config),
        "data": data_key or keys.array_digest(np.asarray(images)),
        "code": code_version(),
    }
    torch.manual_seed(config.seed)  # the initial weights, identical on every rank and every rerun
    model = methods.build(config.method, config.backbone, config.image_size, config.epochs).to(device)
    _check_batch(config, len(images), world)
    if world > 1 and device.type == "cuda":
        model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)  # BatchNorm over the global batch
    entry = methods.get(config.method)
    opt = methods.optimizer(config.method, model, config.batch_size, config.lr)
    dataset = ViewDataset(
        images, view_transform(model, config), model.sample_extras, config.seed, cpu_only=device.type == "cpu"
    )
    sampler = GlobalBatches(len(dataset), config.batch_size, config.seed, rank, world)
    total = config.epochs * len(sampler)
    warmup = round(entry.warmup_fraction() * total)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: schedule(step, total, warmup))
    ckpt = out / "last.pt"
    start, history = _resume(ckpt, identity, model, opt, sched, device) if ckpt.is_file() else (0, [])
    run = Training(model, _parallel(model, device, world), opt, sched, entry, device, rank, world, total, len(sampler))
    end = config.epochs if stop_after is None else min(config.epochs, start + stop_after)
    for epoch in range(start, end):
        history.append(train_epoch(run, dataset, sampler, config, epoch, progress))
        if rank == 0:
            with atomic_path(ckpt) as tmp:
                torch.save({**identity, "epoch": epoch, "history": history, **run.state()}, tmp)
    if rank == 0:
        with atomic_path(out / "history.json") as tmp:
            tmp.write_text(json.dumps({**identity, "loss": history}))
    distributed.barrier()  # the checkpoint is written before any process reads it
    return PretrainResult(model, history, end - start, (end - start) * len(sampler) * config.batch_size)


def _check_batch(config: PretrainConfig, n_images: int, world: int) -> None:
    """The total batch splits evenly over the processes and fits in the training images."""
    if config.batch_size % world:
        raise ValueError(
            f"batch_size (the total batch) must be divisible by the {world} processes; got {config.batch_size}"
        )
    if n_images < config.batch_size:
        raise ValueError(f"batch_size must be at most the {n_images} training images; got {config.batch_size}")


def _resume(ckpt: Path, identity: dict[str, Any], model: Any, opt: Any, sched: Any, device: Any) -> tuple[int, list]:
    """Load the checkpoint of this same run (ValueError for another's); the next epoch and the losses so far."""
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
    return state["epoch"] + 1, state["history"]


def _parallel(model: torch.nn.Module, device: torch.device, world: int) -> torch.nn.Module:
    """The module the steps call: ``model`` itself, or wrapped to synchronise gradients over processes."""
    if world == 1:
        return model
    # Some lightly modules hold parameters a given loss does not touch (e.g. parts of MAE's decoder).
    return torch.nn.parallel.DistributedDataParallel(
        model, device_ids=[device.index] if device.type == "cuda" else None, find_unused_parameters=True
    )


@dataclass
class Training:
    """One pretraining run in progress: the model (and the module its steps call), its optimiser and
    schedule, its method's registry entry, where it runs and its step counts."""

    model: Any
    train_model: torch.nn.Module
    opt: Any
    sched: Any
    entry: methods.Method
    device: torch.device
    rank: int
    world: int
    total: int
    steps_per_epoch: int

    def autocast(self) -> Any:
        """bf16 on a GPU; full precision on a CPU."""
        if self.device.type == "cuda":
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return torch.autocast("cpu", enabled=False)

    def state(self) -> dict[str, Any]:
        return {
            "model": self.model.state_dict(),
            "optimizer": self.opt.state_dict(),
            "scheduler": self.sched.state_dict(),
        }


def train_epoch(
    run: Training, dataset: ViewDataset, sampler: GlobalBatches, config: PretrainConfig, epoch: int, progress: bool
) -> float:
    """One epoch of ``run`` (this process's slice of every global batch); the mean loss of its global batches."""
    dataset.epoch = sampler.epoch = epoch
    loader = DataLoader(
        dataset,
        batch_sampler=sampler,
        collate_fn=_collate,
        num_workers=config.num_workers,
        pin_memory=run.device.type == "cuda",
    )
    run.model.train()
    batches = loader
    if progress and run.rank == 0:
        from tqdm.auto import tqdm

        batches = tqdm(loader, desc=f"{config.method} epoch {epoch + 1}/{config.epochs}", leave=False)
    losses = []
    for i, views in enumerate(batches):
        step = methods.Step(epoch, config.epochs, epoch * run.steps_per_epoch + i, run.total)
        losses.append(train_step(run, [v.to(run.device, non_blocking=True) for v in views], step))
    return float(np.mean(losses))


def train_step(run: Training, views: list[torch.Tensor], step: methods.Step) -> float:
    """One optimiser step on a batch of views, with the method's hooks; the global batch's loss, the same
    for any number of processes."""
    model = run.model
    with run.autocast():
        loss = run.train_model(views, step)
    run.opt.zero_grad(set_to_none=True)
    loss.backward()
    model.before_optimizer_step(step)
    if run.entry.clip_grad is not None:
        torch.nn.utils.clip_grad_norm_(model.parameters(), run.entry.clip_grad)
    run.opt.step()
    run.sched.step()
    model.after_optimizer_step(step)
    value = loss.detach().float()
    if run.world > 1:
        torch.distributed.all_reduce(value)
        value /= run.world
    return float(value)
