"""The papermill runner: real runs with injected parameters, and the local-execution path."""
from __future__ import annotations

import json

import nbformat
import pytest

from je_vs_rc import run


def glued(nb_path) -> dict[str, str]:
    """Values glued by a notebook (myst-nb stores them as papermill records)."""
    nb = nbformat.read(nb_path, as_version=4)
    out = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                out[name] = output["data"]["application/papermill.record/text/plain"]
    return out


def test_every_chapter_has_one_parameters_cell():
    chapters = run.chapters()
    assert len(chapters) >= 7
    for path in chapters.values():
        assert run.parameters(path), f"{path.name} has an empty parameters cell"


@pytest.mark.slow
def test_run_injects_parameters_and_they_take_effect(tmp_path):
    out = run.run_chapter("setting", {"n": 57, "n_views": 30, "seed": 3}, out_dir=tmp_path)
    assert out.name == "02_setting__n=57_n_views=30_seed=3.ipynb"
    assert out.parent == tmp_path / "02_setting"
    values = glued(out)
    assert values["setting_n"] == "57" and values["setting_n_views"] == "30"
    nb = nbformat.read(out, as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
    assert not list(out.parent.glob("*.ipynb.tmp*")) and len(list(out.parent.iterdir())) == 1


@pytest.mark.slow
def test_cli_runs_a_chapter(tmp_path, capsys):
    assert run.main(["errata", "-p", "keep_prob", "0.5", "-p", "n", "80", "--out", str(tmp_path)]) == 0
    path = capsys.readouterr().out.strip()
    values = glued(path)
    assert values["err_keep"] == "0.5"


def test_unknown_parameter_is_an_error(tmp_path):
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['alpah'\].*allowed: .*'alpha'"):
        run.run_chapter("02_setting", {"alpah": 2.0}, out_dir=tmp_path)
    assert not any(tmp_path.iterdir())


def test_unknown_chapter_is_an_error(capsys):
    assert run.main(["nope"]) == 2
    assert "chapter must be one of" in capsys.readouterr().err


def test_list_parameters(capsys):
    assert run.main(["--list", "04_reconstruction"]) == 0
    assert "alphas = [0.5, 2.0, 4.0]" in capsys.readouterr().out


def test_export_gives_runnable_notebooks(tmp_path):
    paths = run.export_notebooks(tmp_path)
    assert {p.stem for p in paths} == set(run.chapters())
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert nb.metadata["kernelspec"]["name"] == "python3"
        assert sum("parameters" in c.metadata.get("tags", []) for c in nb.cells) == 1


@pytest.mark.slow
def test_exported_notebook_executes(tmp_path):
    # The path a reader takes: export, then execute in a plain Jupyter kernel.
    from nbclient import NotebookClient

    (path,) = [p for p in run.export_notebooks(tmp_path) if p.stem == "01_introduction"]
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(run.NOTEBOOKS)}}).execute()
    assert json.dumps(nb).count('"output_type": "error"') == 0
