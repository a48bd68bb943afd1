"""Every chapter page offers its executed notebook with an install cell; the book workflow's links work.

A tiny book with one notebook page, built with the repository's _config.yml and _ext/, as a local
build (no repository known) and as the book workflow builds it (.ci/site_links.py fills in GitHub).
"""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest
from test_build_failures import REPO, build, tiny_book

PAGE = """\
---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec: {display_name: Python 3, language: python, name: python3}
---
# A chapter

```{code-cell} ipython3
from myst_nb import glue

print(6 * 7)
glue("share", 6 * 7 / 100, display=False)
```

The answer is {glue:text}`share:.2f` of a hundred.
"""
URL = "https://github.com/example-org/je-vs-rc"


def chapter_book(tmp_path, *links: str):
    book = tiny_book(tmp_path, "Home.", "chapters:\n  - file: chapter\n")
    (book / "chapter.md").write_text(PAGE)
    if links:
        subprocess.run(
            [sys.executable, str(REPO / ".ci" / "site_links.py"), *links, str(book / "_config.yml")], check=True
        )
    result = build(book)
    assert result.returncode == 0, result.stdout[-3000:]
    return book / "_build" / "html"


def downloaded(html):
    nb = nbformat.read(html / "_sources" / "chapter.ipynb", as_version=4)
    outputs = [o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    return nb, outputs


@pytest.mark.slow
def test_local_build_offers_the_executed_notebook(tmp_path):
    html = chapter_book(tmp_path)
    page = (html / "chapter.html").read_text()
    assert "_sources/chapter.ipynb" in page, "no .ipynb in the download menu"
    assert "_sources/chapter.md" in page
    nb, outputs = downloaded(html)
    assert "42\n" in outputs, "the downloaded notebook carries no outputs"
    assert nb.cells[0].metadata["tags"] == ["install"]
    assert "pip install -e '.[run]'" in nb.cells[0].source  # no repository known: says how to install
    # Jupyter and Colab show the computed value, not myst-nb's role.
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "The answer is 0.42 of a hundred." in markdown and "{glue" not in markdown
    assert "colab.research.google.com" not in page and "example-org" not in page


@pytest.mark.slow
def test_workflow_build_links_repository_edit_binder_and_colab(tmp_path):
    html = chapter_book(tmp_path, URL, "main", "notebooks")
    page = (html / "chapter.html").read_text()
    assert f'href="{URL}"' in page, "no repository link"
    assert f"{URL}/edit/main/chapter.md" in page, "no edit-this-page link"
    assert "https://mybinder.org/v2/gh/example-org/je-vs-rc/main?urlpath=lab/tree/chapter.md" in page
    assert "https://colab.research.google.com/github/example-org/je-vs-rc/blob/notebooks/chapter.ipynb" in page
    nb, outputs = downloaded(html)
    assert "42\n" in outputs
    install = nb.cells[0].source
    assert f"'{URL}'" in install and "'main'" in install and "./je-vs-rc[run]" in install
    compile(install, "install-cell", "exec")  # valid Python


def test_install_cell_asks_for_the_deep_profile_where_the_notebook_needs_it():
    sys.path.insert(0, str(REPO / "_ext"))
    try:
        from notebook_downloads import install_cell
    finally:
        sys.path.remove(str(REPO / "_ext"))
    # What a chapter needs is its config's declaration (parameters.requires), not a search of its text.
    for deep in ("notebooks/08_imagenet_c", "notebooks/12_trained_networks"):
        assert "./je-vs-rc[run,deep]" in install_cell(deep, URL, "main").source
        assert "'.[run,deep]'" in install_cell(deep, "", "").source
    for theory in ("notebooks/04_reconstruction", "book/index"):
        assert "./je-vs-rc[run]" in install_cell(theory, URL, "main").source


def _extension():
    sys.path.insert(0, str(REPO / "_ext"))
    try:
        import notebook_downloads
    finally:
        sys.path.remove(str(REPO / "_ext"))
    return notebook_downloads


def test_glue_roles_and_figures_are_pasted_as_their_values():
    paste_glue = _extension().paste_glue
    glue = {
        "ch/one": {
            "x": {"data": {"text/plain": "0.123456"}},
            "name": {"data": {"text/plain": "'low'"}},
            "sentence": {"data": {"text/markdown": "RC needs *less*.", "text/plain": "<Markdown>"}},
            "fig": {"data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}},
        },
        "other": {"y": {"data": {"text/plain": "1000"}}},
    }
    cell = nbformat.v4.new_markdown_cell(
        "x = {glue:text}`x:.3g`, regime {glue:text}`name`, {glue:md}`sentence`, "
        "{glue:text}`../other.md::y:,d` and {glue}`x`.\n\n"
        "```{glue:figure} fig\n:name: fig-one\n\nThe caption at {glue:text}`x:.2f`. More.\n```\n"
    )
    paste_glue(cell, glue.__getitem__, "ch/one")
    assert cell.source.startswith("x = 0.123, regime low, RC needs *less*., 1,000 and 0.123456.")
    assert "![The caption at 0.12](attachment:fig.png)\n\n*The caption at 0.12. More.*" in cell.source
    assert cell.attachments == {"fig.png": {"image/png": "iVBORw0KGgo="}}
    with pytest.raises(KeyError, match="missing"):
        paste_glue(nbformat.v4.new_markdown_cell("{glue:text}`missing`"), glue.__getitem__, "ch/one")


def test_install_cell_names_the_repository_of_pyproject(tmp_path):
    project_repository = _extension().project_repository
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\n[project.urls]\nPaper = "https://arxiv.org/abs/1"\n')
    assert project_repository(pyproject) == ""
    pyproject.write_text(f'[project]\nname = "x"\n[project.urls]\nRepository = "{URL}"\n')
    assert project_repository(pyproject) == URL


def test_site_links_refuses_a_repository_outside_github(tmp_path):
    config = tmp_path / "_config.yml"
    config.write_text("title: x\n")
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / ".ci" / "site_links.py"),
            "https://gitlab.com/a/b",
            "main",
            "notebooks",
            str(config),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "REPOSITORY_URL" in result.stderr


def test_a_download_leaves_the_phone_drawing_out():
    cell = nbformat.v4.new_code_cell("fig")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"image/png": "AAAA"},
            metadata={"image/png": {"width": 300, "height": 200, "stacked": "BBBB", "stacked_width": 150}},
        )
    ]
    _extension().drop_phone_drawings(cell)
    assert cell.outputs[0].metadata == {"image/png": {"width": 300, "height": 200}}
    assert cell.outputs[0].data == {"image/png": "AAAA"}


@pytest.mark.parametrize("fence", ["```", "~~~"])  # render.tables writes ~~~ (a caption may hold code)
def test_a_captioned_table_is_a_plain_table_in_the_download(fence):
    cell = nbformat.v4.new_code_cell("Markdown(table)")
    table = f"{fence}{{table}} Weak noise: each line\n:name: tab-weak\n\n| a | b |\n|---|---|\n| 1 | 2 |\n{fence}"
    cell.outputs = [nbformat.v4.new_output("execute_result", {"text/markdown": "Before.\n\n" + table})]
    _extension().unfence_tables(cell)
    assert (
        cell.outputs[0]["data"]["text/markdown"]
        == "Before.\n\n*Weak noise: each line*\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )
