"""render/trained.py: the figures draw from the results, the generated answer follows the numbers (Cor 4.5's
order, agreement or departure), the source sentence follows the provenance; the chapter through the runner."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import glued

from je_vs_rc.render import trained as tp
from je_vs_rc.trained.grid import CLOSED_FORM, LINEAR, GridConfig, GridResult, summarize

ALPHAS = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
SEEDS = np.array([1.0, 1.1, 0.9])


def curve(drop_after: int | None, plateau: float = 0.1) -> np.ndarray:
    """(alphas, seeds): ``plateau`` up to grid index ``drop_after``, then 1e-4 of it; None: flat (no drop)."""
    values = np.full(len(ALPHAS), plateau)
    if drop_after is not None:
        values[drop_after + 1 :] = plateau * 1e-4
    return values[:, None] * SEEDS


def grid(mlp: dict[str, np.ndarray]) -> GridResult:
    """Strong noise only; the closed forms and the trained linear model: JE drops after 0.3, RC after 3."""
    cfg = GridConfig(alphas=ALPHAS, gamma_max=(1e6,), seeds=(0, 1, 2), mlp_hidden=((8,),))
    theory = {"je": curve(1)[None], "rc": curve(3)[None]}
    distance = {CLOSED_FORM: theory, LINEAR: theory, "MLP 8": {m: v[None] for m, v in mlp.items()}}
    alpha = {"je": np.array([[0.8, 0.85, 0.9]]), "rc": np.array([[11.0, 12.0, 12.5]])}
    return GridResult(
        cfg,
        distance,
        distance,
        distance,
        alpha,
        {"closed form": 1.0},
        {
            "wall_seconds": 1500.0,
            "device": "CPU (2 cores)",
            "torch": "2.x",
            "numpy": "2.x",
            "python": "3.11",
            "finished": "2026-11-29T15:05:00+00:00",
            "load_average": 9.5,
        },
    )


def test_less_alignment_follows_the_curves():
    je, rc = summarize(ALPHAS, curve(1)), summarize(ALPHAS, curve(3))
    assert tp.less_alignment(je, rc) == "je" and tp.less_alignment(rc, je) == "rc"
    assert tp.less_alignment(je, summarize(ALPHAS, curve(None))) == "je"  # RC never drops
    assert tp.less_alignment(je, summarize(ALPHAS, np.full((6, 3), 1e-6))) == "rc"  # RC shows no damage
    assert tp.less_alignment(je, je) is None


def test_the_verdict_says_yes_when_the_mlp_keeps_the_order_and_no_when_it_reverses_it():
    text, counts = tp.verdict(grid({"je": curve(2), "rc": curve(4)}))
    assert counts == {"agree": 1, "depart": 0, "undecided": 0} and text.startswith("**Yes.**")
    assert "joint-embedding needs less alignment" in text
    text, counts = tp.verdict(grid({"je": curve(4), "rc": curve(2)}))
    assert counts["depart"] == 1 and text.startswith("**No.**") and "reverses the linear theory's order" in text
    noisy = curve(2)
    noisy[-1] = [0.095, 1e-5, 1e-5]  # one seed at the largest alignment is still at the plateau: not resolved
    text, counts = tp.verdict(grid({"je": noisy, "rc": curve(4)}))
    assert counts["undecided"] == 1 and text.startswith("**No.**")


def test_answer_and_rows_quote_the_summaries():
    result = grid({"je": curve(2), "rc": curve(4)})
    text = tp.answer(result)
    assert "closed form**: JE drops at α ≈ 0.55, RC drops at α ≈ 5.5 — joint-embedding needs less alignment" in text
    rows = tp.answer_rows(result)
    assert len(rows) == 6 and {r["method"] for r in rows} == {"JE", "RC"}
    mlp_je = next(r for r in rows if r["arch"] == "MLP 8" and r["method"] == "JE")
    # Each drop sits half-way (in log alpha) across its interval: sqrt(1 x 3) against sqrt(0.3 x 1).
    assert mlp_je["vs_closed"] == pytest.approx(np.sqrt(10), rel=0.01)


def test_the_source_sentence_follows_the_provenance():
    result = grid({"je": curve(2), "rc": curve(4)})
    assert tp.source_sentence(result, None).startswith("The grid was trained on this page")
    saved = tp.source_sentence(result, "../params/large.json")
    assert "saved run (large.json)" in saved and "in 25 minutes of wall time on CPU (2 cores)" in saved
    assert "3 seeds, 6 alignments" in saved and "load average 9.5" in saved


def test_the_grid_figure_has_a_panel_per_noise_level_and_method():
    fig = tp.plot_grid(grid({"je": curve(2), "rc": curve(4)}))
    assert len(fig.axes) == 2 and fig.axes[1].get_title().startswith("Reconstruction")


@pytest.mark.slow
@pytest.mark.data
def test_chapter_runs_through_the_runner(tmp_path):
    from je_vs_rc import run

    out = run.run_chapter(
        "trained_networks",
        {"seeds": [0, 1], "mlp_hidden": [[16]], "save_path": str(tmp_path / "grid.json")},
        out_dir=tmp_path,
    )
    values = glued(out)
    assert float(values["tr_worst_gap"]) < 1e-2
    assert values["tr_archs"] == "'MLP 16'"
    assert (tmp_path / "grid.json").exists()
    # Shown from the saved grid: nothing is trained, and the page says where the numbers come from.
    shown = run.run_chapter(
        "trained_networks", {"seeds": [0, 1], "results_path": str(tmp_path / "grid.json")}, out_dir=tmp_path / "shown"
    )
    assert "saved run (grid.json)" in glued(shown)["tr_grid_source"]
