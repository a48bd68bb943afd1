"""Table 1 made honest: the random-init baseline, every method on one backbone, the corruption
injected into the views (App. D.3), the aggregation over seeds, and a verdict that refuses to read a
paradigm difference into backbones that learned nothing."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from je_vs_rc.imagenet_c import corruptions, methods, networks, phases, pipeline, results, statistics
from je_vs_rc.imagenet_c.config import ExperimentConfig
from je_vs_rc.imagenet_c.pretrain import PretrainConfig, view_transform
from je_vs_rc.imagenet_c.verdict import compare
from je_vs_rc.render import imagenet_c as figures
from je_vs_rc.render import imagenet_c_tables as tables
from je_vs_rc.render import imagenet_c_text as prose

TINY = dict(
    methods=["byol", "mae"],
    corruptions=["gaussian_noise"],
    severities=[1, 5],
    seeds=[0, 1],
    augment_strengths=[0, 1],
    augment_severities=[5],
    epochs=1,
    batch_size=16,
    train_images=32,
    test_images=16,
    probe_weight_decays=[1e-3],
    probe_iters=5,
    num_threads=1,
)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    return pipeline.run(ExperimentConfig(**TINY, out_dir=str(tmp_path_factory.mktemp("table1"))))


@pytest.mark.data
def test_grid_has_the_random_init_baseline_and_one_backbone(tiny_run):
    rows = tiny_run["rows"]
    assert {r["backbone"] for r in rows if r["method"] != "pixels"} == {"vit_tiny"}  # paradigm is the only difference
    base = [r for r in rows if r["method"] == statistics.RANDOM_INIT]
    assert sorted((r["seed"], r["severity"]) for r in base) == [(0, 1), (0, 5), (1, 1), (1, 5)]
    # injection (strength 1) only where asked (severity 5), for every method and seed
    injected = sorted((r["method"], r["seed"], r["severity"]) for r in rows if r["augment_strength"] == 1)
    assert injected == [(m, s, 5) for m in ("byol", "mae") for s in (0, 1)]
    assert len(rows) == 4 + 4 + 2 * 2 * 2 + 4  # pixels, random init, plain methods, injected
    assert all(0 <= r["top1"] <= 100 and 0 <= r["top1_clean"] <= 100 for r in rows)
    assert tiny_run["provenance"]["parameters"]["seeds"] == [0, 1]


@pytest.mark.data
def test_random_init_features_are_the_seeded_untrained_backbone(tiny_run, tmp_path):
    x = torch.rand(4, 3, 32, 32)
    with torch.no_grad():
        a, b = (networks.random_init("vit_tiny", 32, 0).features(x) for _ in range(2))
        c = networks.random_init("vit_tiny", 32, 1).features(x)
    assert torch.equal(a, b) and not torch.allclose(a, c)
    # the pipeline's random-init rows do not depend on the corruption being learned: the clean-data
    # score of a seed is the same at every severity (same frozen weights, same clean images)
    base = [r for r in tiny_run["rows"] if r["method"] == statistics.RANDOM_INIT]
    for seed in (0, 1):
        assert len({r["top1_clean"] for r in base if r["seed"] == seed}) == 1


def test_backbones_one_for_all_or_the_papers_pairing():
    assert {ExperimentConfig(backbones="vit_tiny").backbone_of(m) for m in ("byol", "dino", "mae")} == {"vit_tiny"}
    paper = ExperimentConfig(backbones="paper")
    pairing = {"byol": "resnet18", "dino": "vit_tiny", "mae": "vit_tiny"}  # the paper's, at CPU size
    assert {m: paper.backbone_of(m) for m in pairing} == pairing
    assert (
        ExperimentConfig(backbones={"byol": "resnet50", "dino": "vit_b16", "mae": "vit_b16"}).backbone_of("byol")
        == "resnet50"
    )
    with pytest.raises(ValueError, match=r"parameter backbones = 'vit' is not allowed: it must be 'paper', one of"):
        ExperimentConfig(backbones="vit").validate()
    with pytest.raises(ValueError, match=r"backbone for mae must be one of \['vit_tiny', 'vit_b16'\]; got 'resnet18'"):
        ExperimentConfig(backbones="resnet18").validate()  # MAE needs a ViT: no same-ResNet comparison with it


@pytest.mark.parametrize(
    "change, match",
    [
        ({"seeds": []}, r"parameter seeds = \[\] is not allowed: it must be a non-empty list"),
        ({"seeds": [0, 0]}, r"parameter seeds = \[0, 0\] is not allowed: .*all different"),
        ({"seeds": ["0"]}, r"parameter seeds = \['0'\] is not allowed: .*each an integer >= 0"),
        (
            {"augment_strengths": [0, 6]},
            r"parameter augment_strengths = \[0, 6\] .*each an integer >= 0 and <= 5, all different",
        ),
        (
            {"augment_severities": [3]},
            r"parameter augment_severities = \[3\] is not allowed: it must be among severities \[1, 5\]",
        ),
        ({"num_threads": 0}, r"parameter num_threads = 0 is not allowed: .*integer >= 1, or null \(torch's choice\)"),
        ({"random_init": "yes"}, r"parameter random_init = 'yes' is not allowed: it must be true or false"),
    ],
)
def test_new_parameters_fail_clearly(change, match):
    with pytest.raises(ValueError, match=match):
        ExperimentConfig(**change).validate()


GRAY = np.full((32, 32, 3), 128, dtype=np.uint8)


@pytest.mark.parametrize("strength, sigma", [(1, 0.08), (2, 0.12)])  # ImageNet-C's gaussian_noise scales
def test_injection_puts_the_corruption_on_the_pixels_of_every_view(strength, sigma):
    # A constant image stays constant under crops, flips and colour jitter of zero saturation, so
    # whatever varies in MAE's views comes from the injected noise; measured in pixels (0-255).
    model = methods.build("mae", "vit_tiny", 32, 1)
    plain = view_transform(model, PretrainConfig("mae", "vit_tiny", 32, 1, 8))
    noisy = view_transform(
        model,
        PretrainConfig("mae", "vit_tiny", 32, 1, 8, augment_corruption="gaussian_noise", augment_strength=strength),
    )
    torch.manual_seed(0)
    (clean,) = plain(corruptions_image())
    (view,) = noisy(corruptions_image())

    def to_pixels(v):
        return (v * torch.tensor(corruptions.STD).view(3, 1, 1) + torch.tensor(corruptions.MEAN).view(3, 1, 1)) * 255

    assert float(to_pixels(clean).std()) < 1.0
    assert float(to_pixels(view).std()) == pytest.approx(sigma * 255, rel=0.1)


def corruptions_image():
    from PIL import Image

    return Image.fromarray(GRAY)


def test_injection_reaches_dinos_small_local_crops():
    # The library refuses images under 32 px; DINO's 16 px local crops get the function directly.
    model = methods.build("dino", "vit_tiny", 32, 1)
    torch.manual_seed(0)
    views = view_transform(
        model, PretrainConfig("dino", "vit_tiny", 32, 1, 8, augment_corruption="gaussian_noise", augment_strength=1)
    )(corruptions_image())
    assert [v.shape[-1] for v in views] == [32, 32, 16, 16]
    pixels = lambda v: v * torch.tensor(corruptions.STD).view(3, 1, 1) * 255  # noqa: E731 - the mean is constant
    assert all(float(pixels(v).std()) > 10 for v in views)


def test_injection_needs_a_corruption_exactly_when_the_strength_is_positive():
    with pytest.raises(ValueError, match="augment_corruption must be named exactly when augment_strength > 0"):
        PretrainConfig("mae", "vit_tiny", 32, 1, 8, augment_strength=1)
    base = PretrainConfig("mae", "vit_tiny", 32, 1, 8)
    injected = PretrainConfig("mae", "vit_tiny", 32, 1, 8, augment_corruption="gaussian_noise", augment_strength=1)
    assert base.key("d") != injected.key("d")


def _rows(top1: dict[tuple[str, int, int], float], paradigm=None) -> list[dict]:
    paradigm = paradigm or {"byol": "JE", "dino": "JE", "mae": "RC", statistics.RANDOM_INIT: "none"}
    return [
        {
            "method": m,
            "paradigm": paradigm[m],
            "backbone": "vit_tiny",
            "corruption": "gaussian_noise",
            "augment_strength": 0,
            "severity": sev,
            "seed": seed,
            "top1": t,
            "top1_clean": t,
        }
        for (m, sev, seed), t in top1.items()
    ]


def test_seed_aggregation_mean_and_spread():
    rows = _rows({("mae", 1, 0): 80.0, ("mae", 5, 0): 40.0, ("mae", 1, 1): 60.0, ("mae", 5, 1): 45.0})
    (s1, s5) = statistics.summarize(rows)
    assert (s1["severity"], s1["top1"], s1["seeds"]) == (1, 70.0, 2)
    assert s1["top1_std"] == pytest.approx(math.sqrt(200))
    (drop,) = statistics.summarize_drops(statistics.relative_drops(rows))
    # the mean of each seed's drop (50% and 25%), not the drop of the mean accuracies (39.3%)
    assert drop["drop"] == pytest.approx(37.5) and drop["drop_std"] == pytest.approx(math.sqrt(2 * 12.5**2))
    assert drop["seeds"] == 2


def _paradigm_gap(random_top1: float) -> list[dict]:
    """BYOL drops ~10%, MAE ~30% (resolved over 3 seeds); the random-init probe scores ``random_top1``."""
    top1 = {}
    for seed, wobble in enumerate((-0.5, 0.0, 0.5)):
        top1[("byol", 1, seed)], top1[("byol", 5, seed)] = 80 + wobble, 72 + wobble
        top1[("mae", 1, seed)], top1[("mae", 5, seed)] = 80 + wobble, 56 + wobble
        top1[(statistics.RANDOM_INIT, 1, seed)], top1[(statistics.RANDOM_INIT, 5, seed)] = random_top1, random_top1 - 20
    return _rows(top1)


def test_verdict_reads_a_resolved_gap_when_both_beat_random_init():
    out = compare(_paradigm_gap(random_top1=30.0))
    (c,) = out.comparisons
    assert c.status == "RC drops more" and c.difference.mean == pytest.approx(30 - 10, abs=0.3)
    assert "MAE (RC) drops" in prose.verdict_text(out) and "the paper’s direction" in prose.verdict_text(out)


def test_no_paradigm_difference_from_a_backbone_that_learned_nothing():
    # The same gap, but the random-init probe scores as well as the pretrained models: MAE and BYOL
    # learned nothing, so the gap is not a paradigm difference.
    out = compare(_paradigm_gap(random_top1=80.0))
    (c,) = out.comparisons
    assert c.status == "inconclusive" and c.not_learned == ("byol", "mae")
    assert "we cannot tell at this scale" in prose.verdict_text(out) and "drops more" not in prose.verdict_text(out)


def test_one_seed_resolves_nothing():
    rows = [r for r in _paradigm_gap(random_top1=30.0) if r["seed"] == 0]
    out = compare(rows)
    assert out.comparisons[0].status == "inconclusive"  # no error bar on the baseline margin
    assert "on one seed and so without error bars" in prose.verdict_text(out) and "nan" not in prose.verdict_text(out)


def test_injection_effects_and_help_rate():
    rows = _rows({("byol", 5, 0): 50.0, ("byol", 5, 1): 52.0})
    rows += [{**r, "augment_strength": 1, "top1": r["top1"] + 10, "top1_clean": r["top1_clean"] - 1} for r in rows]
    (e,) = statistics.injection_effects(rows)
    assert e["gain_corrupted"] == pytest.approx(10) and e["gain_clean"] == pytest.approx(-1)
    assert e["resolved_corrupted"] and statistics.injection_help_rate([e]) == 1.0
    assert statistics.injection_help_rate([e], on="clean") == 0.0


def test_paper_table_has_all_36_numbers():
    table = tables.paper_table()
    assert len(table) == 9 and sum(len([k for k in ("s1", "s3", "s5", "drop") if k in r]) for r in table) == 36
    mae_noise = next(r for r in table if r["method"] == "MAE" and r["corruption"] == "gaussian_noise")
    assert (mae_noise["s1"], mae_noise["s5"], mae_noise["drop"]) == (61.6, 44.8, 27.3)


def test_figures_draw_from_a_summary():
    rows = _paradigm_gap(random_top1=30.0)
    rows += [{**r, "augment_strength": 1} for r in rows if r["method"] != statistics.RANDOM_INIT]
    summary = statistics.summarize(rows)
    margins = statistics.beyond_random(rows)
    fig = figures.plot_margins(margins)  # the plain runs only: one error bar per method and severity
    bars = [c for c in fig.axes[0].containers if c.has_yerr]
    assert len(fig.axes) == 1 and len(bars) == len({b["method"] for b in margins})
    assert sum(len(c.lines[0].get_xdata()) for c in bars) == sum(b["augment_strength"] == 0 for b in margins)
    fig = figures.plot_injection(summary, "gaussian_noise")
    assert len(fig.axes) == 4


def test_a_method_that_learned_nothing_is_left_out_and_named_with_its_margin():
    rows = _paradigm_gap(random_top1=30.0)
    for seed, wobble in enumerate((-0.5, 0.0, 0.5)):  # DINO at the random-init level: learned nothing
        rows += _rows({("dino", 1, seed): 30.0 + wobble, ("dino", 5, seed): 10.0 + wobble})
    out = compare(rows)
    assert [c.je for c in out.comparisons] == ["byol"]
    said = prose.verdict_text(out)  # at none of its severities: said so, not "not at every severity"
    assert "DINO beat the random-init baseline at no severity" in said and "it is left out" in said
    assert out.groups[0].never_learned == ("dino",)
    # the 95% t interval of (-0.5, 0, 0.5): t(0.975, 2) = 4.30 times the sem 0.5 / sqrt(3)
    assert "DINO +0.0 ± 1.2 points at severity" in prose.verdict_text(out)


def test_the_plain_table_runs_first_then_the_injected_strengths():
    cfg = ExperimentConfig(
        methods=["mae"], severities=[1, 3, 5], seeds=[0, 1], augment_strengths=[0, 2, 1], augment_severities=[5]
    )
    grid = [(j.strength, j.seed, j.corruption, j.severity) for j in phases.jobs(cfg)]
    assert grid[:6] == [(0, s, "gaussian_noise", v) for s in (0, 1) for v in (1, 3, 5)]
    assert grid[6:] == [
        (2, 0, "gaussian_noise", 5),
        (2, 1, "gaussian_noise", 5),
        (1, 0, "gaussian_noise", 5),
        (1, 1, "gaussian_noise", 5),
    ]
    # without strength 0 no plain model is trained; the baselines' rows are there all the same
    cfg = ExperimentConfig(augment_strengths=[1])
    assert len(phases.jobs(cfg)) == 3 * 2
    assert {r.method for r in phases.rows(cfg, {})} == {"pixels", "random_init"}


def test_injection_text_counts_only_resolved_changes_as_evidence():
    rows = _rows({("byol", 5, 0): 50.0, ("byol", 5, 1): 52.0, ("mae", 5, 0): 50.0, ("mae", 5, 1): 52.0})
    gain = {("byol", 0): 9.5, ("byol", 1): 10.5, ("mae", 0): 1.0, ("mae", 1): -0.8}  # BYOL's resolved, MAE's not
    rows += [
        {
            **r,
            "augment_strength": 1,
            "top1": r["top1"] + gain[r["method"], r["seed"]],
            "top1_clean": r["top1_clean"] + (-0.1 if r["seed"] == 0 else 0.05),
        }
        for r in rows
    ]
    text = prose.injection_text(statistics.injection_effects(rows))
    assert "strength 1, at severity 5: 2 configurations" in text
    assert "on the corrupted test set in 2 of the 2; 1 gain and 0 losses are resolved by a 95% t interval" in text
    assert "on clean data in 0 of the 2; 0 gains and 0 losses" in text  # mean -0.025, unresolved
    assert prose.injection_text([]).startswith("This run injects nothing")


def test_margins_are_paired_by_seed():
    # Seeds differ a lot (40, 50, 60: a harder or easier subset), the method is always 3 points above
    # random init: paired, a resolved margin of 3 ± 0; unpaired (hypot of the two standard errors,
    # 5.8 each) it would be 3 ± 8.2, unresolved.
    top1 = {}
    for seed, level in enumerate((40.0, 50.0, 60.0)):
        top1[(statistics.RANDOM_INIT, 1, seed)], top1[("mae", 1, seed)] = level, level + 3
    (b,) = statistics.beyond_random(_rows(top1))
    assert b["margin"] == pytest.approx(3) and b["margin_sem"] == pytest.approx(0) and b["learned"]
    assert statistics.paired(_rows(top1), {"method": "mae"}, {"method": statistics.RANDOM_INIT}).n == 3


def test_the_committed_run_is_whole_and_carries_its_provenance():
    from pathlib import Path

    run = results.read(Path(__file__).resolve().parents[2] / "benchmarks" / "imagenet_c_cpu" / "results.json")
    meta = run["provenance"]
    assert meta["complete"]
    assert {"torch", "lightly", "numpy", "device", "code_commit", "wall_seconds", "parameters"} <= set(meta)
    params = meta["parameters"]
    summary = statistics.summarize(run["rows"])
    plain = [e for e in summary if e["augment_strength"] == 0]
    # Whole: every severity the run's parameters name, every method with every seed.
    assert {e["severity"] for e in plain} == set(params["severities"])
    assert {e["seeds"] for e in summary} == {len(params["seeds"])} and len(params["seeds"]) >= 3
    # The methods beside both baselines (raw pixels have no backbone), and the injection grid it names.
    assert {e["method"] for e in plain} == {*params["methods"], statistics.RANDOM_INIT, statistics.PIXELS}
    assert {e["backbone"] for e in summary if e["method"] != statistics.PIXELS} == {params["backbones"]}
    assert {e["augment_strength"] for e in summary} == {0, *params["augment_strengths"]}
    assert prose.verdict_text(compare(run["rows"]))  # the chapter's sentence is generated from these rows


def test_the_pixel_rows_are_a_baseline_not_a_group_of_the_verdict():
    rows = _paradigm_gap(random_top1=30.0)
    pixels = [
        {**r, "method": statistics.PIXELS, "backbone": "none", "top1": 80.0}
        for r in rows
        if r["method"] == statistics.RANDOM_INIT
    ]
    with_pixels, without = compare(rows + pixels), compare(rows)
    assert [(g.corruption, g.backbone) for g in with_pixels.groups] == [
        (g.corruption, g.backbone) for g in without.groups
    ]
    assert prose.verdict_text(with_pixels) == prose.verdict_text(without)
    margins = statistics.beyond_random(rows + pixels)
    assert all(b["pixel_margin"] == pytest.approx(b["top1"] - 80.0) for b in margins)
    assert "none of the" in prose.pixels_text(margins) and "worse than the pixels" in prose.pixels_text(margins)
