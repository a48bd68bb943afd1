"""How numbers are said in prose and in a check's evidence: every layer may use these (they import nothing)."""

from __future__ import annotations

MINUS = "\u2212"


def number(x: float) -> str:
    """A number as prose says it: whole numbers with thousands separators (``1,000,000``, not
    ``1e+06``), others in the shortest ``g`` form; a negative sign (and an exponent's) is the true
    minus U+2212, as typeset text has it (the book keeps every number on one line)."""
    x = float(x)
    text = f"{int(x):,}" if x.is_integer() and abs(x) < 1e15 else f"{x:g}"
    return text.replace("-", MINUS)


def count(n: int, one: str, many: str) -> str:
    """``"1 line converges"`` or ``"3 lines converge"``: a number with the words it agrees with."""
    return f"{n} {one if n == 1 else many}"
