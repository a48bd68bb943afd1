"""The layering (CONTRIBUTING.md): every import in ``src/`` goes to a layer above its own or stays in its
own package, and nothing imports another package's private names; the theory never imports torch;
chapter 12's package needs torch only."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import je_vs_rc

SRC = Path(je_vs_rc.__file__).parent
ROOT = "je_vs_rc"
# Top first. A module may import from a layer above its own and from its own package; packages that
# share a layer do not import each other (chapter 12's trained networks must not need the ImageNet-C
# pipeline's dependencies). The root package's __init__ (the public API) is exempt.
LAYERS = (
    ("_io", "config", "paper", "stats", "words"),
    ("data", "provenance"),
    ("theory",),
    ("simulate",),
    ("parameters",),
    ("trained", "imagenet_c", "selfsup"),
    ("checks",),
    ("render",),
    ("run",),
)
LAYER = {unit: i for i, units in enumerate(LAYERS) for unit in units}
# Imports by name ("je_vs_rc.x.y:Name", or importlib.import_module("je_vs_rc.x.y")) are imports too. These
# go downwards on purpose: chapters 08's and 13's configs extend torch packages' configs, so they live there,
# and ``parameters.CHAPTERS`` names them by path so that listing the chapters imports no torch. Each is
# checked below: its target exists and itself imports the package that names it (a registration of a config
# that builds on ``parameters``, not a way around the layers). A new one fails until it is declared here.
BY_NAME = {
    ("je_vs_rc.parameters.chapters", "je_vs_rc.imagenet_c.config", "ImageNetCChapter"),
    ("je_vs_rc.parameters.chapters", "je_vs_rc.selfsup.grid", "NuisanceChapter"),
}
NAMED = re.compile(r"(je_vs_rc(?:\.\w+)+):(\w+)")


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    """Whether ``je_vs_rc.x.y`` is a module or package of the source tree."""
    path = SRC.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def unit(name: str) -> str:
    """The layer unit of a module: ``je_vs_rc.theory.methods`` -> ``theory``, ``je_vs_rc.paper`` -> ``paper``."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ROOT


Import = tuple[int, str, str | None, str]


def imports(tree: ast.Module, module: str, is_package: bool) -> list[Import]:
    """``(line, target module, imported name or None, local name)`` for every import of the package
    (anywhere in the file, lazy imports inside functions included); ``from X import y`` targets the
    module ``X.y`` (name None) when there is one."""
    out: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name, None, a.asname or ROOT) for a in node.names if a.name.split(".")[0] == ROOT]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: len(module.split(".")) - node.level + is_package]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != ROOT:
                continue
            for a in node.names:
                sub, local = f"{target}.{a.name}", a.asname or a.name
                out.append((node.lineno, sub, None, local) if is_module(sub) else (node.lineno, target, a.name, local))
    return out + imports_by_name(tree)


def imports_by_name(tree: ast.Module) -> list[Import]:
    """``(line, module, name, "")`` for every object named by its import path in a string
    ("je_vs_rc.x.y:Name") and every ``importlib.import_module("je_vs_rc.x.y")`` (name None)."""
    out: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and NAMED.fullmatch(node.value):
            module, name = NAMED.fullmatch(node.value).groups()
            out.append((node.lineno, module, name, ""))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and str(node.args[0].value).split(".")[0] == ROOT
        ):
            out.append((node.lineno, node.args[0].value, None, ""))
    return out


