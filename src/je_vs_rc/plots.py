"""Temporary alias: figures live in :mod:`je_vs_rc.render.figures` and ``markdown_table`` in
:mod:`je_vs_rc.render.tables`. Chapter 08 and ``book/rerun.md`` (owned by other work in progress)
still import ``markdown_table`` from here; delete this module once they import it from its home."""
from .render.tables import markdown_table

__all__ = ["markdown_table"]
