"""Chapter parameters: each one's default, type and allowed values, in one place.

This module is the one source of truth for the chapters' defaults. A chapter's ``parameters`` cell
repeats them so that readers see the values (papermill injects overrides after that cell), and
``tests/test_parameters.py`` checks that every cell agrees with its spec here. The cell right after
it calls ``validated(CHAPTER, globals())``, so a papermill run, a book build and
``python -m je_vs_rc.run`` (which also validates before it starts papermill) all refuse a bad value
before any work, with a :class:`ParameterError` naming the parameter, the value and what is allowed.

Chapter 08 (the deep-learning pipeline) has no spec here: its settings are validated by
``je_vs_rc.imagenet_c``'s own configuration.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# The toy spectra of the controlled setting (k = 3 signal and d - k = 3 noise components), shared by
# chapters 02-05 and 09-11 (01 and 06 scale a noise profile instead of taking lam_gamma).
TOY_SIGNAL_ENERGY = (4.0, 3.0, 2.0)
TOY_LAM_THETA = (1.0, 1.0, 1.0, 0.1, 0.1, 0.1)
TOY_LAM_GAMMA = (0.0, 0.0, 0.0, 10.0, 6.0, 3.0)
TOY_NOISE_PROFILE = (1.0, 0.6, 0.3)  # the shape of lam_gamma on the noise components


class ParameterError(ValueError):
    """A chapter parameter is unknown or has a value outside what is allowed."""


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _refuse(name: str, value: Any, allowed: str) -> ParameterError:
    return ParameterError(f"parameter {name} = {_show(value)} is not allowed: it must be {allowed}")


@dataclass(frozen=True)
class Number:
    """A finite real (or, with ``integer``, a whole) number in an optional interval."""

    integer: bool = False
    low: float | None = None
    high: float | None = None
    open_low: bool = False
    open_high: bool = False

    def describe(self) -> str:
        text = "an integer" if self.integer else "a finite real number"
        bounds = [
            f"{'>' if self.open_low else '>='} {self.low:g}" if self.low is not None else "",
            f"{'<' if self.open_high else '<='} {self.high:g}" if self.high is not None else "",
        ]
        return " ".join([text, " and ".join(b for b in bounds if b)]).strip()

    def ok(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        x = float(value)
        if x != x or x in (float("inf"), float("-inf")) or (self.integer and not x.is_integer()):
            return False
        if self.low is not None and (x < self.low or (self.open_low and x == self.low)):
            return False
        return self.high is None or not (x > self.high or (self.open_high and x == self.high))

    def convert(self, name: str, value: Any) -> int | float:
        if not self.ok(value):
            raise _refuse(
                name, value, self.describe() + (" (this is text, not a number)" if isinstance(value, str) else "")
            )
        # A whole number stays an int (a chapter prints 10, not 10.0); 20.0 for an integer becomes 20.
        return int(value) if self.integer or isinstance(value, numbers.Integral) else float(value)


@dataclass(frozen=True)
class Numbers:
    """A list of :class:`Number` items, with optional length, order and distinctness constraints."""

    item: Number
    min_len: int = 1
    length: int | None = None
    increasing: bool = False
    distinct: bool = False

    def describe(self) -> str:
        size = (
            f"a list of {self.length}"
            if self.length
            else ("a non-empty list of" if self.min_len == 1 else f"a list of at least {self.min_len}")
        )
        order = " in increasing order" if self.increasing else (", all different" if self.distinct else "")
        return f"{size} numbers, each {self.item.describe()}{order}"

    def convert(self, name: str, value: Any) -> list[int | float]:
        items = list(value) if isinstance(value, (list, tuple)) else None
        if (
            items is None
            or len(items) < self.min_len
            or (self.length is not None and len(items) != self.length)
            or not all(self.item.ok(v) for v in items)
        ):
            raise _refuse(name, value, self.describe())
        out = [self.item.convert(name, v) for v in items]
        if (self.increasing and any(b <= a for a, b in zip(out, out[1:]))) or (
            self.distinct and len(set(out)) != len(out)
        ):
            raise _refuse(name, value, self.describe())
        return out


@dataclass(frozen=True)
class Choice:
    options: tuple[Any, ...]

    def describe(self) -> str:
        return "one of " + ", ".join(repr(o) for o in self.options)

    def ok(self, value: Any) -> bool:
        return not isinstance(value, bool) and value in self.options

    def convert(self, name: str, value: Any) -> Any:
        if not self.ok(value):
            raise _refuse(name, value, self.describe())
        return value


@dataclass(frozen=True)
class Choices:
    """A list (possibly empty) of distinct values, each one of ``options``."""

    options: tuple[Any, ...]

    def describe(self) -> str:
        return "a list (possibly empty) of distinct values, each one of " + ", ".join(repr(o) for o in self.options)

    def convert(self, name: str, value: Any) -> list[Any]:
        items = list(value) if isinstance(value, (list, tuple)) else None
        if (
            items is None
            or len(set(map(repr, items))) != len(items)
            or not all(Choice(self.options).ok(v) for v in items)
        ):
            raise _refuse(name, value, self.describe())
        return items


@dataclass(frozen=True)
class Flag:
    def describe(self) -> str:
        return "true or false"

    def convert(self, name: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise _refuse(name, value, self.describe())
        return value


@dataclass(frozen=True)
class Layers:
    """A non-empty list of architectures, each a non-empty list of hidden-layer widths (positive integers)."""

    def describe(self) -> str:
        return (
            "a non-empty list of architectures, each a non-empty list of positive integer widths, e.g. [[64], [64, 64]]"
        )

    def convert(self, name: str, value: Any) -> list[list[int]]:
        width = Number(integer=True, low=1)
        if not (
            isinstance(value, (list, tuple))
            and value
            and all(isinstance(h, (list, tuple)) and h and all(width.ok(w) for w in h) for h in value)
        ):
            raise _refuse(name, value, self.describe())
        return [[int(w) for w in h] for h in value]


@dataclass(frozen=True)
class Texts:
    """A non-empty list of distinct names (what they may name is checked by the code that uses them)."""

    def describe(self) -> str:
        return "a non-empty list of distinct names (text)"

    def convert(self, name: str, value: Any) -> list[str]:
        if not (
            isinstance(value, (list, tuple))
            and value
            and all(isinstance(v, str) and v for v in value)
            and len(set(value)) == len(value)
        ):
            raise _refuse(name, value, self.describe())
        return list(value)


@dataclass(frozen=True)
class OptionalText:
    """A file path, or None."""

    def describe(self) -> str:
        return "a file path (text) or null"

    def convert(self, name: str, value: Any) -> str | None:
        if value is not None and not (isinstance(value, str) and value):
            raise _refuse(name, value, self.describe())
        return value


Kind = Number | Numbers | Choice | Choices | Flag | Layers | Texts | OptionalText


@dataclass(frozen=True)
class Param:
    """One parameter: its default and the kind of value allowed."""

    default: Any
    kind: Kind
    help: str = ""


@dataclass(frozen=True)
class ChapterSpec:
    """A chapter's parameters in the order of its parameters cell, and checks that relate several."""

    params: dict[str, Param]
    checks: tuple[Callable[[dict[str, Any]], None], ...] = field(default=())


