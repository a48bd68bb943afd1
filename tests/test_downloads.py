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
print(6 * 7)
```
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
    deep = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("from je_vs_rc.trained import grid")])
    theory = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("from je_vs_rc import thresholds")])
    assert "./je-vs-rc[run,deep]" in install_cell(deep, URL, "main").source
    assert "./je-vs-rc[run]" in install_cell(theory, URL, "main").source
    assert "'.[run,deep]'" in install_cell(deep, "", "").source


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
