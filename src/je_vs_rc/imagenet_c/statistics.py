"""The statistics of the ImageNet-C table: rows aggregated over seeds (mean, spread, standard error),
differences paired by seed, relative drops, the random-init baseline's margins and the injection
effects (App. D.3). Torch-free; what they mean in words is ``je_vs_rc.render.imagenet_c_text``'s.

A seed is one replicate (the same images, the same corruption draws for every method), so two
methods' scores are compared as differences paired by seed, which vary less than either score.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict

from .. import paper, stats
from ..paper import relative_drop
from ..stats import LEVEL, Spread, spread
from ..theory import methods as theory
from ..theory.methods import LinearMethod

RANDOM_INIT = "random_init"  # the method name of the frozen random-init rows (je_vs_rc.imagenet_c.phases)
PIXELS = "pixels"  # the method name of the raw-pixel rows: the probe on the images themselves
BASELINES = (PIXELS, RANDOM_INIT)  # rows that learned nothing by construction; never a paradigm's


class Row(TypedDict, total=False):
    """One line of ``results.json``: one probe of one model (a pretrained method or the random-init
    baseline) on one corruption, severity and seed. ``paradigm`` is the short name of the method's
    paradigm in the theory's registry ("JE", "RC"; "none" for the baseline); ``top1_clean`` is NaN
    when the test set is the official ImageNet-C. The pipeline also records the probe's chosen
    ``weight_decay`` and its validation scores."""

    method: str
    paradigm: str
    backbone: str
    corruption: str
    severity: int
    seed: int
    augment_strength: int  # 0: no injection; rows written before injection existed lack it
    top1: float
    top1_clean: float


DEFAULTS: dict[str, Any] = {"augment_strength": 0}  # what a row that lacks a field means by it


def field(row: Row | dict[str, Any], key: str) -> Any:
    """``row[key]``, or its default (:data:`DEFAULTS`; None for a field without one)."""
    return row.get(key, DEFAULTS.get(key))


def paradigm_of(entry: Row | dict[str, Any]) -> LinearMethod | None:
    """The theory's method a row's (or summary's) ``paradigm`` names, None for the random-init baseline:
    its colour, short name and side of a JE-RC comparison follow from it."""
    return next((m for m in theory.METHODS.values() if m.short == entry.get("paradigm")), None)


def paired(rows: Sequence[Row], a: dict[str, Any], b: dict[str, Any], metric: str = "top1") -> Spread:
    """``metric`` of the rows matching ``a`` minus that of the rows matching ``b``, paired by seed;
    only seeds present on both sides count (``stats.NO_VALUES`` if none)."""

    def by_seed(where: dict[str, Any]) -> dict[int, float]:
        return {r["seed"]: float(r[metric]) for r in rows if all(field(r, k) == v for k, v in where.items())}

    return stats.paired(by_seed(a), by_seed(b))


GROUP = ("method", "backbone", "corruption", "augment_strength", "seed")  # one pretrained model per severity


def relative_drops(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """Per model series (method, backbone, corruption, augmentation strength, seed): the relative drop
    in top-1 from the lowest to the highest severity measured, ``(S_low - S_high) / S_low * 100``
    (Table 1 uses severities 1 and 5)."""
    series: dict[tuple, list[Row]] = {}
    for r in rows:
        series.setdefault(tuple(field(r, k) for k in GROUP), []).append(r)
    out = []
    for group, sub in sorted(series.items(), key=lambda kv: repr(kv[0])):
        sub = sorted(sub, key=lambda r: r["severity"])
        if len(sub) < 2:
            continue
        out.append(
            {
                **dict(zip(GROUP, group)),
                "paradigm": sub[0].get("paradigm"),
                "from": sub[0]["severity"],
                "to": sub[-1]["severity"],
                "drop": relative_drop(sub[0]["top1"], sub[-1]["top1"]),
            }
        )
    return out


CELL = ("method", "paradigm", "backbone", "corruption", "augment_strength", "severity")  # one table cell over seeds


def summarize(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """Per table cell (method, backbone, corruption, augmentation strength, severity): mean, spread
    (sample std) and standard error over seeds of ``top1`` and ``top1_clean``."""
    cells: dict[tuple, list[Row]] = {}
    for r in rows:
        cells.setdefault(tuple(field(r, k) for k in CELL), []).append(r)
    out = []
    for cell, sub in cells.items():
        entry: dict[str, Any] = dict(zip(CELL, cell))
        for metric in ("top1", "top1_clean"):
            s = spread([float(r.get(metric, float("nan"))) for r in sub])
            entry.update({metric: s.mean, f"{metric}_std": s.std, f"{metric}_sem": s.sem})
        entry["seeds"] = len(sub)
        entry["paradigm"] = sub[0].get("paradigm")
        out.append(entry)
    return sorted(
        out,
        key=lambda e: (
            e["corruption"],
            e["backbone"],
            e["method"] not in BASELINES,
            e["method"],
            e["augment_strength"],
            e["severity"],
        ),
    )


def summarize_drops(drops: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per (method, backbone, corruption, augmentation strength): mean, spread and standard error over
    seeds of the relative drop (each seed's drop computed from its own series)."""
    keys = ("method", "paradigm", "backbone", "corruption", "augment_strength", "from", "to")
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for d in drops:
        groups.setdefault(tuple(field(d, k) for k in keys), []).append(d)
    out = []
    for group, sub in sorted(groups.items(), key=repr):
        s = spread([d["drop"] for d in sub])
        out.append({**dict(zip(keys, group)), "drop": s.mean, "drop_std": s.std, "drop_sem": s.sem, "seeds": s.n})
    return out


def drops_at(rows: Sequence[Row], strength: int = 0) -> dict[tuple[str, str, str], dict[str, Any]]:
    """The relative drops over seeds (:func:`summarize_drops`) at one injection strength, keyed by
    (method, backbone, corruption): what the run's table shows and the drop chart draws."""
    return {
        (d["method"], d["backbone"], d["corruption"]): d
        for d in summarize_drops(relative_drops(rows))
        if d["augment_strength"] == strength
    }


def beyond_random(rows: Sequence[Row], level: float = LEVEL) -> list[dict[str, Any]]:
    """For every pretrained cell (method, backbone, corruption, strength, severity), its margin in
    top-1 over the random-init baseline of the same backbone, corruption and severity, paired by
    seed, whether it is resolved (``learned``: a positive margin whose ``level`` t interval excludes
    0), and its margin over the raw pixels (``pixel_margin``; NaN without pixel rows)."""
    out = []
    for e in summarize(rows):
        if e["method"] in BASELINES:
            continue
        cell = {k: e[k] for k in ("method", "backbone", "corruption", "augment_strength", "severity")}
        base = {"method": RANDOM_INIT, **{k: e[k] for k in ("backbone", "corruption", "severity")}}
        d = paired(rows, cell, base)
        if d.n == 0:
            continue
        out.append(
            {
                **{k: e[k] for k in CELL},
                "top1": e["top1"],
                "random_top1": e["top1"] - d.mean,
                "margin": d.mean,
                "margin_sem": d.sem,
                "margin_halfwidth": d.halfwidth(level),
                "seeds": d.n,
                "learned": d.side(0.0, level) > 0,
                "pixel_margin": paired(rows, cell, {**base, "method": PIXELS, "backbone": "none"}).mean,
            }
        )
    return out


def injection_effects(rows: Sequence[Row], level: float = LEVEL) -> list[dict[str, Any]]:
    """App. D.3: for each method, corruption, severity and injection strength > 0, the change in mean
    top-1 over strength 0 on the corrupted test set and on clean data, paired by seed, with standard
    errors."""
    summary = {
        (e["method"], e["backbone"], e["corruption"], e["severity"], e["augment_strength"]): e
        for e in summarize(rows)
        if e["method"] not in BASELINES
    }
    out = []
    for method, backbone, corruption, severity, strength in sorted(summary):
        if strength == 0 or (method, backbone, corruption, severity, 0) not in summary:
            continue
        cell = {"method": method, "backbone": backbone, "corruption": corruption, "severity": severity}
        entry: dict[str, Any] = {**cell, "augment_strength": strength}
        for metric, label in (("top1", "corrupted"), ("top1_clean", "clean")):
            d = paired(rows, {**cell, "augment_strength": strength}, {**cell, "augment_strength": 0}, metric)
            entry.update({f"gain_{label}": d.mean, f"gain_{label}_sem": d.sem, f"resolved_{label}": d.resolved(level)})
        out.append(entry)
    return out


def injection_help_rate(effects: Sequence[dict[str, Any]], on: str = "corrupted") -> float:
    """Fraction of configurations where injection raised mean top-1 (the paper's count: help in 60-85%)."""
    if not effects:
        return float("nan")
    return sum(e[f"gain_{on}"] > 0 for e in effects) / len(effects)


def drop_comparison(rows: Sequence[Row], strength: int = 0) -> list[dict[str, Any]]:
    """Per corruption and method, the paper's relative drop (Table 1, ImageNet) beside ours: the
    mean, sample std and seeds of :func:`drops_at` (the numbers of the run's table), with the
    severities our drop spans. The paper's three corruptions and methods come first; a corruption or
    method only one side has gets ``None`` on the other (the random-init baseline is ours only)."""
    ours = drops_at(rows, strength)
    corruptions = list(next(iter(paper.TABLE1.values())))
    corruptions += sorted({c for _, _, c in ours} - set(corruptions))
    methods = [m.lower() for m in paper.TABLE1]
    methods += sorted({m for m, _, _ in ours} - set(methods) - set(BASELINES))
    methods += [b for b in BASELINES if any(m == b for m, _, _ in ours)]
    out = []
    for corruption in corruptions:
        for method in methods:
            published = paper.TABLE1.get(method.upper(), {}).get(corruption) if method not in BASELINES else None
            mine = [d for (m, _, c), d in ours.items() if (m, c) == (method, corruption)]
            if len(mine) > 1:
                raise ValueError(f"{method} on {corruption} was run on several backbones; compare one at a time")
            if published is None and not mine:
                continue
            d = mine[0] if mine else None
            out.append(
                {
                    "method": method,
                    "paradigm": d["paradigm"] if d else theory.get(paper.TABLE1_PARADIGM[method.upper()]).short,
                    "corruption": corruption,
                    "paper": published[3] if published else None,
                    "ours": d["drop"] if d else None,
                    "ours_std": d["drop_std"] if d else None,
                    "seeds": d["seeds"] if d else 0,
                    "span": (d["from"], d["to"]) if d else None,
                }
            )
    return out
