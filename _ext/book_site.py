"""Sphinx extension: the site's own assets and three fixes to what readers meet.

- ``site.css`` / ``site.js`` (from ``_assets/``): phone layout (wide formulas and tables scroll in
  their own box), working sidebar toggles with the pinned themes, search summaries of prose.
- The search index leaves out code cells and TeX sources, so a search for "import" or "mathbf"
  does not match every chapter (Sphinx indexes every text node; the pinned Sphinx is 7.4).
- The proof index lists each result by its printed title ("Lemma B.1 (augmentation is a ridge
  penalty)"), not by its internal label ("lemma-b1").
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from docutils import nodes
from sphinx.search import IndexBuilder
from sphinx_proof.domain import ProofDomain, ProofIndex

# Nodes whose text is not prose: formulas (TeX source) and code (cell inputs and outputs).
NOT_PROSE = (nodes.math, nodes.math_block, nodes.literal_block)


def _prose_only(doctree: nodes.document) -> nodes.document:
    doc = doctree.deepcopy()
    for node in list(
        doc.findall(lambda n: isinstance(n, NOT_PROSE) or isinstance(n, nodes.Element) and "cell_input" in n["classes"])
    ):
        if node.parent is not None:
            node.parent.remove(node)
    return doc


_word_collector = IndexBuilder._word_collector


def _prose_word_collector(self: IndexBuilder, doctree: nodes.document):  # type: ignore[no-untyped-def]
    return _word_collector(self, _prose_only(doctree))


class TitledProofIndex(ProofIndex):
    """The proof index with each entry named by its printed heading."""

    def generate(self, docnames=None):  # type: ignore[no-untyped-def]
        titles = getattr(self.domain.env, "site_proof_titles", {})
        content = defaultdict(list)
        for label, values in getattr(self.domain.env, "proof_list", {}).items():
            name = f"{values['realtype'].title()} {titles.get(label, '')}".strip()
            content[name[0].upper()].append((name, 0, values["docname"], label, "", "", ""))
        return sorted((k, sorted(v)) for k, v in content.items()), True


def _record_titles(app: Any, doctree: nodes.document) -> None:
    env = app.env
    if not hasattr(env, "site_proof_titles"):
        env.site_proof_titles = {}
    for node in doctree.findall(nodes.Admonition):
        label = node.get("label")
        if label and node.get("realtype") and node.children and isinstance(node[0], nodes.title):
            env.site_proof_titles[label] = node[0].astext().strip()


def _merge_titles(app: Any, env: Any, docnames: Any, other: Any) -> None:
    env.site_proof_titles = {**getattr(env, "site_proof_titles", {}), **getattr(other, "site_proof_titles", {})}


def setup(app: Any) -> dict[str, Any]:
    app.add_css_file("site.css")
    app.add_js_file("site.js")
    IndexBuilder._word_collector = _prose_word_collector
    ProofDomain.indices = [TitledProofIndex]
    app.connect("doctree-read", _record_titles)
    app.connect("env-merge-info", _merge_titles)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
