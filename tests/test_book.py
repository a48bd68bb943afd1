"""The book's structure: every chapter in the table of contents, one source per page."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def toc_files() -> list[str]:
    import importlib.util

    spec = importlib.util.spec_from_file_location("check_site", REPO / ".ci" / "check_site.py")
    check_site = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check_site)
    return check_site.toc_pages(yaml.safe_load((REPO / "_toc.yml").read_text()))


def test_toc_lists_every_chapter_and_page():
    files = toc_files()
    for f in files:
        assert (REPO / f"{f}.md").is_file(), f"_toc.yml names {f} but {f}.md is missing"
    sources = {str(p.relative_to(REPO).with_suffix("")) for d in ("book", "notebooks") for p in (REPO / d).glob("*.md")}
    assert sources == set(files), f"pages not in _toc.yml: {sources - set(files)}"


def test_no_committed_ipynb_beside_sources():
    assert not list((REPO / "notebooks").glob("*.ipynb")) and not list((REPO / "book").glob("*.ipynb"))


def test_the_chapters_started_first_are_in_the_book():
    """_ext/parallel_execution.py starts these first on a cold build: a name not in _toc.yml would be ignored."""
    config = yaml.safe_load((REPO / "_config.yml").read_text())
    first = config["sphinx"]["config"]["parallel_execution_first"]
    assert first and set(first) <= set(toc_files())
