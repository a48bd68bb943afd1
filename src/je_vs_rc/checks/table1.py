"""Table 1's row of the landing page's scorecard, from a run's provenance and the verdict its rows support."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import paper
from ..imagenet_c.statistics import Row
from ..imagenet_c.verdict import JE_MORE, RC_MORE, compare
from ..theory.linalg import single_threaded_module
from ..words import count
from .scorecard import CANNOT_TELL, NOT_RUN, Score, counted, dataset_title


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
        else "no JE-RC difference resolves, so the run cannot tell at this scale"
    )
    at_scale = p["dataset"] == "imagefolder" and p["epochs"] >= paper.TABLE1_EPOCHS
    seeds = count(len(p["seeds"]), "seed", "seeds")
    run = f"{dataset_title(p['dataset'])}, {count(p['epochs'], 'epoch', 'epochs')}, {seeds}"
    if not at_scale:  # a smaller run: it cannot tell when nothing resolves, else it is not the paper's run
        status = NOT_RUN if agree or against else CANNOT_TELL
        return Score(status, f"not at the paper's scale: in a smaller run ({run}) {support}")
    evidence = f"{run}: {support}"
    return counted(agree, len(found), evidence) if found else Score(NOT_RUN, evidence)


# Every public function above runs on one BLAS thread (theory/linalg.py says why).
single_threaded_module(globals())
