"""Chapter parameter specs: one source of truth for defaults, validation before any work."""

from __future__ import annotations

import ast
import re

import jupytext
import pytest

from je_vs_rc import parameters as P
from je_vs_rc import run
from je_vs_rc.parameters import chapters as C
from je_vs_rc.simulate.figure3 import Fig3Config

# Chapter 08's config extends the pipeline's ExperimentConfig: validating it needs torch and MNIST.
NEEDS_DATA = {"08_imagenet_c"}


def assigned_names(source: str) -> list[str]:
    """Every name a cell assigns, however it is written (tuples included)."""
    return [
        node.id
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    ]


def test_every_chapter_has_a_config():
    assert set(P.CHAPTERS) == set(run.chapters())


@pytest.mark.parametrize("chapter", sorted(P.CHAPTERS))
def test_parameters_cell_agrees_with_the_config(chapter):
    # Same names in the same order, same default values: the config is the one source of truth.
    if P.requires(chapter):
        pytest.importorskip("torch")
    cell = run.parameters(run.chapters()[chapter])
    assert list(cell) == P.config_class(chapter).names()
    assert cell == P.defaults(chapter)
    if chapter not in NEEDS_DATA:
        assert P.validate(chapter, cell) == cell  # the defaults themselves are allowed


@pytest.mark.data
def test_chapter_08_defaults_are_allowed():
    pytest.importorskip("torch")
    cell = run.parameters(run.chapters()["08_imagenet_c"])
    assert P.validate("08_imagenet_c", cell) == cell


@pytest.mark.parametrize("chapter", sorted(P.CHAPTERS))
def test_the_torch_requirement_is_declared_by_the_config(chapter):
    # The runner, the downloads' install cell and CI read P.requires; it must name what the chapter imports.
    imported = {
        p
        for p in ("je_vs_rc.imagenet_c", "je_vs_rc.trained", "je_vs_rc.selfsup")
        if p in run.chapters()[chapter].read_text()
    }
    assert ({P.requires(chapter)} - {None}) == imported


def test_the_package_configs_take_their_defaults_from_the_chapters():
    from je_vs_rc.config import build

    assert build(Fig3Config, P.load("07_mnist", {})) == Fig3Config() == P.load("07_mnist", {}).figure3()
    pytest.importorskip("torch")
    from je_vs_rc.trained.linear import LinearStudyConfig

    chapter = P.load("12_trained_networks", {"grid_n": 300, "steps": [5, 20]})
    assert build(LinearStudyConfig, chapter) == LinearStudyConfig(steps=(5, 20))
    assert LinearStudyConfig() == build(LinearStudyConfig, P.load("12_trained_networks", {}))


@pytest.mark.parametrize("chapter", sorted(run.chapters()))
def test_every_assigned_name_is_settable_and_listed(chapter, capsys):
    path = run.chapters()[chapter]
    names = assigned_names(run.parameters_cell(path))
    assert names and sorted(run.parameters(path)) == sorted(names)
    assert run.main(["--list", chapter]) == 0
    listed = [line.split(" = ")[0] for line in capsys.readouterr().out.splitlines()]
    assert sorted(listed) == sorted(names)


