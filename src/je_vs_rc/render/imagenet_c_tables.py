"""The ImageNet-C chapter's tables: a run's (top-1 per severity, relative drop), the injection
effects, and the paper's Table 1, each a captioned Markdown table whose caption says the columns
that are the same on every line."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from .. import paper
from ..imagenet_c.methods import label as method_label
from ..imagenet_c.statistics import BASELINES, PIXELS, Row, drops_at, summarize
from ..theory import methods as theory
from ..words import code_name, count
from .imagenet_c_text import backbone_name, run_caption
from .tables import markdown_table, split_constant


def pm(mean: float, spread: float) -> str:
    """A table cell "mean ± spread": the spread keeps its sign (a no-break space), and on a phone it may go under
    the mean, so that a table of four columns fits the screen instead of scrolling."""
    return f"{mean:.1f}" if not math.isfinite(spread) else f"{mean:.1f} ±\u00a0{spread:.1f}"


def wide_table(rows: Sequence[Row], strength: int = 0) -> list[dict[str, Any]]:
    """One line per method and backbone (the baselines first: raw pixels, random init) and corruption:
    top-1 at each severity and the relative drop, as "mean ± std over seeds" (the mean alone for one seed)."""
    summary = [e for e in summarize(rows) if e["augment_strength"] == strength or e["method"] in BASELINES]
    drops = drops_at(rows, strength)
    out: dict[tuple, dict[str, Any]] = {}
    for e in summary:
        key = (e["corruption"], e["backbone"], e["method"])
        line = out.setdefault(
            key,
            {
                "method": method_label(e["method"]),
                "paradigm": e["paradigm"],
                "backbone": "–" if e["method"] == PIXELS else backbone_name(e["backbone"]),
                "corruption": code_name(e["corruption"]),
                "seeds": e["seeds"],
            },
        )
        line[f"s{e['severity']}"] = pm(e["top1"], e["top1_std"])
        d = drops.get((e["method"], e["backbone"], e["corruption"]))
        line["drop"] = pm(d["drop"], d["drop_std"]) if d else "–"
    return list(out.values())


# The run's table: method (with its paradigm), top-1 per severity, relative drop; the columns a run
# lacks (severities it did not measure) and those equal on every line go (see run_table_markdown).
RUN_COLUMNS = {
    "method": "method",
    "backbone": "backbone",
    "corruption": "corruption",
    **{f"s{k}": f"sev. {k}" for k in range(1, 6)},
    "drop": "rel. drop %",
    "seeds": "seeds",
}


def run_table_markdown(run: dict[str, Any], what: str, strength: int = 0) -> str:
    """A run's :func:`wide_table` as a captioned table: the caption gives its scale and the columns
    that are the same on every line (backbone, corruption, seeds), so the table keeps only what varies."""
    table = wide_table(run["rows"], strength)
    seeds = {r["seeds"] for r in table}
    present = {k: h for k, h in RUN_COLUMNS.items() if any(k in r for r in table) and (k != "seeds" or len(seeds) > 1)}
    # The raw pixels have no backbone: a backbone shared by every other line is said once, in the caption.
    learned = [r for r in table if r["method"] != method_label(PIXELS)]
    columns, constant = split_constant(learned if len(learned) > 1 else table, present)
    if "backbone" not in columns and len(learned) < len(table):
        shared = f"backbone: {learned[0]['backbone']}"
        constant = constant.replace(shared, f"{shared} (the raw pixels: none)")
    spread = (
        "one seed, so no spread"
        if seeds == {1}
        else f"mean ± sample standard deviation over {count(max(seeds), 'seed', 'seeds')}"
    )
    caption = (
        f"{what}: linear-probe top-1 (%) on the corrupted test set, {spread}; {run_caption(run['provenance'])}"
        + (f"; {constant}" if constant else "")
        + "."
    )
    return markdown_table(table, columns, caption=caption)


def injection_table_markdown(effects: Sequence[dict[str, Any]]) -> str:
    """``statistics.injection_effects`` as a captioned table: the gain in top-1 over the plain model on the
    corrupted test set and on clean data, "mean ± standard error" of the seed-paired differences; the
    columns equal on every line (the severity, when injection ran at one) go to the caption."""
    rows = [
        {
            "method": method_label(e["method"], paradigm=False),
            "severity": e["severity"],
            "augment_strength": e["augment_strength"],
            "corrupted": pm(e["gain_corrupted"], e["gain_corrupted_sem"]),
            "clean": pm(e["gain_clean"], e["gain_clean_sem"]),
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


def paper_table() -> list[dict[str, Any]]:
    """Table 1 of the paper, all 36 numbers: one row per method and corruption."""
    return [
        {
            "method": m,
            "label": f"{m} ({theory.get(paper.TABLE1_PARADIGM[m]).short})",
            "paradigm": theory.get(paper.TABLE1_PARADIGM[m]).short,
            "backbone": paper.TABLE1_BACKBONE[m],
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
    """Table 1 as published, every value to the paper's one decimal, in a captioned table; each method's
    backbone is said in the caption: without that column the table's six columns fit a phone's screen
    (390 px), the drops included."""
    rows = [{**r, "corruption": code_name(r["corruption"])} for r in paper_table()]
    columns = {
        "label": "method",
        "corruption": "corruption",
        "s1": "sev. 1",
        "s3": "sev. 3",
        "s5": "sev. 5",
        "drop": "rel. drop %",
    }
    columns, constant = split_constant(rows, columns)
    lo, hi = paper.TABLE1_DROP_SEVERITIES
    on = {b: [m for m, mb in paper.TABLE1_BACKBONE.items() if mb == b] for b in paper.TABLE1_BACKBONE.values()}
    backbones = "; ".join(f"{' and '.join(ms)} on a {b}" for b, ms in on.items())
    caption = (
        f"The paper’s Table 1: linear-probe top-1 (%) after pretraining on corrupted {paper.TABLE1_SCALE}; "
        f"relative drop from severity {lo} to {hi}; {backbones}" + (f"; {constant}" if constant else "") + "."
    )
    return markdown_table(rows, columns, caption=caption, formats=dict.fromkeys(("s1", "s3", "s5", "drop"), ".1f"))


SEPARATE = re.compile(r"(?<![\d.,])\d{4,}(?![\d.,])")  # a whole number of 4 digits or more, not yet separated


def _thousands(m: re.Match[str]) -> str:
    return f"{int(m[0]):,}"


def plan_markdown(phases: Sequence[Any], caption: str) -> str:
    """``plan.estimate``'s phases as a captioned table (time, disk, memory per process) and, under it, the work of
    each phase as a list (a fourth column of long sentences would not fit a phone)."""
    from ..imagenet_c.plan import duration, size

    rows = [
        {
            "phase": p.name,
            "time": duration(p.seconds),
            "disk": size(p.disk_bytes),
            "memory": size(p.memory_bytes),
        }
        for p in phases
    ]
    rows.append(
        {
            "phase": "total",
            "time": duration(sum(p.seconds for p in phases)),
            "disk": size(sum(p.disk_bytes for p in phases)),
            "memory": "",
        }
    )
    columns = {"phase": "phase", "time": "time", "disk": "disk", "memory": "memory per process"}
    # The command line's x as a product sign, and thousands separated as in the text (2048 -> 2,048).
    work = [f"- **{p.name}**: {SEPARATE.sub(_thousands, p.work.replace(' x ', ' × '))}" for p in phases]
    return "\n".join([markdown_table(rows, columns, caption=caption), "", "The work of each phase:", "", *work])
