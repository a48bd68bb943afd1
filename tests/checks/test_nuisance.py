"""checks/nuisance.py: t intervals, the alignment each method needs, and the verdict generated from planted
results (a test that the sentence says what the numbers say, whichever way they go)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from scipy import stats

from je_vs_rc.checks import nuisance as answer
from je_vs_rc.checks import nuisance_budgets as stability
from je_vs_rc.render import nuisance_budget as budget
from je_vs_rc.render import nuisance_tables as tables
from je_vs_rc.render import nuisance_text as sentences

ALPHAS = [0.0, 0.3, 1.0, 3.0, 10.0]
METHODS = {"byol": "je", "vicreg": "je", "mae": "rc", "ae": "rc"}


def _cell(level: str, alpha: float, method: str, seed: int, top1: float, change: float, r2: float) -> dict:
    """A network of 100 steps, read out at 50 steps too (``change`` points lower: the last doubling's move)."""
    return dict(
        level=level,
        alpha=alpha,
        method=method,
        paradigm=METHODS[method],
        seed=seed,
        steps=100,
        top1=top1,
        top1_clean=80.0,
        r2=r2,
        loss=[1.0],
        probes=[dict(steps=50, top1=top1 - change, top1_clean=80.0, r2=r2)],
        cpu_seconds=60.0 if METHODS[method] == "je" else 30.0,
    )


def planted(needs: dict[str, dict[str, float]], seeds=(0, 1, 2), change: float = 0.0) -> dict:
    """A results payload where each method, at each level, sits 10 points below its clean top-1 (80) below the
    alignment ``needs[level][method]`` and at it from there on (``inf``: never); seed noise of 0.2 points; every
    network moves by ``change`` points from its probe at 50 steps to its budget of 100.
    The closed forms follow the same pattern with ``needs[level]["je"]`` and ``["rc"]``."""
    rng = np.random.default_rng(0)
    cells, closed, levels = [], [], []
    for seed in seeds:
        for m in METHODS:
            cells.append(_cell("clean", 0.0, m, seed, 80 + rng.normal(0, 0.2), change, float("nan")))
        for key in ("je", "rc"):
            closed.append(
                dict(level="clean", alpha=0.0, method=key, seed=seed, top1=85.0, top1_clean=85.0, r2=float("nan"))
            )
        for level, need in needs.items():
            regime = "high" if level == "strong" else "low"
            levels.append(
                dict(
                    level=level,
                    seed=seed,
                    ratio=10.0 if regime == "high" else 0.3,
                    variance=1.0,
                    switch=0.3,
                    regime=regime,
                    alpha_je=0.8,
                    alpha_rc=4.0 if regime == "high" else 0.0,
                )
            )
            for a in ALPHAS:
                for m in METHODS:
                    gap = 0.0 if a >= need[m] else 10.0
                    cells.append(_cell(level, a, m, seed, 80 - gap + rng.normal(0, 0.2), change, gap / 20))
                for key in ("je", "rc"):
                    gap = 0.0 if a >= need[key] else 10.0
                    closed.append(
                        dict(level=level, alpha=a, method=key, seed=seed, top1=85.0 - gap, top1_clean=85.0, r2=gap / 20)
                    )
    return {
        "config": {
            "alphas": ALPHAS,
            "methods": list(METHODS),
            "seeds": list(seeds),
            "steps": 100,
            "probes": [50],
            "batch_size": 128,
            "nuisance": {"levels": dict.fromkeys(needs, 1.0), "n_train": 1000, "n_test": 1000},
        },
        "cells": cells,
        "closed_form": closed,
        "baselines": [
            dict(level=lv, seed=s, baseline=b, top1=t, top1_clean=t, r2=0.1)
            for s in seeds
            for lv in ("clean", *needs)
            for b, t in (("raw pixels", 85.0), ("random init", 60.0))
        ],
        "levels": levels,
        "labels": {"byol": "BYOL", "vicreg": "VICReg", "mae": "masked AE", "ae": "AE"},
    }


THEORY = {
    "strong": {"byol": 1.0, "vicreg": 1.0, "mae": 10.0, "ae": math.inf, "je": 1.0, "rc": 10.0},
    "weak": {"byol": 1.0, "vicreg": 0.3, "mae": 0.0, "ae": 0.0, "je": 1.0, "rc": 0.0},
}


def said_about(text: str, level: str) -> str:
    """The verdict's sentences about one level (up to the next level's, or Cor 4.5's)."""
    tail = text.split(f"Under {level} noise")[1]
    return tail.split("Under ")[0].split("Corollary 4.5 predicts")[0]


def test_t_interval_is_students():
    mean, half, n = answer.t_interval([1.0, 2.0, 4.0])
    assert n == 3 and np.isclose(mean, 7 / 3)
    assert np.isclose(half, stats.t.ppf(0.975, 2) * np.std([1, 2, 4], ddof=1) / np.sqrt(3))
    assert answer.t_interval([5.0])[1] == math.inf


def test_alignment_needed_reads_the_planted_numbers():
    payload = planted(THEORY)
    for level, need in THEORY.items():
        for m in METHODS:
            assert answer.alignment_needed(payload, "cells", m, level) == (need[m], need[m])
        for key in ("je", "rc"):
            assert answer.alignment_needed(payload, "closed_form", key, level) == (need[key], need[key])
    # A run that reaches its clean top-1 at once, then falls at the largest alignment, needs none, and the
    # fall is said.
    assert "lowers top-1" not in sentences.fallback_sentence(payload)
    payload["cells"] = [
        {**c, "top1": c["top1"] - 10} if (c["level"], c["alpha"], c["method"]) == ("weak", 10.0, "mae") else c
        for c in payload["cells"]
    ]
    assert answer.alignment_needed(payload, "cells", "mae", "weak") == (0.0, 0.0)
    text = sentences.fallback_sentence(payload)
    assert text.startswith(
        "Beyond their best alignment, more alignment lowers top-1 of networks that trained, where the"
    )
    assert "masked AE under weak noise (80.1 at α = 0.3, 70.1 at α = 10: 10.1 ± 1.1 points lower)" in text
    # The grid's finer steps: VICReg (needs 1 under strong noise) falls at both alignments above it, each said.
    fell = [
        {**c, "top1": c["top1"] - 10} if (c["level"], c["method"]) == ("strong", "vicreg") and c["alpha"] > 1 else c
        for c in payload["cells"]
    ]
    said = sentences.fallback_sentence({**payload, "cells": fell}).split("VICReg under strong noise (")[1]
    assert re.match(
        r"80\.\d at α = 1, \d\d\.\d at α = 3: 10\.\d ± \d\.\d points lower; 70\.\d at α = 10: 10\.\d ± ", said
    )
    # The same fall from a best alignment whose seeds scatter (+20, 0, -5): the mean drop is 15 points but its
    # paired interval reaches below 0, so no drop is claimed.
    scatter = {0: 20.0, 1: 0.0, 2: -5.0}
    spread = [
        {**c, "top1": c["top1"] + scatter[c["seed"]]}
        if (c["level"], c["alpha"], c["method"]) == ("weak", 0.3, "mae")
        else c
        for c in payload["cells"]
    ]
    drop, half, _ = sentences.paired_drop({**payload, "cells": spread}, "mae", "weak", 0.3, 10.0)
    assert drop > 10 and drop - half < 0
    assert "lowers top-1" not in sentences.fallback_sentence({**payload, "cells": spread})
    # The same fall where the runs barely trained (loss fell by under a third of the clean run's) is a failed
    # optimisation: said as such, and not as an effect of alignment.
    payload["cells"] = [
        {**c, "loss": [1.0, 0.0] if c["level"] == "clean" else [1.0, 0.9 if c["alpha"] == 10.0 else 0.5]}
        for c in payload["cells"]
    ]
    assert sentences.stalled(payload, "mae", "weak", 10.0) == (3, 3)
    text = sentences.fallback_sentence(payload)
    assert "masked AE under weak noise at α = 10 (3 of 3 seeds)" in text and "lowers top-1" not in text
    assert sentences.decimal(0.0) == "0" and sentences.decimal(0.004) == "< 0.01" and sentences.decimal(0.86) == "0.86"
    # A top-1 half-width that rounds to 0 at one decimal gets two (three seeds at 84.68, 84.67, 84.70): a number.
    assert sentences._cell(84.68, 0.04) == "84.7 ± 0.04" and sentences._cell(84.68, 0.6) == "84.7 ± 0.6"
    # An R² cell holds one number: no "± < 0.01", and an interval leaving [0, 1] goes, clipped, to the caption
    # (the cell marked, so that a bare mean is not read as exact).
    assert sentences.share_cell(0.01, 0.003) == ("0.01", "")
    assert sentences.share_cell(0.52, 0.07) == ("0.52 ± 0.07", "")
    assert sentences.share_cell(0.27, 1.10) == ("0.27†", "0–1") and sentences.share_cell(0.16, 0.31) == (
        "0.16†",
        "0–0.47",
    )
    rows = [{"clipped": ["VICReg under strong noise at α = 10, 0–1"]}, {}]
    assert (
        sentences.clipped_note(rows)
        == " † Interval reaching outside [0, 1], clipped to it: VICReg under strong noise at α = 10, 0–1."
    )
    assert sentences.clipped_note([{}]) == ""


def test_unfinished_runs_give_ranges_and_cannot_tell():
    # Seeds 1 and 2 lost their strong-noise runs at alpha = 0.3 and 1: BYOL (needs 1) is known only to need
    # between 0.3 and 3 (from 3 on all seeds show it); the autoencoder (never reaches) might reach at 0.3 or 1 as
    # far as these runs can tell, so JE vs RC cannot be told.
    payload = planted(THEORY)
    payload["cells"] = [
        c for c in payload["cells"] if not (c["level"] == "strong" and c["alpha"] in (0.3, 1.0) and c["seed"] > 0)
    ]
    assert answer.alignment_needed(payload, "cells", "byol", "strong") == (0.3, 3.0)
    assert answer.alignment_needed(payload, "cells", "ae", "strong") == (0.3, None)  # might reach at 0.3 or 1
    assert answer.alignment_needed(payload, "cells", "mae", "strong") == (0.3, 10.0)
    summary = answer.level_summary(payload, "strong")
    assert summary["network_order"] == "cannot tell"
    # BYOL and VICReg (both needing 1) share the range: named together, once.
    said = answer.verdict(payload)
    assert "BYOL and VICReg reach their clean top-1 from α = 0.3 to 3 (cannot tell which)" in said
    # Without the largest alignment's runs nothing is known from above.
    payload["cells"] = [
        c for c in payload["cells"] if not (c["level"] == "strong" and c["alpha"] == 10.0 and c["seed"])
    ]
    assert answer.alignment_needed(payload, "cells", "mae", "strong")[1] is None
    assert answer.level_summary(payload, "strong")["network_order"] == "cannot tell"


def test_verdict_as_the_theory_predicts():
    text = answer.verdict(planted(THEORY))
    strong, weak = said_about(text, "strong"), said_about(text, "weak")
    assert "joint embedding needs less alignment than reconstruction in the trained networks" in strong
    assert "reconstruction needs less alignment than joint embedding in the trained networks" in weak
    assert "AE does not reach its clean top-1 at any alignment up to α = 10" in strong
    assert "masked AE reaches its clean top-1 from α = 10" in strong
    assert "the trained networks confirm both halves; the closed forms confirm both halves" in text


def test_verdict_says_so_when_reconstruction_needs_less_under_strong_noise():
    flipped = {
        "strong": {"byol": 10.0, "vicreg": math.inf, "mae": 0.3, "ae": 1.0, "je": 1.0, "rc": 10.0},
        "weak": THEORY["weak"],
    }
    text = answer.verdict(planted(flipped))
    strong = said_about(text, "strong")
    assert "reconstruction needs less alignment than joint embedding in the trained networks" in strong
    second = "the trained networks confirm the second half but not the first; the closed forms confirm both halves"
    assert second in text


def test_overlapping_intervals_and_one_seed_cannot_tell():
    mixed = {"strong": {**THEORY["strong"], "vicreg": 10.0}, "weak": THEORY["weak"]}
    assert "the methods do not split by paradigm" in said_about(answer.verdict(planted(mixed)), "strong")
    one = answer.verdict(planted(THEORY, seeds=(0,)))
    assert "nothing can be told: fewer than 3 seeds" in one and "cannot test Corollary 4.5's prediction" in one


def test_convergence_sentence_can_fail():
    assert "BYOL, VICReg, masked AE and AE move by less than the interval in every condition (converged)." in (
        budget.convergence_sentence(planted(THEORY))
    )
    moved = budget.convergence_sentence(planted(THEORY, change=3.0))
    assert "every method moves by its interval or more in some conditions (BYOL in 11 of 11," in moved
    assert "(converged)" not in moved
    rows = answer.convergence(planted(THEORY, change=3.0))
    assert all(r["converged"] is False and abs(r["change"] - 3.0) < 1e-9 for r in rows)
    table = budget.convergence_rows(planted(THEORY, change=3.0))
    assert table[0]["method"] == "BYOL" and table[0]["condition"] == "clean" and table[0]["converged"] == "no"
    assert table[0]["change"] == "+3.0" and table[0]["s50"].startswith("77.") and " ± " in table[0]["s100"]


def test_a_method_that_moves_when_its_budget_doubles_is_left_out_of_the_verdict():
    # The autoencoder's clean top-1 moves by 3 points from 50 to 100 steps (seed noise 0.2): the verdict
    # compares the other three, says why, and the guard raises if a verdict compared it anyway.
    payload = planted(THEORY)
    payload["cells"] = [
        {**c, "top1": c["top1"] + 3.0} if (c["method"], c["level"]) == ("ae", "clean") else c for c in payload["cells"]
    ]
    assert answer.checked_methods(payload) == ["byol", "vicreg", "mae"]
    said = answer.verdict(payload)
    assert said.startswith(
        "AE did not pass the convergence check from 50 to 100 steps (moved by its interval or more in at least one "
        "condition: the table in the next section), so it is left out of the comparison."
    )
    assert "AE does not reach" not in said and "masked AE reaches its clean top-1 from α = 10" in said
    assert "joint embedding needs less alignment than reconstruction" in said_about(said, "strong")
    with pytest.raises(answer.NotConverged, match="AE's top-1 \\(clean\\) moves by \\+3.0 points from 50 to 100 steps"):
        answer.check_converged(payload, answer.network_methods(payload))
    answer.check_converged(payload, answer.checked_methods(payload))  # the verdict's own methods pass
    # Every method moving: no network left to compare, so the networks cannot tell; the closed forms still can.
    none = answer.verdict(planted(THEORY, change=3.0))
    # Why is said once (the first sentence); each level then names the closed forms only.
    assert "the high-noise regime), in the closed forms on the same views, joint embedding needs less" in none
    assert none.count("convergence check") == 1 and "in the trained networks" not in none
    # Only reconstruction networks passing: the sentence says the paradigms cannot be ordered, and why.
    rc_only = planted(THEORY)
    rc_only["cells"] = [{**c, "top1": c["top1"] + 3.0} if c["paradigm"] == "je" else c for c in rc_only["cells"]]
    assert (
        "only reconstruction networks are compared, so the trained networks cannot order the paradigms (masked AE "
        "reaches its clean top-1 from α = 10; AE does not reach its clean top-1 at any alignment up to α = 10);"
    ) in said_about(answer.verdict(rc_only), "strong")
    assert "the trained networks settle neither half; the closed forms confirm both halves" in none
    assert answer.verdict(planted(THEORY)).startswith("Every network's top-1 moves by less than its interval")
    # A method with fewer than three seeds everywhere (a run cut short) is left out as not checked.
    short = planted(THEORY)
    short["cells"] = [c for c in short["cells"] if c["method"] != "mae" or c["seed"] == 0]
    assert answer.checked_methods(short) == ["byol", "vicreg", "ae"]
    assert "Left out as not checked for convergence (fewer than 3 seeds finished): masked AE." in answer.verdict(short)


def test_a_run_with_one_regime_tells_one_half_of_the_prediction():
    strong_only = planted({"strong": THEORY["strong"]})
    assert "the trained networks confirm the first half, and the second is not tested" in answer.verdict(strong_only)
    flipped = planted({"strong": {**THEORY["strong"], "byol": 10.0, "vicreg": 10.0, "mae": 0.3, "ae": 1.0}})
    assert "the trained networks do not confirm the first half, and the second is not tested" in answer.verdict(flipped)


@pytest.mark.parametrize("committed", [True, False])
def test_source_sentence_names_missing_runs(committed):
    payload = planted(THEORY)
    payload["provenance"] = {"wall_seconds": 600, "device": "CPU", "load_averages": [3.0, 9.0], "code_commits": ["abc"]}
    payload["cells"] = [c for c in payload["cells"] if not (c["seed"] == 2 and c["level"] == "weak")]
    text = sentences.source_sentence(payload, committed)
    assert ("did not finish: 20 networks of 132 are missing (BYOL, VICReg, masked AE and AE)" in text) == committed
    assert ("read out after 50 steps of the same run" in text) == committed


def test_readout_sentences_say_what_the_tables_mean():
    payload = planted(THEORY)
    # Planted: every encoder pretrained under noise scores 80 on clean test images, its clean run 80 (seed noise).
    clean = tables.clean_test_meaning(payload)
    assert clean.startswith("Tested on clean images (the last table's last column), the encoders pretrained at α = 0")
    assert "under strong noise score within" in clean and "under weak noise score within" in clean
    # ... and 20 points lower under strong noise: the loss is in what pretraining learned.
    payload["cells"] = [
        {**c, "top1_clean": 60.0} if (c["level"], c["alpha"]) == ("strong", 0.0) else c for c in payload["cells"]
    ]
    assert "under strong noise score 20 to 20 points below theirs: the nuisance cost them" in (
        tables.clean_test_meaning(payload)
    )
    # Planted: R^2 = 0.5 below each method's alignment, 0 from it on; BYOL's runs at alpha = 10 barely trained and
    # keep the nuisance there.
    r2 = tables.r2_meaning(payload)
    assert "under strong noise it explains 0.50 of the networks' features at α = 0; α = 10 lowers that to" in r2
    assert "for BYOL, VICReg and masked AE" in r2 and "raises" not in r2  # AE never reaches: keeps 0.5
    payload["cells"] = [
        {**c, "r2": 0.9, "loss": [1.0, 0.95]}
        if (c["method"], c["level"], c["alpha"]) == ("byol", "strong", 10.0)
        else {**c, "loss": [1.0, 0.0]}
        for c in payload["cells"]
    ]
    assert "and raises it for BYOL (runs that barely trained)" in tables.r2_meaning(payload)
    # The baselines: raw pixels 85 everywhere, random init 60: within a point; then random init loses 30.
    base = tables.baseline_meaning(payload)
    assert base.startswith("A linear probe on all 784 raw pixels scores within 1 point of its clean-image top-1")
    payload["baselines"] = [
        {**b, "top1": 30.0} if (b["baseline"], b["level"]) == ("random init", "strong") else b
        for b in payload["baselines"]
    ]
    assert (
        "the random encoder scores within 1 point of its clean-image top-1 under weak noise and loses 30 points "
        "under strong noise" in tables.baseline_meaning(payload)
    )
    rows = tables.baseline_rows(payload)
    assert rows[0] == {"baseline": "raw pixels", "images": "clean", "top1": "85.0 ± 0", "r2": "–"}


def test_the_alignment_table_names_each_threshold_beside_the_closed_forms():
    finer = {**THEORY, "strong": {**THEORY["strong"], "vicreg": 0.3, "mae": 3.0}}
    rows = {r["what"]: r for r in tables.needed_rows(planted(finer))}
    assert rows["VICReg"] == {"what": "VICReg", "strong": "α = 0.3", "weak": "α = 0.3"}
    assert rows["masked AE"]["strong"] == "α = 3" and rows["AE"]["strong"] == "beyond the grid"
    assert rows["networks: JE vs RC"] == {
        "what": "networks: JE vs RC",
        "strong": "JE needs less",
        "weak": "RC needs less",
    }
    assert rows["closed form RC"]["strong"] == "α = 10" and rows["closed forms: JE vs RC"]["weak"] == "RC needs less"
    assert rows[r"threshold $\alpha_{\rm JE}$ (Prop 4.3)"]["strong"] == "0.80"
    assert rows[r"threshold $\alpha_{\rm RC}$ (Prop 4.4)"]["weak"] == "0"


def test_a_longer_run_is_set_beside_the_same_seeds_committed_networks():
    payload = planted(THEORY)
    at = answer.by_seed(payload, "cells", method="vicreg", level="strong", alpha=1.0)
    ae = answer.by_seed(payload, "cells", method="ae", level="strong", alpha=1.0)

    def runs(seeds, vicreg_gain):
        return {
            "runs": [
                dict(level="strong", alpha=1.0, method=m, seed=s, steps=200, top1=top1[s] + gain)
                for m, top1, gain in (("vicreg", at, vicreg_gain), ("ae", ae, 0.5))
                for s in seeds
            ]
        }

    one = runs([0], 1.5)
    said = budget.longer_sentence(one, payload)
    assert said.startswith("Seed 0 trained again for 200 steps (separate networks, each with its own learning-rate")
    assert "moves top-1 by +0.5 to +1.5 points from the same seed’s committed 100-step networks" in said
    gap = at[0] - ae[0]
    assert f"the JE-RC gap (VICReg minus AE) is +{gap:.1f} points at 100 steps and +{gap + 1:.1f} at 200." in said
    assert [r["change"] for r in budget.longer_rows(one, payload)] == ["+1.5", "+0.5"]
    assert "rule" not in said and budget.longer_rows(one, payload)[0]["converged"] == "–"
    # Three seeds: the rule can be applied. VICReg gains 1.5 points, beyond its interval (seed noise 0.2): not
    # converged; AE gains 0.1 on every seed, within its interval: converged.
    three = runs([0, 1, 2], 1.5)
    three["runs"] = [{**r, "top1": r["top1"] - 0.4} if r["method"] == "ae" else r for r in three["runs"]]
    said = budget.longer_sentence(three, payload)
    assert said.startswith("Seeds 0, 1 and 2 trained again for 200 steps")
    assert (
        "the chapter's rule (a doubling moves top-1 by less than its interval) passes in 1 of these 2 conditions "
        "from 100 to 200 steps (not for VICReg strong α = 1)" in said
    )
    assert [r["converged"] for r in budget.longer_rows(three, payload)] == ["no", "yes"]


def test_pilot_and_cost_sentences_name_what_still_moves_and_what_larger_grids_cost():
    # A planted pilot: masked AE still gains 5 points from 600 to 1,200 steps, the others 0.1.
    runs = [
        dict(level="clean", alpha=0.0, method=m, steps=s, top1=80 + (5.0 if m == "mae" else 0.1) * (s == 1200))
        for m in METHODS
        for s in (600, 1200)
    ]
    payload = planted(THEORY)
    text = budget.pilot_sentence({"runs": runs}, payload)
    assert text == (
        "On the pilot's seed, separate runs still gain from 600 to 1,200 steps on clean images: BYOL +0.1, VICReg "
        "+0.1, masked AE +5.0, AE +0.1 points."
    )
    rows, budgets = budget.pilot_rows({"runs": runs}, payload["labels"])
    assert budgets == [600, 1200] and rows[2] == {"run": "masked AE, clean", "s600": "80.0", "s1200": "85.0"}
    # Planted: 60 CPU-s per JE network, 30 per RC network; 3 seeds x 4 methods x (1 + 2 levels x 5 alphas).
    cost = budget.cost_sentence(payload)
    assert "took 30 to 60 CPU-seconds" in cost and cost.endswith("99 CPU-minutes for the 132 networks of this run.")
    # A grid short of the five alignments says what they would cost.
    three = planted(THEORY)
    three["config"]["alphas"] = [0.0, 1.0, 10.0]
    three["cells"] = [c for c in three["cells"] if c["alpha"] in (0.0, 1.0, 10.0)]
    assert "both levels at five alignments (the issue's grid) would take about 99 CPU-minutes." in (
        budget.cost_sentence(three)
    )
    strong = planted({"strong": THEORY["strong"]})
    assert "the other noise level at the same 5 alignments would add about 45 CPU-minutes" in budget.cost_sentence(
        strong
    )


def test_the_takeaway_says_why_it_cannot_tell():
    # Every network moves by 3 points over the last step (more than its interval): none passes the check.
    assert sentences.takeaway(planted(THEORY, change=3.0)) == (
        "This run cannot yet tell whether the trained networks follow Corollary 4.5's order: each of the 4 methods "
        "still moved by its seeds' interval or more in at least one condition over the last doubling to 100 steps "
        "(the convergence check)."
    )
    agree = "The trained networks follow Corollary 4.5's order under strong and weak noise."
    assert sentences.takeaway(planted(THEORY)) == agree


def test_no_network_reaching_its_clean_run_tells_no_order():
    never = {"strong": dict.fromkeys(METHODS, math.inf) | {"je": 1.0, "rc": 10.0}, "weak": THEORY["weak"]}
    payload = planted(never)
    assert answer.level_summary(payload, "strong")["network_order"] == "none"
    said = answer.verdict(payload)
    assert "neither paradigm reaches its clean top-1 within the grid in the trained networks" in said
    assert "the trained networks confirm the second half, and the first is not tested" in said
    assert "under strong noise no trained network reaches its clean top-1 at any alignment" in sentences.takeaway(
        payload
    )


def read_early(final: dict, early: dict) -> dict:
    """``final``'s networks, their read-outs at 50 steps replaced by ``early``'s networks at 100 (what they had
    learnt by then)."""
    top1 = {(c["level"], c["alpha"], c["method"], c["seed"]): c["top1"] for c in early["cells"]}
    for c in final["cells"]:
        c["probes"] = [{**c["probes"][0], "top1": top1[c["level"], c["alpha"], c["method"], c["seed"]]}]
    return final


def test_decisions_at_every_budget_say_whether_where_training_stopped_matters():
    # Every network 3 points lower at 50 steps, clean runs too: not converged by the rule, same decisions.
    same = stability.stability_sentence(planted(THEORY, change=3.0))
    assert same.startswith("Training has not converged by the rule (all 4 methods move by their interval or more")
    assert same.endswith(
        "; the decisions are the same at 50 and 100 steps (which network reaches its clean top-1 at "
        "which alignment, the alignment each needs and the paradigms' order at every level)."
    )
    assert stability.stability_sentence(planted(THEORY)).startswith("Training has converged by the rule")
    # At 50 steps the networks were where the low-noise regime puts them under strong noise: the order and two
    # alignments change, and the sentence names exactly those (weak noise does not change).
    flipped = {**THEORY, "strong": {**THEORY["strong"], "byol": 10.0, "vicreg": 10.0, "mae": 1.0, "ae": 1.0}}
    payload = read_early(planted(THEORY), planted(flipped))
    said = stability.stability_sentence(payload)
    assert "the paradigms' order (RC needs less after 50 steps, JE needs less after 100 steps)" in said
    assert "the alignment VICReg needs (α = 10 after 50 steps, α = 1 after 100 steps)" in said
    assert "the alignment AE needs (α = 1 after 50 steps, beyond the grid after 100 steps)" in said
    assert "weak" not in said and "changes 5 of the decisions" in said
    rows = budget.decision_rows(payload)
    order = [r for r in rows if r["level"] == "strong" and r["what"] == "JE vs RC"][0]
    assert (order["s50"], order["s100"]) == ("RC needs less", "JE needs less")
    early = stability.at_budget(payload, 50)
    assert early["config"]["steps"] == 50 and all(c["steps"] == 50 and c["probes"] == [] for c in early["cells"])
    with pytest.raises(ValueError, match="not after 70"):
        stability.at_budget(payload, 70)


def test_provisional_verdict_compares_every_network_and_the_strict_one_none():
    moved = planted(THEORY, change=3.0)
    assert "so the verdict compares no trained network" in answer.verdict(moved)
    provisional = stability.provisional_verdict(moved)
    assert provisional.startswith("Provisional answer, if training had stopped at 100 steps")
    assert "joint embedding needs less alignment than reconstruction in the trained networks" in said_about(
        provisional, "strong"
    )
    # Said once, in the strict verdict: the closed forms, the regimes and the prediction are not repeated.
    assert provisional.endswith("Of Corollary 4.5's prediction, these networks confirm both halves.")
    assert "closed forms" not in provisional and "switch" not in provisional and "predicts" not in provisional
    assert "the verdict above is the answer at 100 steps" in stability.provisional_verdict(planted(THEORY))
    assert sentences.frame_sentence(moved).endswith(
        "Provisionally, if training had stopped at 100 steps and every network were compared: under strong noise "
        "joint embedding needs less alignment than reconstruction; under weak noise reconstruction needs less "
        "alignment than joint embedding."
    )
    assert "Provisionally" not in sentences.frame_sentence(planted(THEORY))
    frame = sentences.frame_sentence(moved)
    assert frame.startswith("Every network is pretrained, and every closed form computed, at the alignments α = 0, 0.3")
    assert (
        "Each of the 4 methods still moved by its seeds' interval or more in at least one condition over the last "
        "doubling to 100 steps" in frame
    )
    # One seed: no interval, so no method can be checked; the sentences say none passed, not that each moved.
    single = planted(THEORY, seeds=(0,), change=3.0)
    assert "None of the 4 methods passed the convergence check at 100 steps" in sentences.frame_sentence(single)
    assert sentences.takeaway(single).endswith("none of the 4 methods passed the convergence check at 100 steps.")


def test_provenance_sentence_names_every_session_and_uncommitted_edits():
    payload = planted(THEORY)
    payload["provenance"] = {
        "code_commits": ["941956c" + "0" * 33, "6d5bb23" + "0" * 33, "6d5bb23" + "0" * 33 + "+changes"],
        "wall_seconds": 600.0,
        "cpu_seconds": 540.0,
        "device": "CPU (2 cores), 1 torch thread",
        "load_averages": [2.0, 5.0],
    }
    said = sentences.provenance_sentence(payload)
    assert said == (
        "The committed run took 10 minutes of wall time (9 minutes of CPU time) on CPU (2 cores), 1 torch thread, "
        "under a load average of 2 to 5 (code 941956c, 6d5bb23, 6d5bb23 with uncommitted edits)."
    )


def with_peaks(je: float, rc: float) -> dict:
    """The planted run with every network under strong noise 15 points higher at alpha ``je`` (JE) or ``rc`` (RC)."""
    payload, bonus = planted(THEORY), {"je": je, "rc": rc}
    payload["cells"] = [
        {**c, "top1": c["top1"] + 15} if c["level"] == "strong" and c["alpha"] == bonus[c["paradigm"]] else c
        for c in payload["cells"]
    ]
    return payload


def test_the_peak_reading_names_where_each_paradigm_peaks_and_says_what_it_is():
    said = tables.peak_sentence(with_peaks(je=1.0, rc=3.0))
    assert said.startswith("A descriptive reading, not the pre-registered criterion above: where top-1 is highest")
    assert "under strong noise top-1 peaks for every joint-embedding network at α = 1 (BYOL 9" in said
    assert "and for every reconstruction network at α = 3 (masked AE 85." in said
    # The closed forms reach 85 from alpha 1 (JE) and 10 (RC): their first highest point.
    assert "the same order as the closed forms, which peak at α = 1 (JE, 85.0) and α = 10 (RC, 85.0);" in said
    # Reconstruction peaking first instead: said the other way round, and not as the closed forms' order.
    said = tables.peak_sentence(with_peaks(je=3.0, rc=1.0))
    assert "under strong noise top-1 peaks for every reconstruction network at α = 1" in said
    assert "; the closed forms peak at α = 1 (JE, 85.0) and α = 10 (RC, 85.0)" in said


def test_the_landing_pages_row_follows_the_strict_verdict():
    from je_vs_rc.checks import scorecard

    strong_flipped = {"byol": 10.0, "vicreg": math.inf, "mae": 0.3, "ae": 1.0, "je": 1.0, "rc": 10.0}
    weak_flipped = {"byol": 0.0, "vicreg": 0.0, "mae": 1.0, "ae": 1.0, "je": 1.0, "rc": 0.0}
    cases = [
        (planted(THEORY), scorecard.REPRODUCED, "the networks compared confirm both halves"),
        (planted({**THEORY, "strong": strong_flipped}), scorecard.PARTLY, "confirm the second half but not the first"),
        (planted({"strong": strong_flipped, "weak": weak_flipped}), scorecard.NOT_REPRODUCED, "confirm neither half"),
        (planted(THEORY, change=3.0), scorecard.CANNOT_TELL, "none of the 4 methods passed the convergence check"),
        (planted(THEORY, seeds=(0,)), scorecard.CANNOT_TELL, "1 seed (at least 3 are needed for an interval)"),
    ]
    for payload, status, said in cases:
        score = scorecard.nuisance_score(payload)
        assert (score.status, said in score.evidence) == (status, True), score
        assert "the closed forms on the same views" in score.evidence
    assert "so no trained network is compared" in scorecard.nuisance_score(planted(THEORY, change=3.0)).evidence