# ---- kinds shared by several chapters --------------------------------------------------------------
SPECTRUM_POS = Numbers(Number(low=0, open_low=True))
SPECTRUM = Numbers(Number(low=0))
ALPHA = Number(low=0)
ALPHAS = Numbers(ALPHA)
ALPHA_GRID = Numbers(ALPHA, increasing=True)
SIZE = Number(integer=True, low=1)
SIZES = Numbers(SIZE, increasing=True)
SEED = Number(integer=True, low=0)
SEEDS = Numbers(SEED, distinct=True)
POSITIVE = Number(low=0, open_low=True)


def _toy(**extra: Param) -> dict[str, Param]:
    return {
        "signal_energy": Param(list(TOY_SIGNAL_ENERGY), SPECTRUM_POS, "(1/n) kappa_i^2 of the k signal components"),
        "lam_theta": Param(list(TOY_LAM_THETA), SPECTRUM, "eigenvalues of Theta (d of them)"),
        "lam_gamma": Param(list(TOY_LAM_GAMMA), SPECTRUM, "eigenvalues of Gamma, zero on the first k"),
        **extra,
    }


def _profile(**extra: Param) -> dict[str, Param]:
    return {
        "signal_energy": Param(list(TOY_SIGNAL_ENERGY), SPECTRUM_POS, "(1/n) kappa_i^2 of the k signal components"),
        "lam_theta": Param(list(TOY_LAM_THETA), SPECTRUM, "eigenvalues of Theta (d of them)"),
        "noise_profile": Param(list(TOY_NOISE_PROFILE), SPECTRUM_POS, "shape of Gamma on the d - k noise components"),
        **extra,
    }


