"""Every chapter's parameters: one config per chapter (a :class:`~je_vs_rc.parameters.ChapterConfig`)
registered under the chapter's name, with the toy setting's defaults they share and the checks that
relate several parameters (a valid setting, sample sizes above its rank, ordered bounds)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..config import (
    ALPHA,
    ALPHA_GRID,
    ALPHAS,
    POSITIVE,
    SEED,
    SEEDS,
    SIZE,
    SIZES,
    SPECTRUM,
    SPECTRUM_POS,
    TEXT_OR_NONE,
    Choice,
    Choices,
    Flag,
    Layers,
    Number,
    Numbers,
    ParameterError,
    build,
    like,
    param,
    show_value,
)
from . import CHAPTERS, ChapterConfig, chapter

# The toy spectra of the controlled setting (k = 3 signal and d - k = 3 noise components), shared by
# chapters 02-05 and 09-12 (01 and 06 scale a noise profile instead of taking lam_gamma).
TOY_SIGNAL_ENERGY = (4.0, 3.0, 2.0)
TOY_LAM_THETA = (1.0, 1.0, 1.0, 0.1, 0.1, 0.1)
TOY_LAM_GAMMA = (0.0, 0.0, 0.0, 10.0, 6.0, 3.0)
TOY_NOISE_PROFILE = (1.0, 0.6, 0.3)  # the shape of lam_gamma on the noise components
MNIST_TRAIN_SIZE = 60_000


# ---- checks that relate several parameters ---------------------------------------------------------
def _setting(config: Any) -> Any:
    from ..theory.setting import Setting

    k = len(config.signal_energy)
    if hasattr(config, "noise_profile") and len(config.noise_profile) != len(config.lam_theta) - k:
        raise ParameterError(
            f"parameter noise_profile = {show_value(config.noise_profile)} is not allowed: it must have "
            f"len(lam_theta) - len(signal_energy) = {len(config.lam_theta) - k} entries"
        )
    gamma = config.lam_gamma if hasattr(config, "lam_gamma") else [0.0] * k + list(config.noise_profile)
    try:
        return Setting(config.signal_energy, config.lam_theta, gamma)
    except ValueError as err:
        raise ParameterError(f"parameters signal_energy, lam_theta, lam_gamma: {err}") from None


def spectra(config: Any) -> None:
    """The spectra form a valid setting (Setting's rules)."""
    _setting(config)


def noisy_spectra(config: Any) -> None:
    """A valid setting whose Gamma is > 0 on every noise component (needed by the thresholds)."""
    setting = _setting(config)
    if any(g <= 0 for g in setting.lam_gamma[setting.k :]):
        raise ParameterError(
            f"parameter lam_gamma = {show_value(config.lam_gamma)} is not allowed: it must be > 0 on "
            f"every noise component (after its first k = {setting.k} zeros)"
        )


def sample_sizes(config: Any, *names: str, minimum: str = "k") -> None:
    """Every sample size named is at least k (the clean data have rank k), or d with ``minimum="d"``."""
    k = len(config.signal_energy)
    least = k if minimum == "k" else len(config.lam_theta)
    for name in names:
        value = getattr(config, name)
        if min(value if isinstance(value, list | tuple) else [value]) < least:
            raise ParameterError(
                f"parameter {name} = {show_value(value)} is not allowed: sample sizes must be "
                + (
                    f">= k = {k} (the length of signal_energy)"
                    if minimum == "k"
                    else f">= d = {least} (the length of lam_theta)"
                )
            )


def ordered(config: Any, low: str, high: str) -> None:
    """Field ``low`` is below field ``high``."""
    if getattr(config, low) >= getattr(config, high):
        raise ParameterError(
            f"parameters {low} = {getattr(config, low)!r}, {high} = {getattr(config, high)!r} are not "
            f"allowed: {low} must be < {high}"
        )


# ---- the chapters ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Toy(ChapterConfig):
    """The toy setting's three spectra, the first parameters of chapters 02-05 and 09-12."""

    signal_energy: list[float] = param(
        list(TOY_SIGNAL_ENERGY), SPECTRUM_POS, "(1/n) kappa_i^2 of the k signal components"
    )
    lam_theta: list[float] = param(list(TOY_LAM_THETA), SPECTRUM, "eigenvalues of Theta (d of them)")
    lam_gamma: list[float] = param(list(TOY_LAM_GAMMA), SPECTRUM, "eigenvalues of Gamma, zero on the first k")


@dataclass(frozen=True)
class Profile(ChapterConfig):
    """Chapters 01 and 06 scale a noise profile instead of taking lam_gamma."""

    signal_energy: list[float] = param(
        list(TOY_SIGNAL_ENERGY), SPECTRUM_POS, "(1/n) kappa_i^2 of the k signal components"
    )
    lam_theta: list[float] = param(list(TOY_LAM_THETA), SPECTRUM, "eigenvalues of Theta (d of them)")
    noise_profile: list[float] = param(
        list(TOY_NOISE_PROFILE), SPECTRUM_POS, "shape of Gamma on the d - k noise components"
    )


@chapter("01_introduction")
class Introduction(Profile):
    quiet: float = param(1.0, POSITIVE, "quiet noise magnitude")
    loud: float = param(10.0, POSITIVE, "loud noise magnitude")
    alpha: float = param(1.0, ALPHA, "alignment of the noise-magnitude figure")

    def check(self) -> None:
        noisy_spectra(self)


@chapter("02_setting")
class SettingChapter(Toy):
    alpha: float = param(1.0, ALPHA)
    n: int = param(200, SIZE)
    n_views: int = param(2000, Number(integer=True, low=2))
    seed: int = param(0, SEED)

    def check(self) -> None:
        spectra(self)
        sample_sizes(self, "n")


@chapter("03_supervised")
class Supervised(Toy):
    alphas: list[float] = param([0.1, 1.0, 3.0], ALPHAS)
    ns: list[int] = param([100, 1000, 10000, 100000], SIZES)
    fixed_n: int = param(200, SIZE)
    alpha_grid: list[float] = param([0.1, 1.0, 10.0, 100.0], ALPHA_GRID)
    seeds: list[int] = param([0, 1, 2], SEEDS)
    n_views: int = param(2000, Number(integer=True, low=2))

    def check(self) -> None:
        spectra(self)
        sample_sizes(self, "ns", "fixed_n")


@chapter("04_reconstruction")
class ReconstructionChapter(Toy):
    alphas: list[float] = param([0.5, 2.0, 4.0], ALPHAS)
    ns: list[int] = param([100, 1000, 10000, 100000], SIZES)
    fixed_n: int = param(200, SIZE)
    alpha_grid: list[float] = param([1.0, 3.0, 10.0, 30.0, 100.0], ALPHA_GRID)
    seeds: list[int] = param([0, 1, 2], SEEDS)
    check_n: int = param(40, SIZE, "size of the instance checked against numerical optima")
    random_starts: int = param(5, SIZE)

    def check(self) -> None:
        noisy_spectra(self)
        sample_sizes(self, "ns", "fixed_n", "check_n")


@chapter("05_joint_embedding")
class JointEmbeddingChapter(Toy):
    alphas: list[float] = param([0.3, 1.0, 3.0], ALPHAS)
    ns: list[int] = param([100, 1000, 10000, 100000], SIZES)
    fixed_n: int = param(200, SIZE)
    alpha_grid: list[float] = param([0.3, 1.0, 3.0, 10.0, 30.0], ALPHA_GRID)
    seeds: list[int] = param([0, 1, 2], SEEDS)
    check_n: int = param(40, SIZE, "size of the instance checked against numerical optima")
    random_starts: int = param(3, SIZE)

    def check(self) -> None:
        noisy_spectra(self)
        sample_sizes(self, "ns", "fixed_n", "check_n")


@chapter("06_je_vs_rc")
class JeVsRc(Profile):
    quiet: float = param(1.0, POSITIVE)
    loud: float = param(10.0, POSITIVE)
    scale_range: list[float] = param([0.1, 100.0], Numbers(POSITIVE, length=2, increasing=True), "noise magnitudes")
    alpha_range: list[float] = param([0.03, 30.0], Numbers(POSITIVE, length=2, increasing=True), "alignments")
    grid: int = param(25, Number(integer=True, low=2), "cells per axis")
    n: int = param(10000, SIZE)
    seeds: list[int] = param([0], SEEDS)

    def check(self) -> None:
        noisy_spectra(self)
        sample_sizes(self, "n")


def _fig3() -> type:
    from ..simulate.figure3 import Fig3Config

    return Fig3Config


def _datasets() -> tuple[str, ...]:
    from ..data import REGISTRY

    return tuple(REGISTRY)


@chapter("07_mnist")
class Mnist(ChapterConfig):
    dataset: str = param("mnist", Choice(_datasets()), "dataset of the registry")
    gamma_max: list[float] = like(_fig3(), "gamma_max")
    alphas: list[float] = like(_fig3(), "alphas")
    ns: list[int] = like(_fig3(), "ns")
    seeds: list[int] = like(_fig3(), "seeds")
    theta_max: float = like(_fig3(), "theta_max")
    pixel_scale: float = like(_fig3(), "pixel_scale")
    pca_fit: str = like(_fig3(), "pca_fit")
    probe: str = like(_fig3(), "probe")
    encoder_input: str = like(_fig3(), "encoder_input")
    run_variants: bool = param(True, Flag(), "also run the protocol variants")
    variant_seeds: list[int] = param([0, 1], SEEDS, "seeds of each variant")
    sampled_views_results: str | None = param(
        "../params/figure3_sampled_views.json",
        TEXT_OR_NONE,
        "saved sampled-views readings (null: recompute them on the seeds)",
    )

    def check(self) -> None:
        self.figure3()  # the protocol's own relations (ns above k)
        if self.ns[-1] > MNIST_TRAIN_SIZE:
            raise ParameterError(
                f"parameter ns = {show_value(self.ns)} is not allowed: sample sizes must be <= "
                f"{MNIST_TRAIN_SIZE:,} (the training set)"
            )

    def figure3(self) -> Any:
        """The Figure 3 protocol these parameters describe (``simulate.figure3.Fig3Config``)."""
        return build(_fig3(), self)


@chapter("09_errata")
class Errata(Toy):
    n: int = param(200, SIZE)
    keep_prob: float = param(0.7, Number(low=0, high=1, open_low=True), "masking keep-probability")
    seed: int = param(0, SEED)

    def check(self) -> None:
        noisy_spectra(self)
        sample_sizes(self, "n")


@chapter("10_finite_samples")
class FiniteSamples(Toy):
    ratios: list[float] = param(
        [1.15, 1.5, 2.5, 5.0], Numbers(Number(low=1, open_low=True), increasing=True), "alpha / threshold"
    )
    ns: list[int] = param([100, 300, 1000, 3000, 10000, 30000], Numbers(SIZE, min_len=3, increasing=True))
    seeds: list[int] = param([0, 1, 2, 3, 4, 5, 6, 7], SEEDS)
    target: float = param(0.05, Number(low=0, high=1, open_low=True, open_high=True), "target error")
    fresh_seeds: list[int] = param([100, 101, 102, 103, 104, 105], SEEDS)
    max_check_n: int = param(200000, SIZE)

    def check(self) -> None:
        noisy_spectra(self)
        sample_sizes(self, "ns")


@chapter("11_intertwined_noise")
class IntertwinedNoise(Toy):
    angles_deg: list[float] = param(
        [0, 1, 2, 5, 10, 20, 30, 45, 60, 75],
        Numbers(Number(low=0, high=90), distinct=True),
        "angles between data and noise bases, in degrees",
    )
    alphas: list[float] = param([0.3, 0.8, 1.5, 3.0, 10.0], ALPHAS)
    alpha_min: float = param(0.05, POSITIVE)
    alpha_max: float = param(100.0, POSITIVE)
    alpha_steps: int = param(60, Number(integer=True, low=2))
    recovered_below: float = param(0.1, Number(low=0, high=1, open_low=True, open_high=True))
    check_n: int = param(100000, SIZE)
    seed: int = param(0, SEED)

    def check(self) -> None:
        noisy_spectra(self)
        sample_sizes(self, "check_n")
        if 0 not in self.angles_deg:
            raise ParameterError(
                f"parameter angles_deg = {show_value(self.angles_deg)} is not allowed: it must contain 0 "
                "(the paper's aligned case, the reference of every comparison)"
            )
        ordered(self, "alpha_min", "alpha_max")


# Chapter 08's config extends the pipeline's ExperimentConfig and chapter 13's checks its grid
# (je_vs_rc.selfsup): they live with that code and need the deep profile to import.
CHAPTERS["08_imagenet_c"] = "je_vs_rc.imagenet_c.config:ImageNetCChapter"
CHAPTERS["13_nuisance"] = "je_vs_rc.selfsup.grid:NuisanceChapter"


@chapter("12_trained_networks")
class TrainedNetworks(Toy):
    """Chapter 12: Part 1 (``trained.linear.LinearStudyConfig``, the fields up to ``optimizer``) and Part 2
    (``trained.grid.GridConfig``, the ``grid_*`` fields with ``gamma_max``, ``mlp_hidden``, ``constraint`` and
    ``objectives``).
    Both declare their fields ``like`` these, so their defaults have this one home; the chapter makes them
    with ``config.build(LinearStudyConfig, chapter_config)`` and ``config.build(GridConfig, chapter_config)``."""

    requires: ClassVar[str | None] = "je_vs_rc.trained"

    n: int = param(2000, SIZE, "samples per seed (Part 1)")
    alpha: float = param(4.0, ALPHA, "alignment of the budget ladder")
    steps: list[int] = param([30, 100, 300, 1000], SIZES, "step budgets of the ladder")
    batch_sizes: list[int] = param([16, 64, 256], SIZES, "batch sizes of the ladder")
    seeds: list[int] = param([0, 1, 2], SEEDS)
    penalties: list[float] = param(
        [0.1, 0.3, 1.0, 10.0], Numbers(POSITIVE), "JE penalty weights compared with the prediction"
    )
    penalty: float = param(1.0, POSITIVE, "the penalty variant's weight on the ladder")
    recovery_ratios: list[float] = param([0.5, 2.0], Numbers(POSITIVE), "alignments as multiples of each threshold")
    lr: float = param(0.05, POSITIVE)
    optimizer: str = param("sgd", Choice(("sgd", "adam")))
    grid_alphas: list[float] = param(
        [0.1, 0.3, 1.0, 3.0, 10.0, 30.0],
        Numbers(POSITIVE, min_len=2, increasing=True),
        "alignment grid (must bracket every positive threshold)",
    )
    gamma_max: list[float] = param([1e3, 1e6], Numbers(POSITIVE), "noise levels")
    grid_seeds: list[int] = param(
        [0, 1, 2], Numbers(SEED, min_len=2, distinct=True), "seeds of the grid (intervals over them)"
    )
    grid_n: int = param(5000, Number(integer=True, low=51, high=MNIST_TRAIN_SIZE), "MNIST training samples per seed")
    mlp_hidden: list[list[int]] = param([[64]], Layers(), "hidden widths of each MLP")
    grid_steps: list[int] = param(
        [75, 300], Numbers(SIZE, min_len=2, increasing=True), "step ladder of the grid (every cell at each)"
    )
    grid_batch_size: int = param(64, SIZE)
    grid_lr: float = param(3e-3, POSITIVE)
    constraint: str = param("whiten", Choice(("whiten", "penalty")), "JE constraint on the grid")
    objectives: list[str] = param(
        ["vicreg", "byol"], Choices(("vicreg", "byol")), "deep JE objectives trained on the MLPs"
    )
    results_path: str | None = param(
        "../params/trained_networks_large.json", TEXT_OR_NONE, "a saved grid to show (null: train the grid)"
    )
    checkpoint_path: str | None = param(
        None, TEXT_OR_NONE, "folder of the grid's checkpoints (a rerun resumes from them)"
    )
    save_path: str | None = param(None, TEXT_OR_NONE, "write the grid here")

    def check(self) -> None:
        noisy_spectra(self)
        sample_sizes(self, "n", minimum="d")
