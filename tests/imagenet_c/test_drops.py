"""The chapter's tables and the chart of relative drops beside the paper's (chapter 8)."""

from __future__ import annotations

import math
import re

import pytest

from je_vs_rc import paper, stats
from je_vs_rc.imagenet_c import methods, results, statistics
from je_vs_rc.render import imagenet_c as figures
from je_vs_rc.render import imagenet_c_tables as tables
from je_vs_rc.render import imagenet_c_text as prose
from je_vs_rc.words import code_name

PARADIGM = {"byol": "JE", "dino": "JE", "mae": "RC", statistics.RANDOM_INIT: "none"}
# top-1 at severity 1 and 5 per seed: each seed's drop differs, so a mean of the drops and the drop of
# the mean accuracies (a plausible wrong formula) disagree.
TOP1 = {
    "byol": ((80.0, 70.0), (70.0, 63.0), (60.0, 48.0)),
    "dino": ((82.0, 74.0), (72.0, 60.0), (62.0, 55.0)),
    "mae": ((81.0, 52.0), (71.0, 50.0), (61.0, 40.0)),
    statistics.RANDOM_INIT: ((50.0, 30.0), (45.0, 30.0), (40.0, 20.0)),
}


def _rows(top1=TOP1, corruption="gaussian_noise", severities=(1, 5)) -> list[dict]:
    return [
        {
            "method": m,
            "paradigm": PARADIGM[m],
            "backbone": "vit_tiny",
            "corruption": corruption,
            "augment_strength": 0,
            "severity": sev,
            "seed": seed,
            "top1": t,
            "top1_clean": t,
        }
        for m, by_seed in top1.items()
        for seed, pair in enumerate(by_seed)
        for sev, t in zip(severities, pair)
    ]


@pytest.fixture
def run(tmp_path):
    """A results.json as the pipeline writes it, read back as the chapter reads it."""
    params = {
        "dataset": "mnist",
        "train_images": 500,
        "test_images": 500,
        "epochs": 2,
        "batch_size": 64,
        "seeds": [0, 1, 2],
    }
    return results.read(results.write(tmp_path / "results.json", _rows(), {"parameters": params}))


def _bars(fig):
    """{(panel title, tick label): {"paper": height, "ours": height}} read off the drawn bars."""
    out = {}
    for ax in fig.axes:
        ticks = {round(t): label.get_text() for t, label in zip(ax.get_xticks(), ax.get_xticklabels())}
        for bar in ax.patches:
            side = "ours" if bar.get_hatch() else "paper"
            group = ticks[round(bar.get_x() + bar.get_width() / 2)]
            out.setdefault((ax.get_title(), group), {})[side] = bar.get_height()
    return out


def test_the_chart_draws_the_tables_drops_and_the_papers(run):
    comparison = statistics.drop_comparison(run["rows"])
    bars = _bars(figures.plot_drop_comparison(comparison, prose.run_label(run["provenance"])))
    # the paper's nine drops, as Table 1 prints them
    for method, by in paper.TABLE1.items():
        for corruption, values in by.items():
            assert bars[(code_name(corruption), method)]["paper"] == values[3]
    # ours: the drops of the run's table (mean over seeds of each seed's drop), on gaussian noise only
    table = {r["method"]: r["drop"] for r in tables.wide_table(run["rows"])}
    assert sum("ours" in b for b in bars.values()) == 4
    for method in ("byol", "dino", "mae"):
        shown = bars[("Gaussian noise", method.upper())]["ours"]
        mean, std = (float(x) for x in re.findall(r"[\d.]+", table[methods.label(method)]))
        assert shown == pytest.approx(mean, abs=0.05)
        per_seed = [(a - b) / a * 100 for a, b in TOP1[method]]
        assert shown == pytest.approx(sum(per_seed) / 3)
        mean_of_top1 = [sum(t[i] for t in TOP1[method]) / 3 for i in (0, 1)]
        assert shown != pytest.approx((mean_of_top1[0] - mean_of_top1[1]) / mean_of_top1[0] * 100, abs=0.05)
    assert bars[("Gaussian noise", "rand.\ninit")] == {
        "ours": pytest.approx(float(table["random init"].split()[0]), abs=0.05)
    }
    # the error bar is one sample standard deviation over seeds, as in the table
    byol = next(e for e in comparison if (e["method"], e["corruption"]) == ("byol", "gaussian_noise"))
    assert byol["ours_std"] == pytest.approx(stats.spread([(a - b) / a * 100 for a, b in TOP1["byol"]]).std)