# ---- checks that relate several parameters ---------------------------------------------------------
def _setting(p: dict[str, Any]) -> Any:
    from .theory.setting import Setting

    k = len(p["signal_energy"])
    if "noise_profile" in p and len(p["noise_profile"]) != len(p["lam_theta"]) - k:
        raise ParameterError(
            f"parameter noise_profile = {_show(p['noise_profile'])} is not allowed: it must have "
            f"len(lam_theta) - len(signal_energy) = {len(p['lam_theta']) - k} entries"
        )
    gamma = p["lam_gamma"] if "lam_gamma" in p else [0.0] * k + p["noise_profile"]
    try:
        return Setting(p["signal_energy"], p["lam_theta"], gamma)
    except ValueError as err:
        raise ParameterError(f"parameters signal_energy, lam_theta, lam_gamma: {err}") from None


def spectra(p: dict[str, Any]) -> None:
    """The spectra form a valid setting (Setting's rules)."""
    _setting(p)


def noisy_spectra(p: dict[str, Any]) -> None:
    """A valid setting whose Gamma is > 0 on every noise component (needed by the thresholds)."""
    setting = _setting(p)
    if any(g <= 0 for g in setting.lam_gamma[setting.k :]):
        raise ParameterError(
            f"parameter lam_gamma = {_show(p['lam_gamma'])} is not allowed: it must be > 0 on "
            f"every noise component (after its first k = {setting.k} zeros)"
        )


def sample_sizes(*names: str) -> Callable[[dict[str, Any]], None]:
    """Every sample size named is at least k (the clean data have rank k)."""

    def check(p: dict[str, Any]) -> None:
        k = len(p["signal_energy"])
        for name in names:
            if min(p[name] if isinstance(p[name], list) else [p[name]]) < k:
                raise ParameterError(
                    f"parameter {name} = {_show(p[name])} is not allowed: sample sizes must be "
                    f">= k = {k} (the length of signal_energy)"
                )

    check.__doc__ = f"{', '.join(names)} >= k"
    return check


def _zero_angle(p: dict[str, Any]) -> None:
    if 0 not in p["angles_deg"]:
        raise ParameterError(
            f"parameter angles_deg = {_show(p['angles_deg'])} is not allowed: it must contain 0 "
            "(the paper's aligned case, the reference of every comparison)"
        )


def _alpha_range(p: dict[str, Any]) -> None:
    if p["alpha_min"] >= p["alpha_max"]:
        raise ParameterError(
            f"parameters alpha_min = {p['alpha_min']!r}, alpha_max = {p['alpha_max']!r} are not "
            "allowed: alpha_min must be < alpha_max"
        )


def _fig3(p: dict[str, Any]) -> None:
    from .simulate.figure3 import Fig3Config

    try:
        config = Fig3Config(
            theta_max=p["theta_max"],
            gamma_max=tuple(p["gamma_max"]),
            alphas=tuple(p["alphas"]),
            ns=tuple(p["ns"]),
            seeds=tuple(p["seeds"]),
            pixel_scale=p["pixel_scale"],
            pca_fit=p["pca_fit"],
            probe=p["probe"],
            encoder_input=p["encoder_input"],
        )
    except ValueError as err:
        raise ParameterError(f"Figure 3 parameters: {err}") from None
    if config.ns[-1] > MNIST_TRAIN_SIZE:
        raise ParameterError(
            f"parameter ns = {_show(p['ns'])} is not allowed: sample sizes must be <= "
            f"{MNIST_TRAIN_SIZE:,} (the training set)"
        )


MNIST_TRAIN_SIZE = 60_000


