"""Bad builds fail loudly: the book's own configuration and flags turn each mistake into an error."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
JB = Path(sys.executable).parent / "jupyter-book"


def tiny_book(tmp_path: Path, body: str, toc_extra: str = "") -> Path:
    """A one-page book with the repository's _config.yml, extensions and bibliography."""
    shutil.copy(REPO / "_config.yml", tmp_path / "_config.yml")
    shutil.copytree(REPO / "_ext", tmp_path / "_ext")
    (tmp_path / "_assets").mkdir()  # where `make mathjax` puts MathJax; not needed to test the build
    (tmp_path / "book").mkdir()
    shutil.copy(REPO / "book" / "references.bib", tmp_path / "book" / "references.bib")
    (tmp_path / "book" / "index.md").write_text(
        f"# Tiny\n\nSee {{cite}}`vanassel2025je`.\n\n{body}\n\n```{{bibliography}}\n```\n"
    )
    (tmp_path / "_toc.yml").write_text(f"format: jb-book\nroot: book/index\n{toc_extra}")
    return tmp_path


def build(book: Path) -> subprocess.CompletedProcess[str]:
    # The flags of `make book` (JB_FLAGS in the Makefile).
    return subprocess.run(
        [str(JB), "build", ".", "-W", "-n", "--keep-going"], cwd=book, capture_output=True, text=True, timeout=300
    )


# That a good tiny book builds is checked by test_parallel_execution.py's first test, on the same book with
# two pages more (one build fewer).


# Mistakes inside a page: one build holds them all (-W with --keep-going reports every one, and each is
# an error); a page missing from the table of contents stops the build before pages are read, so alone.
PAGE_MISTAKES = {
    "{glue:text}`no_such_key`": "no_such_key",
    "{doc}`no_such_page`": "unknown document",
    "{numref}`fig-that-does-not-exist`": "fig-that-does-not-exist",
}


@pytest.mark.slow
def test_mistakes_in_a_page_fail_the_build_each_with_its_message(tmp_path):
    result = build(tiny_book(tmp_path, "\n\n".join(PAGE_MISTAKES)))
    assert result.returncode != 0
    for message in PAGE_MISTAKES.values():
        assert message in result.stdout + result.stderr, f"no error names {message!r}"


@pytest.mark.slow
def test_a_missing_page_fails_the_build(tmp_path):
    result = build(tiny_book(tmp_path, "", "chapters:\n  - file: book/missing_page\n"))
    assert result.returncode != 0
    assert "missing_page" in result.stdout + result.stderr


def test_site_check_flags_missing_and_empty_pages(tmp_path, monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("check_site", REPO / ".ci" / "check_site.py")
    check_site = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check_site)
    monkeypatch.setattr(check_site, "REPO", tiny_book(tmp_path, "", "chapters:\n  - file: book/other\n"))
    html = tmp_path / "_build" / "html" / "book"
    html.mkdir(parents=True)
    (html / "index.html").write_text("<html></html>")  # an empty shell
    assert check_site.main() == 1
    (html / "index.html").write_text("x" * 10_000)
    (html / "other.html").write_text("x" * 10_000)
    assert check_site.main() == 0
