"""The results of the deep-learning chapter: rows written atomically with their provenance, the
aggregation over seeds (mean, spread, standard error), the random-init baseline's margins, the
verdict the error bars support, the injection effects (App. D.3), and the paper's Table 1."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import paper
from .._io import atomic_path
from ..checks.scorecard import NOT_RUN, Score, counted
from ..paper import relative_drop
from ..render.tables import count

RANDOM_INIT = "random_init"  # the method name of the frozen random-init rows (je_vs_rc.imagenet_c.pipeline)


GROUP = ("method", "backbone", "corruption", "augment_strength", "seed")  # one pretrained model per severity


def relative_drops(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per model series (method, backbone, corruption, augmentation strength, seed): the relative drop
    in top-1 from the lowest to the highest severity measured, ``(S_low - S_high) / S_low * 100``
    (Table 1 uses severities 1 and 5)."""
    series: dict[tuple, list[dict[str, Any]]] = {}
    for r in rows:
        series.setdefault(tuple(r.get(k) for k in GROUP), []).append(r)
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


def mean_spread(values: Sequence[float]) -> dict[str, float]:
    """Mean, sample standard deviation (n - 1; NaN for one value) and standard error of ``values``."""
    n = len(values)
    if n == 0:
        raise ValueError("mean_spread needs at least one value")
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else float("nan")
    return {"mean": mean, "std": std, "sem": std / math.sqrt(n), "n": n}


CELL = ("method", "paradigm", "backbone", "corruption", "augment_strength", "severity")  # one table cell over seeds


