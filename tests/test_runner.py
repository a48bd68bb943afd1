"""The papermill runner: real runs with injected parameters, and the local-execution path."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import nbformat
import numpy as np
import pytest
from helpers import SHOWN_RTOL, glued, number

from je_vs_rc import Setting, _io, parameters, run
from je_vs_rc.checks.closed_forms import check_moments
from je_vs_rc.parameters import chapters
from je_vs_rc.simulate import errata
from je_vs_rc.theory.augmentations import Masking

TOY = (chapters.TOY_SIGNAL_ENERGY, chapters.TOY_LAM_THETA, chapters.TOY_LAM_GAMMA)


def test_every_chapter_has_one_parameters_cell():
    chapters = run.chapters()
    assert len(chapters) >= 7
    for path in chapters.values():
        assert run.parameters(path), f"{path.name} has an empty parameters cell"


@pytest.mark.slow
@pytest.mark.usefixtures("draft_figures")
def test_run_injects_parameters_and_they_take_effect(tmp_path):
    out = run.run_chapter("setting", {"n": 57, "n_views": 30, "seed": 3}, out_dir=tmp_path)
    assert out.parent == tmp_path / "02_setting" and out.name.startswith("n=57_n_views=30_seed=3__")
    # The chapter's Monte-Carlo errors are those of n = 57 samples, 30 views and seed 3, not the defaults'.
    expected = check_moments(Setting(*TOY), 1.0, 57, 30, np.random.default_rng(3))
    values = glued(out)
    for name, z in expected.items():
        assert number(values[f"setting_z_{name}"]) == pytest.approx(z, rel=SHOWN_RTOL)
    default_z = check_moments(Setting(*TOY), 1.0, 200, 2000, np.random.default_rng(0))["S"]
    assert number(values["setting_z_S"]) != pytest.approx(default_z, rel=SHOWN_RTOL)
    nb = nbformat.read(out, as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
    assert nb.metadata["je_vs_rc"]["parameters"] == {
        **parameters.defaults("02_setting"),
        "n": 57,
        "n_views": 30,
        "seed": 3,
    }
    assert not list(out.parent.glob(f"{_io.TMP_PREFIX}*")) and len(list(out.parent.iterdir())) == 1


@pytest.mark.slow
@pytest.mark.usefixtures("draft_figures")
def test_cli_runs_a_chapter(tmp_path, capsys):
    assert run.main(["errata", "-p", "keep_prob", "0.5", "-p", "n", "80", "--out", str(tmp_path)]) == 0
    path = capsys.readouterr().out.strip()
    # The masking loss of item 1 is the one of 80 samples masked with p = 0.5 (seed 0).
    setting = Setting(*TOY)
    rng = np.random.default_rng(0)
    X = setting.clean_data(80, rng) + setting.corruption(80, rng)
    expected = errata.rc_paper_vs_slides(X, Masking(0.5), setting.k)
    assert number(glued(path)["err_mask_paper"]) == pytest.approx(expected["paper"], rel=SHOWN_RTOL)


@pytest.mark.slow
@pytest.mark.usefixtures("draft_figures")
def test_two_parameter_sets_leave_two_outputs(tmp_path):
    # Seeds and long spectra: the old 150-character tag cut both names to the same file.
    d = 40
    spectra = {
        "lam_theta": [1.0] * d,
        "lam_gamma": [0.0] * 3 + [1.0 + i / 10 for i in range(d - 3)],
        "n": 20,
        "n_views": 50,
    }
    outputs = [run.run_chapter("02_setting", {**spectra, "seed": seed}, out_dir=tmp_path) for seed in (3, 7)]
    assert outputs[0] != outputs[1] and all(p.exists() for p in outputs)
    recorded = [nbformat.read(p, as_version=4).metadata["je_vs_rc"]["parameters"]["seed"] for p in outputs]
    assert recorded == [3, 7]


def test_unknown_parameter_is_an_error(tmp_path):
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['alpah'\].*allowed: .*'alpha'"):
        run.run_chapter("02_setting", {"alpah": 2.0}, out_dir=tmp_path)
    assert not any(tmp_path.iterdir())


def test_unknown_chapter_is_an_error(capsys):
    assert run.main(["nope"]) == 2
    assert "chapter must be one of" in capsys.readouterr().err


def test_list_parameters(capsys):
    assert run.main(["--list", "04_reconstruction"]) == 0
    out = capsys.readouterr().out
    assert "alphas = [0.5, 2.0, 4.0]  # a non-empty list of numbers, each a finite real number >= 0" in out


def name(chapter: str, **params) -> str:
    path = run.find_chapter(chapter)
    return run.output_name(path.stem, run.resolve(path, params), run.resolve(path, {}))


def test_run_identity_is_the_full_parameter_set():
    long_grid = [float(a) for a in range(1, 80)]
    names = {name("04_reconstruction", alpha_grid=long_grid, seeds=seeds) for seeds in ([0, 1], [1, 2], [0, 1, 2])}
    assert len(names) == 3 and all(len(n) < 120 for n in names)
    assert name("02_setting") == name("02_setting", n=200, n_views=2000.0)  # the defaults, typed
    assert name("02_setting").startswith("defaults__") and name("02_setting", n=57).startswith("n=57__")
    assert name("02_setting", alpha=1.5) != name("02_setting", alpha=2.5)
    # Every chapter has a config now, chapter 12's included: its values are typed before they are hashed.
    assert name("12_trained_networks", grid_n=5000.0) == name("12_trained_networks")


def test_another_runs_output_is_never_overwritten(tmp_path):
    path = run.find_chapter("01_introduction")
    target = tmp_path / path.stem / run.output_name(path.stem, run.resolve(path, {"quiet": 2.0}), run.resolve(path, {}))
    nb = nbformat.v4.new_notebook(metadata={"je_vs_rc": {"parameters": {"quiet": 3.0}}})
    target.parent.mkdir()
    nbformat.write(nb, target)
    with pytest.raises(ValueError, match="holds a run with other parameters"):
        run.run_chapter("01_introduction", {"quiet": 2.0}, out_dir=tmp_path)
    assert nbformat.read(target, as_version=4).metadata["je_vs_rc"]["parameters"] == {"quiet": 3.0}


@pytest.mark.parametrize(
    "args, message",
    [
        (["02_setting", "-p", "n", "20.5"], "error: parameter n = 20.5 is not allowed: it must be an integer >= 1"),
        (["03_supervised", "-p", "seeds", "0"], "error: parameter seeds = 0 is not allowed"),
        (["02_setting", "-p", "alpha", "nan"], "error: parameter alpha = 'nan' is not allowed"),
        (["02_setting", "-p", "alpha", "[1, 2"], "error: -p alpha [1, 2: not valid YAML"),
        (["02_setting", "-f", "/nonexistent/p.yml"], "error: parameters file /nonexistent/p.yml: cannot be read"),
        (["02_setting", "-p", "alpah", "1"], "error: unknown parameter(s) ['alpah']"),
    ],
)
def test_parameter_mistakes_are_one_line_and_exit_2(args, message, tmp_path, capsys):
    assert run.main([*args, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
    assert not any(tmp_path.iterdir())  # nothing started


def test_bad_parameters_file_is_one_line(tmp_path, capsys):
    for text, message in (
        ("- 1\n- 2\n", "must be a YAML mapping"),
        ("n: [1\n", "not valid YAML"),
        ("n: 0\n", "parameter n = 0 is not allowed"),
    ):
        (tmp_path / "p.yml").write_text(text)
        assert run.main(["02_setting", "-f", str(tmp_path / "p.yml"), "--out", str(tmp_path / "out")]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1


CHAPTERS = {
    "ok": "out_dir = 'nowhere'\nvalue = 1",
    "broken": "value = 1",
}
# Every chapter the runner runs has a config (parameters.CHAPTERS): the two toy chapters' configs, as
# source so that the subprocess below can register them too.
TOY_CONFIGS = """
from je_vs_rc import parameters
from je_vs_rc.config import SIZE, TEXT_OR_NONE, param

