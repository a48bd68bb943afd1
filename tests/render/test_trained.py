"""render/trained.py: the generated answer follows the floor-corrected numbers of a planted results file
(an agreement, a resolved reversal, a reversal within optimisation error, a "cannot tell" from damage within
the floor and from training that had not converged), the rows state factors, the source sentence follows the
provenance, the figures have their panels; the chapter through the runner."""

from __future__ import annotations

import ast
import re

import numpy as np
import pytest
from helpers import glued, planted_grid, run_blocked, step_curve

from je_vs_rc.render import trained as tp
from je_vs_rc.render import trained_answer as ta
from je_vs_rc.trained import grid as tg
from je_vs_rc.trained.grid_config import LINEAR
from je_vs_rc.trained.linear import LinearStudy, LinearStudyConfig, penalty_feature_scales
from je_vs_rc.trained.stats import CLOSED_FORM

ALPHAS = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
JE, RC = step_curve(ALPHAS, 1), step_curve(ALPHAS, 3)  # the closed forms: JE drops after 0.3, RC after 3


POWER = re.compile(r"^(?:(?P<mantissa>-?[\d.]+)\s*×\s*)?10(?P<exponent>[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)$")


def said(text: str) -> float:
    """The value of a glued number (its text/plain repr) as words.plain writes it: "0.0046", "6.7 × 10⁻⁵", "10⁻⁶"."""
    value = ast.literal_eval(text).replace("\u2212", "-")
    if m := POWER.match(value):
        exponent = int(m["exponent"].translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")))
        return float(m["mantissa"] or 1) * 10**exponent
    return float(value)


def planted(mlp_je, mlp_rc, tmp_path, **kwargs):
    """Strong noise; closed forms and the trained linear model order JE before RC; the MLP as given. Written to a
    results file and read back, as the chapter reads the committed run."""
    damage = {
        (CLOSED_FORM, "je"): JE,
        (CLOSED_FORM, "rc"): RC,
        (LINEAR, "je"): JE,
        (LINEAR, "rc"): RC,
        ("MLP 8", "je"): mlp_je,
        ("MLP 8", "rc"): mlp_rc,
    }
    path = planted_grid(ALPHAS, damage, **kwargs).write(tmp_path / "planted.json")
    return tg.read(path)


def test_an_mlp_that_keeps_the_order_agrees(tmp_path):
    text, counts = ta.verdict(planted(step_curve(ALPHAS, 2), step_curve(ALPHAS, 4), tmp_path))
    assert text.startswith("**Yes.**") and counts["agree"] == 1
    j = "\u2060–\u2060"  # a range is one unit: word joiners either side of its dash
    assert f"| MLP\u00a08, whitening | 1.7 (1.7{j}1.8) | 17 (17{j}18) | agrees (JE needs less) |" in text
    assert f"| closed forms | 0.55 (0.53{j}0.57) | 5.5 (5.3{j}5.7) | reference (JE needs less) |" in text


def test_a_planted_reversal_is_called_a_resolved_reversal(tmp_path):
    text, counts = ta.verdict(planted(step_curve(ALPHAS, 4), step_curve(ALPHAS, 1), tmp_path))
    assert text.startswith("**No.**") and counts["reverse"] == 1
    assert "| reverses (RC needs less) |" in text


def test_a_reversal_within_the_seeds_spread_is_called_optimisation_error(tmp_path):
    result = planted(step_curve(ALPHAS, 3), step_curve(ALPHAS, 2), tmp_path)
    cells = result.mse["MLP 8"]["je"]
    cells["corrupted"][:, 0, 3] = cells["clean"][:, 0, 3] + np.array([0.1, 0.1, 0.0, 0.0])  # two seeds fail
    text, counts = ta.verdict(result)
    assert counts["within error"] == 1 and text.startswith("**Cannot tell.**")
    assert "| reverses within error (RC needs less) |" in text


def test_damage_within_the_floor_cannot_tell(tmp_path):
    # The MLP's corrupted encoders are as far from the clean ones as a clean replicate is: no damage above the
    # floor for either method, a tie, so no order to compare (the raw distances would have shown one).
    result = planted(np.full(6, 0.01), np.full(6, 0.01), tmp_path, floor=0.012)
    text, counts = ta.verdict(result)
    assert text.startswith("**Cannot tell.**") and counts["cannot tell"] == 1
    assert "| MLP\u00a08, whitening | no damage | no damage | cannot tell (the trained curves tie) |" in text
    assert "| MLP\u00a08, JE | no damage | – |" in ta.answer_tables(result)  # no drop: no factor, no grid step


def test_a_ladder_that_still_moves_cannot_tell_and_is_named(tmp_path):
    # At the last-but-one budget the MLP's RC curve was still at its plateau at the largest alignment.
    result = planted(step_curve(ALPHAS, 2), step_curve(ALPHAS, 4), tmp_path, moved={("MLP 8", "rc"): (5, 0.1)})
    text, counts = ta.verdict(result)
    assert counts["cannot tell"] == 1 and "| cannot tell (not converged; last budget: JE needs less) |" in text
    rows = {(r["arch"].replace("\u00a0", " "), r["variant"]): r for r in ta.convergence_rows(result)}
    assert (
        rows[("MLP 8", "RC")]["converged"] == "5 of 6"
        and rows[("MLP 8", "RC")]["moved"] == "λ^Γ_max = 1,000,000: α = 30"
    )
    # A cell that moves without moving the curve's answer is named, and the order still stands.
    result = planted(step_curve(ALPHAS, 2), step_curve(ALPHAS, 4), tmp_path, moved={("MLP 8", "rc"): (5, 0.01)})
    assert (
        ta.verdict(result)[1]["agree"] == 1 and ta.convergence_rows(result)[3]["moved"] == "λ^Γ_max = 1,000,000: α = 30"
    )
    assert rows[("MLP 8", "JE")]["moved"] == "none"


def test_tables_state_factors_and_the_thresholds_beside_them(tmp_path):
    text = ta.answer_tables(planted(step_curve(ALPHAS, 2), step_curve(ALPHAS, 4), tmp_path))
    rows = {
        line.split(" | ")[0][2:].replace("\u00a0", " "): line.split(" | ")[1:]
        for line in text.splitlines()
        if line.startswith("| ")
    }
    # Each drop sits half-way (in log alpha) across its grid interval: sqrt(1 x 3) against sqrt(0.3 x 1).
    assert abs(float(rows["MLP 8, JE"][1]) - np.sqrt(10)) < 0.05
    assert "located only to within the grid’s step there (a factor 3.0 to 3.3)" in text
    assert rows[f"{CLOSED_FORM}, JE"][1] == "–" and rows[f"{CLOSED_FORM}, JE"][-1] == "0 |"
    assert r"The seeds’ thresholds (Props 4.3/4.4, a different quantity): $\alpha_{\rm JE}$ 0.80," in text


def test_the_penalty_sentences_say_what_was_tested():
    # omega = (0.95, 0.9, 0.8): feature 3 collapses for lambda <= 0.2, so lambda = 10 keeps the subspace.
    cfg = LinearStudyConfig(penalties=(0.1, 10.0), seeds=(0, 1))
    omega = np.tile([0.95, 0.9, 0.8], (2, 1))
    scales = np.array([[penalty_feature_scales(omega[0], 3, lam)] * 2 for lam in cfg.penalties])
    study = LinearStudy(cfg, {}, {}, {}, scales, scales, omega, {}, {})
    same, untested = tp.penalty_sentences(study)
    assert same == (
        "At λ = 10 every feature survives, so the penalty selects the constraint’s subspace; at λ = 0.1 some "
        "feature collapses, as predicted."
    )
    assert untested == ""
    scales[1, 0] = np.nan  # one seed diverged at lambda = 10: the prediction there is untested
    same, untested = tp.penalty_sentences(study)
    assert same.startswith("At no tested λ does every feature survive; at λ = 0.1 some feature collapses")
    assert untested.startswith(" At λ = 10 training diverged") and "untested there" in untested


def test_the_run_and_source_sentences_follow_the_configuration_and_the_provenance(tmp_path):
    result = planted(step_curve(ALPHAS, 2), step_curve(ALPHAS, 4), tmp_path)
    assert ta.run_sentence(result, None).startswith("The grid was trained on this page: 4 seeds, 6 alignments")
    what = ta.run_sentence(result, "../params/large.json")
    assert what.startswith("The grid shown is a saved run (large.json), not recomputed on this page: 4 seeds")
    assert what.endswith("ladder of 100 and 400 Adam steps of 64 samples.")
    saved = ta.source_sentence(result, "../params/large.json")
    assert (
        "saved run (large.json)" in saved
        and "took 25 minutes of training wall time, summed over its checkpointed units, on CPU (2 cores)" in saved
    )
    assert "load average 9.5" in saved and ta.source_sentence(result, None).startswith("The closed forms and")
    result.missing = ["MLP 8__je byol__400"]
    assert "1 trained unit is missing (MLP 8 je byol 400)" in ta.run_sentence(result, "x.json")


def test_the_figures_have_their_panels(tmp_path):
    result = planted(step_curve(ALPHAS, 2), step_curve(ALPHAS, 4), tmp_path)
    fig = tp.plot_grid(result)
    assert len(fig.axes) == 2 and fig.axes[1].get_title().startswith("Reconstruction")
    assert len(tp.plot_losses(result).axes) == 4


@pytest.mark.slow
@pytest.mark.data
@pytest.mark.usefixtures("draft_figures")
def test_chapter_runs_through_the_runner(tmp_path):
    """Chapter 12 trains its grid and saves it, with the ImageNet-C pipeline's dependencies (lightly, timm,
    imagecorruptions) not installed: the chapter needs torch only. Part 1's ladder is the smallest that its
    checks still hold on (one seed, two step budgets, two batch sizes, two penalty weights). The saved file
    gives back what the page said of the grid it trained; the page's path that shows a saved grid
    (``results_path``) runs in every book build, on the committed run."""
    part_1 = {"seeds": [0], "steps": [30, 1000], "batch_sizes": [16, 256], "penalties": [0.3, 10.0]}
    out = run_blocked(
        "12_trained_networks",
        {
            **part_1,
            "mlp_hidden": [[16]],
            "grid_seeds": [0, 1],
            "grid_n": 1000,
            "grid_steps": [5, 10],
            "objectives": ["byol"],
            "results_path": None,
            "save_path": str(tmp_path / "grid.json"),
        },
        tmp_path / "trained",
        tmp_path,
    )
    values = glued(out)
    assert said(values["tr_worst_gap"]) < 1e-2
    assert values["tr_archs"] == "'MLP 16'"
    saved = tg.read(tmp_path / "grid.json")
    assert repr(ta.run_sentence(saved, None)) == values["tr_grid_run"]
    assert repr(ta.convergence_sentence(saved)) == values["tr_convergence"]
    assert repr(ta.frame_verdict(saved)) == values["tr_frame"]
    path = str(tmp_path / "grid.json")
    assert ta.run_sentence(saved, path).startswith("The grid shown is a saved run (grid.json), not recomputed")
    assert "saved run (grid.json) took" in ta.source_sentence(saved, path)  # with its provenance


def objectives_planted(tmp_path, byol, missing=()):
    """The MLP trained with the paper's constraint, VICReg and BYOL; the first two keep the closed forms' order."""
    damage = {
        (CLOSED_FORM, "je"): JE,
        (CLOSED_FORM, "rc"): RC,
        ("MLP 8", "je"): step_curve(ALPHAS, 2),
        ("MLP 8", "rc"): step_curve(ALPHAS, 4),
        ("MLP 8", "je vicreg"): step_curve(ALPHAS, 2),
        ("MLP 8", "je byol"): byol,
    }
    result = planted_grid(ALPHAS, damage)
    result.missing = list(missing)
    return tg.read(result.write(tmp_path / "objectives.json"))


def test_the_objective_sentence_says_when_the_answer_does_not_depend_on_the_objective(tmp_path):
    text = ta.objective_sentence(objectives_planted(tmp_path, step_curve(ALPHAS, 1)))
    assert text == (
        "Does the answer depend on the objective? Not where it can be told: under λ^Γ_max = 1,000,000 every "
        "objective gives MLP 8 the same order."
    )


def test_the_objective_sentence_names_a_planted_objective_that_reverses(tmp_path):
    # BYOL's damage falls only after RC's: a resolved reversal, where the other objectives agree.
    text = ta.objective_sentence(objectives_planted(tmp_path, step_curve(ALPHAS, 5)))
    assert text == (
        "Does the answer depend on the objective? Yes: under λ^Γ_max = 1,000,000 whitening and VICReg keep the "
        "closed forms’ order for MLP 8, BYOL reverses it."
    )


def test_the_objective_sentence_names_objectives_missing_from_the_run(tmp_path):
    result = objectives_planted(tmp_path, step_curve(ALPHAS, 1), missing=["MLP 8__je byol__400"])
    del result.mse["MLP 8"]["je byol"]
    text = ta.objective_sentence(result)
    assert text.endswith("Not in this run: BYOL (training did not finish).") and "with BYOL" not in text
    del result.mse["MLP 8"]["je vicreg"]
    assert ta.objective_sentence(result) == (
        "Whether the answer depends on the objective, this run cannot say: BYOL did not finish."
    )
    result.missing = []
    assert ta.objective_sentence(result) == ""  # one objective and none missing: nothing to compare


def test_the_frame_follows_the_verdicts_and_the_objectives(tmp_path):
    same = ta.frame_verdict(objectives_planted(tmp_path, step_curve(ALPHAS, 1)))
    assert same == (
        "Yes. Under λ^Γ_max = 1,000,000, the MLP trained with every objective orders joint embedding and "
        "reconstruction as the closed forms do (joint embedding needs less alignment)"
    )
    differs = ta.frame_verdict(objectives_planted(tmp_path, step_curve(ALPHAS, 5)))
    assert differs == (
        "Partly. Under λ^Γ_max = 1,000,000, the MLP trained with whitening or VICReg orders joint embedding and "
        "reconstruction as the closed forms do (joint embedding needs less alignment); the MLP trained with BYOL "
        "reverses the closed forms’ order (reconstruction needs less alignment). The answer changes with the "
        "joint-embedding objective"
    )
    # BYOL still moving on the ladder: it cannot tell, and what its last budget showed is said.
    result = objectives_planted(tmp_path, step_curve(ALPHAS, 1))
    result.mse["MLP 8"]["je byol"]["corrupted"][0] = result.mse["MLP 8"]["je byol"]["clean"][0]
    assert ta.frame_verdict(result).endswith(
        "; the run with BYOL had not converged (at its last budget it points the same way)"
    )
    counts = ta.verdict(result)[1]
    assert ta.closing_verdict(counts) == (
        "Partly: of the 3 MLP cases (noise level × objective), 2 keep the closed forms’ order beyond optimisation "
        "noise, none reverses it, and 1 cannot be told"
    )


def test_the_convergence_sentence_names_what_moved(tmp_path):
    result = planted(step_curve(ALPHAS, 2), step_curve(ALPHAS, 4), tmp_path, moved={("MLP 8", "rc"): (5, 0.1)})
    assert ta.convergence_sentence(result) == (
        "At the ladder’s last step 23 of 24 trained cells stayed within the floor; the other one (the table names "
        "it) would still change with a longer budget."
    )
    assert ta.convergence_sentence(planted(step_curve(ALPHAS, 2), step_curve(ALPHAS, 4), tmp_path)).endswith(
        "24 of 24 trained cells stayed within the floor, every one."
    )


def test_the_resolved_sentence_counts_mlps_and_the_control_apart():
    resolved = [(1, "MLP 8", "je"), (1, "MLP 8", "je vicreg"), (1, LINEAR, "je")]
    assert ta.resolved_sentence(resolved, 6) == (
        "The 3 resolved orders (2 MLP cases and the linear control) rest on curves whose answer survived the "
        "ladder’s last step (6 curves, checked)"
    )
    assert ta.resolved_sentence([], 0) == "No order is counted as resolved"
