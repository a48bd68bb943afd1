"""What chapter 12's Part 2 trains (``je_vs_rc.trained.grid``): the alignment grid, the protocol, the ladder and
the variants, and how the chapter names them."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ..config import Number, Validated, like
from ..parameters.chapters import TrainedNetworks
from ..simulate.figure3 import Fig3Config
from ..theory import methods
from .models import TrainConfig
from .stats import CLOSED_FORM
from .variants import TRAINED

LINEAR = "linear"
OBJECTIVE_NAMES = {"vicreg": "VICReg", "byol": "BYOL"}  # deep methods' joint-embedding objectives (MLPs only)
OBJECTIVES = tuple(OBJECTIVE_NAMES)


def grid_methods() -> tuple[str, ...]:
    """Registry keys of the methods on the grid: the paper's with an encoder, a threshold and a trained variant."""
    return tuple(m.key for m in methods.PAPER_ENCODERS if m.key in TRAINED)


@dataclass(frozen=True)
class GridConfig(Validated):
    """The alignment grid, the protocol and the training of every encoder: chapter 12's ``grid_*`` parameters
    (with ``gamma_max``, ``mlp_hidden``, ``constraint`` and ``objectives``) and Figure 3's protocol values, each
    field declared ``like`` the parameter it comes from (defaults and allowed values have one home); the chapter
    makes it with ``config.build(GridConfig, chapter_config)``.

    Attributes:
        alphas: alignments, increasing; must bracket every seed's positive alpha_JE and alpha_RC.
        gamma_max: noise levels (paper: 1e3 weak, 1e6 strong).
        seeds: one protocol draw (subsample, spectra, noise) and one training seed each; at least two (the
            intervals are over seeds).
        n: training samples per seed.
        mlp_hidden: hidden widths of each MLP architecture, e.g. ((64,), (64, 64)); the linear model
            always runs too.
        steps: the step ladder, at least two increasing budgets; every cell is trained at each.
        batch_size, lr, constraint: training (see :class:`je_vs_rc.trained.models.TrainConfig`); ``constraint`` is
            how the paper's joint embedding enforces its constraint ("whiten" or "penalty").
        objectives: deep methods' joint-embedding objectives trained on the MLPs besides the paper's
            ("vicreg", "byol"; may be empty).
        theta_max, k, n_noise, pixel_scale: the protocol (``je_vs_rc.simulate.figure3.Fig3Config``).
    """

    alphas: tuple[float, ...] = like(TrainedNetworks, "grid_alphas", tuple)
    gamma_max: tuple[float, ...] = like(TrainedNetworks, "gamma_max", tuple)
    seeds: tuple[int, ...] = like(TrainedNetworks, "grid_seeds", tuple)
    n: int = like(TrainedNetworks, "grid_n")
    mlp_hidden: tuple[tuple[int, ...], ...] = like(TrainedNetworks, "mlp_hidden", tuple)
    steps: tuple[int, ...] = like(TrainedNetworks, "grid_steps", tuple)
    batch_size: int = like(TrainedNetworks, "grid_batch_size")
    lr: float = like(TrainedNetworks, "grid_lr")
    constraint: str = like(TrainedNetworks, "constraint")
    objectives: tuple[str, ...] = like(TrainedNetworks, "objectives", tuple)
    theta_max: float = like(Fig3Config, "theta_max")
    k: int = like(Fig3Config, "k")
    n_noise: int = like(Fig3Config, "n_noise")
    pixel_scale: float = like(Fig3Config, "pixel_scale")

    def check(self) -> None:
        for arch, hidden_widths in self.archs.items():  # every variant's training values
            for variant in self.variants(arch):
                self.training(variant, hidden_widths, self.steps[-1])
        self.protocol()

    def protocol(self) -> Fig3Config:
        return Fig3Config(
            k=self.k,
            n_noise=self.n_noise,
            theta_max=self.theta_max,
            gamma_max=self.gamma_max,
            alphas=self.alphas,
            ns=(self.n,),
            seeds=self.seeds,
            pixel_scale=self.pixel_scale,
        )

    def variants(self, arch: str) -> tuple[str, ...]:
        """The trained variants of an architecture: the grid's methods, then (MLPs) each deep objective."""
        extra = (
            ()
            if arch in (LINEAR, CLOSED_FORM)
            else tuple(f"{methods.JOINT_EMBEDDING.key} {o}" for o in self.objectives)
        )
        return grid_methods() + extra

    def training(self, variant: str, hidden: tuple[int, ...], steps: int, seed: int = 0) -> TrainConfig:
        method, objective = split_variant(variant)
        return TrainConfig(
            method,
            k=self.k,
            hidden=hidden,
            steps=steps,
            batch_size=self.batch_size,
            lr=self.lr,
            constraint=objective or self.constraint,
            seed=seed,
        )

    @property
    def archs(self) -> dict[str, tuple[int, ...]]:
        """Architecture name -> hidden widths: the linear model, then each MLP."""
        out = {LINEAR: ()}
        out.update({"MLP " + "-".join(map(str, h)): h for h in self.mlp_hidden})
        return out

    def key(self) -> str:
        """A short hash of the configuration (checkpoints of another configuration are refused); real-valued
        fields hash as floats, so alphas (1, 3) and (1.0, 3.0) are one configuration."""
        values = {f.name: _real(f.metadata["kind"], getattr(self, f.name)) for f in dataclasses.fields(self)}
        return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]


def _real(kind: Any, value: Any) -> Any:
    item = getattr(kind, "item", kind)
    if not (isinstance(item, Number) and not item.integer):
        return value
    return [float(v) for v in value] if isinstance(value, tuple) else float(value)


def split_variant(variant: str) -> tuple[str, str | None]:
    """A trained variant's registry key and deep objective: "je byol" -> ("je", "byol"), "rc" -> ("rc", None)."""
    method, _, objective = variant.partition(" ")
    return methods.get(method).key, objective or None


def variant_label(variant: str) -> str:
    """How the chapter names a variant: "JE", "RC", "JE (VICReg)", "JE (BYOL)"."""
    method, objective = split_variant(variant)
    short = methods.get(method).short
    return f"{short} ({OBJECTIVE_NAMES[objective]})" if objective else short
