"""Statistics over seeds, shared by the three trained studies (the ImageNet-C table, chapter 12's trained
networks, chapter 13's nuisance grid); numpy and scipy only.

A seed is one replicate: two runs with the same seed see the same data, so two runs are compared by their
differences paired by seed, which vary less than either run. A mean over seeds carries its two-sided Student
t interval at :data:`LEVEL` (with 3 seeds, 4.3 standard errors at 95%, not 2). A mean is *resolved* against a
value when its interval excludes it; an interval that holds the value, and one value alone (no interval),
answer "cannot tell" (:data:`CANNOT_TELL`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

LEVEL = 0.95  # the confidence of every t interval over seeds
CANNOT_TELL = "cannot tell"  # the answer when an interval holds the value it is compared with


def t_quantile(n: int, level: float = LEVEL) -> float:
    """The two-sided ``level`` quantile of Student's t with ``n - 1`` degrees of freedom: the half-width of
    the t interval of a mean of ``n`` values in standard errors (inf for n < 2: one value has no interval)."""
    from scipy import stats  # here, not at the top: importing scipy.stats costs ~0.75 CPU-s in every process

    return float(stats.t.ppf(0.5 + level / 2, n - 1)) if n >= 2 else math.inf


@dataclass(frozen=True)
class Spread:
    """Mean, sample standard deviation (n - 1; NaN for fewer than two values), standard error and count of
    a sample over seeds: floats, or arrays for samples stacked along an axis (:func:`spread`)."""

    mean: Any
    std: Any
    sem: Any
    n: int

    def halfwidth(self, level: float = LEVEL) -> Any:
        """Half the width of the two-sided ``level`` t interval of the mean (inf for fewer than two values)."""
        if self.n < 2:
            return math.inf if np.ndim(self.mean) == 0 else np.full_like(self.mean, np.inf)
        return t_quantile(self.n, level) * self.sem

    def side(self, value: float = 0.0, level: float = LEVEL) -> int:
        """Where the mean lies against ``value``: +1 when its ``level`` t interval lies above it, -1 below, 0
        when the interval holds it (cannot tell; always so for fewer than two values). Scalars only."""
        h = self.halfwidth(level)
        if self.mean - h > value:
            return 1
        return -1 if self.mean + h < value else 0

    def resolved(self, level: float = LEVEL) -> bool:
        """Whether the mean differs from zero: its ``level`` t interval excludes 0."""
        return self.side(0.0, level) != 0


NO_VALUES = Spread(math.nan, math.nan, math.nan, 0)


def spread(values: Iterable[float] | np.ndarray, axis: int = -1) -> Spread:
    """The :class:`Spread` of ``values`` (a sample over seeds; for an array, along ``axis``)."""
    x = np.asarray(values if isinstance(values, np.ndarray) else list(values), dtype=float)
    n = x.shape[axis]
    if n == 0:
        return NO_VALUES
    mean = x.mean(axis=axis)
    std = x.std(axis=axis, ddof=1) if n > 1 else np.full_like(mean, np.nan)
    sem = std / np.sqrt(n)
    if np.ndim(mean) == 0:
        return Spread(float(mean), float(std), float(sem), n)
    return Spread(mean, std, sem, n)


def paired(a: Mapping[Any, float], b: Mapping[Any, float]) -> Spread:
    """The :class:`Spread` of ``a - b`` over the seeds (keys) both have, in seed order (:data:`NO_VALUES`
    if they share none)."""
    return spread([a[s] - b[s] for s in sorted(set(a) & set(b))])
