"""checks/nuisance.py: t intervals, the alignment each method needs, and the verdict generated from planted
results (a test that the sentence says what the numbers say, whichever way they go)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from scipy import stats

from je_vs_rc.checks import nuisance as answer
from je_vs_rc.render import nuisance_text as sentences

ALPHAS = [0.0, 0.3, 1.0, 3.0, 10.0]
METHODS = {"byol": "je", "vicreg": "je", "mae": "rc", "ae": "rc"}


def planted(needs: dict[str, dict[str, float]], seeds=(0, 1, 2), long_change: float = 0.0) -> dict:
    """A results payload where each method, at each level, sits 10 points below its clean top-1 (80) below the
    alignment ``needs[level][method]`` and at it from there on (``inf``: never); seed noise of 0.2 points.
    The closed forms follow the same pattern with ``needs[level]["je"]`` and ``["rc"]``."""
    rng = np.random.default_rng(0)
    cells, closed, levels = [], [], []
    for seed in seeds:
        for m, p in METHODS.items():
            # The clean run at its budget and again at twice it (the convergence check's pair).
            for steps, change in ((100, 0.0), (200, long_change)):
                cells.append(
                    dict(
                        level="clean",
                        alpha=0.0,
                        method=m,
                        paradigm=p,
                        seed=seed,
                        steps=steps,
                        top1=80 + change + rng.normal(0, 0.2),
                        top1_clean=80.0,
                        r2=float("nan"),
                        loss=[1.0],
                    )
                )
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
                for m, p in METHODS.items():
                    gap = 0.0 if a >= need[m] else 10.0
                    cells.append(
                        dict(
                            level=level,
                            alpha=a,
                            method=m,
                            paradigm=p,
                            seed=seed,
                            steps=100,
                            top1=80 - gap + rng.normal(0, 0.2),
                            top1_clean=80.0,
                            r2=gap / 20,
                            loss=[1.0],
                        )
                    )
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
            "long_steps": 200,
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
    return tail.split("Under ")[0].split("Cor 4.5 predicts")[0]


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
    assert "hurts" not in sentences.fallback_sentence(payload)
    payload["cells"] = [
        {**c, "top1": c["top1"] - 10} if (c["level"], c["alpha"], c["method"]) == ("weak", 10.0, "mae") else c
        for c in payload["cells"]
    ]
    assert answer.alignment_needed(payload, "cells", "mae", "weak") == (0.0, 0.0)
    text = sentences.fallback_sentence(payload)
    assert text.startswith("More alignment than needed hurts") and "under weak noise masked AE" in text


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
    assert "BYOL α = 0.3 to 3 (cannot tell which)" in answer.verdict(payload)
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
    assert "AE beyond the grid" in strong and "masked AE α = 10" in strong
    assert "the trained networks bear out both, the closed forms bear out both" in text


def test_verdict_says_so_when_reconstruction_needs_less_under_strong_noise():
    flipped = {
        "strong": {"byol": 10.0, "vicreg": math.inf, "mae": 0.3, "ae": 1.0, "je": 1.0, "rc": 10.0},
        "weak": THEORY["weak"],
    }
    text = answer.verdict(planted(flipped))
    strong = said_about(text, "strong")
    assert "reconstruction needs less alignment than joint embedding in the trained networks" in strong
    assert "the trained networks bear out the second but not the first, the closed forms bear out both" in text


def test_overlapping_intervals_and_one_seed_cannot_tell():
    mixed = {"strong": {**THEORY["strong"], "vicreg": 10.0}, "weak": THEORY["weak"]}
    assert "the methods do not split by paradigm" in said_about(answer.verdict(planted(mixed)), "strong")
    one = answer.verdict(planted(THEORY, seeds=(0,)))
    assert "nothing can be told: fewer than 3 seeds" in one and "cannot test Cor 4.5's prediction" in one


def test_convergence_sentence_can_fail():
    assert "converged at this budget" in sentences.convergence_sentence(planted(THEORY))
    moved = sentences.convergence_sentence(planted(THEORY, long_change=3.0))
    assert "have not converged" in moved and "less than their intervals" not in moved
    rows = answer.convergence(planted(THEORY, long_change=3.0))
    assert all(r["converged"] is False and abs(r["change"] - 3.0) < 0.5 for r in rows)


def test_a_method_that_moves_when_its_budget_doubles_is_left_out_of_the_verdict():
    # The autoencoder's clean top-1 moves by 3 points from 100 to 200 steps (seed noise 0.2): the verdict
    # compares the other three, says why, and the guard raises if a verdict compared it anyway.
    payload = planted(THEORY)
    payload["cells"] = [
        {**c, "top1": c["top1"] + 3.0} if (c["method"], c["steps"]) == ("ae", 200) else c for c in payload["cells"]
    ]
    assert answer.checked_methods(payload) == ["byol", "vicreg", "mae"]
    said = answer.verdict(payload)
    assert said.startswith("Left out of the comparison, as not converged: AE (+3.0")
    assert "AE beyond the grid" not in said and "masked AE α = 10" in said
    assert "joint embedding needs less alignment than reconstruction" in said_about(said, "strong")
    with pytest.raises(answer.NotConverged, match="AE's clean top-1 moves by \\+3.0 points from 100 to 200 steps"):
        answer.check_converged(payload, answer.network_methods(payload))
    answer.check_converged(payload, answer.checked_methods(payload))  # the verdict's own methods pass
    # Every method moving: no network left to compare, so the networks cannot tell; the closed forms still can.
    none = answer.verdict(planted(THEORY, long_change=3.0))
    assert "we cannot tell which paradigm needs less alignment in the trained networks." in none
    assert "the trained networks tell neither half, the closed forms bear out both" in none
    assert answer.verdict(planted(THEORY)).startswith("Every network's clean top-1 moves by less than its interval")


def test_a_run_with_one_regime_tells_one_half_of_the_prediction():
    strong_only = planted({"strong": THEORY["strong"]})
    assert "the trained networks bear out the first (the second is not told)" in answer.verdict(strong_only)
    flipped = planted({"strong": {**THEORY["strong"], "byol": 10.0, "vicreg": 10.0, "mae": 0.3, "ae": 1.0}})
    assert "the trained networks do not bear out the first (the second is not told)" in answer.verdict(flipped)


@pytest.mark.parametrize("committed", [True, False])
def test_source_sentence_names_missing_runs(committed):
    payload = planted(THEORY)
    payload["provenance"] = {"wall_seconds": 600, "device": "CPU", "load_averages": [3.0, 9.0], "code_commits": ["abc"]}
    payload["cells"] = [c for c in payload["cells"] if not (c["seed"] == 2 and c["level"] == "weak")]
    text = sentences.source_sentence(payload, committed)
    assert ("did not finish: 20 runs of" in text and "seed 2" in text) == committed


def test_sentences_on_readouts_name_every_method_and_level():
    payload = planted(THEORY)
    clean = sentences.clean_test_sentence(payload)
    assert clean.startswith("On clean test images, the encoders pretrained at α = 0 score")
    assert all(f"under {lv} noise" in clean for lv in THEORY) and all(m in clean for m in ("BYOL", "masked AE"))
    r2 = sentences.r2_sentence(payload)
    # Planted: R^2 = 0.5 below each method's alignment, 0 from it on; at alpha = 0 every method is below it.
    assert (
        "Under strong noise, the nuisance explains 0.50 for joint-embedding and 0.50 for reconstruction at α = 0" in r2
    )


def test_pilot_sentence_names_what_still_moves_and_what_larger_grids_cost():
    # A planted pilot: masked AE still gains 5 points from 600 to 1,200 steps (more than its interval in the
    # planted run, about 0.5), the others 0.1; every step costs 30 ms and every readout 1 s of CPU.
    runs = [
        dict(
            level="clean",
            alpha=0.0,
            method=m,
            steps=s,
            top1=80 + (5.0 if m == "mae" else 0.1) * (s == 1200),
            train_cpu=0.03 * s,
            cpu=0.03 * s + 1.0,
        )
        for m in METHODS
        for s in (600, 1200)
    ]
    payload = planted(THEORY)
    text = sentences.pilot_sentence({"runs": runs}, payload)
    assert "from 600 to 1,200 steps on clean images, BYOL +0.1, VICReg +0.1, masked AE +5.0, AE +0.1 points" in text
    assert "At 1,200 steps masked AE (±" in text and "BYOL (±" not in text
    # 3 seeds x 4 methods x (1 + 2 levels x 5 alphas) cells of 100 steps and one of 200: 3 x 4 x (11 x 4 s + 7 s)
    assert "costs 30 ms of CPU time" in text and "this run's 144 networks take about 10 CPU-minutes" in text
    assert sentences.cpu_minutes({"runs": runs}, payload["config"], 2.0) == pytest.approx(3 * 4 * (11 * 7 + 13) / 60)


def test_no_network_reaching_its_clean_run_tells_no_order_and_the_gaps_still_grade_them():
    never = {"strong": dict.fromkeys(METHODS, math.inf) | {"je": 1.0, "rc": 10.0}, "weak": THEORY["weak"]}
    payload = planted(never)
    assert answer.level_summary(payload, "strong")["network_order"] == "none"
    said = answer.verdict(payload)
    assert "neither paradigm reaches its clean top-1 within the grid in the trained networks" in said
    assert "the trained networks bear out the second (the first is not told)" in said
    assert "under strong noise no trained network reaches its clean top-1 at any alignment" in sentences.takeaway(
        payload
    )
    # Planted: 10 points below the clean run wherever a method has not reached it, 0 from there on.
    gaps = sentences.gap_sentence(planted(THEORY))
    strong = gaps.split("under strong noise")[1]
    near = {"ten below": r"−(9|10)\.\d( to −(9|10)\.\d)?", "at it": r"[−+]0\.\d( to [−+]0\.\d)?"}
    assert re.search(f"at α = 0 JE {near['ten below']}, RC {near['ten below']};", strong)
    assert re.search(f"at α = 1 JE {near['at it']}, RC {near['ten below']};", strong)