def private_attributes(tree: ast.Module, aliases: dict[str, str]) -> list[tuple[int, str, str]]:
    """``(line, module, attribute)`` for every ``alias._private`` where ``alias`` names an imported module."""
    return [
        (node.lineno, aliases[node.value.id], node.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in aliases
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
    ]


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """What breaks the layering in ``source``, the text of module ``module`` (e.g. ``je_vs_rc.checks.x``)."""
    here = unit(module)
    if here == ROOT:
        return []
    tree = ast.parse(source)
    found = []
    found_imports = imports(tree, module, is_package)
    aliases = {local: target for _, target, name, local in found_imports if name is None}
    for line, target, name, _ in found_imports:
        there = unit(target)
        if there == here or (module, target, name) in BY_NAME:
            continue
        if there == ROOT or LAYER[there] >= LAYER[here]:
            found.append(f"{module}:{line} imports {target} ({there} is not above {here})")
        if name is not None and name.startswith("_"):
            found.append(f"{module}:{line} imports the private {name} of {target}")
    found += [
        f"{module}:{line} uses the private {attr} of {target}"
        for line, target, attr in private_attributes(tree, aliases)
        if unit(target) != here
    ]
    return found


def test_every_unit_of_the_package_has_a_layer():
    units = {unit(module_name(p)) for p in SRC.rglob("*.py")} - {ROOT}
    assert units == set(LAYER), f"new: {units - set(LAYER)}, gone: {set(LAYER) - units}"


def test_the_package_keeps_its_layers():
    found = [
        v
        for path in sorted(SRC.rglob("*.py"))
        for v in violations(path.read_text(), module_name(path), path.name == "__init__.py")
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        # checks sit above render: a check that formats with render's helpers imports downwards
        ("je_vs_rc.checks.new", "from ..render.tables import markdown_table", "render is not above checks"),
        ("je_vs_rc.theory.new", "import je_vs_rc.simulate.sweeps", "simulate is not above theory"),
        ("je_vs_rc.theory.new", "def f():\n    from ..checks import claims", "checks is not above theory"),
        # chapter 12's package must not need the ImageNet-C pipeline's lightly, timm, imagecorruptions
        ("je_vs_rc.trained.new", "from ..imagenet_c.statistics import Row", "imagenet_c is not above trained"),
        (
            "je_vs_rc.render.new",
            "from .figures import styled\nfrom ..simulate.sweeps import _scaled",
            "private _scaled",
        ),
        ("je_vs_rc.render.new", "from ..theory import linalg\nlinalg._helper()", "private _helper of"),
        ("je_vs_rc.checks.new", "from je_vs_rc import Setting", "je_vs_rc is not above checks"),
        # an import by name is an import: a registry entry naming a lower layer's class, a lazy import_module
        ("je_vs_rc.theory.new", 'ENTRY = "je_vs_rc.checks.claims:ClaimError"', "checks is not above theory"),
        ("je_vs_rc.simulate.new", 'importlib.import_module("je_vs_rc.render.figures")', "render is not above simulate"),
        ("je_vs_rc.parameters", 'X = "je_vs_rc.trained.grid:GridConfig"', "trained is not above parameters"),
    ],
)
def test_a_planted_violation_is_caught(module, source, expected):
    (found,) = violations(source, module)
    assert expected in found, found


def test_every_import_by_name_is_declared_and_registers_a_config_that_builds_on_its_namer():
    found = {
        (module_name(path), target, name)
        for path in sorted(SRC.rglob("*.py"))
        for _, target, name, _ in imports_by_name(ast.parse(path.read_text()))
    }
    assert found == BY_NAME, f"undeclared: {found - BY_NAME}, gone: {BY_NAME - found}"
    for namer, target, name in BY_NAME:
        path = SRC.parent.joinpath(*target.split(".")).with_suffix(".py")
        tree = ast.parse(path.read_text())
        assert name in {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}, f"{target} lacks {name}"
        built_on = {unit(t) for _, t, _, _ in imports(tree, target, False)}
        assert unit(namer) in built_on, f"{target} does not import {unit(namer)}"


def test_imports_within_a_package_and_upwards_pass():
    source = (
        "from . import claims\nfrom ..theory.methods import get\nfrom .._io import atomic_path\nfrom .. import paper"
    )
    assert violations(source, "je_vs_rc.checks.new") == []
    assert violations("from .figures import _alpha_t", "je_vs_rc.render.new") == []  # private, same package


def test_theory_does_not_import_torch():
    code = (
        "import sys, je_vs_rc, je_vs_rc.checks.closed_forms, je_vs_rc.simulate.figure3; print('torch' in sys.modules)"
    )
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env).stdout.strip() == "False"
    )


def test_the_figures_and_statistics_do_not_import_scipy_stats():
    # Importing scipy.stats costs ~0.8 CPU-s, in every chapter's kernel (they all draw figures), while only
    # chapters 8, 10, 12 and 13 call it: it is imported inside the functions that use it.
    modules = "je_vs_rc.render.figures, je_vs_rc.stats, je_vs_rc.checks.finite_samples, je_vs_rc.checks.nuisance"
    code = f"import sys, {modules}; print('scipy.stats' in sys.modules)"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env).stdout.strip() == "False"
    )