def test_the_legend_names_each_dataset(run):
    fig = figures.plot_drop_comparison(statistics.drop_comparison(run["rows"]), prose.run_label(run["provenance"]))
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "solid, paper: ImageNet, 500 epochs" in labels and "hatched, ours: MNIST, 2 epochs, 3 seeds" in labels
    not_run = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert not_run == ["ours: not run", "ours: not run"]  # pixelate and zoom blur


def test_the_drop_span_is_said_and_differs_from_the_papers_when_it_does():
    rows = _rows()
    assert prose.drop_span_text(statistics.drop_comparison(rows)) == "Both relative drops run from severity 1 to 5."
    text = prose.drop_span_text(statistics.drop_comparison(_rows(severities=(1, 3))))
    assert "from severity 1 to 3, the paper’s from 1 to 5: not the same span" in text


def test_the_comparison_sentence_follows_the_numbers():
    text = prose.drop_comparison_text(statistics.drop_comparison(_rows()))
    # MAE's mean drop (33.3%) lies above BYOL's (14.2%) and DINO's (12.6%) here, as in the paper
    assert "in our run its mean drop (33.3%) lies above theirs (14.2% and 12.6%)" in text and "the same order" in text
    assert "the paper’s MAE drop (27.3%) lies above those of BYOL and DINO (16.1% and 12.7%)" in text
    flat = {**TOP1, "mae": ((80.0, 70.0), (70.0, 63.0), (60.0, 50.0))}  # now between BYOL and DINO
    text = prose.drop_comparison_text(statistics.drop_comparison(_rows(flat)))
    assert "lies between theirs" in text and "not the paper’s order" in text and "the same order" not in text
    other = statistics.drop_comparison(_rows(corruption="contrast"))  # no corruption in common with Table 1
    assert prose.drop_comparison_text(other).startswith("Our run shares no corruption")


def test_tables_keep_only_what_varies_and_caption_the_rest(run):
    text = tables.run_table_markdown(run, "Our run")
    caption, _, header = text.splitlines()[:3]
    assert caption.startswith("~~~{table} Our run:")
    assert "500 training and 500 test images, 2 epochs at batch 64" in caption
    assert "mean ± sample standard deviation over 3 seeds;" in caption
    assert caption.endswith("backbone: 4-layer ViT, corruption: Gaussian noise.")
    one = {**run, "rows": [r for r in run["rows"] if r["seed"] == 0]}
    assert "one seed, so no spread" in tables.run_table_markdown(one, "Ours").splitlines()[0]
    assert header == "| method | sev. 1 | sev. 5 | rel. drop % |"
    cells = "\n".join(text.splitlines()[2:])
    assert " ±\u00a0" in cells and " ± " not in cells  # a cell may wrap before "± std", never after "±"
    two = {**run, "rows": run["rows"] + _rows(corruption="contrast")}
    assert tables.run_table_markdown(two, "Ours").splitlines()[2].startswith("| method | corruption | sev. 1")


def test_the_backbone_every_pretrained_line_shares_is_said_once_beside_the_raw_pixels(run):
    pixels = [{**r, "method": statistics.PIXELS, "paradigm": "none", "backbone": "none"}
              for r in run["rows"] if r["method"] == "byol"]  # fmt: skip
    text = tables.run_table_markdown({**run, "rows": run["rows"] + pixels}, "Our run")
    caption, _, header = text.splitlines()[:3]
    assert header == "| method | sev. 1 | sev. 5 | rel. drop % |"  # no constant column: the table fits a phone
    assert "backbone: 4-layer ViT (the raw pixels: none)" in caption
    other = [{**r, "backbone": "resnet18"} for r in run["rows"] if r["method"] == "mae"]
    mixed = tables.run_table_markdown({**run, "rows": run["rows"] + pixels + other}, "Ours")
    assert mixed.splitlines()[2].startswith("| method | backbone |")


