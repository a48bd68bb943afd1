"""Size limits on ``src/`` (issue #19): no module over 450 lines and no function over 60, so that a module
holds one topic and a function one step. Data tables are exempt (:data:`DATA_TABLES`); code still being
split is listed in :data:`NOT_YET`, and an entry there that meets the limits fails the test until it is
removed, so the list only shrinks."""

from __future__ import annotations

import ast
from pathlib import Path

import je_vs_rc

SRC = Path(je_vs_rc.__file__).parent
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 60  # from the ``def`` line to the last line of the body, docstring included
# Modules whose length is data, not logic (exempt from the module limit, not from the function limit).
DATA_TABLES = {
    "paper.py": "the numbers the paper prints, with Figure 3's 180 digitised markers (FIG3_MARKERS)",
}
# Over the limits and still to be split by the work that owns them ("module.py" or "module.py:function").
NOT_YET = {}


def sizes(root: Path = SRC) -> dict[str, int]:
    """Lines of every module (``"theory/methods.py"``) and function (``"theory/methods.py:name"``; methods and
    nested functions too) under ``root``."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        name = path.relative_to(root).as_posix()
        text = path.read_text()
        out[name] = len(text.splitlines())
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                key = f"{name}:{node.name}"
                out[key] = max(out.get(key, 0), node.end_lineno - node.lineno + 1)
    return out


def over(sizes: dict[str, int]) -> dict[str, int]:
    """What breaks a limit, data tables aside."""
    return {
        key: n
        for key, n in sizes.items()
        if (n > MAX_FUNCTION_LINES if ":" in key else n > MAX_MODULE_LINES and key not in DATA_TABLES)
    }


def test_no_module_or_function_over_the_limits():
    found = {key: n for key, n in over(sizes()).items() if key not in NOT_YET}
    assert not found, "split along meaning (one function per step, one module per topic): " + ", ".join(
        f"{key} ({n} lines)" for key, n in sorted(found.items())
    )


def test_what_is_not_yet_split_is_still_over_a_limit():
    done = sorted(set(NOT_YET) - set(over(sizes())))
    assert not done, f"remove from NOT_YET, they meet the limits now: {done}"


def test_the_limits_catch_a_planted_oversize(tmp_path):
    (tmp_path / "checks").mkdir()
    body = "    x = 1\n"
    (tmp_path / "checks" / "long.py").write_text("X = 1\n" * 451)
    (tmp_path / "checks" / "ok.py").write_text("X = 1\n" * 450)
    (tmp_path / "paper.py").write_text("X = 1\n" * 900)  # a data table
    (tmp_path / "steps.py").write_text(
        "def f():\n" + body * 60 + "\n\nclass C:\n    def m(self):\n" + body.replace("    ", "        ") * 60
    )
    (tmp_path / "short.py").write_text("def g():\n" + body * 59)
    assert over(sizes(tmp_path)) == {"checks/long.py": 451, "steps.py:f": 61, "steps.py:m": 61}
