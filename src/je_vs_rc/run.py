"""Rerun a chapter with papermill parameters: ``python -m je_vs_rc.run CHAPTER -p NAME VALUE ...``.

The chapter's MyST source (``notebooks/CHAPTER.md``) is converted with jupytext, its ``parameters``
cell is read to validate the names given (an unknown name is an error, not a silent no-op), and
papermill executes it. The executed notebook is written atomically to
``runs/<chapter>/<chapter>__<name>=<value>_....ipynb``, outside the sources.
"""
from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path
from typing import Any

from ._io import atomic_path

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
RUNS = REPO / "runs"


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


def parameters(path: Path) -> dict[str, Any]:
    """Names and default values of the chapter's ``parameters`` cell, in order."""
    nb = read_chapter(path)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"{path.name} must have exactly one cell tagged 'parameters'; found {len(cells)}")
    out: dict[str, Any] = {}
    for node in ast.parse(cells[0].source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            out[node.targets[0].id] = ast.literal_eval(node.value)
    return out


def output_name(chapter: str, params: dict[str, Any]) -> str:
    """``chapter__a=1_b=x.ipynb``: the run's file name, readable and filesystem-safe."""
    parts = [f"{k}={v}" for k, v in sorted(params.items())]
    tag = re.sub(r"[^A-Za-z0-9=.,_+-]+", "-", "_".join(parts)).strip("-")[:150]
    return f"{chapter}__{tag}.ipynb" if tag else f"{chapter}__defaults.ipynb"


def run_chapter(name: str, params: dict[str, Any] | None = None, out_dir: Path = RUNS,
                notebooks: Path = NOTEBOOKS, timeout: int | None = None) -> Path:
    """Execute a chapter with ``params`` injected and return the executed notebook's path.

    Raises ValueError for an unknown chapter or parameter name. The output is written to a
    temporary file and renamed into place, so an interrupted run leaves no half-written notebook.
    """
    import papermill

    params = dict(params or {})
    path = find_chapter(name, notebooks)
    allowed = parameters(path)
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown} for chapter {path.stem}; allowed: {sorted(allowed)}")
    target = Path(out_dir) / path.stem / output_name(path.stem, params)
    with atomic_path(target, suffix=".ipynb") as tmp:
        papermill.execute_notebook(read_chapter(path), str(tmp), parameters=params, cwd=str(path.parent),
                                   kernel_name="python3", progress_bar=False, execution_timeout=timeout)
    return target


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


def _value(text: str) -> Any:
    import yaml

    return yaml.safe_load(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m je_vs_rc.run", description=__doc__.split("\n")[0])
    parser.add_argument("chapter", nargs="?", help="chapter stem or name (see --list)")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="a parameter; VALUE is parsed as YAML (2.0, [0.1, 1], true, text)")
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
                for key, value in parameters(find_chapter(args.chapter)).items():
                    print(f"{key} = {value!r}")
            else:
                print("\n".join(chapters()))
            return 0
        if not args.chapter:
            parser.error("a chapter is required (see --list)")
        params: dict[str, Any] = {}
        if args.parameters_file:
            params.update(_value(args.parameters_file.read_text()) or {})
        params.update({k: _value(v) for k, v in args.parameter})
        print(run_chapter(args.chapter, params, args.out))
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