def test_the_regime_sentence_follows_the_measured_noise():
    found = {"k": 50, "threshold": 0.5171, "images": 500, "severities": [
        {"severity": 1, "noise_min": 0.00156, "noise_max": 0.00458, "regime": "low"},
        {"severity": 5, "noise_min": 0.037, "noise_max": 0.0715, "regime": "low"}]}  # fmt: skip
    text = prose.regime_text(found, "gaussian_noise")
    assert text.startswith("Per pixel, Gaussian noise adds a variance of 0.0016–0.0046 at severity 1 and 0.037–0.071")
    assert "below the 0.517 of the clean images along their 50th principal direction" in text
    assert "at both severities this is Corollary 4.5’s low-noise regime" in text and "e−" not in text
    found["severities"][1].update(noise_max=0.9, regime="between")
    text = prose.regime_text(found, "gaussian_noise")
    assert "against the 0.517" in text and "at severity 5 this is between Corollary 4.5’s two regimes" in text


def test_the_papers_table_prints_its_36_numbers_as_published():
    text = tables.paper_table_markdown()
    lines = [line for line in text.splitlines() if line.startswith("| ") and "sev." not in line]
    numbers = [float(x) for line in lines for x in line.strip("| ").split(" | ")[-4:]]
    assert len(lines) == 9 and len(numbers) == 36
    assert sorted(numbers) == sorted(v for by in paper.TABLE1.values() for values in by.values() for v in values)
    assert "| BYOL (JE) | zoom blur | 70.1 | 67.0 | 63.8 | 9.0 |" in text  # 67.0, not 67
    # the backbones said once in the caption, not a column that pushes the drops off a phone's screen
    assert "BYOL on a ResNet-50; DINO and MAE on a ViT-B/16" in text.splitlines()[0]
    assert text.splitlines()[2].startswith("| method | corruption |")
    assert math.isclose(float(lines[0].split(" | ")[-1].rstrip(" |")), 12.0)


def test_the_chart_caption_follows_the_run(run):
    caption = prose.drop_chart_caption(statistics.drop_comparison(run["rows"]), run["provenance"])
    assert "mean over 3 seeds with one sample standard deviation" in caption and "Grey: the baselines" in caption
    assert "differ in the data (ours not ImageNet) and the pretraining (2 epochs, not 500)" in caption
    assert caption.endswith("Both relative drops run from severity 1 to 5.")
    one = [r for r in run["rows"] if r["seed"] == 0 and r["method"] != statistics.RANDOM_INIT]
    meta = {"parameters": {**run["provenance"]["parameters"], "seeds": [0], "dataset": "imagefolder", "epochs": 500}}
    caption = prose.drop_chart_caption(statistics.drop_comparison(one), meta)
    assert "one seed, so no error bar" in caption and "Grey" not in caption and "differ in" not in caption


def test_the_chart_is_legible_at_the_column_width(run):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    from je_vs_rc.render.style import DISPLAY_WIDTH_IN, MIN_FONT_PT

    fig = figures.plot_drop_comparison(statistics.drop_comparison(run["rows"]), prose.run_label(run["provenance"]))
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    shrink = min(1.0, DISPLAY_WIDTH_IN / fig.get_tightbbox(renderer).width)  # the notebook saves it tight
    sizes = [t.get_fontsize() * shrink for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    assert sizes and min(sizes) >= MIN_FONT_PT
    legend = fig.legends[0].get_window_extent(renderer)
    assert all(legend.y1 <= ax.get_window_extent(renderer).y0 for ax in fig.axes)  # off the data, below
