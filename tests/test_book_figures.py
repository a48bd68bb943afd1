"""The site shows each figure as the figure system made it (_ext/figure_links.py): its wide drawing at
its display size, its stacked drawing on phones (a <picture> source), in its chapter and where it is
glued onto another page."""

from __future__ import annotations

import re

import pytest
from test_build_failures import build, tiny_book

CHAPTER = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  name: python3
  display_name: Python 3
---
# Chapter

```{code-cell} ipython3
:tags: [remove-cell]
import numpy as np
from myst_nb import glue
from je_vs_rc.render.figures import plot_required_n

ratios = np.array([1.5, 3.0])
two_panels = plot_required_n(ratios, {"je": {"proven": ratios}, "rc": {"proven": ratios}}, 0.1)
glue("two_panels", two_panels, display=False)
```

```{glue:figure} two_panels
:name: fig-two

Two panels, side by side on a desktop and stacked on a phone.
```
"""


@pytest.mark.slow
def test_a_figure_of_two_panels_is_a_picture_with_a_stacked_source_on_both_pages(tmp_path):
    book = tiny_book(tmp_path, "```{glue:any} two_panels\n:doc: chapter.md\n```", "chapters:\n  - file: book/chapter\n")
    (book / "book" / "chapter.md").write_text(CHAPTER)
    result = build(book)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    html = book / "_build" / "html" / "book"
    for page in ("chapter.html", "index.html"):
        text = (html / page).read_text()
        picture = re.search(r"<picture>(.*?)</picture>", text, re.S)
        assert picture, f"{page}: no <picture>"
        source = re.search(r'<source media="\(max-width: \d+px\)" srcset="([^"]+)" width="(\d+)"', picture[1])
        image = re.search(r'<img class="book-figure" src="([^"]+)" alt="([^"]*)" width="(\d+)"', picture[1])
        assert source and image, picture[1]
        assert int(source[2]) < int(image[3])  # the stacked drawing is the narrower one
        for src in (source[1], image[1]):
            assert (html / src).is_file(), f"{page}: {src} missing"
        assert source[1] != image[1]
    assert "Two panels" in re.search(r'alt="([^"]*)"', (html / "chapter.html").read_text().split("<picture>")[1])[1]
