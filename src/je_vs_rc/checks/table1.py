"""Table 1's row of the landing page's scorecard, from a run's provenance and the verdict its rows support."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import paper
from ..imagenet_c.statistics import Row
from ..imagenet_c.verdict import JE_MORE, RC_MORE, compare
from ..theory.linalg import single_threaded_module
from ..words import count
from .scorecard import NOT_RUN, Score, counted


def table1_score(meta: dict[str, Any], rows: Sequence[Row]) -> Score:
    """At the paper's scale (ImageNet folders, ``paper.TABLE1_EPOCHS`` epochs) the JE-RC comparisons
    of :func:`je_vs_rc.imagenet_c.verdict.compare` that resolve in the paper's direction (RC drops more)
    count as reproduced; a smaller run is "not run here", with what its numbers support."""
    p = meta["parameters"]
    found = [c.status for c in compare(rows).comparisons]
    agree = found.count(RC_MORE)
    against = found.count(JE_MORE)
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


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
