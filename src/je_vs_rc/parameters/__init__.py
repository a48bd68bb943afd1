"""Chapter parameters: one typed config per chapter, the one source of its defaults, allowed values and needs.

A chapter's parameters are the fields of its config, a frozen dataclass (:class:`ChapterConfig`)
registered in :data:`CHAPTERS` under the chapter's name (the configs are in :mod:`.chapters`), built and
validated by the package's one mechanism (:mod:`je_vs_rc.config`: each field's kind, then the config's
relations; a bad value is a one-line :class:`ParameterError` naming the parameter, the value and what is
allowed).

A chapter's ``parameters`` cell repeats the defaults so that readers see the values (papermill injects
overrides after that cell); ``tests/test_parameters.py`` checks every cell against its config. The cell
right after it calls ``validated(CHAPTER, globals())``, so a papermill run, a book build and
``python -m je_vs_rc.run`` (which also validates before it starts papermill) all refuse a bad value before
any work. A config also says what the chapter needs beyond the theory and run profiles
(:attr:`ChapterConfig.requires`, the torch package it imports): the runner, the notebook downloads'
install cell and CI read it there. Chapters 08's and 13's configs extend their torch packages' configs
and live with them; they are named by their import path, so that listing and validating the other
chapters needs no torch.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ..config import ParameterError, Validated


@dataclass(frozen=True)
class ChapterConfig(Validated):
    """A chapter's parameters. ``requires``: the package the chapter imports beyond the theory and run
    profiles (a torch package, whose guard names what to install), or None."""

    requires: ClassVar[str | None] = None


CHAPTERS: dict[str, type[ChapterConfig] | str] = {}


def chapter(name: str) -> Callable[[type], type]:
    """Register a chapter's config class (a frozen dataclass of :class:`ChapterConfig`) under ``name``."""

    def register(cls: type) -> type:
        CHAPTERS[name] = dataclass(frozen=True)(cls)
        return CHAPTERS[name]

    return register


def config_class(chapter: str) -> type[ChapterConfig]:
    """The config class of ``chapter`` (chapter 08's is imported from the deep profile's package)."""
    if chapter not in CHAPTERS:
        raise ParameterError(f"no parameters for chapter {chapter!r}; chapters with parameters: {sorted(CHAPTERS)}")
    entry = CHAPTERS[chapter]
    if isinstance(entry, str):
        module, name = entry.split(":")
        return getattr(importlib.import_module(module), name)
    return entry


def requires(chapter: str) -> str | None:
    """The package ``chapter`` needs beyond the theory and run profiles (its config's ``requires``; for a
    config kept in a torch package, that package), or None, also for a notebook outside the book (the
    runner runs those with the values of their own parameters cell). Reading it imports nothing."""
    entry = CHAPTERS.get(chapter)
    if entry is None:
        return None
    return entry.split(":")[0].rsplit(".", 1)[0] if isinstance(entry, str) else entry.requires


def load(chapter: str, values: Mapping[str, Any]) -> ChapterConfig:
    """The chapter's validated config from ``values`` (a mapping, or a notebook's ``globals()``: the names
    of the chapter's parameters are taken from it, everything else ignored)."""
    cls = config_class(chapter)
    return cls.from_values({name: values[name] for name in cls.names() if name in values}, f"chapter {chapter}")


def defaults(chapter: str) -> dict[str, Any]:
    """The chapter's default parameters (fresh copies: safe to modify)."""
    return config_class(chapter).defaults()


def validate(chapter: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The chapter's full parameter set, typed: ``values`` over the defaults, each checked.

    Raises :class:`ParameterError` for an unknown name or a value outside what is allowed.
    """
    cls = config_class(chapter)
    return cls.from_values(values, f"chapter {chapter}").values()


def validated(chapter: str, namespace: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the chapter's parameters as found in ``namespace`` (a notebook's ``globals()``).

    Chapters call ``globals().update(validated(CHAPTER, globals()))`` right after their parameters
    cell, so the code that follows sees checked, typed values (``n = 20.0`` becomes 20).
    """
    return load(chapter, namespace).values()


def describe(chapter: str, name: str) -> str:
    """What values ``name`` allows, in words (for ``--list``)."""
    return config_class(chapter).describe(name)


# The chapters register themselves (``@chapter``) when their module is imported.
from . import chapters  # noqa: E402, F401
