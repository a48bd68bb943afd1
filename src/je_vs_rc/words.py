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
    says), and from ``SCIENTIFIC_FROM`` up as a power of ten (``2.2 × 10¹⁵``, never ``2.2e+15``). Every
    sign is the true minus U+2212, as typeset text has it (the book keeps every number on one line)."""
    x = float(x)
    if math.isnan(x):
        return "–"
    if math.isinf(x):
        return ("" if x > 0 else MINUS) + "∞"
    size = abs(x)
    if x == 0:
        text = "0"
    elif size >= SCIENTIFIC_FROM:
        return power_of_ten(x, 2 if digits is None else min(digits, 2))
    elif digits is not None and size < SCIENTIFIC_BELOW:
        text = f"{x:.1e}"
    elif x.is_integer():
        text = f"{round(x):,}"
    elif digits is None:
        text = f"{x:g}"
    else:  # to `digits` significant figures, a large magnitude rounded in its integer part (172.5 -> 170)
        rounded = round(x, digits - 1 - math.floor(math.log10(size)))
        text = f"{round(rounded):,}" if abs(rounded) >= 10 ** (digits - 1) else f"{rounded:.{digits}g}"
    return text.replace("-", MINUS)


ROUNDING = 1e-12  # a quantity of order one smaller than this is zero to floating-point rounding


def measured(x: float, digits: int = 3) -> str:
    """A measured quantity of order one (a distance, an error): ``number(x, digits)``, or ``"0 (to
    rounding)"`` when it is below ``ROUNDING`` (``5.6e−17`` says nothing a reader can use)."""
    return "0 (to rounding)" if abs(float(x)) < ROUNDING else number(x, digits)


def scientific(x: float, digits: int = 2) -> str:
    """Scientific notation to ``digits`` significant figures (``6.0e−04``, ``2.4e−01``): for numbers
    compared across decades in one sentence, so all of them read in one notation."""
    return f"{float(x):.{digits - 1}e}".replace("-", MINUS)


SUPERSCRIPT = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")
PLAIN_BELOW = 1e-4  # plain() writes smaller magnitudes as powers of ten


def plain(x: float, digits: int = 2) -> str:
    """A number without e-notation, for prose and tables that readers read as decimals: ``digits``
    significant figures (``0.00062``, ``43``, ``0.0016``), and below ``PLAIN_BELOW`` a power of ten
    (``2.6e-15`` to one figure is ``"3 × 10⁻¹⁵"``; a rounding error's size is all such a number says)."""
    x = float(x)
    if x == 0 or math.isnan(x) or math.isinf(x) or abs(x) >= 1:
        return number(x, digits)
    if abs(x) >= PLAIN_BELOW:
        return f"{x:.{digits}g}".replace("-", MINUS)  # positional from 1e-4 up
    return power_of_ten(x, digits)


def power_of_ten(x: float, digits: int = 2) -> str:
    """``x`` as a mantissa of ``digits`` significant figures times a power of ten, ``"2.2 × 10¹⁵"``
    (a mantissa of one is left out: ``"10⁻⁶"``), with narrow no-break spaces."""
    mantissa, exponent = f"{float(x):.{digits - 1}e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa  # 2.0 × 10⁻¹⁵ is 2 × 10⁻¹⁵
    power = f"10{str(int(exponent)).translate(SUPERSCRIPT)}"
    # Narrow no-break spaces (thin, as typeset): "3 ×" / "10⁻¹⁵" on two lines reads as two numbers.
    return (power if float(mantissa) == 1 else f"{mantissa}\u202f\u00d7\u202f{power}").replace("-", MINUS)


def significant(x: float, digits: int = 3) -> str:
    """A number as :func:`plain` writes it, with its trailing zeros kept, for numbers read side by side
    at one precision (thresholds: ``0.700`` beside ``0.632``, never ``0.7``; ``0.00050`` beside
    ``0.0066``); zero stays ``0`` and a power of ten is kept as it is."""
    text = plain(x, digits)
    if float(x) == 0 or "10" in text and "\u00d7" in text or not math.isfinite(float(x)):
        return text
    shown = len(text.replace(MINUS, "").replace(",", "").replace(".", "").lstrip("0"))
    if shown >= digits:
        return text
    return text + ("" if "." in text else ".") + "0" * (digits - shown)


PROPER_NAMES = {"gaussian": "Gaussian"}  # words of code names that prose capitalises


def code_name(name: str) -> str:
    """A code name as prose says it: ``"gaussian_noise"`` -> ``"Gaussian noise"``."""
    return " ".join(PROPER_NAMES.get(word, word) for word in name.split("_"))


SCALES = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))  # large magnitudes in words


def _scale(x: float) -> tuple[float, str]:
    return next(((value, name) for value, name in SCALES if abs(x) >= value), (1.0, ""))


def rounded(x: float, digits: int = 2) -> str:
    """An estimate (an extrapolated sample size) to ``digits`` significant figures, millions and up in
    words: ``1,609,565`` -> ``"1.6 million"``, ``2,540`` -> ``"2,500"``."""
    value = float(f"{float(x):.{digits}g}")
    unit, name = _scale(value)
    text = number(value / unit, digits)
    return f"{text} {name}" if name else text


def rounded_range(low: float, high: float, digits: int = 2) -> str:
    """Two estimates as a range, a shared scale word said once: ``"2.5 to 45 million"``."""
    low_value, high_value = (float(f"{float(x):.{digits}g}") for x in (low, high))
    (unit, name), (_, high_name) = _scale(low_value), _scale(high_value)
    if name and name == high_name:
        return f"{number(low_value / unit, digits)} to {rounded(high, digits)}"
    return f"{rounded(low, digits)} to {rounded(high, digits)}"


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
