"""Fail if the built site lacks a page of _toc.yml or is suspiciously empty."""
from __future__ import annotations

import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
MIN_BYTES = 5_000  # a real page of this book is far larger; an empty shell is smaller


def main() -> int:
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    pages = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
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
