"""The text rules of the site's browser check (.ci/browser_check.py) catch what they are for, and
leave correct text alone. The browser part runs in `make site-check`."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location("browser_check", Path(__file__).parents[1] / ".ci" / "browser_check.py")
browser_check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(browser_check)


def state(prose=(), refs=(), headings=(), visible=""):
    return {
        "prose": list(prose),
        "refs": [{"text": t, "href": "x.html#a"} for t in refs],
        "headings": list(headings),
        "visible": visible,
    }


@pytest.mark.parametrize(
    "bad",
    [
        r"Expand: $\mathbb E|\mathbf y - \mathbf V\tau|^2",  # a proof broken by a '+' list item
        r"\operatorname{Tr}(\mathbf V)",
        r"the \tfrac1n term",
        "costs $5",
    ],
)
def test_raw_tex_fails(bad):
    assert browser_check.text_problems(state(prose=[bad]))


@pytest.mark.parametrize("bad", ["Lemma ", "Proposition", "Theorem\xa0", "", "Fig. None", "Eq. ??"])
def test_reference_without_label_fails(bad):
    assert browser_check.text_problems(state(refs=[bad]))


@pytest.mark.parametrize(
    "bad", ["9.1. 1. Theorem 3.1: which matrix", "5.2. Proposition 4.4: joint embedding", "4.2. Lemma B.1 (ridge)"]
)
def test_double_numbering_fails(bad):
    assert browser_check.text_problems(state(headings=[bad]))


@pytest.mark.parametrize("bad", ["missing /work/main/data/KMNIST/raw/t.gz", "see /home/ci/x", r"at C:\Users\me"])
def test_filesystem_path_fails(bad):
    assert browser_check.text_problems(state(visible=bad))


def test_correct_text_passes():
    good = state(
        prose=["By Lemma B.1 the loss is a ridge penalty (eq. 46); see runs/<chapter>/ and 1/n."],
        refs=["Lemma B.1", "Proposition 4.3", "Fig. 5.1", "Bishop, 1995", "Reconstruction: the alignment"],
        headings=[
            "1. Theorem 3.1: which matrix is decomposed",
            "6. Joint embedding vs reconstruction (Corollary 4.5)",
            "The closed form (eq. 46)",
        ],
        visible="python -m je_vs_rc.data kmnist; https://arxiv.org/abs/2505.12477; data/MNIST/raw",
    )
    assert browser_check.text_problems(good) == []


def test_png_dpi_reads_what_matplotlib_records(tmp_path):
    from matplotlib.figure import Figure

    for dpi in (72, 110, 200):
        fig = Figure(figsize=(2, 1))
        fig.savefig(tmp_path / f"{dpi}.png", dpi=dpi)
        assert browser_check.png_dpi(tmp_path / f"{dpi}.png") == pytest.approx(dpi, abs=0.01)


def test_png_dpi_none_without_a_record(tmp_path):
    from PIL import Image

    Image.new("RGB", (4, 4)).save(tmp_path / "plain.png")  # PIL writes no pHYs unless given a dpi
    (tmp_path / "not.png").write_bytes(b"GIF89a")
    assert browser_check.png_dpi(tmp_path / "plain.png") is None
    assert browser_check.png_dpi(tmp_path / "not.png") is None
    assert browser_check.png_dpi(tmp_path / "missing.png") is None


def test_figure_font_is_the_books():
    from je_vs_rc.render.style import MIN_FONT_PT

    assert browser_check.FIGURE_FONT_PT == MIN_FONT_PT


def test_figure_text_too_small_fails():
    # A 748 px figure at 110 dpi (9 pt text = 13.75 image px) in a 342 px phone column: 6.3 px.
    shrunk = {"src": "file:///site/_images/a.png", "natural": 748, "shown": 342}
    assert browser_check.figure_text_problems([shrunk], lambda src: 110.0)
    # The same figure kept at 436 px (8 px text), or shown whole on a desktop, passes.
    readable = [{**shrunk, "shown": 436}, {**shrunk, "shown": 748}]
    assert browser_check.figure_text_problems(readable, lambda src: 110.0) == []
    # At 300 dpi the same shrink leaves 17 px text; an image of unknown dpi is not judged.
    assert browser_check.figure_text_problems([shrunk], lambda src: 300.0) == []
    assert browser_check.figure_text_problems([shrunk], lambda src: None) == []


def test_figure_wider_than_a_phone_column_fails():
    # Today's multi-panel figures kept at a readable 436 px in a 358 px column scroll sideways.
    wide = {"src": "a.png", "alt": "Figure 3", "shown": 436, "column": 358, "stacked": False}
    assert "no stacked drawing" in browser_check.figure_fit_problems([wide])[0]
    # A stacked drawing that is still too wide fails too; one that fits, or a figure that fits, passes.
    assert "stacked drawing is" in browser_check.figure_fit_problems([{**wide, "stacked": True}])[0]
    fits = [{**wide, "shown": 358, "stacked": True}, {**wide, "shown": 300}]
    assert browser_check.figure_fit_problems(fits) == []


def result(summary, shows=True, title="4. Reconstruction"):
    return {"title": title, "summary": summary, "shows": shows}


@pytest.mark.parametrize(
    "bad",
    [
        [],  # no result
        [result("")],  # no summary
        [result("...import numpy as np from je_vs_rc import theory, glue, claim and the rest of it")],
        [result(r"...the recovery needs \alpha_{\rm JE} above the threshold of the closed form, as shown")],
        [result("...Reconstruction: the alignment it needs Contents...")],  # the page title, not prose
        [result("...Introduction: predict the data, or predict its embedding? The book follows", shows=False)],
    ],
)
def test_search_summary_fails(bad):
    assert browser_check.search_problems("alignment", bad)


def test_search_summary_of_prose_passes():
    good = [
        result("...JE needs less alignment than RC when the irrelevant features are loud, and more when quiet."),
        result("...the top-k space is Q₁ iff δ exceeds every noise eigenvalue, i.e. …, which rearranges to it."),
    ]
    assert browser_check.search_problems("alignment", good) == []


def test_visible_code_cut_off_or_calling_glue_fails():
    cut = {"cut": 120, "glue": False, "start": "from je_vs_rc.checks import (MC_SIGMAS,"}
    glued = {"cut": 0, "glue": True, "start": "errors = check_moments(setting, alpha)"}
    assert browser_check.code_problems([cut]) and browser_check.code_problems([glued])
    assert browser_check.code_problems([{"cut": 1, "glue": False, "start": "x = 1"}]) == []  # sub-pixel rounding
    # on a phone: code scrolled sideways fails too; glue is judged once, at the desktop width
    assert browser_check.code_problems([cut], browser_check.PHONE) == [
        "code cut off by 120 px at 390 px: 'from je_vs_rc.checks import (MC_SIGMAS,'"
    ]
    assert browser_check.code_problems([glued], browser_check.PHONE) == []


def test_page_weight_counts_each_local_file_once(tmp_path):
    page, script = tmp_path / "a page.html", tmp_path / "s.js"
    page.write_bytes(b"x" * 10)
    script.write_bytes(b"y" * 300)
    urls = [page.as_uri(), script.as_uri(), script.as_uri(), "https://example.org/x.js", "data:,x"]
    assert browser_check.page_weight(urls) == 310
    assert browser_check.page_weight([(tmp_path / "missing.js").as_uri()]) == 0


def scorecard_rows(n=browser_check.SCORECARD_MIN_ROWS, status="◐ partly", evidence="4 of 6 lines", links=("a.html#x",)):
    return [{"cells": [f"Result {i}", status, evidence], "links": list(links)} for i in range(n)]


def test_a_complete_scorecard_passes():
    assert browser_check.scorecard_problems(scorecard_rows()) == []


@pytest.mark.parametrize(
    "rows",
    [
        None,  # no scorecard on the landing page
        scorecard_rows(n=browser_check.SCORECARD_MIN_ROWS - 1),
        scorecard_rows(status="partly"),  # a status without its symbol: not generated by the package
        scorecard_rows(status="✓ done"),
        scorecard_rows(evidence=""),
        scorecard_rows(links=()),
    ],
)
def test_a_missing_or_incomplete_scorecard_fails(rows):
    assert browser_check.scorecard_problems(rows)


@pytest.mark.parametrize(
    "bad",
    [
        "Crossing(scale=2.000000000000001, switch_scale=2.0, at_switch=True)",
        "4.383062175968448e-13",
        "{'objective': np.float64(15.7)}",
        "Traceback (most recent call last):",
        "UserWarning: x",
    ],
)
def test_raw_or_failed_cell_output_fails(bad):
    assert browser_check.output_problems([bad])


def test_readable_cell_output_passes():
    assert (
        browser_check.output_problems(["| objective gap | 2.1e-13 |", "quiet noise: alpha_JE = 0.632, regime = low"])
        == []
    )


def reading(bold=(), broken=(), ids=(), alts=(), colours=()):
    return {"bold": list(bold), "broken": list(broken), "ids": list(ids), "alts": list(alts), "colours": list(colours)}


def colour(fg, bg=(255, 255, 255), size=16.0, weight=400):
    return {"fg": list(fg), "bg": list(bg), "size": size, "weight": weight, "text": "some text"}


@pytest.mark.parametrize(
    "bad",
    [
        # a computed sentence
        reading(bold=["With loud noise (regime high), RC needs alignment above 2.55 and JE above 0.7: JE needs less"]),
        reading(broken=["2.1e-03"]),
        reading(ids=["thm-3-1", "proof", "thm-3-1"]),
        reading(alts=["_images/3d451f5627bf808413223d24babd570659628649a61ccae38087f70a22019c3b.png"]),
        reading(alts=["figure.png"]),
        reading(colours=[colour((0xE0, 0x7B, 0x24))]),  # RC's orange as text: 2.99:1
        reading(colours=[colour((150, 150, 150))]),  # light grey: 2.96:1
    ],
)
def test_reading_problems_fail(bad):
    assert browser_check.reading_problems(bad)


def test_readable_article_passes():
    good = reading(
        bold=["any", "does not", "Theorem 3.1", "reconstruction spends its capacity on whatever has the most variance"],
        ids=["thm-3-1", "prop-4-3"],
        alts=["Recovery by joint embedding and reconstruction over noise and alignment", "n against α / threshold", ""],
        colours=[colour((34, 34, 34)), colour((0xB1, 0x61, 0x1C)), colour((130, 130, 130), size=28)],
    )
    assert browser_check.reading_problems(good) == []


def test_typewriter_quotes_fail_and_typographic_ones_pass():
    assert browser_check.text_problems(state(prose=["a panel's largest gap"]))
    assert browser_check.text_problems(state(prose=['the "mixed" lines']))
    assert not browser_check.text_problems(state(prose=["a panel’s largest gap, the “mixed” lines, x' = 2"]))


def wide(hidden, table=False, display=True, columns=0):
    return {"table": table, "display": display, "hidden": hidden, "columns": columns, "text": "x"}


def test_a_table_or_formula_cut_at_its_right_edge_fails():
    desktop, phone = browser_check.DESKTOP, browser_check.PHONE
    # At the desktop width anything scrolled out of sight fails (an 11-column table's verdict columns).
    assert browser_check.wide_problems([wide(291, table=True, columns=11)], desktop)
    assert browser_check.wide_problems([wide(170)], desktop)
    # On a phone every formula must fit, and a narrow table; a wide table may scroll.
    assert browser_check.wide_problems([wide(221)], phone)
    assert browser_check.wide_problems([wide(141, display=False)], phone)
    assert browser_check.wide_problems([wide(28, table=True, columns=2)], phone)
    assert not browser_check.wide_problems([wide(717, table=True, columns=11)], phone)
    # A glyph's overhang is not content.
    assert not browser_check.wide_problems([wide(browser_check.OVERHANG_PX - 1)], desktop)
