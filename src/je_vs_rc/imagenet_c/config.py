"""The deep-learning chapter's settings: one dataclass, the single source of every default (the
chapter's parameters cell and the parameter files in ``params/`` mirror it; a test checks that the
chapter agrees), and one validation that runs before any work and names the parameter, the value
and what is allowed.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ..config import TEXT_OR_NONE, ParameterError, param
from ..parameters import ChapterConfig
from . import corruptions, datasets, methods, networks, probe

DEFAULT_OUT = Path(__file__).resolve().parents[3] / "runs" / "imagenet_c"


@dataclass(frozen=True)
class ExperimentConfig:
    """Every knob of the Table 1 pipeline; the defaults are the chapter's small CPU run (about two
    minutes on two cores)."""

    dataset: str = "mnist"  # "mnist" (offline, padded to 32 px) or "imagefolder" (ImageNet, ImageNet-100)
    data_root: str | None = None  # mnist: the data folder (None: je_vs_rc.data's); imagefolder: train/ and val/
    image_size: int = 32
    methods: Sequence[str] = ("byol", "dino", "mae")
    backbones: str | Mapping[str, str] = "vit_tiny"  # one backbone for every method, "paper", or method -> backbone
    corruptions: Sequence[str] = ("gaussian_noise",)
    severities: Sequence[int] = (1, 5)
    epochs: int = 2
    batch_size: int = 128  # the total over all processes (the paper: 256); learning rates scale with it
    lr: Mapping[str, float] | None = None  # method -> rate; None (or a method left out): the method's default
    train_images: int | None = 600  # image budget (None: all)
    test_images: int | None = 500
    probe_weight_decays: Sequence[float] = probe.WEIGHT_DECAYS
    probe_iters: int = probe.PROBE_ITERS  # L-BFGS iterations (the probe on a CPU)
    probe_epochs: int = probe.PROBE_EPOCHS  # mini-batch epochs (the probe on an accelerator)
    device: str = "cpu"  # "cuda" on a GPU
    num_workers: int = 0
    seeds: Sequence[int] = (0,)  # each a full replicate: data subset, corruption draws, weights, probe split
    random_init: bool = True  # also probe each backbone frozen at its random initialisation
    pixels: bool = True  # also probe the raw pixels (average-pooled to at most 32 px a side)
    clean_probe: bool = True  # also probe every representation on clean images (top1_clean; NaN if not)
    corruption_seed: int | None = None  # the corruption draws: None, each seed its own; an integer, one fixed set
    augment_strengths: Sequence[int] = (0,)  # App. D.3: the corruption injected into every view at these (0: none)
    augment_severities: Sequence[int] | None = None  # severities at which strengths > 0 run (None: all of severities)
    num_threads: int | None = None  # torch's CPU threads (None: torch's choice; 1 is fastest on a loaded machine)
    out_dir: str | None = None  # where results.json goes (None: runs/imagenet_c in the repository)
    cache_dir: str | None = None  # corrupted images, checkpoints, features (None: <out_dir>/cache)
    checkpoints: Mapping[str, str] | None = None  # method -> a checkpoint to evaluate instead of pretraining
    imagenet_c_root: str | None = None  # official ImageNet-C folders: test images read from it, not corrupted here

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """Every field's default value (lists for sequences, as a parameters cell writes them)."""
        return {k: _plain(v) for k, v in dataclasses.asdict(cls()).items()}

    @classmethod
    def from_mapping(cls, values: Any) -> ExperimentConfig:
        """A config from a mapping of field names (a parameter file); ValueError for a misspelled name."""
        if not isinstance(values, Mapping):
            raise ValueError(f"parameters must be a mapping of names to values; got {values!r}")
        unknown = [k for k in values if k not in cls.names()]
        if unknown:
            hints = {k: difflib.get_close_matches(str(k), cls.names(), n=1) for k in unknown}
            said = ", ".join(f"{k!r}" + (f" (did you mean {h[0]!r}?)" if h else "") for k, h in hints.items())
            raise ValueError(f"unknown parameter(s) {said}; allowed: {cls.names()}")
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

    def validate(self, data: bool = True) -> None:
        """Raise ValueError (or FileNotFoundError for missing data) naming the first bad parameter;
        ``data=False`` checks the settings but not that the data and the device are there (``--plan``)."""
        self._validate_methods()
        self._validate_grid()
        self._validate_run()
        self._validate_device(data)
        if data:
            self._validate_data()

    def _validate_methods(self) -> None:
        """The methods and the backbone each runs on."""
        _names_list("methods", self.methods, list(methods.METHODS))
        if len(set(self.methods)) != len(self.methods):
            raise ValueError(f"methods must not repeat a method; got {list(self.methods)}")
        if isinstance(self.backbones, str):
            if self.backbones != "paper" and self.backbones not in networks.BACKBONES:
                raise ValueError(
                    f"backbones must be 'paper', one of {list(networks.BACKBONES)} (every method on it) "
                    f"or a mapping method -> backbone; got {self.backbones!r}"
                )
        else:
            _mapping("backbones", self.backbones)
            missing = [m for m in self.methods if m not in self.backbones]
            if missing:
                raise ValueError(f"backbones must name a backbone for every method; missing {missing}")
        for m in self.methods:
            methods.check_backbone(m, self.backbone_of(m))

    def _validate_grid(self) -> None:
        """Corruptions, severities, sizes, budgets, seeds and injection strengths."""
        corruptions.validate(self.corruptions, self.severities)
        for name in ("image_size", "epochs", "batch_size", "probe_iters", "probe_epochs"):
            _positive_int(name, getattr(self, name))
        if any(self.backbone_of(m) == "vit_tiny" for m in self.methods) and self.image_size % 8:
            raise ValueError(
                f"image_size must be divisible by 8 for vit_tiny (an 8 x 8 grid of patches); got {self.image_size}"
            )
        for name in ("train_images", "test_images"):
            if getattr(self, name) is not None:
                _positive_int(name, getattr(self, name), " or None (all)")
        if self.train_images is not None and self.batch_size > self.train_images:
            raise ValueError(
                f"batch_size (the total batch) must be at most train_images ({self.train_images}); "
                f"got {self.batch_size}"
            )
        _names_list("seeds", self.seeds, None)
        if any(not isinstance(x, int) or isinstance(x, bool) for x in self.seeds):
            raise ValueError(f"seeds must be a list of integers; got {list(self.seeds)}")
        if len(set(self.seeds)) != len(self.seeds):
            raise ValueError(f"seeds must not repeat a seed; got {list(self.seeds)}")
        _names_list("augment_strengths", self.augment_strengths, None)
        bad = [s for s in self.augment_strengths if isinstance(s, bool) or s not in (0,) + corruptions.SEVERITIES]
        if bad or len(set(self.augment_strengths)) != len(self.augment_strengths):
            raise ValueError(
                f"augment_strengths must be distinct severities 0-5 (0: no injection); "
                f"got {list(self.augment_strengths)}"
            )
        if self.augment_severities is not None:
            _names_list("augment_severities", self.augment_severities, None)
            extra = [s for s in self.augment_severities if s not in self.severities]
            if extra:
                raise ValueError(f"augment_severities must be among severities {list(self.severities)}; got {extra}")

    def _validate_run(self) -> None:
        """Switches, threads and workers, learning rates, probe, paths and checkpoints."""
        for name in ("random_init", "pixels", "clean_probe"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false; got {getattr(self, name)!r}")
        if self.corruption_seed is not None:
            _int("corruption_seed", self.corruption_seed)
        if self.num_threads is not None:
            _positive_int("num_threads", self.num_threads, " or None (torch's choice)")
        _int("num_workers", self.num_workers)
        if self.num_workers < 0:
            raise ValueError(f"num_workers must be a non-negative integer; got {self.num_workers!r}")
        if self.lr is not None:
            _mapping("lr", self.lr)
            for m, rate in self.lr.items():
                if m not in self.methods:
                    raise ValueError(f"lr names a method that is not run: {m!r}; methods are {list(self.methods)}")
                if not _number(rate) or not rate > 0:
                    raise ValueError(
                        f"lr[{m!r}] must be a positive number (leave the method out for its default); got {rate!r}"
                    )
        _names_list("probe_weight_decays", self.probe_weight_decays, None)
        bad = [w for w in self.probe_weight_decays if not _number(w) or not w >= 0]
        if bad:
            raise ValueError(f"probe_weight_decays must be finite non-negative numbers; got {bad}")
        for name in ("data_root", "out_dir", "cache_dir", "imagenet_c_root"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, (str, os.PathLike)):
                raise ValueError(f"{name} must be a path or None; got {value!r}")
        if self.checkpoints is not None:
            _mapping("checkpoints", self.checkpoints)
            for m, path in self.checkpoints.items():
                if m not in self.methods:
                    raise ValueError(
                        f"checkpoints names a method that is not run: {m!r}; methods are {list(self.methods)}"
                    )
                if not Path(path).is_file():
                    raise ValueError(f"checkpoints[{m!r}] must be an existing file; got {path!r}")

    def _validate_device(self, data: bool) -> None:
        if not isinstance(self.device, str):
            raise ValueError(f"device must be a string such as 'cpu' or 'cuda'; got {self.device!r}")
        if data and self.device.startswith("cuda"):
            import torch

            if not torch.cuda.is_available():
                raise ValueError(f"device is {self.device!r} but no CUDA device is available; use 'cpu'")

    def _validate_data(self) -> None:
        if self.dataset not in datasets.DATASETS:
            raise ValueError(f"dataset must be one of {list(datasets.DATASETS)}; got {self.dataset!r}")
        if self.dataset == "mnist":
            from .. import data

            if self.image_size != 32:
                raise ValueError(f"image_size must be 32 for dataset 'mnist'; got {self.image_size}")
            data.verify("mnist", self.data_root)  # DataUnavailable (missing or corrupt) says how to fetch it
        elif self.data_root is None or not all((Path(self.data_root) / s).is_dir() for s in ("train", "val")):
            raise ValueError(
                f"data_root must be an existing folder with train/ and val/ for dataset 'imagefolder'; "
                f"got {self.data_root!r}"
            )
        if self.imagenet_c_root is not None:
            if self.dataset != "imagefolder":
                raise ValueError(
                    f"imagenet_c_root needs dataset 'imagefolder' (its classes are ImageNet's); "
                    f"got dataset {self.dataset!r}"
                )
            absent = [
                f"{c}/{s}"
                for c in self.corruptions
                for s in self.severities
                if not (Path(self.imagenet_c_root) / c / str(s)).is_dir()
            ]
            if absent:
                raise ValueError(
                    f"imagenet_c_root must hold <corruption>/<severity>/ folders; "
                    f"{self.imagenet_c_root!r} lacks {absent}"
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


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _int(name: str, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} must be an integer; got {value!r}")


def _positive_int(name: str, value: Any, also: str = "") -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer{also}; got {value!r}")


def _mapping(name: str, value: Any) -> None:
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} must be a mapping of method to value, e.g. {{'mae': ...}}; got {value!r}")


def _names_list(name: str, value: Any, allowed: list[str] | None) -> None:
    """A non-empty list (a single string would be read letter by letter), of ``allowed`` values if given."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence) or not value:
        raise ValueError(f"{name} must be a non-empty list; got {value!r}")
    if allowed is not None:
        unknown = [v for v in value if v not in allowed]
        if unknown:
            raise ValueError(f"{name} must be among {allowed}; got {unknown}")


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
