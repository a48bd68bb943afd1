"""Sphinx extension: the site's own assets and three fixes to what readers meet.

- ``site.css`` / ``site.js`` (from ``_assets/``): phone layout (wide formulas and tables scroll in
  their own box), working sidebar toggles with the pinned themes, search summaries of prose.
- The search index leaves out code cells and TeX sources, so a search for "import" or "mathbf"
  does not match every chapter (Sphinx indexes every text node; the pinned Sphinx is 7.4).
- The proof index lists each result by its printed title ("Lemma B.1 (augmentation is a ridge
  penalty)"), not by its internal label ("lemma-b1").
- Every id of a page is unique: sphinx-proof writes a result's label on its box and again on its
  title, and every proof box gets the id "proof" (its content "proof-content"); a link goes to the
  first, so later copies of an id are dropped.
- A figure's image is described by its caption's first sentence (docutils' default alt text is
  the image's file path); an image without a caption says what it is.
- No fontawesome.js (1.5 MB of every icon as JavaScript, the heaviest file of a page without math):
  the theme's stylesheet already draws its few icons from the Font Awesome web fonts.
- Numbers read as numbers: a number with a sign or an exponent ("−0.4", "2.1e-03") never breaks
  across lines, and a table column whose cells are all numbers is marked ``num`` (site.css aligns it
  right, in tabular figures).
- The rerun page's table of execution times (myst-nb's ``{nb-exec-table}``) names each page by its
  title and gives its run time and whether it ran; myst-nb's default names it by its file and adds
  the cache's modification time and method, which a reader does not need.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from docutils import nodes
from myst_nb.ext import execution_tables
from sphinx.addnodes import pending_xref
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


# A number in text with a place a line could break at: a sign, or an exponent's sign.
BREAKABLE_NUMBER = re.compile(
    r"(?<![\w.])(?:[-\u2212]\d[\d,]*(?:\.\d+)?(?:[eE][-+\u2212]?\d+)?|\d[\d,]*(?:\.\d+)?[eE][-+\u2212]?\d+)"
)
# A table cell that holds one number (with an optional comparison, sign, percent, ± part or "x"; a
# power of ten as words.plain writes it, "3 × 10⁻¹⁵"; an estimate's scale word, "1.6 million"; a note
# mark, "0.27†", that the caption explains), a count out of a total ("19 / 60"), or a dash.
NUMBER_CELL = re.compile(
    r"^(?:\d[\d,]*\s/\s\d[\d,]*|[<>\u2264\u2265~\u2248]?\s*[-+\u2212]?\d[\d,]*(?:\.\d+)?(?:[eE][-+\u2212]?\d+)?"
    r"(?:\s*\u00d7\s*10[\u207b\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+|(?<=10)[\u207b\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+"
    r"|\s(?:thousand|million|billion|trillion))?"
    r"\s*[%\u00d7x]?(?:\s*\u00b1\s*\d[\d,]*(?:\.\d+)?(?:[eE][-+\u2212]?\d+)?\s*%?)?[\u2020\u2021]?|[-\u2013\u2014])$"
)
DASH = re.compile(r"^[-\u2013\u2014]$")


def keep_numbers_whole(doctree: nodes.document) -> None:
    """Wrap each number that a line could break inside (at its sign) in a ``num`` span (site.css:
    no break inside)."""
    for text in list(doctree.findall(nodes.Text)):
        parent = text.parent
        if parent is None or any(
            isinstance(a, (*NOT_PROSE, nodes.literal, nodes.raw)) or "num" in a.get("classes", ())
            for a in _ancestors(text)
        ):
            continue
        value = str(text)
        pieces: list[nodes.Node] = []
        at = 0
        for m in BREAKABLE_NUMBER.finditer(value):
            pieces += [nodes.Text(value[at : m.start()]), nodes.inline(m[0], m[0], classes=["num"])]
            at = m.end()
        if pieces:
            pieces.append(nodes.Text(value[at:]))
            parent.replace(text, [p for p in pieces if not (isinstance(p, nodes.Text) and not str(p))])


def _ancestors(node: nodes.Node):  # type: ignore[no-untyped-def]
    node = node.parent
    while node is not None:
        yield node
        node = node.parent


def mark_number_columns(doctree: nodes.document) -> None:
    """Mark every entry of a table column whose body cells are all numbers (or dashes) ``num``."""
    for tgroup in doctree.findall(nodes.tgroup):
        rows = [list(row.findall(nodes.entry)) for body in tgroup.findall(nodes.tbody) for row in body.children]
        heads = [list(row.findall(nodes.entry)) for head in tgroup.findall(nodes.thead) for row in head.children]
        for col in range(int(tgroup.get("cols", 0))):
            cells = [row[col].astext().strip() for row in rows if col < len(row)]
            values = [c for c in cells if c and not DASH.match(c)]
            if values and all(NUMBER_CELL.match(c) for c in cells if c):
                for row in rows + heads:
                    if col < len(row):
                        row[col]["classes"].append("num")


UNCAPTIONED = "A figure computed by the book's code (described in the text around it)"


def alt_from_captions(doctree: nodes.document) -> None:
    """Give every image without alt text its figure caption's first sentence."""
    for image in doctree.findall(nodes.image):
        if image.get("alt"):
            continue
        figure = next((a for a in _ancestors(image) if isinstance(a, nodes.figure)), None)
        caption = next(iter(figure.findall(nodes.caption)), None) if figure is not None else None
        text = re.sub(r"\s+", " ", caption.astext()).strip() if caption is not None else ""
        image["alt"] = re.split(r"(?<=[.:;])\s", text, maxsplit=1)[0] if text else UNCAPTIONED


