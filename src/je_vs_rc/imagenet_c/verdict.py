"""The paradigm comparison a run's numbers support (Table 1's question: does reconstruction lose more
of its accuracy than joint embedding as the corruption grows?), as data. Its English is
``je_vs_rc.render.imagenet_c_text.verdict_text``; the landing page's row is ``je_vs_rc.checks.table1``.

Per corruption and backbone, at augmentation strength 0 (the paper's setting): methods are compared
only if each beats the random-init baseline at every severity, its margin's t interval over seeds
(at ``level``, 95%) excluding 0 (a method that did not has learned nothing at this scale, and its drop
says nothing about its paradigm); then each reconstruction method's drop is compared with each
joint-embedding method's, paired by seed, and the difference is a finding only if its t interval
excludes 0. Otherwise the answer is "cannot tell".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..stats import LEVEL, Spread
from ..theory.methods import JOINT_EMBEDDING, RECONSTRUCTION
from .statistics import (
    BASELINES,
    Row,
    beyond_random,
    field,
    paired,
    paradigm_of,
    relative_drops,
    summarize_drops,
)

RC_MORE = f"{RECONSTRUCTION.short} drops more"  # resolved, in the paper's direction
JE_MORE = f"{JOINT_EMBEDDING.short} drops more"  # resolved, against it
UNRESOLVED = "unresolved"
INCONCLUSIVE = "inconclusive"  # one side has no method that learned anything


@dataclass(frozen=True)
class Comparison:
    """One JE-RC comparison on one corruption and backbone: ``difference`` is the reconstruction
    method's relative drop minus the joint-embedding method's, paired by seed. An inconclusive one
    names no methods and no difference, and lists the methods that did not learn."""

    corruption: str
    backbone: str
    status: str
    je: str | None = None
    rc: str | None = None
    difference: Spread | None = None
    not_learned: tuple[str, ...] = ()


@dataclass(frozen=True)
class Group:
    """One corruption on one backbone: the comparisons made there and, for each method that did not beat
    the random-init baseline at every severity, its smallest margin (an entry of ``beyond_random``)."""

    corruption: str
    backbone: str
    comparisons: tuple[Comparison, ...]
    worst_margins: tuple[dict[str, Any], ...] = ()
    never_learned: tuple[str, ...] = ()  # of not_learned: the methods that beat it at no severity

    @property
    def not_learned(self) -> tuple[str, ...]:
        return tuple(b["method"] for b in self.worst_margins)

    @property
    def inconclusive(self) -> bool:
        return any(c.status == INCONCLUSIVE for c in self.comparisons)


@dataclass(frozen=True)
class Verdict:
    groups: tuple[Group, ...]
    level: float

    @property
    def comparisons(self) -> list[Comparison]:
        return [c for g in self.groups for c in g.comparisons]


def _worst_margins(learned: list[dict[str, Any]], methods: set[str]) -> tuple[dict[str, Any], ...]:
    """For each of ``methods`` with a cell that did not learn, that method's smallest margin, by name."""
    failed = sorted({b["method"] for b in learned if b["method"] in methods and not b["learned"]})
    return tuple(
        min((b for b in learned if not b["learned"] and b["method"] == m), key=lambda b: b["margin"]) for m in failed
    )


def _group(
    corruption: str, backbone: str, drops: list[dict], learned: list[dict], per_seed: list, level: float
) -> Group:
    worst = _worst_margins(learned, {d["method"] for d in drops})
    failed = {b["method"] for b in worst}
    never = tuple(sorted(m for m in failed if not any(b["learned"] for b in learned if b["method"] == m)))
    kept = [d for d in drops if d["method"] not in failed]
    je = [d for d in kept if paradigm_of(d) is JOINT_EMBEDDING]
    rc = [d for d in kept if paradigm_of(d) is RECONSTRUCTION]
    if not je or not rc:
        inconclusive = Comparison(corruption, backbone, INCONCLUSIVE, not_learned=tuple(sorted(failed)))
        return Group(corruption, backbone, (inconclusive,), worst, never)
    where = {"backbone": backbone, "corruption": corruption}
    comparisons = []
    for j in je:
        for r in rc:
            d = paired(per_seed, {"method": r["method"], **where}, {"method": j["method"], **where}, "drop")
            status = {1: RC_MORE, -1: JE_MORE, 0: UNRESOLVED}[d.side(0.0, level)]
            comparisons.append(Comparison(corruption, backbone, status, j["method"], r["method"], d))
    return Group(corruption, backbone, tuple(comparisons), worst, never)


def compare(rows: Sequence[Row], level: float = LEVEL) -> Verdict:
    """The :class:`Verdict` of ``rows``: one :class:`Group` per corruption and backbone."""
    plain = [r for r in rows if field(r, "augment_strength") == 0]
    learned = beyond_random(plain, level)
    per_seed = relative_drops(plain)
    drops = summarize_drops(per_seed)
    groups = []
    for corruption, backbone in sorted(
        {(d["corruption"], d["backbone"]) for d in drops if d["method"] not in BASELINES}
    ):
        here = [
            d
            for d in drops
            if (d["corruption"], d["backbone"]) == (corruption, backbone) and d["method"] not in BASELINES
        ]
        cells = [b for b in learned if (b["corruption"], b["backbone"]) == (corruption, backbone)]
        groups.append(_group(corruption, backbone, here, cells, per_seed, level))
    return Verdict(tuple(groups), level)