def _fig3_specs() -> dict[str, Param]:
    from .data import REGISTRY
    from .simulate.figure3 import ENCODER_INPUTS, PCA_FITS, PROBES, Fig3Config

    paper = Fig3Config()  # the paper's protocol, and our reading of its gaps, are the defaults
    return {
        "dataset": Param("mnist", Choice(tuple(REGISTRY)), "dataset of the registry"),
        "gamma_max": Param(list(paper.gamma_max), Numbers(POSITIVE), "noise levels (Gamma ~ U[0, gamma_max])"),
        "alphas": Param(list(paper.alphas), ALPHAS, "alignments"),
        "ns": Param(
            list(paper.ns),
            Numbers(Number(integer=True, low=paper.k, open_low=True), increasing=True),
            "nested sample sizes",
        ),
        "seeds": Param(list(paper.seeds), SEEDS, "one run per seed"),
        "theta_max": Param(paper.theta_max, Number(low=0), "Theta eigenvalues ~ U[0, theta_max]"),
        "pixel_scale": Param(paper.pixel_scale, POSITIVE, "value of a white pixel"),
        "pca_fit": Param(paper.pca_fit, Choice(PCA_FITS)),
        "probe": Param(paper.probe, Choice(PROBES)),
        "encoder_input": Param(paper.encoder_input, Choice(ENCODER_INPUTS)),
        "run_variants": Param(True, Flag(), "also run the protocol variants"),
        "variant_seeds": Param([0, 1], SEEDS, "seeds of each variant"),
        "sampled_views_results": Param(
            "../params/figure3_sampled_views.json",
            OptionalText(),
            "saved sampled-views readings (null: recompute them on the seeds)",
        ),
    }


def _trained_specs() -> dict[str, Param]:
    return _toy(
        n=Param(2000, SIZE, "samples per seed (Part 1)"),
        alpha=Param(4.0, ALPHA, "alignment of the budget ladder"),
        steps=Param([30, 100, 300, 1000], SIZES, "step budgets of the ladder"),
        batch_sizes=Param([16, 64, 256], SIZES, "batch sizes of the ladder"),
        seeds=Param([0, 1, 2], SEEDS),
        penalties=Param([0.1, 0.3, 1.0, 10.0], Numbers(POSITIVE), "JE penalty weights compared with the prediction"),
        penalty=Param(1.0, POSITIVE, "the penalty variant's weight on the ladder"),
        recovery_ratios=Param([0.5, 2.0], Numbers(POSITIVE), "alignments as multiples of each threshold"),
        lr=Param(0.05, POSITIVE),
        optimizer=Param("sgd", Choice(("sgd", "adam"))),
        grid_alphas=Param(
            [0.1, 0.3, 1.0, 3.0, 10.0, 30.0],
            Numbers(POSITIVE, min_len=2, increasing=True),
            "alignment grid (must bracket every positive threshold)",
        ),
        gamma_max=Param([1e3, 1e6], Numbers(POSITIVE), "noise levels"),
        grid_seeds=Param([0, 1, 2], Numbers(SEED, min_len=2, distinct=True), "seeds of the grid (intervals over them)"),
        grid_n=Param(5000, Number(integer=True, low=51, high=MNIST_TRAIN_SIZE), "MNIST training samples per seed"),
        mlp_hidden=Param([[64]], Layers(), "hidden widths of each MLP"),
        grid_steps=Param(
            [75, 300], Numbers(SIZE, min_len=2, increasing=True), "step ladder of the grid (every cell at each)"
        ),
        grid_batch_size=Param(64, SIZE),
        grid_lr=Param(3e-3, POSITIVE),
        constraint=Param("whiten", Choice(("whiten", "penalty")), "JE constraint on the grid"),
        objectives=Param(["vicreg", "byol"], Choices(("vicreg", "byol")), "deep JE objectives trained on the MLPs"),
        results_path=Param(
            "../params/trained_networks_large.json", OptionalText(), "a saved grid to show (null: train the grid)"
        ),
        checkpoint_path=Param(None, OptionalText(), "folder of the grid's checkpoints (a rerun resumes from them)"),
        save_path=Param(None, OptionalText(), "write the grid here"),
    )