@parameters.chapter("ok")
class Ok(parameters.ChapterConfig):
    out_dir: str | None = param("nowhere", TEXT_OR_NONE)
    value: int = param(1, SIZE)

@parameters.chapter("broken")
class Broken(parameters.ChapterConfig):
    value: int = param(1, SIZE)
"""


@pytest.mark.slow
def test_failure_inside_a_chapter_keeps_its_traceback_and_out_dir_is_the_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(parameters, "CHAPTERS", dict(parameters.CHAPTERS))  # the toy chapters stay in this test
    exec(TOY_CONFIGS, {})
    for stem, params in CHAPTERS.items():
        body = (
            "import pathlib\npathlib.Path(out_dir).mkdir(parents=True)\n(pathlib.Path(out_dir) / 'x').write_text('1')"
            if stem == "ok"
            else "raise RuntimeError('boom inside the chapter')"
        )
        (tmp_path / f"{stem}.md").write_text(
            "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
            "    format_version: 0.13\nkernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n"
            "---\n\n# A chapter\n\n"
            f"```{{code-cell}} ipython3\n:tags: [parameters]\n\n{params}\n```\n\n"
            f"```{{code-cell}} ipython3\n{body}\n```\n"
        )
    out = run.run_chapter("ok", {"value": 2}, out_dir=tmp_path / "runs", notebooks=tmp_path)
    assert (out.with_suffix("") / "x").read_text() == "1"  # the run's own folder, not the cell's default
    # A genuine failure is not a parameter mistake: main lets it through with its traceback.
    code = (
        f"exec({TOY_CONFIGS!r}); "
        "import functools, sys; from je_vs_rc import run; "
        f"run.run_chapter = functools.partial(run.run_chapter, notebooks=run.Path({str(tmp_path)!r})); "
        f"sys.exit(run.main(['broken', '--out', {str(tmp_path / 'r')!r}]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert proc.returncode == 1 and "Traceback" in proc.stderr and "boom inside the chapter" in proc.stderr


def test_export_gives_runnable_notebooks(tmp_path):
    paths = run.export_notebooks(tmp_path)
    assert {p.stem for p in paths} == set(run.chapters())
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert nb.metadata["kernelspec"]["name"] == "python3"
        assert sum("parameters" in c.metadata.get("tags", []) for c in nb.cells) == 1


@pytest.mark.slow
@pytest.mark.usefixtures("draft_figures")  # the test looks for errors, not at the figures
def test_exported_notebook_executes(tmp_path):
    # The path a reader takes: export, then execute in a plain Jupyter kernel.
    from nbclient import NotebookClient

    (path,) = [p for p in run.export_notebooks(tmp_path) if p.stem == "01_introduction"]
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(run.NOTEBOOKS)}}
    ).execute()
    assert json.dumps(nb).count('"output_type": "error"') == 0


@pytest.mark.parametrize(
    ("chapter", "package"),
    [("08_imagenet_c", "imagenet_c"), ("12_trained_networks", "trained"), ("13_nuisance", "selfsup")],
)
def test_deep_chapter_without_torch_is_one_line_naming_the_profile(chapter, package, tmp_path):
    # As if torch were not installed: the runner stops before papermill, in one line, exit status 2.
    argv = [chapter, "--out", str(tmp_path)]
    code = f"import sys; sys.modules['torch'] = None; from je_vs_rc.run import main; sys.exit(main({argv!r}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, out.stderr
    assert out.stderr.strip().splitlines() == [
        f"error: chapter {chapter}: je_vs_rc.{package} needs torch: pip install 'je-vs-rc[deep]'"
    ]
    assert not any(tmp_path.rglob("*.ipynb"))
