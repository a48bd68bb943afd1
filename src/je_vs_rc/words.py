"""How numbers are said in prose, in tables and in a check's evidence: one formatter for the whole book
(every layer may use it; it imports nothing)."""

from __future__ import annotations

import math

MINUS = "\u2212"
NOISE_CAP = "λ^Γ_max"  # the paper's noise cap lambda^Gamma_max (eq. 12), in plain text
SCIENTIFIC_BELOW = 1e-3  # smaller magnitudes in scientific notation, with two significant figures
SCIENTIFIC_FROM = 1e15  # larger ones too (a whole number with separators up to there)


def number(x: float, digits: int | None = None) -> str:
    """A number as the book prints it, in prose and in tables alike.

    Whole numbers with thousands separators (``1,000``, never ``1.0e+03``); others to ``digits``
    significant figures without trailing zeros (``0.7`` is ``0.7`` at any precision, never ``0.70``;
    ``172.5`` to two is ``170``, and ``1234.5`` to three ``1,230``), or in the shortest exact form when
    ``digits`` is None (a parameter as the reader typed it); magnitudes below ``SCIENTIFIC_BELOW`` in
    scientific notation with two significant figures (``2.1e−13``: the size is what such a number
    says). Every sign is the true minus U+2212, as typeset text has it (the book keeps every number
    on one line)."""
    x = float(x)
    if math.isnan(x):
        return "–"
    if math.isinf(x):
        return ("" if x > 0 else MINUS) + "∞"
    size = abs(x)
    if x == 0:
        text = "0"
    elif size >= SCIENTIFIC_FROM or (digits is not None and size < SCIENTIFIC_BELOW):
        text = f"{x:.1e}" if digits is not None else f"{x:g}"
    elif x.is_integer():
        text = f"{round(x):,}"
    elif digits is None:
        text = f"{x:g}"
    else:  # to `digits` significant figures, a large magnitude rounded in its integer part (172.5 -> 170)
        rounded = round(x, digits - 1 - math.floor(math.log10(size)))
        text = f"{round(rounded):,}" if abs(rounded) >= 10 ** (digits - 1) else f"{rounded:.{digits}g}"
    return text.replace("-", MINUS)


def fixed(x: float, decimals: int = 1, sign: bool = False) -> str:
    """A number to a fixed number of decimals, for quantities read at a fixed precision (top-1 points,
    a table's printed decimals): ``fixed(-1.25) == "−1.2"``; with ``sign``, ``"+0.5"`` for a margin."""
    return format(float(x), f"{'+' if sign else ''}.{decimals}f").replace("-", MINUS)


def percent(fraction: float, digits: int = 2) -> str:
    """A fraction as a percentage (``0.407`` -> ``"41%"``), to ``digits`` significant figures."""
    return f"{number(100 * fraction, digits)}%"


def series(items: list[str] | tuple[str, ...]) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``: items as a sentence lists them."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def count(n: int, one: str, many: str) -> str:
    """``"1 line converges"`` or ``"3 lines converge"``: a number with the words it agrees with."""
    return f"{n} {one if n == 1 else many}"