def summarize(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per table cell (method, backbone, corruption, augmentation strength, severity): mean, spread
    (sample std) and standard error over seeds of ``top1`` and ``top1_clean``."""
    cells: dict[tuple, list[dict[str, Any]]] = {}
    for r in rows:
        cells.setdefault(tuple(r.get(k, 0 if k == "augment_strength" else None) for k in CELL), []).append(r)
    out = []
    for cell, sub in cells.items():
        entry: dict[str, Any] = dict(zip(CELL, cell))
        for metric in ("top1", "top1_clean"):
            stats = mean_spread([float(r.get(metric, float("nan"))) for r in sub])
            entry.update({metric: stats["mean"], f"{metric}_std": stats["std"], f"{metric}_sem": stats["sem"]})
        entry["seeds"] = len(sub)
        entry["paradigm"] = sub[0].get("paradigm")
        out.append(entry)
    return sorted(
        out,
        key=lambda e: (
            e["corruption"],
            e["backbone"],
            e["method"] != RANDOM_INIT,
            e["method"],
            e["augment_strength"],
            e["severity"],
        ),
    )


def summarize_drops(drops: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per (method, backbone, corruption, augmentation strength): mean, spread and standard error over
    seeds of the relative drop (each seed's drop computed from its own series)."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for d in drops:
        groups.setdefault(
            (
                d["method"],
                d.get("paradigm"),
                d.get("backbone"),
                d["corruption"],
                d.get("augment_strength", 0),
                d["from"],
                d["to"],
            ),
            [],
        ).append(d)
    out = []
    for (method, paradigm, backbone, corruption, strength, lo, hi), sub in sorted(groups.items(), key=repr):
        stats = mean_spread([d["drop"] for d in sub])
        out.append(
            {
                "method": method,
                "paradigm": paradigm,
                "backbone": backbone,
                "corruption": corruption,
                "augment_strength": strength,
                "from": lo,
                "to": hi,
                "drop": stats["mean"],
                "drop_std": stats["std"],
                "drop_sem": stats["sem"],
                "seeds": stats["n"],
            }
        )
    return out


def resolved(diff: float, sem: float, z: float = 2.0) -> bool:
    """Whether a mean difference is resolved: ``|diff| > z`` standard errors (a single seed has no
    error bar and resolves nothing)."""
    return math.isfinite(sem) and abs(diff) > z * sem


def paired(
    rows: Sequence[dict[str, Any]], a: dict[str, Any], b: dict[str, Any], metric: str = "top1"
) -> dict[str, float]:
    """Mean, spread and standard error over seeds of ``metric`` of the rows matching ``a`` minus that
    of the rows matching ``b``, paired by seed (a seed is one replicate: same images, same corruption
    draws, so their differences vary less than either score). Only seeds present on both sides count."""

    def by_seed(where: dict[str, Any]) -> dict[int, float]:
        return {
            r["seed"]: float(r[metric])
            for r in rows
            if all(r.get(k, 0 if k == "augment_strength" else None) == v for k, v in where.items())
        }

    left, right = by_seed(a), by_seed(b)
    seeds = sorted(set(left) & set(right))
    if not seeds:
        return {"mean": float("nan"), "std": float("nan"), "sem": float("nan"), "n": 0}
    return mean_spread([left[s] - right[s] for s in seeds])


def beyond_random(rows: Sequence[dict[str, Any]], z: float = 2.0) -> list[dict[str, Any]]:
    """For every pretrained cell (method, backbone, corruption, strength, severity), its margin in
    top-1 over the random-init baseline of the same backbone, corruption and severity, paired by
    seed, and whether it is resolved (``learned``: a positive margin of more than ``z`` standard errors)."""
    out = []
    for e in summarize(rows):
        if e["method"] == RANDOM_INIT:
            continue
        cell = {k: e[k] for k in ("method", "backbone", "corruption", "augment_strength", "severity")}
        base = {
            "method": RANDOM_INIT,
            "backbone": e["backbone"],
            "corruption": e["corruption"],
            "severity": e["severity"],
        }
        d = paired(rows, cell, base)
        if d["n"] == 0:
            continue
        out.append(
            {
                **{k: e[k] for k in CELL},
                "top1": e["top1"],
                "random_top1": e["top1"] - d["mean"],
                "margin": d["mean"],
                "margin_sem": d["sem"],
                "seeds": d["n"],
                "learned": resolved(d["mean"], d["sem"], z) and d["mean"] > 0,
            }
        )
    return out


def verdict(rows: Sequence[dict[str, Any]], z: float = 2.0) -> dict[str, Any]:
    """The paradigm comparison the numbers support, per corruption and backbone (augmentation
    strength 0, the paper's setting).

    Joint-embedding and reconstruction methods on the same backbone are compared only if each
    beats the random-init baseline (by ``z`` standard errors) at every severity: a method that did
    not has learned nothing at this scale, and its drop says nothing about its paradigm. Then the
    difference of drops (RC minus JE, paired by seed) is a finding only if it exceeds ``z`` standard
    errors.
    Returns ``{"comparisons": [...], "text": one sentence per corruption and backbone}``.
    """
    plain = [r for r in rows if r.get("augment_strength", 0) == 0]
    learned = beyond_random(plain, z)
    per_seed = relative_drops(plain)
    drops = summarize_drops(per_seed)
    comparisons, sentences = [], []
    for corruption, backbone in sorted({(d["corruption"], d["backbone"]) for d in drops}):
        here = [
            d
            for d in drops
            if (d["corruption"], d["backbone"]) == (corruption, backbone) and d["method"] != RANDOM_INIT
        ]
        failed = sorted(
            {
                b["method"]
                for b in learned
                if (b["corruption"], b["backbone"]) == (corruption, backbone)
                and b["method"] in {d["method"] for d in here}
                and not b["learned"]
            }
        )
        worst = {
            m: min(
                (
                    b
                    for b in learned
                    if not b["learned"] and (b["corruption"], b["backbone"], b["method"]) == (corruption, backbone, m)
                ),
                key=lambda b: b["margin"],
            )
            for m in failed
        }
        failed_said = "; ".join(
            f"{m.upper()} {worst[m]['margin']:+.1f}"
            + (
                f" ± {worst[m]['margin_sem']:.1f}"
                if math.isfinite(worst[m]["margin_sem"])
                else " (one seed: no error bar)"
            )
            + f" points at severity {worst[m]['severity']}"
            for m in failed
        )
        je = [d for d in here if d["paradigm"] == "JE" and d["method"] not in failed]
        rc = [d for d in here if d["paradigm"] == "RC" and d["method"] not in failed]
        where = f"{corruption.replace('_', ' ')} on {backbone}"
        if not je or not rc:
            reason = (
                f"{', '.join(m.upper() for m in failed)} did not beat the random-init baseline by "
                f"{z:g} standard errors at every severity; smallest margins {failed_said}"
                if failed
                else "one paradigm is missing from this backbone"
            )
            sentences.append(f"{where}: inconclusive at this scale ({reason}).")
            comparisons.append(
                {"corruption": corruption, "backbone": backbone, "status": "inconclusive", "not_learned": failed}
            )
            continue
        if failed:
            sentences.append(
                f"{where}: {', '.join(m.upper() for m in failed)} did not beat the random-init baseline "
                f"by {z:g} standard errors at every severity ({failed_said}) and is left out of "
                f"the comparison."
            )
        for j in je:
            for r in rc:
                d = paired(
                    per_seed,
                    {"method": r["method"], "backbone": backbone, "corruption": corruption},
                    {"method": j["method"], "backbone": backbone, "corruption": corruption},
                    "drop",
                )
                diff, sem = d["mean"], d["sem"]
                ok = resolved(diff, sem, z)
                comparisons.append(
                    {
                        "corruption": corruption,
                        "backbone": backbone,
                        "je": j["method"],
                        "rc": r["method"],
                        "difference": diff,
                        "sem": sem,
                        "status": ("RC drops more" if diff > 0 else "JE drops more") if ok else "unresolved",
                    }
                )
                said = (
                    (
                        f"{r['method'].upper()} (RC) drops {abs(diff):.1f} points {'more' if diff > 0 else 'less'} "
                        f"than {j['method'].upper()} (JE), {abs(diff) / sem:.1f} standard errors"
                        + (" (the paper's direction)" if diff > 0 else " (against the paper's direction)")
                    )
                    if ok
                    else (
                        f"the drops of {r['method'].upper()} (RC) and {j['method'].upper()} (JE) differ by {diff:+.1f} "
                        f"± {sem:.1f} points, which does not resolve a difference (inconclusive at this scale)"
                    )
                )
                sentences.append(f"{where}: {said}.")
    return {"comparisons": comparisons, "text": " ".join(sentences)}


def injection_effects(rows: Sequence[dict[str, Any]], z: float = 2.0) -> list[dict[str, Any]]:
    """App. D.3: for each method, corruption, severity and injection strength > 0, the change in mean
    top-1 over strength 0 on the corrupted test set and on clean data, paired by seed, with standard
    errors."""
    summary = {
        (e["method"], e["backbone"], e["corruption"], e["severity"], e["augment_strength"]): e
        for e in summarize(rows)
        if e["method"] != RANDOM_INIT
    }
    out = []
    for method, backbone, corruption, severity, strength in sorted(summary):
        if strength == 0 or (method, backbone, corruption, severity, 0) not in summary:
            continue
        entry = {
            "method": method,
            "backbone": backbone,
            "corruption": corruption,
            "severity": severity,
            "augment_strength": strength,
        }
        cell = {"method": method, "backbone": backbone, "corruption": corruption, "severity": severity}
        for metric, label in (("top1", "corrupted"), ("top1_clean", "clean")):
            d = paired(rows, {**cell, "augment_strength": strength}, {**cell, "augment_strength": 0}, metric)
            diff, sem = d["mean"], d["sem"]
            entry.update({f"gain_{label}": diff, f"gain_{label}_sem": sem, f"resolved_{label}": resolved(diff, sem, z)})
        out.append(entry)
    return out


def injection_help_rate(effects: Sequence[dict[str, Any]], on: str = "corrupted") -> float:
    """Fraction of configurations where injection raised mean top-1 (the paper's count: help in 60-85%)."""
    if not effects:
        return float("nan")
    return sum(e[f"gain_{on}"] > 0 for e in effects) / len(effects)


def injection_text(effects: Sequence[dict[str, Any]], z: float = 2.0) -> str:
    """App. D.3's count on our run, in words: where injection ran, the share of configurations whose
    mean top-1 it raised on the corrupted test set and on clean data (the paper's measure), and how
    many gains and losses exceed ``z`` standard errors (the part that is evidence)."""
    if not effects:
        return "This run holds no injected configurations."
    strengths = sorted({e["augment_strength"] for e in effects})
    severities = sorted({e["severity"] for e in effects})
    said = [
        f"Our run injects at strength{'s' if len(strengths) > 1 else ''} {', '.join(map(str, strengths))}, "
        f"at severit{'ies' if len(severities) > 1 else 'y'} {', '.join(map(str, severities))} "
        f"({len(effects)} configurations of method, severity and strength)."
    ]
    for on, where in (("corrupted", "on the corrupted test set"), ("clean", "on clean data")):
        gains = sum(e[f"resolved_{on}"] and e[f"gain_{on}"] > 0 for e in effects)
        losses = sum(e[f"resolved_{on}"] and e[f"gain_{on}"] < 0 for e in effects)
        said.append(
            f"Injection raised the mean top-1 {where} in {100 * injection_help_rate(effects, on):.0f}% of "
            f"them; {count(gains, 'gain', 'gains')} and {count(losses, 'loss', 'losses')} exceed {z:g} standard errors."
        )
    return " ".join(said)


def injection_table_markdown(effects: Sequence[dict[str, Any]]) -> str:
    """:func:`injection_effects` as a captioned table: the gain in top-1 over the plain model on the
    corrupted test set and on clean data, "mean ± standard error" of the seed-paired differences; the
    columns equal on every line (the severity, when injection ran at one) go to the caption."""
    from ..render.tables import markdown_table, split_constant

    rows = [
        {
            "method": method_label(e["method"], None),
            "severity": e["severity"],
            "augment_strength": e["augment_strength"],
            "corrupted": _pm(e["gain_corrupted"], e["gain_corrupted_sem"]),
            "clean": _pm(e["gain_clean"], e["gain_clean_sem"]),
        }
        for e in effects
    ]
    columns, constant = split_constant(
        rows,
        {
            "method": "method",
            "severity": "severity",
            "augment_strength": "injection strength",
            "corrupted": "gain, corrupted test",
            "clean": "gain, clean data",
        },
    )
    caption = (
        "Injecting the corruption into the augmentations (App. D.3), our run: change in linear-probe top-1 "
        "(points) over the plain model, mean ± standard error of the differences paired by seed"
        + (f"; {constant}" if constant else "")
        + "."
    )
    return markdown_table(rows, columns, caption=caption)


def _pm(mean: float, std: float) -> str:
    """A table cell "mean ± spread", with no-break spaces: on a phone the table scrolls, the cell stays one line."""
    return f"{mean:.1f}" if not math.isfinite(std) else f"{mean:.1f}\u00a0±\u00a0{std:.1f}"


def method_label(method: str, paradigm: str | None) -> str:
    """How tables and figures name a method: ``"BYOL (JE)"``, or ``"random init"`` for the frozen baseline."""
    if method == RANDOM_INIT:
        return "random init"
    return f"{method.upper()} ({paradigm})" if paradigm else method.upper()


def drops_at(rows: Sequence[dict[str, Any]], strength: int = 0) -> dict[tuple[str, str, str], dict[str, Any]]:
    """The relative drops over seeds (:func:`summarize_drops`) at one injection strength, keyed by
    (method, backbone, corruption): what the run's table shows and the drop chart draws."""
    return {
        (d["method"], d["backbone"], d["corruption"]): d
        for d in summarize_drops(relative_drops(rows))
        if d["augment_strength"] == strength
    }


def wide_table(rows: Sequence[dict[str, Any]], strength: int = 0) -> list[dict[str, Any]]:
    """One line per method and backbone (the random-init baseline first) and corruption: top-1 at
    each severity and the relative drop, as "mean ± std over seeds" (the mean alone for one seed)."""
    summary = [e for e in summarize(rows) if e["augment_strength"] == strength or e["method"] == RANDOM_INIT]
    drops = drops_at(rows, strength)
    out: dict[tuple, dict[str, Any]] = {}
    for e in summary:
        key = (e["corruption"], e["backbone"], e["method"])
        line = out.setdefault(
            key,
            {
                "method": method_label(e["method"], e["paradigm"]),
                "paradigm": e["paradigm"],
                "backbone": e["backbone"],
                "corruption": e["corruption"].replace("_", " "),
                "seeds": e["seeds"],
            },
        )
        line[f"s{e['severity']}"] = _pm(e["top1"], e["top1_std"])
        d = drops.get((e["method"], e["backbone"], e["corruption"]))
        line["drop"] = _pm(d["drop"], d["drop_std"]) if d else "–"
    return list(out.values())


# The run's table: method (with its paradigm), top-1 per severity, relative drop; the columns a run
# lacks (severities it did not measure) and those equal on every line go (see table_markdown).
RUN_COLUMNS = {
    "method": "method",
    "backbone": "backbone",
    "corruption": "corruption",
    **{f"s{k}": f"sev. {k}" for k in range(1, 6)},
    "drop": "rel. drop %",
    "seeds": "seeds",
}


def run_caption(meta: dict[str, Any]) -> str:
    """The scale of a run in a few words, for its table's caption: data, images, epochs, batch."""
    p = meta["parameters"]
    data = {"mnist": "MNIST digits at 32 px", "imagefolder": "an ImageFolder tree"}.get(p["dataset"], p["dataset"])
    return (
        f"{data}, {p['train_images'] or 'all'} training and {p['test_images'] or 'all'} test images, "
        f"{p['epochs']} epoch{'s' if p['epochs'] != 1 else ''} at batch {p['batch_size']}"
    )


def run_table_markdown(run: dict[str, Any], what: str, strength: int = 0) -> str:
    """A run's :func:`wide_table` as a captioned table: the caption gives its scale and the columns
    that are the same on every line (backbone, corruption, seeds), so the table keeps only what varies."""
    from ..render.tables import markdown_table, split_constant

    table = wide_table(run["rows"], strength)
    present = {k: h for k, h in RUN_COLUMNS.items() if any(k in r for r in table)}
    columns, constant = split_constant(table, present)
    caption = (
        f"{what}: linear-probe top-1 (%) on the corrupted test set, mean ± sample standard deviation over "
        f"seeds; {run_caption(run['provenance'])}" + (f"; {constant}" if constant else "") + "."
    )
    return markdown_table(table, columns, caption=caption)


def scale(meta: dict[str, Any]) -> str:
    """One line saying what a run was: data, budget, backbones, grid, seeds, and where it ran."""
    p = meta["parameters"]
    backbones = p["backbones"] if isinstance(p["backbones"], str) else ", ".join(sorted(set(p["backbones"].values())))
    listed = lambda values: ", ".join(map(str, values))  # noqa: E731
    injected = [s for s in p.get("augment_strengths", [0]) if s]
    return (
        f"{p['dataset']}, {p['train_images'] or 'all'} training and {p['test_images'] or 'all'} test images; "
        f"{count(p['epochs'], 'epoch', 'epochs')} at batch {p['batch_size']}; backbone {backbones}; "
        f"{listed(m.upper() for m in p['methods'])} on {listed(c.replace('_', ' ') for c in p['corruptions'])} "
        f"at severities {listed(p['severities'])}; "
        + (f"injection at strengths {listed(injected)}; " if injected else "no injection; ")
        + f"{count(len(p['seeds']), 'seed', 'seeds')}; {meta['device']}, torch {meta['torch']}, "
        f"{count(meta.get('torch_threads', '?'), 'thread', 'threads')}; {meta['wall_seconds'] / 60:.0f} min wall time"
        + (
            ""
            if meta.get("complete", True)
            else f" (stopped after {meta['cells_done']} of its {meta['cells']} grid cells)"
        )
    )


PAPER_BACKBONE = {"BYOL": "ResNet-50", "DINO": "ViT-B/16", "MAE": "ViT-B/16"}
PAPER_PARADIGM = {"BYOL": "JE", "DINO": "JE", "MAE": "RC"}
PAPER_DROP_SEVERITIES = (1, 5)  # Table 1's relative drop: from severity 1 to severity 5
PAPER_SCALE = "ImageNet, 500 epochs"


def paper_table() -> list[dict[str, Any]]:
    """Table 1 of the paper, all 36 numbers: one row per method and corruption."""
    return [
        {
            "method": m,
            "label": method_label(m.lower(), PAPER_PARADIGM[m]),
            "paradigm": PAPER_PARADIGM[m],
            "backbone": PAPER_BACKBONE[m],
            "corruption": c,
            "s1": v[0],
            "s3": v[1],
            "s5": v[2],
            "drop": v[3],
        }
        for m, by in paper.TABLE1.items()
        for c, v in by.items()
    ]


def paper_table_markdown() -> str:
    """Table 1 as published, every value to the paper's one decimal, in a captioned table."""
    from ..render.tables import markdown_table, split_constant

    rows = [{**r, "corruption": r["corruption"].replace("_", " ")} for r in paper_table()]
    columns = {
        "label": "method",
        "backbone": "backbone",
        "corruption": "corruption",
        "s1": "sev. 1",
        "s3": "sev. 3",
        "s5": "sev. 5",
        "drop": "rel. drop %",
    }
    columns, constant = split_constant(rows, columns)
    caption = (
        f"The paper's Table 1: linear-probe top-1 (%) after pretraining on corrupted {PAPER_SCALE}; "
        f"relative drop from severity {PAPER_DROP_SEVERITIES[0]} to {PAPER_DROP_SEVERITIES[1]}"
        + (f"; {constant}" if constant else "")
        + "."
    )
    return markdown_table(rows, columns, caption=caption, formats=dict.fromkeys(("s1", "s3", "s5", "drop"), ".1f"))


def drop_comparison(rows: Sequence[dict[str, Any]], strength: int = 0) -> list[dict[str, Any]]:
    """Per corruption and method, the paper's relative drop (Table 1, ImageNet) beside ours: the
    mean, sample std and seeds of :func:`drops_at` (the numbers of the run's table), with the
    severities our drop spans. The paper's three corruptions and methods come first; a corruption or
    method only one side has gets ``None`` on the other (the random-init baseline is ours only)."""
    ours = drops_at(rows, strength)
    corruptions = list(next(iter(paper.TABLE1.values())))
    corruptions += sorted({c for _, _, c in ours} - set(corruptions))
    methods = [m.lower() for m in paper.TABLE1]
    methods += sorted({m for m, _, _ in ours} - set(methods) - {RANDOM_INIT})
    methods += [RANDOM_INIT] if any(m == RANDOM_INIT for m, _, _ in ours) else []
    out = []
    for corruption in corruptions:
        for method in methods:
            published = paper.TABLE1.get(method.upper(), {}).get(corruption) if method != RANDOM_INIT else None
            mine = [d for (m, _, c), d in ours.items() if (m, c) == (method, corruption)]
            if len(mine) > 1:
                raise ValueError(f"{method} on {corruption} was run on several backbones; compare one at a time")
            if published is None and not mine:
                continue
            d = mine[0] if mine else None
            out.append(
                {
                    "method": method,
                    "paradigm": d["paradigm"] if d else PAPER_PARADIGM[method.upper()],
                    "corruption": corruption,
                    "paper": published[3] if published else None,
                    "ours": d["drop"] if d else None,
                    "ours_std": d["drop_std"] if d else None,
                    "seeds": d["seeds"] if d else 0,
                    "span": (d["from"], d["to"]) if d else None,
                }
            )
    return out


def drop_span_text(comparison: Sequence[dict[str, Any]]) -> str:
    """Which severities our relative drops span, against the paper's (severity 1 to 5)."""
    spans = sorted({e["span"] for e in comparison if e["span"]})
    if not spans:
        return "This run measured no relative drop."
    lo, hi = PAPER_DROP_SEVERITIES
    if spans == [PAPER_DROP_SEVERITIES]:
        return f"Both relative drops run from severity {lo} to {hi}."
    said = " and ".join(f"{a} to {b}" for a, b in spans)
    return f"Our relative drops run from severity {said}, the paper's from {lo} to {hi}: not the same span."


def _percents(values: Any) -> str:
    return " and ".join(f"{v:.1f}%" for v in values)


def drop_comparison_text(comparison: Sequence[dict[str, Any]]) -> str:
    """Where our run and the paper share a corruption: does the reconstruction method's mean drop lie
    above both joint-embedding methods', as in the paper, between them, or below? Means only, said
    as such; whether a difference is resolved is :func:`verdict`'s answer."""

    def where(value: float, others: list[float]) -> str:
        if all(value > o for o in others):
            return "above"
        if all(value < o for o in others):
            return "below"
        return "between"

    said = []
    for corruption in sorted({e["corruption"] for e in comparison}):
        here = [e for e in comparison if e["corruption"] == corruption]
        both = [e for e in here if e["ours"] is not None and e["paper"] is not None]
        je = [e for e in both if e["paradigm"] == "JE"]
        rc = [e for e in both if e["paradigm"] == "RC"]
        if not je or not rc:
            continue
        for r in rc:
            theirs = where(r["paper"], [e["paper"] for e in je])
            mine = where(r["ours"], [e["ours"] for e in je])
            names = " and ".join(e["method"].upper() for e in je)
            sentence = (
                f"On {corruption.replace('_', ' ')}, the paper's {r['method'].upper()} drop ({r['paper']:.1f}%) "
                f"lies {theirs} those of {names} ({_percents(e['paper'] for e in je)}); in our run its mean "
                f"drop ({r['ours']:.1f}%) lies {mine} theirs ({_percents(e['ours'] for e in je)}), "
                + ("the same order" if mine == theirs else "not the paper's order")
            )
            base = next((e for e in here if e["method"] == RANDOM_INIT and e["ours"] is not None), None)
            if base is not None:
                sentence += f", and the frozen random initialisation drops {base['ours']:.1f}%"
            said.append(sentence + ".")
    if not said:
        return "Our run shares no corruption with both paradigms of the paper's table."
    return " ".join(said) + " These are means over seeds; the verdict says which differences the error bars resolve."


def drop_chart_caption(comparison: Sequence[dict[str, Any]], meta: dict[str, Any]) -> str:
    """The drop chart's caption after its first sentence, from the run it draws: what the hatched
    bars are, the grey ones if the run has its random-init baseline, how its scale differs from the
    paper's, and which severities the drops span (:func:`drop_span_text`)."""
    p = meta["parameters"]
    seeds = len(p["seeds"])
    said = [
        f"Hatched: our run ({run_caption(meta)}), "
        + (
            f"mean over {seeds} seeds with one sample standard deviation, as in the table above."
            if seeds > 1
            else "one seed, so no error bar."
        )
    ]
    if any(e["method"] == RANDOM_INIT and e["ours"] is not None for e in comparison):
        said.append("Grey: the same backbone frozen at its random initialisation (the paper has no such baseline).")
    differ = [
        *(["the data (ours not ImageNet)"] if p["dataset"] != "imagefolder" else []),
        *([f"the pretraining ({p['epochs']} epochs, not 500)"] if p["epochs"] != 500 else []),
    ]
    if differ:
        said.append(
            f"The two sides differ in {' and '.join(differ)}: read the order of JE and RC within each side, "
            "not the heights across them."
        )
    said.append(drop_span_text(comparison))
    return " ".join(said)


def run_label(meta: dict[str, Any]) -> str:
    """Our run as the drop chart's legend names it: dataset, epochs, seeds."""
    p = meta["parameters"]
    data = {"mnist": "MNIST"}.get(p["dataset"], p["dataset"])
    epochs, seeds = p["epochs"], len(p["seeds"])
    return f"ours: {data}, {epochs} epoch{'s' * (epochs != 1)}, {seeds} seed{'s' * (seeds != 1)}"


def paper_drop_ratio() -> float:
    """Table 1: MAE's mean relative drop over the mean of BYOL's and DINO's."""
    m = paper.TABLE1_MEAN_DROP
    return m["MAE"] / ((m["BYOL"] + m["DINO"]) / 2)


def write(path: str | os.PathLike[str], rows: Sequence[dict[str, Any]], meta: dict[str, Any]) -> Path:
    """Write ``{"provenance": meta, "rows": rows, "drops": ...}`` as JSON, atomically."""
    payload = {"provenance": meta, "rows": list(rows), "drops": relative_drops(rows)}
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(payload, indent=1))
    return Path(path)


def read(path: str | os.PathLike[str]) -> dict[str, Any]:
    return json.loads(Path(path).read_text())


def table1_score(meta: dict[str, Any], rows: Sequence[dict[str, Any]]) -> Score:
    """Table 1's scorecard row from a run's provenance and rows. At the paper's scale (ImageNet
    folders, ``paper.TABLE1_EPOCHS`` epochs) the JE-RC comparisons of :func:`verdict` that resolve in
    the paper's direction (RC drops more) count as reproduced; a smaller run is "not run here", with
    what its numbers support."""
    p = meta["parameters"]
    found = [c["status"] for c in verdict(rows)["comparisons"]]
    agree = found.count("RC drops more")
    against = found.count("JE drops more")
    support = (
        f"{agree} of {len(found)} JE-RC comparisons resolve in the paper's direction, {against} against it"
        if agree or against
        else "no JE-RC difference resolves (inconclusive at this scale)"
    )
    at_scale = p["dataset"] == "imagefolder" and p["epochs"] >= paper.TABLE1_EPOCHS
    evidence = (
        f"{p['dataset']}, {count(p['epochs'], 'epoch', 'epochs')}, {count(len(p['seeds']), 'seed', 'seeds')}: {support}"
    )
    if not at_scale or not found:
        return Score(NOT_RUN, f"not at the paper's scale; a smaller run ({evidence})" if not at_scale else evidence)
    return counted(agree, len(found), evidence)
