"""The ImageNet-C chapter's sentences, generated from the numbers (``je_vs_rc.imagenet_c.statistics``
and ``.verdict``): the verdict, the injection count, the drop comparison with the paper, the captions
and the one-line description of a run."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .. import paper
from ..imagenet_c.methods import label as method_label
from ..imagenet_c.statistics import BASELINES, PIXELS, RANDOM_INIT, injection_help_rate, paradigm_of
from ..imagenet_c.verdict import Comparison, Group, Verdict
from ..stats import LEVEL, Spread
from ..theory.methods import JOINT_EMBEDDING, RECONSTRUCTION
from ..words import code_name, count, fixed, number, plain, series


def _margins_said(group: Group) -> str:
    """Each method that did not learn, with its lowest margin over the random-init baseline:
    ``"each method’s lowest margin: BYOL +0.5 ± 1.0 points at severity 5 and ..."`` (on one seed, without ±)."""
    one_seed = not all(math.isfinite(b["margin_halfwidth"]) for b in group.worst_margins)
    said = series(
        [
            f"{method_label(b['method'], paradigm=False)} {fixed(b['margin'], sign=True)}"
            + (f" ± {fixed(b['margin_halfwidth'])}" if math.isfinite(b["margin_halfwidth"]) else "")
            + f" points at severity {b['severity']}"
            for b in group.worst_margins
        ]
    )
    name = "its lowest margin" if len(group.worst_margins) == 1 else "each method’s lowest margin"
    return f"{name}, on one seed and so without error bars: {said}" if one_seed else f"{name}: {said}"


def _level(level: float) -> str:
    return f"{number(100 * level)}% t interval over seeds"


# The backbones as prose and tables name them (networks.BACKBONES); "paper": the paper's pairing.
BACKBONE_NAMES = {"resnet18": "ResNet-18", "resnet50": "ResNet-50", "vit_tiny": "4-layer ViT", "vit_b16": "ViT-B/16",
                  "paper": "the paper’s pairing"}  # fmt: skip


def backbone_name(name: str) -> str:
    """A backbone as the book names it: ``"vit_tiny"`` -> ``"4-layer ViT"``."""
    return BACKBONE_NAMES.get(name, name)


def _where_run(group: Group) -> str:
    """``"on Gaussian noise with the 4-layer ViT backbone"``: the corruption and backbone of a group."""
    return f"on {code_name(group.corruption)} with the {backbone_name(group.backbone)} backbone"


def _comparison_said(c: Comparison, d: Spread, level: float) -> str:
    rc, je = method_label(str(c.rc)), method_label(str(c.je))
    h = d.halfwidth(level)
    if d.resolved(level):
        return (
            f"{rc} drops {fixed(abs(d.mean))} ± {fixed(h)} points {'more' if d.mean > 0 else 'less'} than {je}, "
            + ("the paper’s direction" if d.mean > 0 else "against the paper’s direction")
            + f" (the {_level(level)} excludes 0)"
        )
    if not math.isfinite(h):
        return (
            f"the drops of {rc} and {je} differ by {fixed(d.mean, sign=True)} points on one seed, which gives no "
            "interval: we cannot tell at this scale"
        )
    return (
        f"the drops of {rc} and {je} differ by {fixed(d.mean, sign=True)} ± {fixed(h)} points, a {_level(level)} "
        "that contains 0: we cannot tell at this scale"
    )


def _group_said(group: Group, level: float) -> list[str]:
    where = _where_run(group)
    where = where[:1].upper() + where[1:]  # it opens each sentence
    names = [method_label(m, paradigm=False) for m in group.not_learned]
    failed = series(names)
    if set(group.never_learned) == set(group.not_learned):  # at none of the severities, not just some
        subject = f"none of {', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else failed
        beat = f"beat the random-init baseline at {'any' if len(names) > 1 else 'no'} severity, by a {_level(level)}"
        failed_beat = f"{subject} {beat}"
    else:
        failed_beat = f"{failed} did not beat the random-init baseline at every severity, by a {_level(level)}"
    if group.inconclusive:
        if not names:
            return [f"{where} we cannot tell at this scale: one paradigm is missing from this backbone."]
        return [f"{where} we cannot tell at this scale: {failed_beat}; {_margins_said(group)}."]
    left_out = f"{'they are' if len(names) > 1 else 'it is'} left out of the comparison"
    said = [f"{where}, {failed_beat}, so {left_out}; {_margins_said(group)}."] if names else []
    return said + [
        f"{where}, {_comparison_said(c, c.difference, level)}." for c in group.comparisons if c.difference is not None
    ]


def verdict_text(verdict: Verdict) -> str:
    """The verdict in words: one sentence per comparison (and per method left out), per corruption and backbone."""
    return " ".join(s for g in verdict.groups for s in _group_said(g, verdict.level))


def injection_text(effects: Sequence[dict[str, Any]], level: float = LEVEL) -> str:
    """App. D.3's count on our run, in words: where injection ran, the share of configurations whose
    mean top-1 it raised on the corrupted test set and on clean data (the paper's measure), and how
    many gains and losses are resolved (t interval at ``level``; the part that is evidence)."""
    if not effects:
        return "This run injects nothing: every view’s augmentation ran at strength 0."
    strengths = sorted({e["augment_strength"] for e in effects})
    severities = sorted({e["severity"] for e in effects})
    said = [
        f"Our run injects at strength{'s' if len(strengths) > 1 else ''} {series([str(s) for s in strengths])}, "
        f"at severit{'ies' if len(severities) > 1 else 'y'} {series([str(s) for s in severities])}: "
        f"{len(effects)} configurations of method, severity and strength."
    ]
    for on, where in (("corrupted", "on the corrupted test set"), ("clean", "on clean data")):
        gains = sum(e[f"resolved_{on}"] and e[f"gain_{on}"] > 0 for e in effects)
        losses = sum(e[f"resolved_{on}"] and e[f"gain_{on}"] < 0 for e in effects)
        raised = round(injection_help_rate(effects, on) * len(effects))  # a count: a share of a few says little
        said.append(
            f"Injection raised the mean top-1 {where} in {raised} of the {len(effects)}; "
            f"{count(gains, 'gain', 'gains')} and {count(losses, 'loss', 'losses')} are resolved "
            f"by a {_level(level)} that excludes 0."
        )
    said.append(
        "A share of means that rose counts noise as help about half the time when nothing changes, so only "
        "the resolved gains and losses are evidence."
    )
    return " ".join(said)


def drop_span_text(comparison: Sequence[dict[str, Any]]) -> str:
    """Which severities our relative drops span, against the paper's (severity 1 to 5)."""
    spans = sorted({e["span"] for e in comparison if e["span"]})
    if not spans:
        return "This run measured no relative drop."
    lo, hi = paper.TABLE1_DROP_SEVERITIES
    if spans == [paper.TABLE1_DROP_SEVERITIES]:
        return f"Both relative drops run from severity {lo} to {hi}."
    said = " and ".join(f"{a} to {b}" for a, b in spans)
    return f"Our relative drops run from severity {said}, the paper’s from {lo} to {hi}: not the same span."


def _percents(values: Any) -> str:
    return " and ".join(f"{fixed(v)}%" for v in values)


def _where(value: float, others: list[float]) -> str:
    if all(value > o for o in others):
        return "above"
    if all(value < o for o in others):
        return "below"
    return "between"


def drop_comparison_text(comparison: Sequence[dict[str, Any]]) -> str:
    """Where our run and the paper share a corruption: does the reconstruction method's mean drop lie
    above both joint-embedding methods', as in the paper, between them, or below? Means only, said
    as such; whether a difference is resolved is the verdict's answer."""
    said = []
    for corruption in sorted({e["corruption"] for e in comparison}):
        here = [e for e in comparison if e["corruption"] == corruption]
        both = [e for e in here if e["ours"] is not None and e["paper"] is not None]
        je = [e for e in both if paradigm_of(e) is JOINT_EMBEDDING]
        rc = [e for e in both if paradigm_of(e) is RECONSTRUCTION]
        if not je or not rc:
            continue
        for r in rc:
            theirs = _where(r["paper"], [e["paper"] for e in je])
            mine = _where(r["ours"], [e["ours"] for e in je])
            names = " and ".join(method_label(e["method"], paradigm=False) for e in je)
            sentence = (
                f"On {code_name(corruption)}, the paper’s {method_label(r['method'], paradigm=False)} drop "
                f"({fixed(r['paper'])}%) lies {theirs} those of {names} ({_percents(e['paper'] for e in je)}); in our "
                f"run its mean drop ({fixed(r['ours'])}%) lies {mine} theirs ({_percents(e['ours'] for e in je)}), "
                + ("the same order" if mine == theirs else "not the paper’s order")
            )
            base = next((e for e in here if e["method"] == RANDOM_INIT and e["ours"] is not None), None)
            if base is not None:
                sentence += f", and the frozen random initialisation drops {fixed(base['ours'])}%"
            pixels = next((e for e in here if e["method"] == PIXELS and e["ours"] is not None), None)
            if pixels is not None:
                sentence += f", the raw pixels {fixed(pixels['ours'])}%"
            said.append(sentence + ".")
    if not said:
        return "Our run shares no corruption with both paradigms of the paper’s table."
    return " ".join(said) + " These are means over seeds; the verdict says which differences the error bars resolve."


DATASET_NAMES = {"mnist": "MNIST digits", "imagefolder": "an ImageFolder tree"}


def _images(n: int | None) -> str:
    return number(n) if n else "all"


def run_caption(meta: dict[str, Any]) -> str:
    """The scale of a run in a few words, for its table's caption: data, images, epochs, batch."""
    p = meta["parameters"]
    data = {"mnist": "MNIST digits at 32 px", "imagefolder": "an ImageFolder tree"}.get(p["dataset"], p["dataset"])
    return (
        f"{data}, {_images(p['train_images'])} training and {_images(p['test_images'])} test images, "
        f"{p['epochs']} epoch{'s' if p['epochs'] != 1 else ''} at batch {p['batch_size']}"
    )


def drop_chart_caption(comparison: Sequence[dict[str, Any]], meta: dict[str, Any]) -> str:
    """The drop chart's caption after its first sentence, from the run it draws: what the hatched
    bars are, the grey ones if the run has its random-init baseline, how its scale differs from the
    paper's, and which severities the drops span (:func:`drop_span_text`)."""
    p = meta["parameters"]
    seeds = len(p["seeds"])
    said = [
        f"Hatched: our run ({run_caption(meta)}), "
        + (
            f"mean over {seeds} seeds with one sample standard deviation, as in the table above."
            if seeds > 1
            else "one seed, so no error bar."
        )
    ]
    if any(e["method"] in BASELINES and e["ours"] is not None for e in comparison):
        said.append(
            "Grey: the baselines, the probe on the raw pixels and on the same backbone frozen at its random "
            "initialisation (the paper has neither)."
        )
    differ = [
        *(["the data (ours not ImageNet)"] if p["dataset"] != "imagefolder" else []),
        *([f"the pretraining ({p['epochs']} epochs, not 500)"] if p["epochs"] != 500 else []),
    ]
    if differ:
        said.append(
            f"The two sides differ in {' and '.join(differ)}: read the order of JE and RC within each side, "
            "not the heights across them."
        )
    said.append(drop_span_text(comparison))
    return " ".join(said)


def run_label(meta: dict[str, Any]) -> str:
    """Our run as the drop chart's legend names it: dataset, epochs, seeds."""
    p = meta["parameters"]
    data = {"mnist": "MNIST"}.get(p["dataset"], p["dataset"])
    epochs, seeds = p["epochs"], len(p["seeds"])
    return f"ours: {data}, {epochs} epoch{'s' * (epochs != 1)}, {seeds} seed{'s' * (seeds != 1)}"


def scale(meta: dict[str, Any]) -> str:
    """One line saying what a run was: data, budget, backbones, grid, seeds, and where it ran."""
    p = meta["parameters"]
    names = [p["backbones"]] if isinstance(p["backbones"], str) else sorted(set(p["backbones"].values()))
    backbones = ", ".join(map(backbone_name, names))
    listed = lambda values: ", ".join(map(str, values))  # noqa: E731
    injected = [s for s in p.get("augment_strengths", [0]) if s]
    return (
        f"{DATASET_NAMES.get(p['dataset'], p['dataset'])}, {_images(p['train_images'])} training and "
        f"{_images(p['test_images'])} test images; "
        f"{count(p['epochs'], 'epoch', 'epochs')} at batch {p['batch_size']}; backbone {backbones}; "
        f"{listed(method_label(m, paradigm=False) for m in p['methods'])} on "
        f"{listed(code_name(c) for c in p['corruptions'])} at severities {listed(p['severities'])}; "
        + (f"injection at strengths {listed(injected)}; " if injected else "no injection; ")
        + f"{count(len(p['seeds']), 'seed', 'seeds')}; {meta['device']}; "
        + f"{number(meta['wall_seconds'] / 60, 2)} min wall time"
        + (
            ""
            if meta.get("complete", True)
            else f" (stopped after {meta['cells_done']} of its {meta['cells']} grid cells)"
        )
    )


def machine(meta: dict[str, Any]) -> str:
    """How a run used its machine, for the provenance: torch's version, processes and threads."""
    processes = meta.get("world_size", 1)
    return (
        f"torch {meta['torch']}, "
        + (f"{processes} processes (torchrun, gloo), " if processes > 1 else "")
        + count(meta.get("torch_threads", "?"), "thread", "threads")
        + (" each" if processes > 1 else "")
    )


def rates_text(meta: dict[str, Any], pilot: dict[str, Any] | None) -> str:
    """The learning rates a run used, against the paper's scaled to its batch, and how they were chosen
    (the pilot's selection rule and file, if the run's rates are the pilot's choice)."""
    from ..imagenet_c import methods

    p = meta["parameters"]
    chosen = p.get("lr") or {}
    said = []
    for m in p["methods"]:
        paper_rate = methods.get(m).lr_at_256 * p["batch_size"] / 256
        rate = chosen.get(m, paper_rate)
        factor = rate / paper_rate
        said.append(
            f"{method_label(m, paradigm=False)} {plain(rate, 3)} "
            + (
                "(the paper’s rate)"
                if math.isclose(factor, 1)
                else f"({number(factor, 3)} times the paper’s {plain(paper_rate, 3)})"
            )
        )
    line = f"Learning rates at batch {p['batch_size']}: {'; '.join(said)}."
    if not chosen:
        return line + " They are the paper’s (App. D.1.1), scaled linearly to the batch."
    if pilot is not None and all(pilot["chosen"].get(m) == pilot_round(chosen[m]) for m in chosen):
        tried = series([number(f) for f in pilot["factors_of_paper_rate"]])
        return line + (
            f" Each was chosen by a pilot run (committed beside the results) among {tried} times the paper’s "
            f"rate, on a seed this run does not use ({pilot['settings']['seeds'][0]}), by the {pilot['selection']} "
            f"(ties to the smaller rate). That split holds {pilot['validation_images']} images per severity, so "
            f"differences of a few points between rates are within its noise: the pilot rules out nothing finer."
        )
    return line + " They were set by hand: no committed pilot chose them."


def pilot_round(x: float) -> float:
    """A rate as the pilot records it (6 significant digits), so a parameter file's copy compares equal."""
    return float(f"{x:.6g}")


def pixels_text(margins: Sequence[dict[str, Any]]) -> str:
    """How the pretrained cells compare with the raw pixels (their mean margins over the pixel probe)."""
    have = [b for b in margins if math.isfinite(b.get("pixel_margin", float("nan")))]
    if not have:
        return "This run has no raw-pixel rows."
    above = sum(b["pixel_margin"] > 0 for b in have)
    lo, hi = min(b["pixel_margin"] for b in have), max(b["pixel_margin"] for b in have)
    return (
        f"Against the raw pixels (the same probe on the images themselves), {above or 'none'} of the {len(have)} "
        f"pretrained cells score higher on average; their mean margins run from {fixed(lo, sign=True)} to "
        f"{fixed(hi, sign=True)} points"
        + (
            ": at this scale the learned features are worse than the pixels they are computed from, which limits "
            "what a comparison of their drops can say."
            if above == 0
            else "."
        )
    )


def test_size_text(meta: dict[str, Any], rows: Sequence[dict[str, Any]]) -> str:
    """How many test images a run scored, and the binomial noise that leaves in each cell."""
    n = meta["parameters"]["test_images"]
    if n is None:
        return "every test image (`test_images = None`)."
    top = [r["top1"] for r in rows if math.isfinite(r.get("top1", float("nan")))]
    p = sum(top) / len(top) / 100 if top else 0.5
    se = 100 * math.sqrt(p * (1 - p) / n)
    return (
        f"{number(n)} images, not all of them: at this accuracy that leaves a binomial standard error of "
        f"{fixed(se)} points in every cell."
    )


ORDINALS = {1: "st", 2: "nd", 3: "rd"}
REGIME_SAID = {
    "low": "Corollary 4.5’s low-noise regime, where reconstruction needs less alignment than joint embedding, so "
    "the theory predicts no joint-embedding advantage",
    "high": "Corollary 4.5’s high-noise regime, where joint embedding needs less alignment than reconstruction, so "
    "the theory predicts the paper’s pattern",
    "between": "between Corollary 4.5’s two regimes (the noise straddles the threshold), where the corollary predicts "
    "nothing",
}
SIDES = {"low": "below", "high": "above", "between": "on both sides of"}


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else ORDINALS.get(n % 10, 'th')}"


