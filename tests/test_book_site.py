"""The site extension's reading fixes (_ext/book_site.py) on small documents."""

from __future__ import annotations

import sys
from pathlib import Path

from docutils import nodes
from docutils.core import publish_doctree

sys.path.insert(0, str(Path(__file__).parents[1] / "_ext"))
try:
    import book_site
finally:
    sys.path.pop(0)

TABLE = """
========  =======  ==========  ===========  =======
method    alpha    distance    predicted n  lines
========  =======  ==========  ===========  =======
SL        0.1      2.1e-03     2,500        6 / 6
JE        1,000    −0.4 ± 0.1  1.6 million  19 / 60
RC        —        12%         3 × 10⁻¹⁵    0 / 6
AE        2        0.27†       10⁻⁸         2 / 6
========  =======  ==========  ===========  =======
"""


def test_a_column_of_numbers_is_marked_and_a_column_of_words_is_not():
    doc = publish_doctree(TABLE)
    book_site.mark_number_columns(doc)
    marked = {e.astext(): "num" in e["classes"] for e in doc.findall(nodes.entry)}
    assert not marked["method"] and not marked["SL"]
    assert marked["alpha"] and marked["0.1"] and marked["—"] and marked["−0.4 ± 0.1"] and marked["12%"]
    # an estimate in words (words.rounded) and a power of ten (words.plain) are numbers too
    assert marked["predicted n"] and marked["1.6 million"] and marked["3\u202f×\u202f10⁻¹⁵"]
    assert marked["10⁻⁸"] and marked["lines"] and marked["19 / 60"]  # and a count out of a total
    assert marked["0.27†"]  # a number whose note the caption gives


def test_numbers_with_a_sign_or_exponent_are_kept_whole():
    doc = publish_doctree("Errors of 2.1e-03 and −0.4, a range 2-3, n = 1,000 and ``-1e-05`` in code.")
    book_site.keep_numbers_whole(doc)
    whole = [n.astext() for n in doc.findall(nodes.inline) if "num" in n["classes"]]
    assert whole == ["2.1e-03", "−0.4"]
    assert doc.astext().startswith("Errors of 2.1e-03 and −0.4, a range 2-3")


def test_images_take_their_captions_first_sentence_as_alt_text():
    doc = publish_doctree(
        ".. figure:: _images/3d451f5627bf.png\n\n   Recovery over noise and alignment. Dark cells recover.\n\n"
        ".. image:: other.png\n"
    )
    book_site.alt_from_captions(doc)
    assert [i["alt"] for i in doc.findall(nodes.image)] == ["Recovery over noise and alignment.", book_site.UNCAPTIONED]


def test_each_id_is_kept_on_its_first_element_only():
    html = '<div id="thm-3-1"><p id="thm-3-1">T</p><section id="proof-content"></section></div><div id="proof-content">'
    assert book_site.unique_ids(html) == '<div id="thm-3-1"><p>T</p><section id="proof-content"></section></div><div>'


def test_the_proof_index_follows_the_papers_order():
    names = ["Lemma B.1 (ridge)", "Theorem (Davis–Kahan)", "Proposition 4.3 (RC)", "Theorem 3.2 (JE)", "Corollary 4.5"]
    assert sorted(names, key=book_site.paper_order) == [
        "Theorem 3.2 (JE)",
        "Proposition 4.3 (RC)",
        "Corollary 4.5",
        "Lemma B.1 (ridge)",
        "Theorem (Davis–Kahan)",
    ]


def test_the_proof_index_names_each_statements_chapter():
    assert book_site.chapter_of("notebooks/04_reconstruction") == "chapter 4"
    assert book_site.chapter_of("notebooks/10_finite_samples") == "chapter 10"
    assert book_site.chapter_of("book/index") == "book/index"
    assert book_site.TitledProofIndex.localname == "Index of statements"


def test_execution_table_names_chapters_and_says_their_time():
    metadata = {
        "notebooks/04_reconstruction": {"exec_data": {"runtime": 8.237, "succeeded": True, "mtime": 1.0}},
        "notebooks/01_introduction": {"exec_data": {"runtime": None, "succeeded": True, "mtime": 1.0}},
        "book/rerun": {"exec_data": {"runtime": 11.0, "succeeded": True, "mtime": 1.0}},  # the table's own page
        "book/references": {},  # not executed: no row
    }
    table = book_site.execution_table("book/rerun", metadata)
    rows = [[entry.astext() for entry in row] for row in table.findall(nodes.row)]
    assert rows[0] == ["chapter", "run time (s)"]
    # Numbered as the chapter list numbers them, in whole seconds.
    assert rows[1:] == [["1. notebooks/01_introduction", "–"], ["4. notebooks/04_reconstruction", "8"]]
    links = list(table.findall(book_site.pending_xref))
    assert [x["reftarget"] for x in links] == ["/notebooks/01_introduction", "/notebooks/04_reconstruction"]
    assert not any(x["refexplicit"] for x in links)  # Sphinx writes each page's title


def test_pasted_values_get_typographic_quotes():
    doc = publish_doctree("A paragraph.")
    paste = nodes.inline("", "", nodes.Text('the paper\'s "verdict"'), classes=["pasted-text"])
    doc[0] += paste
    doc[0] += nodes.Text(" and the code's own")  # not a paste: left to Sphinx's SmartQuotes
    book_site.curl_pasted_quotes(doc)
    assert paste.astext() == "the paper’s “verdict”" and doc[0].astext().endswith("code's own")


def test_equals_before_a_number_binds_its_sides():
    doc = publish_doctree("At α = 1 and n = 100, x = y stays, and ``a = 1`` is code.")
    book_site.bind_equals(doc)
    text = doc.astext()
    assert "α\u00a0=\u00a01" in text and "n\u00a0=\u00a0100" in text and "x = y" in text and "a = 1" in text


def test_a_formula_keeps_its_punctuation_and_short_code_its_hyphens():
    doc = publish_doctree(
        "Then :math:`x^2`: the rest (:math:`y`) and :math:`z` alone; ``--nproc_per_node`` and ``" + "x" * 30 + "``."
    )
    book_site.keep_math_with_punctuation(doc)
    groups = [n.astext() for n in doc.findall(nodes.inline) if "nowrap" in n["classes"]]
    assert groups == ["x^2:", "(y)"]
    assert doc.astext().startswith("Then x^2: the rest (y) and z alone;")
    book_site.keep_short_code_whole(doc)
    assert ["nowrap" in c["classes"] for c in doc.findall(nodes.literal)] == [True, False]
