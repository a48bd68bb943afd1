"""Typed, validated configs: the package's one mechanism for parameters.

A config is a frozen dataclass deriving :class:`Validated` whose fields are declared with :func:`param`:
a default, the kind of value allowed (:class:`Number`, :class:`Numbers`, :class:`Choice`, :class:`Choices`,
:class:`Flag`, :class:`Layers`, :class:`Text`, :class:`Texts`, :class:`OptionalText`, :class:`OrNone`) and what
it means. Building one converts each value by its kind (``n = 20.0`` becomes 20) and then runs the config's
:meth:`Validated.check` for relations between fields; a bad value is a one-line :class:`ParameterError`
naming the parameter, the value and what is allowed. The chapters' configs (:mod:`je_vs_rc.parameters`),
the Figure 3 protocol (``simulate.figure3.Fig3Config``), chapter 12's two parts
(``trained.linear.LinearStudyConfig``, ``trained.grid.GridConfig``) and the ImageNet-C pipeline's settings
(``imagenet_c.config.ExperimentConfig``) are built this way. This module imports nothing else of the package.
"""

from __future__ import annotations

import copy
import dataclasses
import numbers
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class ParameterError(ValueError):
    """A chapter parameter is unknown or has a value outside what is allowed."""


def show_value(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def refuse(name: str, value: Any, allowed: str, must: bool = True) -> ParameterError:
    """The one-line error for parameter ``name`` = ``value``: ``allowed`` says what it must be (with
    ``must=False``, why the value is refused, in a whole clause)."""
    why = f"it must be {allowed}" if must else allowed
    return ParameterError(f"parameter {name} = {show_value(value)} is not allowed: {why}")


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
            raise refuse(
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
    container: type = list  # tuple for the package's frozen configs

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
            raise refuse(name, value, self.describe())
        out = [self.item.convert(name, v) for v in items]
        if (self.increasing and any(b <= a for a, b in zip(out, out[1:]))) or (
            self.distinct and len(set(out)) != len(out)
        ):
            raise refuse(name, value, self.describe())
        return self.container(out)


@dataclass(frozen=True)
class Choice:
    options: tuple[Any, ...]

    def describe(self) -> str:
        return "one of " + ", ".join(repr(o) for o in self.options)

    def ok(self, value: Any) -> bool:
        return not isinstance(value, bool) and value in self.options

    def convert(self, name: str, value: Any) -> Any:
        if not self.ok(value):
            raise refuse(name, value, self.describe())
        return value


@dataclass(frozen=True)
class Choices:
    """A list (possibly empty) of distinct values, each one of ``options``."""

    options: tuple[Any, ...]
    container: type = list  # tuple for the package's frozen configs

    def describe(self) -> str:
        return "a list (possibly empty) of distinct values, each one of " + ", ".join(repr(o) for o in self.options)

    def convert(self, name: str, value: Any) -> list[Any]:
        items = list(value) if isinstance(value, (list, tuple)) else None
        if (
            items is None
            or len(set(map(repr, items))) != len(items)
            or not all(Choice(self.options).ok(v) for v in items)
        ):
            raise refuse(name, value, self.describe())
        return self.container(items)


@dataclass(frozen=True)
class Flag:
    def describe(self) -> str:
        return "true or false"

    def convert(self, name: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise refuse(name, value, self.describe())
        return value


@dataclass(frozen=True)
class Layers:
    """A non-empty list of architectures, each a non-empty list of hidden-layer widths (positive integers)."""

    container: type = list  # tuple for the package's frozen configs

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
            raise refuse(name, value, self.describe())
        return self.container(self.container(int(w) for w in h) for h in value)


@dataclass(frozen=True)
class Text:
    """A non-empty text (what it may name is checked by the code that uses it)."""

    def describe(self) -> str:
        return "a non-empty text"

    def convert(self, name: str, value: Any) -> str:
        if not (isinstance(value, str) and value):
            raise refuse(name, value, self.describe())
        return value


@dataclass(frozen=True)
class Texts:
    """A non-empty list of distinct names (what they may name is checked by the code that uses them)."""

    container: type = list  # tuple for the package's frozen configs

    def describe(self) -> str:
        return "a non-empty list of distinct names (text)"

    def convert(self, name: str, value: Any) -> list[str]:
        if not (
            isinstance(value, (list, tuple))
            and value
            and all(isinstance(v, str) and v for v in value)
            and len(set(value)) == len(value)
        ):
            raise refuse(name, value, self.describe())
        return self.container(value)


@dataclass(frozen=True)
class OptionalText:
    """A file path (text or a path object, kept as text), or None."""

    def describe(self) -> str:
        return "a file path (text) or null"

    def convert(self, name: str, value: Any) -> str | None:
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if value is not None and not (isinstance(value, str) and value):
            raise refuse(name, value, self.describe())
        return value


@dataclass(frozen=True)
class OrNone:
    """None (its meaning is the field's help), or a value of ``kind``."""

    kind: Number | Numbers
    none: str = "null"

    def describe(self) -> str:
        return f"{self.kind.describe()}, or {self.none}"

    def convert(self, name: str, value: Any) -> Any:
        if value is None:
            return None
        try:
            return self.kind.convert(name, value)
        except ParameterError:
            raise refuse(name, value, self.describe()) from None


Kind = Number | Numbers | Choice | Choices | Flag | Layers | Text | Texts | OptionalText | OrNone


def param(default: Any, kind: Kind | None, help: str = "") -> Any:
    """A config field: its ``default`` (copied for each config), the ``kind`` of value it allows (None: the
    config's :meth:`Validated.check` alone checks it) and ``help``."""
    return field(default_factory=lambda: copy.deepcopy(default), metadata={"kind": kind, "help": help})


def like(config: type, name: str, container: type = list) -> Any:
    """A field declared as ``config``'s field ``name`` is: same default, kind and help (sequences in
    ``container``: lists for a chapter, tuples for the package's frozen configs). :func:`build` passes
    values between the two."""
    f = {f.name: f for f in dataclasses.fields(config)}[name]
    kind = f.metadata["kind"]
    if hasattr(kind, "container"):
        kind = dataclasses.replace(kind, container=container)
    default = kind.convert(name, f.default_factory())
    return field(
        default_factory=lambda: copy.deepcopy(default),
        metadata={"kind": kind, "help": f.metadata["help"], "like": (config, name)},
    )


def build(target: type, source: Validated) -> Any:
    """A ``target`` config from ``source``'s values, through the fields one declares :func:`like` the other's."""
    values = {
        f.name: getattr(source, f.metadata["like"][1])
        for f in dataclasses.fields(target)
        if f.metadata.get("like", (None,))[0] is type(source)
    }
    values.update(
        {
            f.metadata["like"][1]: getattr(source, f.name)
            for f in dataclasses.fields(source)
            if f.metadata.get("like", (None,))[0] is target
        }
    )
    return target(**values)


def _cell_form(value: Any) -> Any:
    return [_cell_form(v) for v in value] if isinstance(value, list | tuple) else value


@dataclass(frozen=True)
class Validated:
    """A frozen dataclass whose fields are declared with :func:`param`: building one converts each value
    by its kind (``n = 20.0`` becomes 20) and then runs :meth:`check`; both raise :class:`ParameterError`."""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            kind = f.metadata.get("kind")
            if kind is not None:
                object.__setattr__(self, f.name, kind.convert(f.name, getattr(self, f.name)))
        self.check()

    def check(self) -> None:
        """Relations between fields (each field's own kind is already checked); raise ParameterError."""

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """Every field's default (fresh copies: safe to modify)."""
        return {f.name: f.default_factory() for f in dataclasses.fields(cls)}

    @classmethod
    def describe(cls, name: str) -> str:
        """What values field ``name`` allows, in words (for ``--list``); a field declared without a kind is
        checked by the config's :meth:`check` alone."""
        kind = {f.name: f for f in dataclasses.fields(cls)}[name].metadata.get("kind")
        return kind.describe() if kind is not None else f"see {cls.__module__}.{cls.__name__}"

    @classmethod
    def from_values(cls, values: Mapping[str, Any], what: str | None = None) -> Validated:
        """A config from ``values`` over the defaults; an unknown name is a ParameterError listing the allowed."""
        unknown = sorted(set(values) - set(cls.names()))
        if unknown:
            raise ParameterError(
                f"unknown parameter(s) {unknown} for {what or cls.__name__}; allowed: {sorted(cls.names())}"
            )
        return cls(**values)

    def values(self) -> dict[str, Any]:
        """The validated values by name (lists as a parameters cell writes them)."""
        return {name: _cell_form(getattr(self, name)) for name in self.names()}


# Kinds shared by several configs.
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
TEXT_OR_NONE = OptionalText()