def regime_text(found: dict[str, Any], corruption: str) -> str:
    """Which of Cor 4.5's regimes the run's corruption puts the data in, from ``imagenet_c.regime.regimes``: the
    variance the noise adds per pixel at each severity (its range over pixels) against the clean images' variance
    along their ``k``-th principal direction, and what the corollary predicts there."""
    rows = found["severities"]
    ranges = series(
        [f"{plain(r['noise_min'], 2)}–{plain(r['noise_max'], 2)} at severity {r['severity']}" for r in rows]
    )
    kinds = [r["regime"] for r in rows]
    side = SIDES[kinds[0]] if len(set(kinds)) == 1 else "against"
    every = "at both severities" if len(rows) == 2 else "at every severity" if len(rows) > 2 else "at this severity"
    verdict = (
        f"{every} this is {REGIME_SAID[kinds[0]]}"
        if len(set(kinds)) == 1
        else "; ".join(f"at severity {r['severity']} this is {REGIME_SAID[r['regime']]}" for r in rows)
    )
    return (
        f"Per pixel, {code_name(corruption)} adds a variance of {ranges} (from pixel to pixel; pixels in [0, 1], "
        f"{number(found['images'])} training images), {side} the {plain(found['threshold'], 3)} of the clean images "
        f"along their {_ordinal(found['k'])} principal direction, the weakest relevant direction of the linear theory "
        f"with the paper’s k = {found['k']}: {verdict}."
    )
