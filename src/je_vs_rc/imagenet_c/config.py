"""The deep-learning chapter's settings: one dataclass, the single source of every default (the
chapter's parameters cell and the parameter files in ``params/`` mirror it; a test checks that the
chapter agrees), built on the package's one parameter mechanism (``je_vs_rc.config``: each field's
kind, then the relations): a bad value is refused before any work in one line naming the parameter,
the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ..config import (
    POSITIVE,
    SEED,
    SIZE,
    TEXT_OR_NONE,
    Choice,
    Flag,
    Number,
    Numbers,
    OrNone,
    ParameterError,
    Text,
    Texts,
    Validated,
    param,
    refuse,
)
from ..parameters import ChapterConfig
from . import corruptions, datasets, methods, networks, probe

DEFAULT_OUT = Path(__file__).resolve().parents[3] / "runs" / "imagenet_c"


SEVERITY = Number(integer=True, low=1, high=max(corruptions.SEVERITIES))
STRENGTH = Number(integer=True, low=0, high=max(corruptions.SEVERITIES))  # 0: no injection
COUNT = OrNone(SIZE, "null (all)")


def _seq(item: Number, distinct: bool = False) -> Numbers:
    return Numbers(item, distinct=distinct, container=tuple)


@dataclass(frozen=True)
class ExperimentConfig(Validated):
    """Every knob of the Table 1 pipeline; the defaults are the chapter's small CPU run (about two
    minutes on two cores). Building one checks every value and the relations that need no data
    (:meth:`check`); :meth:`validate` adds the data and the device."""

    dataset: str = param("mnist", Choice(datasets.DATASETS), "mnist (offline, padded to 32 px) or imagefolder")
    data_root: str | None = param(
        None, TEXT_OR_NONE, "mnist: the data folder (null: je_vs_rc.data's); imagefolder: a folder with train/ and val/"
    )
    image_size: int = param(32, SIZE)
    methods: Sequence[str] = param(["byol", "dino", "mae"], Texts(tuple), "deep methods of the registry")
    backbones: str | Mapping[str, str] = param(
        "vit_tiny", None, "one backbone for every method, 'paper', or a mapping method -> backbone"
    )
    corruptions: Sequence[str] = param(["gaussian_noise"], Texts(tuple))
    severities: Sequence[int] = param([1, 5], _seq(SEVERITY, distinct=True))
    epochs: int = param(2, SIZE)
    batch_size: int = param(128, SIZE, "the total over all processes (the paper: 256); learning rates scale with it")
    lr: Mapping[str, float] | None = param(
        None, None, "a mapping method -> rate; null (or a method left out): the method's default"
    )
    train_images: int | None = param(400, COUNT, "image budget")
    test_images: int | None = param(500, COUNT)
    probe_weight_decays: Sequence[float] = param(list(probe.WEIGHT_DECAYS), _seq(Number(low=0)))
    probe_iters: int = param(probe.PROBE_ITERS, SIZE, "L-BFGS iterations (the probe on a CPU)")
    probe_epochs: int = param(probe.PROBE_EPOCHS, SIZE, "mini-batch epochs (the probe on an accelerator)")
    device: str = param("cpu", Text(), "cuda on a GPU")
    num_workers: int = param(0, Number(integer=True, low=0))
    seeds: Sequence[int] = param(
        [0], _seq(SEED, distinct=True), "each a full replicate: data subset, corruption draws, weights, probe split"
    )
    random_init: bool = param(True, Flag(), "also probe each backbone frozen at its random initialisation")
    pixels: bool = param(True, Flag(), "also probe the raw pixels (average-pooled to at most 32 px a side)")
    clean_probe: bool = param(True, Flag(), "also probe every representation on clean images (top1_clean)")
    corruption_seed: int | None = param(
        None, OrNone(Number(integer=True)), "the corruption draws: null, each seed its own; an integer, one fixed set"
    )
    augment_strengths: Sequence[int] = param(
        [0],
        _seq(STRENGTH, distinct=True),
        "App. D.3: the corruption injected into every view at these severities (0: none)",
    )
    augment_severities: Sequence[int] | None = param(
        None, OrNone(_seq(SEVERITY, distinct=True), "null (all of severities)"), "severities at which strengths > 0 run"
    )
    num_threads: int | None = param(
        None, OrNone(SIZE, "null (torch's choice)"), "torch's CPU threads (1 is fastest on a loaded machine)"
    )
    out_dir: str | None = param(None, TEXT_OR_NONE, "where results.json goes (null: runs/imagenet_c in the repository)")
    cache_dir: str | None = param(None, TEXT_OR_NONE, "corrupted images, checkpoints, features (null: <out_dir>/cache)")
    checkpoints: Mapping[str, str] | None = param(
        None, None, "a mapping method -> a checkpoint to evaluate instead of pretraining"
    )
    imagenet_c_root: str | None = param(
        None, TEXT_OR_NONE, "official ImageNet-C folders: test images read from it, not corrupted here"
    )

    @classmethod
    def from_mapping(cls, values: Any) -> ExperimentConfig:
        """A config from a mapping of field names (a parameter file); a misspelled name is refused in one line."""
        if not isinstance(values, Mapping):
            raise ParameterError(f"parameters must be a mapping of names to values; got {values!r}")
        unknown = [k for k in values if k not in cls.names()]
        if unknown:
            hints = {k: difflib.get_close_matches(str(k), cls.names(), n=1) for k in unknown}
            said = ", ".join(f"{k!r}" + (f" (did you mean {h[0]!r}?)" if h else "") for k, h in hints.items())
            raise ParameterError(f"unknown parameter(s) {said}; allowed: {cls.names()}")
        return cls(**values)

    @classmethod
    def from_chapter(
        cls, namespace: Mapping[str, Any], params_file: str | os.PathLike[str] | None = None
    ) -> ExperimentConfig:
        """The chapter's parameters (every field, by name, from ``namespace``), overridden by
        ``params_file`` (a file from ``params/``) if given."""
        values = {k: namespace[k] for k in cls.names()}
        if params_file:
            values.update(read_params(params_file))
        return cls.from_mapping(values)

    def backbone_of(self, method: str) -> str:
        """The backbone ``method`` runs on: ``backbones`` names one for all, "paper" the paper's pairing
        (each registry entry's ``paper_backbone``), or a mapping one per method."""
        if isinstance(self.backbones, str):
            return methods.paper_backbone(method) if self.backbones == "paper" else self.backbones
        return self.backbones[method]

    def output_dir(self) -> Path:
        return Path(self.out_dir) if self.out_dir is not None else DEFAULT_OUT

    def cache_path(self) -> Path:
        return Path(self.cache_dir) if self.cache_dir is not None else self.output_dir() / "cache"

    def params(self) -> dict[str, Any]:
        """The settings as plain JSON values (for provenance)."""
        return {k: _plain(v) for k, v in dataclasses.asdict(self).items()}

    def check(self) -> None:
        """The relations between settings and what the registries allow (each value's kind is checked)."""
        self._check_methods()
        self._check_grid()
        self._check_per_method("lr", self.lr, "a positive number (leave the method out for its default)", _rate)
        self._check_per_method("checkpoints", self.checkpoints, "an existing file", lambda p: Path(p).is_file())

    def validate(self, data: bool = True) -> None:
        """Check what building the config cannot: that the device exists and the data are there (skipped with
        ``data=False``, for ``--plan``); ParameterError (or ``data.DataUnavailable``) naming what is wrong."""
        if data:
            self._validate_device()
            self._validate_data()

    def _check_methods(self) -> None:
        """The methods are registered, and the backbone each runs on is one it accepts."""
        unknown = [m for m in self.methods if m not in methods.METHODS]
        if unknown:
            raise refuse("methods", list(self.methods), f"a list of distinct methods among {list(methods.METHODS)}")
        b = self.backbones
        if isinstance(b, str) and b != "paper" and b not in networks.BACKBONES:
            raise refuse("backbones", b, f"'paper', one of {list(networks.BACKBONES)} or a mapping method -> backbone")
        if not isinstance(b, str) and not (isinstance(b, Mapping) and all(m in b for m in self.methods)):
            raise refuse("backbones", b, "a mapping that names a backbone for every method run, 'paper' or a backbone")
        for m in self.methods:
            try:
                methods.check_backbone(m, self.backbone_of(m))
            except ValueError as err:
                raise refuse("backbones", b, str(err), must=False) from None

    def _check_grid(self) -> None:
        """Corruptions and severities, the ViT's patch grid, the batch against the budget, injections."""
        try:
            corruptions.validate(self.corruptions, self.severities)
        except ValueError as err:
            raise refuse("corruptions", list(self.corruptions), str(err), must=False) from None
        if any(self.backbone_of(m) == "vit_tiny" for m in self.methods) and self.image_size % 8:
            raise refuse("image_size", self.image_size, "divisible by 8 for vit_tiny (an 8 x 8 grid of patches)")
        if self.dataset == "mnist" and self.image_size != 32:
            raise refuse("image_size", self.image_size, "32 for dataset 'mnist'")
        if self.train_images is not None and self.batch_size > self.train_images:
            raise refuse(
                "batch_size", self.batch_size, f"at most train_images ({self.train_images}): it is the total batch"
            )
        extra = [s for s in self.augment_severities or () if s not in self.severities]
        if extra:
            raise refuse(
                "augment_severities", list(self.augment_severities), f"among severities {list(self.severities)}"
            )
        if self.imagenet_c_root is not None and self.dataset != "imagefolder":
            raise refuse(
                "imagenet_c_root",
                self.imagenet_c_root,
                "null unless dataset is 'imagefolder' (its classes are ImageNet's)",
            )

    def _check_per_method(self, name: str, value: Any, allowed: str, ok: Callable[[Any], bool]) -> None:
        """A mapping from methods that are run to values ``ok`` accepts, or None."""
        if value is None:
            return
        if not isinstance(value, Mapping) or any(m not in self.methods for m in value):
            raise refuse(name, value, f"null or a mapping from methods run ({list(self.methods)}) to values")
        for m, v in value.items():
            if not ok(v):
                raise refuse(f"{name}[{m!r}]", v, allowed)

    def _validate_device(self) -> None:
        if self.device.startswith("cuda"):
            import torch

            if not torch.cuda.is_available():
                raise refuse("device", self.device, "no CUDA device is available; use 'cpu'", must=False)

    def _validate_data(self) -> None:
        if self.dataset == "mnist":
            from .. import data

            data.verify("mnist", self.data_root)  # DataUnavailable (missing or corrupt) says how to fetch it
        elif self.data_root is None or not all((Path(self.data_root) / s).is_dir() for s in ("train", "val")):
            raise refuse(
                "data_root", self.data_root, "an existing folder with train/ and val/ for dataset 'imagefolder'"
            )
        if self.imagenet_c_root is not None:
            absent = [
                f"{c}/{s}"
                for c in self.corruptions
                for s in self.severities
                if not (Path(self.imagenet_c_root) / c / str(s)).is_dir()
            ]
            if absent:
                raise refuse(
                    "imagenet_c_root",
                    self.imagenet_c_root,
                    f"a folder of <corruption>/<severity>/ folders (it lacks {absent})",
                )


def read_params(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A parameter file's mapping; ValueError (one line) for a missing, unreadable or malformed file."""
    import yaml

    try:
        text = Path(path).read_text()
    except OSError as err:
        raise ValueError(f"params file {str(path)!r} cannot be read: {err.strerror}") from None
    try:
        values = yaml.safe_load(text) or {}
    except yaml.YAMLError as err:
        raise ValueError(f"params file {str(path)!r} is not valid YAML: {' '.join(str(err).split())}") from None
    if not isinstance(values, dict):
        raise ValueError(f"params file {str(path)!r} must hold a mapping of names to values; got {values!r}")
    return values


def _plain(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def _rate(value: Any) -> bool:
    return POSITIVE.ok(value)


NOTEBOOKS = Path(__file__).resolve().parents[3] / "notebooks"  # where the chapter runs: its relative paths start here


@dataclass(frozen=True)
class ImageNetCChapter(ExperimentConfig, ChapterConfig):
    """Chapter 08's parameters (``parameters.CHAPTERS`` names this class): every pipeline setting, then
    what the chapter shows. Building one validates the settings through :meth:`ExperimentConfig.validate`
    (after ``params_file``), unless a saved run is shown."""

    requires: ClassVar[str | None] = "je_vs_rc.imagenet_c"

    params_file: str | None = param(None, TEXT_OR_NONE, "a file from params/ (overrides the values above)")
    results_path: str | None = param(None, TEXT_OR_NONE, "a saved results.json to show instead of running")
    committed_results: str | None = param(
        "../benchmarks/imagenet_c_cpu/results.json", TEXT_OR_NONE, "the committed large CPU run"
    )
    committed_pilot: str | None = param(
        "../benchmarks/imagenet_c_cpu/lr_pilot.json", TEXT_OR_NONE, "the committed learning-rate pilot"
    )

    def check(self) -> None:
        if self.results_path:
            return
        values = {name: getattr(self, name) for name in ExperimentConfig.names()}
        try:
            ExperimentConfig.from_chapter(values, self.params_file and NOTEBOOKS / self.params_file).validate()
        except (ValueError, FileNotFoundError) as err:
            raise ParameterError(" ".join(str(err).split())) from None
