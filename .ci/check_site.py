"""Fail if the built site lacks a page of _toc.yml or is suspiciously empty."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
MIN_BYTES = 5_000  # a real page of this book is far larger; an empty shell is smaller


def toc_pages(node: object) -> list[str]:
    """Every page named in a _toc.yml (root, parts, chapters, sections), in order."""
    if isinstance(node, dict):
        own = [node[key] for key in ("root", "file") if key in node]
        return own + [
            p for key in ("parts", "chapters", "sections") for child in node.get(key, []) for p in toc_pages(child)
        ]
    return []


def main() -> int:
    pages = toc_pages(yaml.safe_load((REPO / "_toc.yml").read_text()))
    html = REPO / "_build" / "html"
    problems = []
    for page in pages:
        path = html / f"{page}.html"
        if not path.is_file():
            problems.append(f"missing {path.relative_to(REPO)}")
        elif path.stat().st_size < MIN_BYTES:
            problems.append(f"{path.relative_to(REPO)} is only {path.stat().st_size} bytes")
    for problem in problems:
        print(f"check_site: {problem}", file=sys.stderr)
    print(f"check_site: {len(pages) - len(problems)} of {len(pages)} pages of _toc.yml built")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