def curl_pasted_quotes(doctree: nodes.document) -> None:
    """Typographic quotes in pasted values (``pasted-text``): a paste from another page is resolved by
    myst-nb's post-transform after Sphinx's SmartQuotes ran, so its apostrophes were left straight."""
    from docutils.utils.smartquotes import smartyPants

    for paste in doctree.findall(lambda n: isinstance(n, nodes.inline) and "pasted-text" in n.get("classes", ())):
        for text in list(paste.findall(nodes.Text)):
            if "'" in text or '"' in text:
                text.parent.replace(text, nodes.Text(smartyPants(str(text), "qDe", "en")))


# "α = 1", "n = 100": a line never breaks at the spaces around an equals sign before a number.
EQUALS = re.compile(r"(?<=\w) = (?=[-\u2212]?\d)")
# Punctuation that must stay on the line of the formula before it (":" alone at a line's start), or
# an opening bracket on the line of the formula after it.
AFTER_MATH, BEFORE_MATH = re.compile(r"^[.,;:!?)\]\u2019\u201d]+"), re.compile(r"[(\[\u2018\u201c]$")
SHORT_CODE = 24  # inline code up to this many characters stays on one line ("--nproc_per_node")


def bind_equals(doctree: nodes.document) -> None:
    """No-break spaces around "=" between a name and a number, in text outside code and formulas."""
    for text in list(doctree.findall(nodes.Text)):
        parent = text.parent
        if parent is None or any(isinstance(a, (*NOT_PROSE, nodes.literal, nodes.raw)) for a in _ancestors(text)):
            continue
        if EQUALS.search(str(text)):
            parent.replace(text, nodes.Text(EQUALS.sub("\u00a0=\u00a0", str(text))))


def keep_math_with_punctuation(doctree: nodes.document) -> None:
    """An inline formula and the punctuation right after it (or the bracket right before it) in one
    ``nowrap`` span (site.css), so that a line never starts with the formula's comma or colon."""
    for math in list(doctree.findall(nodes.math)):
        parent = math.parent
        if parent is None or isinstance(parent, nodes.inline) and "nowrap" in parent["classes"]:
            continue
        at = parent.index(math)
        after = parent[at + 1] if at + 1 < len(parent) and isinstance(parent[at + 1], nodes.Text) else None
        before = parent[at - 1] if at > 0 and isinstance(parent[at - 1], nodes.Text) else None
        tail = AFTER_MATH.match(str(after)) if after is not None else None
        head = BEFORE_MATH.search(str(before)) if before is not None else None
        if not (tail or head):
            continue
        group = nodes.inline(classes=["nowrap"])
        if head:
            parent.replace(before, nodes.Text(str(before)[: head.start()]))
            group += nodes.Text(head[0])
        parent.replace(math, group)
        group += math
        if tail:
            parent.replace(after, nodes.Text(str(after)[tail.end() :]))
            group += nodes.Text(tail[0])


def keep_short_code_whole(doctree: nodes.document) -> None:
    """Inline code of at most SHORT_CODE characters is marked ``nowrap`` (a command broken at its
    hyphen, "--" / "gpus", reads as two); longer code may still wrap anywhere (it would widen a phone's page)."""
    for code in doctree.findall(nodes.literal):
        if len(code.astext()) <= SHORT_CODE:
            code["classes"].append("nowrap")


def _reading(app: Any, doctree: nodes.document, docname: str) -> None:
    curl_pasted_quotes(doctree)
    alt_from_captions(doctree)
    mark_number_columns(doctree)
    keep_numbers_whole(doctree)
    bind_equals(doctree)
    keep_math_with_punctuation(doctree)
    keep_short_code_whole(doctree)


ID = re.compile(r' id="([^"]*)"')