def _nuisance_specs() -> dict[str, Param]:
    from .simulate.nuisance import NuisanceConfig

    d = NuisanceConfig()
    return {
        "n_patterns": Param(d.n_patterns, SIZE, "nuisance patterns (the corruption's rank)"),
        "avoid": Param(d.avoid, Number(integer=True, low=0), "top principal components the patterns avoid"),
        "smoothness": Param(d.smoothness, Number(low=0), "blur width of the random patterns (pixels)"),
        "k": Param(d.k, SIZE, "feature dimension of every encoder"),
        "weak_level": Param(d.levels["weak"], POSITIVE, "weak nuisance variance, a multiple of eta^2/delta"),
        "strong_level": Param(d.levels["strong"], POSITIVE, "strong nuisance variance, a multiple of eta^2/delta"),
        "pixel_noise": Param(d.pixel_noise, Number(low=0), "pixel-noise std of every view"),
        "shift": Param(d.shift, Number(integer=True, low=0, high=13), "largest translation of a view (pixels)"),
        "n_train": Param(2000, Number(integer=True, low=2, high=MNIST_TRAIN_SIZE), "training images per seed"),
        "n_test": Param(2000, Number(integer=True, low=1, high=10_000), "test images"),
        "pattern_seed": Param(d.pattern_seed, SEED),
        "alphas": Param([0.0, 10.0], ALPHA_GRID, "alignments of T(alpha)"),
        "methods": Param(["byol", "vicreg", "mae", "ae"], Texts(), "methods of je_vs_rc.selfsup.methods"),
        "seeds": Param([0, 1], SEEDS),
        "steps": Param(20, SIZE, "Adam steps of every run"),
        "batch_size": Param(128, SIZE),
        "long_steps": Param(0, Number(integer=True, low=0), "clean runs' budget in the convergence check (0: none)"),
        "committed_results": Param("../params/nuisance_large.json", OptionalText(), "the committed larger run"),
        "save_path": Param(None, OptionalText(), "write this page's own run here"),
    }


def _nuisance_grid(p: dict[str, Any]) -> None:
    """The grid's own validation (methods in the registry, levels, the image dimension), as one-line errors."""
    try:
        from .selfsup.grid import config_from_parameters
    except ImportError:  # without torch the chapter cannot run anyway; the values above are still checked
        return
    try:
        config_from_parameters(p)
    except ValueError as err:
        raise ParameterError(f"chapter 13 parameters: {err}") from None


def _specs() -> dict[str, ChapterSpec]:
    sweeps = dict(
        alphas=Param([0.5, 2.0, 4.0], ALPHAS), ns=Param([100, 1000, 10000, 100000], SIZES), fixed_n=Param(200, SIZE)
    )
    return {
        "01_introduction": ChapterSpec(
            _profile(
                quiet=Param(1.0, POSITIVE, "quiet noise magnitude"),
                loud=Param(10.0, POSITIVE, "loud noise magnitude"),
                alpha=Param(1.0, ALPHA, "alignment of the noise-magnitude figure"),
            ),
            (noisy_spectra,),
        ),
        "02_setting": ChapterSpec(
            _toy(
                alpha=Param(1.0, ALPHA),
                n=Param(200, SIZE),
                n_views=Param(2000, Number(integer=True, low=2)),
                seed=Param(0, SEED),
            ),
            (spectra, sample_sizes("n")),
        ),
        "03_supervised": ChapterSpec(
            _toy(
                alphas=Param([0.1, 1.0, 3.0], ALPHAS),
                ns=sweeps["ns"],
                fixed_n=sweeps["fixed_n"],
                alpha_grid=Param([0.1, 1.0, 10.0, 100.0], ALPHA_GRID),
                seeds=Param([0, 1, 2], SEEDS),
                n_views=Param(2000, Number(integer=True, low=2)),
            ),
            (spectra, sample_sizes("ns", "fixed_n")),
        ),
        "04_reconstruction": ChapterSpec(
            _toy(
                alphas=sweeps["alphas"],
                ns=sweeps["ns"],
                fixed_n=sweeps["fixed_n"],
                alpha_grid=Param([1.0, 3.0, 10.0, 30.0, 100.0], ALPHA_GRID),
                seeds=Param([0, 1, 2], SEEDS),
                check_n=Param(40, SIZE),
                random_starts=Param(5, SIZE),
            ),
            (noisy_spectra, sample_sizes("ns", "fixed_n", "check_n")),
        ),
        "05_joint_embedding": ChapterSpec(
            _toy(
                alphas=Param([0.3, 1.0, 3.0], ALPHAS),
                ns=sweeps["ns"],
                fixed_n=sweeps["fixed_n"],
                alpha_grid=Param([0.3, 1.0, 3.0, 10.0, 30.0], ALPHA_GRID),
                seeds=Param([0, 1, 2], SEEDS),
                check_n=Param(40, SIZE),
                random_starts=Param(3, SIZE),
            ),
            (noisy_spectra, sample_sizes("ns", "fixed_n", "check_n")),
        ),
        "06_je_vs_rc": ChapterSpec(
            _profile(
                quiet=Param(1.0, POSITIVE),
                loud=Param(10.0, POSITIVE),
                scale_range=Param([0.1, 100.0], Numbers(POSITIVE, length=2, increasing=True), "noise magnitudes"),
                alpha_range=Param([0.03, 30.0], Numbers(POSITIVE, length=2, increasing=True), "alignments"),
                grid=Param(25, Number(integer=True, low=2), "cells per axis"),
                n=Param(10000, SIZE),
                seeds=Param([0], SEEDS),
            ),
            (noisy_spectra, sample_sizes("n")),
        ),
        "07_mnist": ChapterSpec(_fig3_specs(), (_fig3,)),
        "09_errata": ChapterSpec(
            _toy(
                n=Param(200, SIZE),
                keep_prob=Param(0.7, Number(low=0, high=1, open_low=True), "masking keep-probability"),
                seed=Param(0, SEED),
            ),
            (noisy_spectra, sample_sizes("n")),
        ),
        "10_finite_samples": ChapterSpec(
            _toy(
                ratios=Param(
                    [1.15, 1.5, 2.5, 5.0], Numbers(Number(low=1, open_low=True), increasing=True), "alpha / threshold"
                ),
                ns=Param([100, 300, 1000, 3000, 10000, 30000], Numbers(SIZE, min_len=3, increasing=True)),
                seeds=Param([0, 1, 2, 3, 4, 5, 6, 7], SEEDS),
                target=Param(0.05, Number(low=0, high=1, open_low=True, open_high=True), "target error"),
                fresh_seeds=Param([100, 101, 102, 103, 104, 105], SEEDS),
                max_check_n=Param(200000, SIZE),
            ),
            (noisy_spectra, sample_sizes("ns")),
        ),
        "11_intertwined_noise": ChapterSpec(
            _toy(
                angles_deg=Param(
                    [0, 1, 2, 5, 10, 20, 30, 45, 60, 75],
                    Numbers(Number(low=0, high=90), distinct=True),
                    "angles between data and noise bases, in degrees",
                ),
                alphas=Param([0.3, 0.8, 1.5, 3.0, 10.0], ALPHAS),
                alpha_min=Param(0.05, POSITIVE),
                alpha_max=Param(100.0, POSITIVE),
                alpha_steps=Param(60, Number(integer=True, low=2)),
                recovered_below=Param(0.1, Number(low=0, high=1, open_low=True, open_high=True)),
                check_n=Param(100000, SIZE),
                seed=Param(0, SEED),
            ),
            (noisy_spectra, sample_sizes("check_n"), _zero_angle, _alpha_range),
        ),
        "12_trained_networks": ChapterSpec(_trained_specs(), (noisy_spectra, sample_sizes("n"))),
        "13_nuisance": ChapterSpec(_nuisance_specs(), (_nuisance_grid,)),
    }