@pytest.mark.parametrize("chapter", sorted(set(P.CHAPTERS) - {"08_imagenet_c"}))
def test_chapter_validates_right_after_its_parameters_cell(chapter):
    # (Chapter 08's first cells build the pipeline's ExperimentConfig.from_chapter, which validates.)
    # The first code cell after the parameters (where papermill injects) calls the validator with
    # this chapter's name, so book builds and plain papermill runs validate too.
    cells = [c for c in jupytext.read(run.chapters()[chapter]).cells if c.cell_type == "code"]
    index = next(i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", []))
    assert f'globals().update(validated("{chapter}", globals()))' in cells[index + 1].source


def test_parameters_cell_allows_only_one_literal_per_line(tmp_path):
    (tmp_path / "x.md").write_text(
        "```{code-cell} ipython3\n:tags: [parameters]\n\n"
        "import numpy as np\nfrom math import pi\na = 1.0\nc = ['x']\n```\n"
    )
    assert run.parameters(tmp_path / "x.md") == {"a": 1.0, "c": ["x"]}  # imports are run settings, not parameters
    for bad, message in (
        ("a, b = 1.0, 2", "line 1: write one `name = value` per line"),
        ("a = 1\nb += 1", "line 2: write one"),
        ("a = f(1)", "value of a must be a literal"),
    ):
        (tmp_path / "y.md").write_text(f"```{{code-cell}} ipython3\n:tags: [parameters]\n\n{bad}\n```\n")
        with pytest.raises(ValueError, match=re.escape(message)):
            run.parameters(tmp_path / "y.md")


def test_toy_spectra_have_one_home():
    for chapter in (
        "02_setting",
        "03_supervised",
        "04_reconstruction",
        "05_joint_embedding",
        "09_errata",
        "10_finite_samples",
        "11_intertwined_noise",
    ):
        d = P.defaults(chapter)
        assert (d["signal_energy"], d["lam_theta"], d["lam_gamma"]) == (
            list(C.TOY_SIGNAL_ENERGY),
            list(C.TOY_LAM_THETA),
            list(C.TOY_LAM_GAMMA),
        )
    for chapter in ("01_introduction", "06_je_vs_rc"):
        assert P.defaults(chapter)["noise_profile"] == list(C.TOY_NOISE_PROFILE)
    # The profile is the toy lam_gamma's noise block, up to its scale.
    k = len(C.TOY_SIGNAL_ENERGY)
    assert [10.0 * x for x in C.TOY_NOISE_PROFILE] == list(C.TOY_LAM_GAMMA[k:])


def test_default_mnist_grid_is_the_papers():
    # Figure 3: 10 markers from 10^2 to ~5x10^4, equally spaced in log2: n = 100 * 2^j, j = 0..9.
    expected = [100 * 2**j for j in range(10)]
    assert expected[-1] == 51_200
    assert P.defaults("07_mnist")["ns"] == expected
    assert list(Fig3Config().ns) == expected
    assert P.defaults("07_mnist")["gamma_max"] == [1e3, 1e6] and P.defaults("07_mnist")["alphas"] == [0.1, 1.0, 10.0]
    assert P.defaults("07_mnist")["theta_max"] == 1e4


# Each of these ended in a traceback from deep inside a computation, or ran something else than
# the chapter printed, before validation existed.
BAD = [
    ("03_supervised", "seeds", 0, r"seeds = 0 .* non-empty list"),
    ("03_supervised", "seeds", [], r"seeds = \[\] .* non-empty list"),
    ("03_supervised", "seeds", [1, 1], r"all different"),
    ("02_setting", "n_views", 0, r"n_views = 0 .* integer >= 2"),
    ("06_je_vs_rc", "grid", 0, r"grid = 0 .* integer >= 2"),
    ("02_setting", "alpha", "nan", r"alpha = 'nan' .* finite real number >= 0 \(this is text"),
    ("02_setting", "alpha", float("nan"), r"alpha = nan .* finite real number"),
    ("02_setting", "alpha", float("inf"), r"alpha = inf"),
    ("02_setting", "alpha", -1, r"alpha = -1 .* >= 0"),
    ("02_setting", "alpha", True, r"alpha = True"),
    ("02_setting", "n", 20.5, r"n = 20.5 .* an integer"),
    ("02_setting", "n", 2, r"n = 2 .* >= k = 3"),
    ("11_intertwined_noise", "angles_deg", [1, 2, 5], r"angles_deg = \[1, 2, 5\] .* must contain 0"),
    ("11_intertwined_noise", "alpha_min", 200.0, r"alpha_min must be < alpha_max"),
    ("06_je_vs_rc", "alpha_range", [30.0, 0.03], r"alpha_range .* increasing order"),
    ("06_je_vs_rc", "noise_profile", [1.0], r"noise_profile .* 3 entries"),
    ("04_reconstruction", "lam_gamma", [0.0, 0.0, 0.0, 1.0, 0.0, 1.0], r"lam_gamma .* > 0 on every noise"),
    ("02_setting", "lam_gamma", [1.0, 0.0, 0.0, 1.0, 1.0, 1.0], r"lam_gamma\[:k\] must be zero"),
    ("07_mnist", "ns", [25, 100], r"ns = \[25, 100\] .* > k = 50"),
    ("12_trained_networks", "n", 5, r"n = 5 .* >= d = 6"),
    ("12_trained_networks", "mlp_hidden", [[0]], r"mlp_hidden = \[\[0\]\] .* positive integer widths"),
    ("07_mnist", "ns", [100, 120_000], r"<= 60,000"),
    ("07_mnist", "dataset", "cifar", r"dataset = 'cifar' .* one of 'mnist'"),
    ("07_mnist", "run_variants", "yes", r"run_variants = 'yes' .* true or false"),
    ("09_errata", "keep_prob", 0.0, r"keep_prob = 0.0 .* > 0 and <= 1"),
    ("10_finite_samples", "ratios", [0.5, 2.0], r"ratios .* > 1"),
    ("10_finite_samples", "ns", [100, 1000], r"at least 3"),
]


@pytest.mark.parametrize("chapter, name, value, message", BAD)
def test_bad_value_names_parameter_value_and_what_is_allowed(chapter, name, value, message):
    with pytest.raises(P.ParameterError, match=message):
        P.validate(chapter, {name: value})


def test_values_are_typed():
    p = P.validate("02_setting", {"n": 20.0, "alpha": 2})
    assert p["n"] == 20 and isinstance(p["n"], int)
    assert p["alpha"] == 2 and P.validate("02_setting", {"alpha": 0.5})["alpha"] == 0.5
    assert P.validate("03_supervised", {"seeds": (3, 7)})["seeds"] == [3, 7]


def test_validated_reads_a_namespace():
    namespace = {**P.defaults("09_errata"), "n": 50.0, "np": object()}
    assert P.validated("09_errata", namespace)["n"] == 50
    with pytest.raises(P.ParameterError, match="keep_prob = 2"):
        P.validated("09_errata", {**namespace, "keep_prob": 2})