def unique_ids(html: str) -> str:
    """``html`` with each id kept on its first element only."""
    seen: set[str] = set()

    def once(m: re.Match) -> str:
        if m[1] in seen:
            return ""
        seen.add(m[1])
        return m[0]

    return ID.sub(once, html)


def _unique_ids(app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    if "body" in context:
        context["body"] = unique_ids(context["body"])


FONTAWESOME_JS = re.compile(r'\n?[ \t]*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>')


def _drop_fontawesome_js(app: Any, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        if (lean := FONTAWESOME_JS.sub("", html)) != html:
            page.write_text(lean, encoding="utf-8")
    for script in (out / "_static" / "scripts").glob("fontawesome.js*"):
        script.unlink()


# A result's label in the paper: "3.1" (section 3) or "B.1" (appendix B).
PAPER_LABEL = re.compile(r"\b(\d+|[A-Z])\.(\d+)\b")
PAPER, BOOK = "The paper’s results, in its order", "Results the book adds"


def paper_order(name: str) -> tuple:
    """Sort key of an index entry: the paper's sections, then its appendices, each by number."""
    m = PAPER_LABEL.search(name)
    if m is None:
        return (2, 0, 0, name)
    section, number = m.groups()
    return (0, int(section), int(number), name) if section.isdigit() else (1, ord(section), int(number), name)


def chapter_of(docname: str) -> str:
    """Where a statement lives, as the index says it: ``"chapter 4"`` (the page's name otherwise)."""
    m = CHAPTER_NUMBER.search(posixpath.basename(docname))
    return f"chapter {int(m.group(1))}" if m else docname


class TitledProofIndex(ProofIndex):
    """The index of statements: each entry named by its printed heading, with its chapter beside it, the
    paper's results in the paper's order (sections, then appendices), then the book's own."""

    localname = "Index of statements"  # as the landing page calls it (sphinx-proof: "Proof Index")

    def generate(self, docnames=None):  # type: ignore[no-untyped-def]
        titles = getattr(self.domain.env, "site_proof_titles", {})
        content = defaultdict(list)
        for label, values in getattr(self.domain.env, "proof_list", {}).items():
            name = f"{values['realtype'].title()} {titles.get(label, '')}".strip()
            group = PAPER if PAPER_LABEL.search(name) else BOOK
            content[group].append((name, 0, values["docname"], label, "", "", chapter_of(values["docname"])))
        return [(g, sorted(content[g], key=lambda e: paper_order(e[0]))) for g in (PAPER, BOOK) if content[g]], True


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


def execution_table(parent_docname: str, metadata: Any) -> nodes.table:
    """One row per executed chapter (the page that shows the table is not one): its number and title (a
    link) and its run time in whole seconds. A chapter that failed stops the build, so none says so."""
    from je_vs_rc.words import number

    headers = ("chapter", "run time (s)")
    table = nodes.table(classes=["colwidths-auto"])
    group = nodes.tgroup(cols=len(headers))
    table += group
    group += [nodes.colspec(colwidth=1) for _ in headers]
    head, body = nodes.thead(), nodes.tbody()
    group += [head, body]
    head += nodes.row("", *(nodes.entry("", nodes.paragraph(text=h)) for h in headers))
    for docname in sorted(metadata):
        data = metadata[docname].get("exec_data")
        if not data or docname == parent_docname:
            continue
        link = pending_xref(
            refdoc=parent_docname,
            reftarget="/" + docname,
            reftype="doc",
            refdomain="std",
            refexplicit=False,  # the resolver writes the page's title
            refwarn=True,
        )
        link += nodes.inline(text=docname)
        # The chapter's number, as the chapter list shows it, from its file name ("08_imagenet_c").
        prefix = CHAPTER_NUMBER.match(docname.rsplit("/", 1)[-1])
        title = nodes.paragraph("", f"{int(prefix.group(1))}. " if prefix else "")
        title += link
        runtime = "–" if data["runtime"] is None else number(round(data["runtime"]))
        body += nodes.row("", *(nodes.entry("", c) for c in (title, nodes.paragraph(text=runtime))))
    return table


# A chapter's file name starts with its number: "08_imagenet_c".
CHAPTER_NUMBER = re.compile(r"^(\d+)_")


def setup(app: Any) -> dict[str, Any]:
    execution_tables.make_stat_table = execution_table  # read by myst-nb's post-transform when it runs
    app.add_css_file("site.css")
    app.add_js_file("site.js")
    IndexBuilder._word_collector = _prose_word_collector
    ProofDomain.indices = [TitledProofIndex]
    app.connect("doctree-read", _record_titles)
    app.connect("env-merge-info", _merge_titles)
    app.connect("doctree-resolved", _reading)
    app.connect("html-page-context", _unique_ids)
    app.connect("build-finished", _drop_fontawesome_js)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
