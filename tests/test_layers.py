"""The layering (CONTRIBUTING.md): every import in ``src/`` goes to a layer above its own or stays in its
own package, and nothing imports another package's private names; the theory never imports torch;
chapter 12's package needs torch only."""

from __future__ import annotations

import ast
import os
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
        if there == here:
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
    ],
)
def test_a_planted_violation_is_caught(module, source, expected):
    (found,) = violations(source, module)
    assert expected in found, found


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
