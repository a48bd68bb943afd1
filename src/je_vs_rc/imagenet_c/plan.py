"""``--plan``: what a parameter file will cost, phase by phase, before anything runs.

Each phase's work is counted from the parameter file (images decoded, corrupted, seen in
pretraining, passed through a frozen backbone, fitted by the probe) and multiplied by per-image
costs measured by ``benchmarks/bench_imagenet_c_costs.py`` (committed in
``benchmarks/imagenet_c_costs.json``):

- CPU work (decoding, corrupting, augmenting) in seconds per image on one core of the machine that
  ran the benchmark, divided over the cores the run gives it (``cpus``);
- accelerator work as floating-point operations per image, counted on the real models, divided by
  an assumed sustained throughput per GPU (``tflops``; the default, :data:`TFLOPS`, is an assumption,
  said in the output, not a measurement: no GPU ran this benchmark).

A pretraining phase is limited by the slower of the two (the GPUs, or the augmentation workers
feeding them). Disk is the caches' size; memory is what one process holds (chunks, a model with
its optimiser state), since every cached array is read memory-mapped.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import corruptions

COSTS = Path(__file__).resolve().parents[3] / "benchmarks" / "imagenet_c_costs.json"
TFLOPS = 300.0  # assumed sustained bf16 throughput per GPU: ~30% of an H100's dense peak (989 TFLOP/s)
IMAGENET_1K = (1_281_167, 50_000, 1000)  # training images, validation images, classes
MNIST = (60_000, 10_000, 10)


@dataclass
class Phase:
    """One phase's estimate."""

    name: str
    work: str
    seconds: float
    disk_bytes: float = 0.0
    memory_bytes: float = 0.0
    notes: list[str] = field(default_factory=list)


