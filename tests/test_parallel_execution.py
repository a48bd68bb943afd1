"""The book's chapters execute in parallel before Sphinx reads them (_ext/parallel_execution.py): myst-nb
then finds each in the cache, and a chapter that fails still fails the build with its own error."""

from __future__ import annotations

import pytest
from test_build_failures import build, tiny_book

PAGE = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
# Page {name}

```{{code-cell}} ipython3
from myst_nb import glue
{code}
glue("value_{name}", 42, display=False)
```

Value {{glue:text}}`value_{name}`.
"""


def pages(book, **code: str) -> None:
    toc = "chapters:\n"
    for name, body in code.items():
        (book / "book" / f"{name}.md").write_text(PAGE.format(name=name, code=body))
        toc += f"  - file: book/{name}\n"
    with open(book / "_toc.yml", "a") as fh:
        fh.write(toc)


@pytest.mark.slow
def test_pages_execute_in_parallel_into_the_cache(tmp_path):
    book = tiny_book(tmp_path, "All fine.")
    pages(book, a="import time; time.sleep(2)", b="import time; time.sleep(2)")
    log = build(book)
    out = log.stdout + log.stderr
    assert log.returncode == 0, out[-3000:]  # a good book builds with the repository's configuration
    assert "executing 2 notebooks in parallel" in out and "book/a: executed in" in out
    # myst-nb executed nothing itself: both pages came from the cache
    assert "Executing notebook" not in out and out.count("Using cached notebook") == 2
    again = build(book)
    assert again.returncode == 0 and "in parallel" not in again.stdout + again.stderr


@pytest.mark.slow
def test_a_failing_page_still_fails_the_build_with_its_error(tmp_path):
    book = tiny_book(tmp_path, "All fine.")
    pages(book, a="pass", c='raise RuntimeError("deliberate failure")')
    log = build(book)
    out = log.stdout + log.stderr
    assert log.returncode != 0
    assert "executing 2 notebooks in parallel" in out and "deliberate failure" in out