SPECS: dict[str, ChapterSpec] = _specs()


def spec(chapter: str) -> ChapterSpec:
    if chapter not in SPECS:
        raise ParameterError(f"no parameter spec for chapter {chapter!r}; chapters with one: {sorted(SPECS)}")
    return SPECS[chapter]


def defaults(chapter: str) -> dict[str, Any]:
    """The chapter's default parameters (fresh copies: safe to modify)."""
    return {name: copy.deepcopy(p.default) for name, p in spec(chapter).params.items()}


def validate(chapter: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The chapter's full parameter set, typed: ``values`` over the defaults, each checked.

    Raises :class:`ParameterError` for an unknown name or a value outside what is allowed.
    """
    params = spec(chapter).params
    unknown = sorted(set(values) - set(params))
    if unknown:
        raise ParameterError(f"unknown parameter(s) {unknown} for chapter {chapter}; allowed: {sorted(params)}")
    out = {
        name: p.kind.convert(name, values[name] if name in values else copy.deepcopy(p.default))
        for name, p in params.items()
    }
    for check in spec(chapter).checks:
        check(out)
    return out


def validated(chapter: str, namespace: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the chapter's parameters as found in ``namespace`` (a notebook's ``globals()``).

    Chapters call ``globals().update(validated(CHAPTER, globals()))`` right after their parameters
    cell, so the code that follows sees checked, typed values (``n = 20.0`` becomes 20).
    """
    return validate(chapter, {name: namespace[name] for name in spec(chapter).params if name in namespace})


def describe(chapter: str, name: str) -> str:
    """What values ``name`` allows, in words (for ``--list``)."""
    return spec(chapter).params[name].kind.describe()
