"""What a reader sees of the chapters' code: bookkeeping hidden, visible code that fits the page.

A cell that only pastes values into the text (``glue``) or only runs checks is bookkeeping: the page
removes it, or folds it (``hide-input``) where its output (a table of what a check measured) stays in
view. The parameters cell is the rerun interface: it shows, or folds under "Run settings" (with the
chapter's imports), never removed. Every line a reader sees without
unfolding anything fits in 88 characters, the width of the page's code box at 1400 px.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import jupytext
import pytest

from je_vs_rc import run

WIDTH = 88
REMOVED = {"remove-cell", "remove-input"}
HIDDEN = REMOVED | {"hide-input", "hide-cell"}


def code_cells(chapter: str) -> list[tuple[int, str, set[str]]]:
    """(cell number, source, tags) of every code cell of the chapter, numbered as on the page."""
    cells = jupytext.read(run.chapters()[chapter]).cells
    return [(i, c.source, set(c.metadata.get("tags", []))) for i, c in enumerate(cells) if c.cell_type == "code"]


def called(node: ast.AST) -> str | None:
    """The name of the function a call statement or value calls (``f`` of ``f(...)`` or ``m.f(...)``)."""
    if isinstance(node, ast.Expr | ast.Assign):
        node = node.value
    if not isinstance(node, ast.Call):
        return None
    f = node.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def only(statements: list[ast.stmt], allowed) -> bool:
    """Every statement, inside loops and branches too, is an import or satisfies ``allowed``."""
    for s in statements:
        if isinstance(s, ast.For | ast.If):
            if not only(s.body + s.orelse, allowed):
                return False
        elif not (isinstance(s, ast.Import | ast.ImportFrom) or allowed(s)):
            return False
    return True


def glue_only(source: str) -> bool:
    body = ast.parse(source).body
    return bool(body) and only(body, lambda s: called(s) == "glue")


def runs_check(node: ast.AST) -> bool:
    """Calls a check: a ``check_*`` function of je_vs_rc that raises ClaimError when a claim fails."""
    return (called(node) or "").startswith("check_")


def checks_only(source: str) -> bool:
    """Runs at least one check and otherwise only glues values or shows a table."""
    body = ast.parse(source).body
    return any(map(runs_check, ast.walk(ast.Module(body, [])))) and only(
        body, lambda s: runs_check(s) or called(s) in ("glue", "Markdown")
    )


def on_page(tags: set[str]) -> bool:
    """The cell's code shows on the page without unfolding anything."""
    return not tags & HIDDEN


CHAPTERS = sorted(run.chapters())


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_glue_only_cells_are_removed(chapter):
    bad = [i for i, source, tags in code_cells(chapter) if glue_only(source) and not tags & REMOVED]
    assert not bad, f"{chapter}: cells {bad} only glue values; tag them remove-cell"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_visible_code_calls_no_glue(chapter):
    bad = [i for i, source, tags in code_cells(chapter) if on_page(tags) and "glue(" in source]
    assert not bad, f"{chapter}: cells {bad} show glue(...) calls; move them to a removed cell after"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_check_only_cells_are_not_plain_code(chapter):
    bad = [i for i, source, tags in code_cells(chapter) if checks_only(source) and on_page(tags)]
    assert not bad, f"{chapter}: cells {bad} only run checks; fold them (hide-input) so their table shows"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_parameters_cell_is_the_run_settings_block(chapter):
    # The rerun interface is one click away: shown, or folded (not removed) under "Run settings".
    cells = [c for c in jupytext.read(run.chapters()[chapter]).cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"{chapter}: one parameters cell"
    tags, prompt = set(cells[0].metadata["tags"]), cells[0].metadata.get("mystnb", {}).get("code_prompt_show", "")
    folded = tags & HIDDEN == {"hide-input"} and "Run settings" in prompt
    assert on_page(tags) or folded, f"{chapter}: the parameters cell must show, or fold under 'Run settings'"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_visible_lines_fit_the_page(chapter):
    long = [
        f"cell {i}: {line[:60]}... ({len(line)} characters)"
        for i, source, tags in code_cells(chapter)
        if on_page(tags)
        for line in source.splitlines()
        if len(line) > WIDTH
    ]
    assert not long, f"{chapter}: visible code lines over {WIDTH} characters:\n" + "\n".join(long)


def test_the_rules_recognise_bookkeeping():
    # The predicates themselves, on cells written as the chapters write them.
    assert glue_only('from myst_nb import glue\nglue("a", 1, display=False)\nfor k in x:\n    glue(k, 2)')
    assert not glue_only('x = f()\nglue("a", x, display=False)')
    assert checks_only('e = check_moments(s)\nglue("z", e["S"], display=False)\nMarkdown(table(e))')
    assert checks_only("for th in results.values():\n    check_corollary_45(th)")
    assert not checks_only("sweep = recovery_sweep(s)\nverdicts = check_recovery(sweep)")
    assert not checks_only('Markdown(table(rows))\nglue("a", 1)')


# The closed form each theory chapter shows, included from the package's source at build time.
SHOWN_SOURCE = {
    "03_supervised": "supervised_from_moments",
    "04_reconstruction": "reconstruction_from_moments",
    "05_joint_embedding": "joint_embedding_from_moments",
}
INCLUDE = re.compile(r"^```\{literalinclude\} (\S+)\n(?::\w+:.*\n)*?:pyobject: (\w+)$", re.M)


def included_objects(chapter: str) -> list[tuple[Path, str]]:
    """(file, object name) of each ``{literalinclude}`` with ``:pyobject:`` in the chapter's source."""
    path = run.chapters()[chapter]
    return [((path.parent / file).resolve(), name) for file, name in INCLUDE.findall(path.read_text())]


@pytest.mark.parametrize("chapter", sorted(run.chapters()))
def test_included_source_exists(chapter):
    # Sphinx fails the build on a missing object too; this says so in the quick tests.
    for file, name in included_objects(chapter):
        tree = ast.parse(file.read_text())
        defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
        assert name in defined, f"{chapter} includes {name} from {file}, which does not define it"
    assert SHOWN_SOURCE.get(chapter) in {None} | {name for _, name in included_objects(chapter)}


def test_the_include_pattern_can_fail():
    source = "```{literalinclude} ../src/x.py\n:language: python\n:pyobject: f\n```"
    assert INCLUDE.findall(source) == [("../src/x.py", "f")]


@pytest.mark.parametrize("chapter", sorted(SHOWN_SOURCE))
def test_included_source_fits_the_page(chapter):
    # The included closed form is code a reader sees without unfolding anything.
    for file, name in included_objects(chapter):
        node = next(n for n in ast.parse(file.read_text()).body if getattr(n, "name", None) == name)
        lines = file.read_text().splitlines()[node.lineno - 1 : node.end_lineno]
        assert max(map(len, lines)) <= WIDTH, f"{name} has lines over {WIDTH} characters"
