"""Rerun a chapter with papermill parameters: ``python -m je_vs_rc.run CHAPTER -p NAME VALUE ...``.

The chapter's MyST source (``notebooks/CHAPTER.md``) is converted with jupytext and its ``parameters``
cell read for the names and defaults. Before papermill starts, the parameters are validated:
an unknown name, or a value the chapter's spec (:mod:`je_vs_rc.parameters`) does not allow, is a
one-line error and exit status 2. A failure inside the chapter still shows its traceback.

Run identity: the executed notebook goes to ``runs/<chapter>/<changes>__<hash>.ipynb``, where
``<hash>`` is a SHA-256 of the full validated parameter set (defaults included, typed values) and
``<changes>`` a readable, shortened list of the values that differ from the defaults. The full set is
recorded in the notebook's metadata (``metadata.je_vs_rc``). Two different parameter sets always get
two files; an existing file holding another parameter set is never overwritten.

Output folder: a chapter whose parameters cell declares ``out_dir`` (chapter 08 writes its checkpoints
and results there) gets the run's own folder, ``runs/<chapter>/<changes>__<hash>/``, unless ``-p out_dir``
is given.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import importlib
import json
import re
import sys
from pathlib import Path
from typing import Any

from . import parameters as specs
from ._io import atomic_path
from .parameters import ParameterError

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
RUNS = REPO / "runs"
OUT_DIR = "out_dir"  # a chapter parameter that, if declared, receives the run's own output folder


def chapters(notebooks: Path = NOTEBOOKS) -> dict[str, Path]:
    """Executable chapters by name: the file stem, e.g. ``04_reconstruction``."""
    return {p.stem: p for p in sorted(notebooks.glob("*.md"))}


def find_chapter(name: str, notebooks: Path = NOTEBOOKS) -> Path:
    """Resolve a chapter by stem (``04_reconstruction``) or by its name without the number."""
    found = chapters(notebooks)
    matches = [p for stem, p in found.items() if name in (stem, stem.split("_", 1)[-1])]
    if len(matches) != 1:
        raise ValueError(f"chapter must be one of {sorted(found)} (or the name after the number); got {name!r}")
    return matches[0]


def read_chapter(path: Path) -> Any:
    """The chapter as an nbformat notebook (jupytext reads MyST Markdown)."""
    import jupytext

    return jupytext.read(path)


def parameters_cell(path: Path) -> str:
    cells = [c for c in read_chapter(path).cells if "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"{path.name} must have exactly one cell tagged 'parameters'; found {len(cells)}")
    return cells[0].source


def parameters(path: Path) -> dict[str, Any]:
    """Names and default values of the chapter's ``parameters`` cell, in order.

    The cell may hold only ``name = literal`` lines and imports (the chapter's run settings, one folded
    block on the page): anything else (``a, b = 1, 2`` included, which papermill does not see either)
    is an error, so no name a reader sees is invisible to the runner.
    """
    out: dict[str, Any] = {}
    for node in ast.parse(parameters_cell(path)).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            raise ValueError(f"{path.name}, parameters cell line {node.lineno}: write one `name = value` per line")
        try:
            out[node.targets[0].id] = ast.literal_eval(node.value)
        except ValueError:
            raise ValueError(
                f"{path.name}, parameters cell line {node.lineno}: the value of {node.targets[0].id} must be a literal"
            ) from None
    return out


def resolve(path: Path, params: dict[str, Any]) -> dict[str, Any]:
    """The run's full parameter set: ``params`` over the chapter's defaults, validated and typed.

    Raises ValueError (:class:`ParameterError`) naming an unknown parameter or a value not allowed.
    """
    allowed = parameters(path)
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ParameterError(f"unknown parameter(s) {unknown} for chapter {path.stem}; allowed: {sorted(allowed)}")
    return specs.validate(path.stem, params)


class MissingProfile(ValueError):
    """The chapter needs an install profile this environment lacks (a one-line error, exit status 2)."""


def require_profile(path: Path) -> None:
    """A chapter whose config requires a torch package (``parameters.requires``) needs the deep profile:
    say so in one line before anything is validated or run, rather than with the chapter's traceback
    (each package's guard in its ``__init__.py`` names what to install)."""
    package = specs.requires(path.stem)
    if package is None:
        return
    try:
        importlib.import_module(package)
    except ImportError as err:
        raise MissingProfile(f"chapter {path.stem}: {err}") from None


def _canonical(full: dict[str, Any]) -> str:
    def refuse(value: Any) -> Any:
        raise ParameterError(
            f"parameter value {value!r} of type {type(value).__name__} is not allowed: "
            "values must be numbers, text, true/false, null, lists or mappings"
        )

    return json.dumps(full, sort_keys=True, separators=(",", ":"), default=refuse)


def output_name(chapter: str, full: dict[str, Any], defaults: dict[str, Any] | None = None) -> str:
    """``<changes>__<hash>.ipynb``: the run's identity, a hash of the full parameter set ``full``.

    ``<changes>`` lists the values that differ from ``defaults`` (readable, cut to 80 characters;
    ``defaults`` when none do); the 16-hex-digit hash keeps two different sets apart.
    """
    digest = hashlib.sha256(f"{chapter}\n{_canonical(full)}".encode()).hexdigest()[:16]
    changed = {k: v for k, v in sorted(full.items()) if defaults is None or defaults.get(k, object()) != v}
    tag = "_".join(f"{k}={json.dumps(v, separators=(',', ':'))}" for k, v in changed.items())
    tag = re.sub(r"[^A-Za-z0-9=.,_+-]+", "-", re.sub(r"[][{}\"' ]", "", tag)).strip("-")[:80] or "defaults"
    return f"{tag}__{digest}.ipynb"


def _recorded(path: Path) -> Any:
    """The parameters recorded in an executed notebook (None when it has none)."""
    import nbformat

    try:
        return nbformat.read(path, as_version=4).metadata.get("je_vs_rc", {}).get("parameters")
    except Exception:  # noqa: BLE001 - an unreadable file is not this run's output either
        return None


def run_chapter(
    name: str,
    params: dict[str, Any] | None = None,
    out_dir: Path = RUNS,
    notebooks: Path = NOTEBOOKS,
    timeout: int | None = None,
) -> Path:
    """Execute a chapter with ``params`` injected and return the executed notebook's path.

    Raises ValueError for an unknown chapter, an unknown parameter or a value not allowed, before any
    work; and when the target file exists and records a different parameter set. The output is written
    to a temporary file and renamed into place, so an interrupted run leaves no half-written notebook.
    """
    import papermill

    params = dict(params or {})
    path = find_chapter(name, notebooks)
    require_profile(path)
    full = resolve(path, params)
    target = Path(out_dir) / path.stem / output_name(path.stem, full, resolve(path, {}))
    canonical = json.loads(_canonical(full))
    if target.exists() and _recorded(target) != canonical:
        raise ValueError(f"{target} exists and holds a run with other parameters; move it away or pick another --out")
    inject = {k: full[k] for k in params}
    if OUT_DIR in full and OUT_DIR not in params:
        inject[OUT_DIR] = str(target.with_suffix("").resolve())
    nb = read_chapter(path)
    nb.metadata["je_vs_rc"] = {"chapter": path.stem, "parameters": canonical, "output_name": target.name}
    with atomic_path(target, suffix=".ipynb") as tmp:
        papermill.execute_notebook(
            nb,
            str(tmp),
            parameters=inject,
            cwd=str(path.parent),
            kernel_name="python3",
            progress_bar=False,
            execution_timeout=timeout,
        )
    return target


def describe(chapter: str, name: str) -> str:
    """What ``name`` allows, in words; what to install, when the chapter's config needs another profile."""
    try:
        return specs.describe(chapter, name)
    except ImportError:
        return f"checked where {specs.requires(chapter)} is installed"


def export_notebooks(out_dir: Path, notebooks: Path = NOTEBOOKS) -> list[Path]:
    """Write an unexecuted ``.ipynb`` copy of every chapter to ``out_dir`` (for Jupyter users)."""
    import jupytext

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, path in chapters(notebooks).items():
        target = out_dir / f"{stem}.ipynb"
        jupytext.write(read_chapter(path), target)
        written.append(target)
    return written


def _yaml(text: str, where: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        problem = " ".join(str(getattr(err, "problem", None) or err).split())
        raise ParameterError(f"{where}: not valid YAML ({problem}); quote text, write lists as [1, 2]") from None


def read_parameters(file: Path | None, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Parameters from a YAML file (a mapping) overridden by ``-p NAME VALUE`` pairs (VALUE is YAML)."""
    params: dict[str, Any] = {}
    if file is not None:
        try:
            text = Path(file).read_text()
        except OSError as err:
            raise ParameterError(f"parameters file {file}: cannot be read ({err.strerror or err})") from None
        loaded = _yaml(text, f"parameters file {file}")
        if loaded is not None and not isinstance(loaded, dict):
            raise ParameterError(
                f"parameters file {file}: must be a YAML mapping `name: value`; got a {type(loaded).__name__}"
            )
        params.update(loaded or {})
    params.update({k: _yaml(v, f"-p {k} {v}") for k, v in pairs})
    return params


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m je_vs_rc.run", description=__doc__.split("\n")[0])
    parser.add_argument("chapter", nargs="?", help="chapter stem or name (see --list)")
    parser.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="a parameter; VALUE is parsed as YAML (2.0, [0.1, 1], true, text)",
    )
    parser.add_argument("-f", "--parameters-file", type=Path, help="YAML file of parameters")
    parser.add_argument("--out", type=Path, default=RUNS, help="output folder (default: runs/)")
    parser.add_argument("--list", action="store_true", help="list chapters, or one chapter's parameters")
    parser.add_argument("--export", type=Path, metavar="DIR", help="write .ipynb copies of all chapters to DIR")
    args = parser.parse_args(argv)
    try:
        if args.export:
            print("\n".join(str(p) for p in export_notebooks(args.export)))
            return 0
        if args.list:
            if args.chapter:
                path = find_chapter(args.chapter)
                for key, value in parameters(path).items():
                    allowed = f"  # {describe(path.stem, key)}"
                    print(f"{key} = {value!r}{allowed}")
            else:
                print("\n".join(chapters()))
            return 0
        if not args.chapter:
            parser.error("a chapter is required (see --list)")
        params = read_parameters(args.parameters_file, args.parameter)
        print(run_chapter(args.chapter, params, args.out))
    except ValueError as err:
        print("error: " + " ".join(str(err).split()), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