def costs(path: str | Path = COSTS) -> dict[str, Any]:
    """The committed per-image costs (FileNotFoundError naming the benchmark that makes them)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run python benchmarks/bench_imagenet_c_costs.py")
    return json.loads(path.read_text())


def _sizes(cfg: Any) -> tuple[int, int, int, str]:
    """Training images, test images (per corruption and severity), classes, and where they came from."""
    from . import folders

    if cfg.dataset == "mnist":
        n_train, n_test, classes = MNIST
        said = "MNIST"
    else:
        root = Path(cfg.data_root or "")
        if (root / "train").is_dir() and (root / "val").is_dir():
            train = folders.listing(root / "train")
            n_train, classes = len(train.files), len(train.classes)
            n_test = len(folders.listing(root / "val", train.classes).files)
            said = f"counted in {root}"
        else:
            n_train, n_test, classes = IMAGENET_1K
            said = f"{root} not found here: ImageNet-1k's sizes assumed"
    n_train = min(n_train, cfg.train_images or n_train)
    n_test = min(n_test, cfg.test_images or n_test)
    return n_train, n_test, classes, said


def _nearest(table: dict[str, float], corruption: str, severity: int) -> tuple[float, bool]:
    """The measured cost of ``corruption`` at ``severity``, or at the nearest measured severity."""
    measured = {int(k.split("/")[1]): v for k, v in table.items() if k.split("/")[0] == corruption}
    if not measured:
        return max(table.values()), False
    nearest = min(measured, key=lambda s: (abs(s - severity), -s))
    return measured[nearest], True


@dataclass(frozen=True)
class Work:
    """What every phase of a plan reads: the config, the measured costs at its image size (``cpu``: seconds
    per image on one core; ``flops``: per image), the image counts and the machine."""

    cfg: Any
    cpu: dict[str, Any]
    flops: dict[str, Any]
    n_train: int
    n_test: int
    classes: int
    said: str
    gpus: int
    cpus: int
    tflops: float

    @property
    def pixels(self) -> int:
        return self.cfg.image_size**2 * 3

    @property
    def grid(self) -> list[tuple[str, int]]:
        """The (corruption, severity) cells."""
        return [(c, s) for c in self.cfg.corruptions for s in self.cfg.severities]

    @property
    def draws(self) -> int:
        """Corrupted copies of the data: one per seed, or one fixed set (``corruption_seed``)."""
        return len(self.cfg.seeds) if getattr(self.cfg, "corruption_seed", None) is None else 1

    @property
    def jobs(self) -> list[tuple[int, str, int, int]]:
        """(strength, corruption, severity, seed) of every pretraining run of one method."""
        cfg, out = self.cfg, []
        for strength in cfg.augment_strengths:
            severities = cfg.severities if not strength or cfg.augment_severities is None else cfg.augment_severities
            out += [(strength, c, s, seed) for c in cfg.corruptions for s in severities for seed in cfg.seeds]
        return out

    def probed(self) -> list[tuple[str, str]]:
        """(method, backbone) of every frozen model whose features are probed."""
        cfg = self.cfg
        models = [(m, cfg.backbone_of(m)) for m in cfg.methods for _ in self.jobs]
        if cfg.random_init:
            backbones = sorted({cfg.backbone_of(m) for m in cfg.methods})
            models += [("random_init", b) for b in backbones for _ in self.grid for _ in cfg.seeds]
        return models

    def probed_sets(self) -> int:
        """Image sets per probed cell: corrupted train and test (and their clean versions)."""
        return 2 if self.cfg.imagenet_c_root or not self.cfg.clean_probe else 4


def estimate(cfg: Any, gpus: int = 1, cpus: int | None = None, tflops: float = TFLOPS) -> list[Phase]:
    """The phases of ``cfg`` on ``gpus`` accelerators fed by ``cpus`` cores (default: one process
    per GPU with ``num_workers`` workers each)."""
    table = costs()
    size = str(cfg.image_size)
    if size not in table:
        raise ValueError(f"no measured costs at image_size {cfg.image_size}; measured: {sorted(table)}")
    cpus = cpus or gpus * max(1, cfg.num_workers)
    work = Work(cfg, table[size]["cpu"], table[size]["flops"], *_sizes(cfg), gpus, cpus, tflops)
    return [data_phase(work), pretrain_phase(work), features_phase(work), probe_phase(work)]


def data_phase(w: Work) -> Phase:
    """Decoding (folders only) and corrupting every image, once per draw; the cached arrays on disk."""
    cfg, cpu, grid, draws, n_train, n_test = w.cfg, w.cpu, w.grid, w.draws, w.n_train, w.n_test
    unknown = [c for c in cfg.corruptions if not _nearest(cpu["corrupt"], c, 1)[1]]
    decode = n_train * cpu["decode_train"] + n_test * (
        cpu["decode_imagenet_c"] * len(grid) if cfg.imagenet_c_root else cpu["decode_train"]
    )
    corrupt = (
        sum(_nearest(cpu["corrupt"], c, s)[0] * (n_train + (0 if cfg.imagenet_c_root else n_test)) for c, s in grid)
        * draws
    )
    arrays_train = 1 + len(grid) * draws
    arrays_test = len(grid) if cfg.imagenet_c_root else 1 + len(grid) * draws
    return Phase(
        "data",
        f"decode {n_train:,} training and {n_test:,} test images; corrupt them for "
        f"{len(grid)} corruption x severity cells x {draws} draw{'s' * (draws != 1)}",
        ((decode if cfg.dataset == "imagefolder" else 0.0) + corrupt) / w.cpus,
        disk_bytes=(arrays_train * n_train + arrays_test * n_test) * w.pixels,
        memory_bytes=256 * w.pixels * 2,
        notes=[f"sizes: {w.said}"]
        + ([f"{', '.join(unknown)}: not benchmarked, the slowest measured corruption assumed"] if unknown else []),
    )


def pretrain_phase(w: Work) -> Phase:
    """Every method's runs: the slower of the accelerators' FLOPs and the CPU workers' augmentation."""
    cfg, cpu, flops, jobs = w.cfg, w.cpu, w.flops, w.jobs
    image_epochs = cfg.epochs * (w.n_train // cfg.batch_size) * cfg.batch_size
    gpu_s = cpu_s = 0.0
    for m in cfg.methods:
        per_image = flops["pretrain_step"][m]
        for strength, c, _, _ in jobs:
            gpu_s += image_epochs * per_image / (w.tflops * 1e12 * w.gpus)
            extra = cpu["inject_extra"].get(f"{m}/{c}", max(cpu["inject_extra"].values())) if strength else 0.0
            cpu_s += image_epochs * (cpu["augment"][m] + extra) / w.cpus
    runs = len(jobs) * len(cfg.methods)
    return Phase(
        "pretrain",
        f"{runs} runs ({len(cfg.methods)} methods x {len(jobs)} (strength, corruption, severity, seed)) of "
        f"{cfg.epochs} epochs x {w.n_train:,} images",
        max(gpu_s, cpu_s),
        disk_bytes=sum(flops["parameters"][m] for m in cfg.methods) * len(jobs) * 4 * 3,
        memory_bytes=max(flops["parameters"].values()) * 16,
        notes=[
            f"accelerators {duration(gpu_s)}, augmentation on {w.cpus} cores {duration(cpu_s)}: "
            + ("the GPUs limit" if gpu_s >= cpu_s else "the CPU workers limit; give more num_workers"),
            "memory: weights, gradients and AdamW's two moments in fp32; activations not counted",
            "accelerator time counts FLOPs only: small models (32 px) are bound by per-step overheads instead",
        ],
    )


def features_phase(w: Work) -> Phase:
    """Every probed frozen model's features of its image sets, on the accelerators; their cache on disk."""
    sets_images = (w.n_train + w.n_test) * (w.probed_sets() // 2)
    feat_s, feat_disk = 0.0, 0.0
    models = w.probed()
    for _, b in models:
        feat_s += sets_images * w.flops["features"][b] / (w.tflops * 1e12 * w.gpus)
        feat_disk += sets_images * w.flops["feature_dim"][b] * 4
    return Phase(
        "features",
        f"{len(models)} frozen models x {sets_images:,} images",
        feat_s,
        disk_bytes=feat_disk,
        memory_bytes=256 * w.pixels * 4,
    )


def probe_phase(w: Work) -> Phase:
    """Every probe's fits (one per weight decay, then the refit): mini-batch SGD on the accelerators, or
    full-batch L-BFGS on one CPU core."""
    cfg, flops = w.cfg, w.flops
    cells = len(w.probed()) * (w.probed_sets() // 2)
    dims = max(flops["feature_dim"][b] for b in sorted({cfg.backbone_of(m) for m in cfg.methods}))
    fits = len(cfg.probe_weight_decays) + 1
    sgd = cfg.device != "cpu"
    sweeps = cfg.probe_epochs if sgd else cfg.probe_iters
    probe_flops = cells * fits * sweeps * w.n_train * dims * w.classes * 6
    return Phase(
        "probe",
        f"{cells} probes x {fits} fits ({len(cfg.probe_weight_decays)} weight decays, then the refit) on "
        f"{w.n_train:,} x {dims} features, {w.classes} classes",
        probe_flops / (w.tflops * 1e12 * w.gpus) if sgd else probe_flops / 2e10,
        memory_bytes=w.n_train * dims * 4,
        notes=[
            f"mini-batch SGD, {cfg.probe_epochs} epochs, on the accelerators (probes shared among processes)"
            if sgd
            else f"full-batch L-BFGS ({cfg.probe_iters} iterations) on one CPU core at an assumed 20 GFLOP/s"
        ],
    )


def duration(seconds: float) -> str:
    """Seconds in the unit that reads best (s, min, h)."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} days"


def size(n: float) -> str:
    """Bytes in the unit that reads best (kB to TB)."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n / 1e3:.0f} kB"


def report(cfg: Any, gpus: int = 1, cpus: int | None = None, tflops: float = TFLOPS) -> str:
    """The plan as text: one line per phase (time, disk, memory per process), notes, the total and
    the assumptions."""
    phases = estimate(cfg, gpus, cpus, tflops)
    meta = costs()[str(cfg.image_size)]
    lines = [f"plan for {gpus} GPU{'s' * (gpus != 1)} fed by {cpus or gpus * max(1, cfg.num_workers)} CPU cores:"]
    for p in phases:
        lines.append(
            f"  {p.name:<9} {duration(p.seconds):>9}  disk {size(p.disk_bytes):>9}  memory/process "
            f"{size(p.memory_bytes):>9}  {p.work}"
        )
        lines += [f"            - {n}" for n in p.notes]
    total = sum(p.seconds for p in phases)
    lines.append(f"  total     {duration(total):>9}  disk {size(sum(p.disk_bytes for p in phases)):>9}")
    lines.append(
        f"assumed: {tflops:g} TFLOP/s sustained per GPU (not measured); CPU costs measured on "
        f"{meta['cpu']['measured']['machine']} on {meta['cpu']['measured']['date']} "
        f"(load average {meta['cpu']['measured']['load_average_at_start']}); FLOPs counted on the real models "
        f"(benchmarks/bench_imagenet_c_costs.py)"
    )
    if math.isfinite(total) and total > 48 * 3600:
        lines.append(f"that is {total / 86400:.1f} days on these {gpus} GPUs")
    corruptions.validate(cfg.corruptions, cfg.severities)
    return "\n".join(lines)
