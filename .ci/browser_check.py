"""Open every page of the built site in headless Chromium and fail on what a reader would notice.

Each page is opened at a desktop width (1400 px) and at a phone width (390 px). It fails on:
- a console error or uncaught exception, an image that did not load, a broken internal link;
- a cell output showing a traceback, an error or a warning, or raw Python (a 16-digit float, an
  object's repr) where a table or a sentence belongs;
- a typewriter quote in the text ("paper's" instead of "paper’s");
- raw TeX: a math element MathJax did not typeset (or typeset as an error), or a TeX command (``\\mathbf``) or a ``$`` left in
  the visible text outside code (what a Markdown slip inside ``$...$`` leaves behind);
- a cross-reference printed without its label ("By Lemma"), a heading numbered twice ("9.1. 1.") or
  carrying a book number in front of a paper's label ("5.2. Proposition 4.4");
- an absolute filesystem path of the build machine in the visible text;
- at 390 px: a page wider than the viewport, an equation, table or code block cut off instead of
  scrolling in its own box, or a navigation toggle that does not open its list when clicked;
- at 1400 px: a "Toggle primary sidebar" button that does not hide and restore the chapter list;
- at both widths: a word broken inside a table cell ("metho|d") instead of the table scrolling, and
  a scroll cue (the fade at a box's edge) on a box with nothing to scroll (it dims a formula);
- at 390 px: a table caption whose text runs past the screen (it scrolls with its table), and any
  text outside a scrolling box that runs past the screen's right edge (a long word in a footer link);
- at 1400 px a table or formula wider than the article's column (its end scrolled out of sight); at
  390 px a formula wider than the column (site.js shrinks one a little too wide) or a table of at
  most PHONE_TABLE_COLUMNS columns that does not fit;
- at 390 px: a figure shown so small that its smallest text is under MIN_FIGURE_TEXT_PX CSS pixels;
- at 390 px: a figure wider than the article's column (it scrolls sideways and hides panels): a
  figure of several panels must have a stacked drawing for phones (a <picture> source), and that must fit;
- two folded code cells in a row with nothing shown between their fold bars;
- at both widths: code a reader sees without unfolding it (not a folded or removed cell) whose lines
  are cut off on the right (on a phone site.css wraps them), and at 1400 px such code that shows a
  ``glue(`` call (bookkeeping belongs in removed cells);
- a search (for words a reader would type) whose result summaries quote code cells, TeX sources or
  the page title instead of the prose around the word;
- a landing page without its reproduction scorecard: a table of at least ``SCORECARD_MIN_ROWS`` results
  of the paper, each linked to its section and marked with a status of ``je_vs_rc.checks.scorecard``
  and a line of evidence.
- reading: a bold run longer than a phrase (computed values are prose, not bold paragraphs), a
  number broken across lines ("2.1e-" / "03"), an id used by two elements of a page, an image whose
  alt text is a file path, and text whose colour has under 4.5:1 contrast with its background (3:1
  for large text), all in the article;
A full-page screenshot of each page at each width goes to _build/screenshots/{1400,390}/ for a
person to look at, and each page's weight at 1400 px (the bytes of every file it loads: the page, its
scripts, styles, fonts and images) is printed beside its result. Run by `make site-check` (and so by .ci/run); ``python .ci/browser_check.py
--site DIR`` checks another build (e.g. to show that a check fails on an old one); ``--pages 07_mnist``
only the pages whose path holds that (and runs no search).
"""

from __future__ import annotations

import argparse
import contextlib
import re
import struct
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from je_vs_rc.checks.scorecard import STATUSES, Score
from je_vs_rc.render.style import MIN_TEXT_CONTRAST, contrast

if TYPE_CHECKING:  # playwright is imported by main(): the text rules are testable without it
    from playwright.sync_api import Page

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--allow-file-access-from-files",
]  # the search page fetches the pages it summarises
DESKTOP, PHONE = 1400, 390
REDIRECT = re.compile(r'http-equiv="refresh"[^>]*url=([^"]+)"', re.IGNORECASE)
# What in a cell's output means something went wrong: an exception, a warning, or a figure
# printed as text instead of drawn.
BAD_OUTPUT = re.compile(r"Traceback|\w+Error\b|\w*Warning\b|<Figure size")
# Raw Python where a table or a sentence belongs: a float with 10+ digits, a numpy scalar's repr,
# an object's repr ("Crossing(scale=2.000000000000001, ...").
RAW_OUTPUT = re.compile(r"\d\.\d{9,}|np\.float64\(|\b[A-Z][A-Za-z]+\([a-z_]+=")


def output_problems(outputs: list[str]) -> list[str]:
    """What the cells' outputs show that a reader should not see."""
    return [f"cell output shows {m.group(0)!r}" for out in outputs if (m := BAD_OUTPUT.search(out))] + [
        f"cell output shows raw Python {m.group(0)!r}" for out in outputs if (m := RAW_OUTPUT.search(out))
    ]


# TeX left in prose: a control word (\mathbf, \tfrac, \alpha) or a dollar MathJax did not consume.
RAW_TEX = re.compile(r"\\[A-Za-z]{2,}|\$")
# An absolute path of some machine: /work/..., /home/..., C:\...
ABS_PATH = re.compile(
    r"(?<![\w.:/~-])(?:/(?:work|home|root|tmp|usr|opt|var|mnt|srv|private|Users)/[\w.+-]"
    r"|[A-Z]:\\[\w])"
)
KINDS = (
    "Lemma|Theorem|Proposition|Prop\\.|Corollary|Cor\\.|Definition|Remark|Example|Assumption|Conjecture"
    "|Figure|Fig\\.|Table|Section|Equation|Eq\\.|Algorithm"
)
# A reference whose text is only a kind, or a kind followed by nothing that looks like a label.
BARE_REF = re.compile(rf"^\s*(?:{KINDS})?\s*(?:None|\?\?)?\s*$")
# "9.1. 1. Title" (two numberings) or "5.2. Proposition 4.4" (a book number before a paper's label).
DOUBLE_NUMBER = re.compile(rf"^\s*(?:\d+(?:\.\d+)*\.?\s+\d+[.)]\s|\d+(?:\.\d+)+\.?\s+(?:{KINDS})\s+(?:[A-Z]\.?)?\d)")

PAGE_STATE = r"""() => {
  const untypeset = [...document.querySelectorAll('.math')].filter(e => !e.querySelector('mjx-container'))
      .map(e => e.textContent.slice(0, 60));
  // A formula MathJax typeset as an error (an environment it refuses, e.g. \\tag inside split).
  const merrors = [...document.querySelectorAll('mjx-merror')].map(e =>
      (e.getAttribute('data-mjx-error') || '') + ': ' + (e.closest('mjx-container')?.textContent || '').slice(0, 40));
  const images = [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src);
  const outputs = [...document.querySelectorAll('.cell_output')].map(e => e.innerText);
  const stderr = document.querySelectorAll('.cell_output .stderr, .cell_output .output.stderr').length;
  const links = [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'));
  // Visible prose: text nodes outside code, math and scripts, with the words around each.
  const skip = 'script, style, pre, code, kbd, samp, textarea, mjx-container, .highlight, .cell_input, [hidden]';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const prose = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest(skip) || !n.textContent.trim()) continue;
    if (!el.checkVisibility || el.checkVisibility()) prose.push(n.textContent);
  }
  const refs = [...document.querySelectorAll('article a.reference.internal, article a.reference')]
      .filter(a => !a.closest('nav, .toc, .bd-toc, .prev-next-area, .headerlink'))
      .filter(a => !a.classList.contains('headerlink'))
      .filter(a => !a.querySelector('img'))  // a link around a figure is labelled by the figure itself
      .map(a => ({text: a.innerText, href: a.getAttribute('href') || ''}))
      .filter(r => (r.href.includes('#') || r.text.trim() === '') && !r.href.startsWith('http'));
  const headings = [...document.querySelectorAll('article h1, article h2, article h3, article h4')]
      .map(h => h.innerText.replace(/#\s*$/, '').trim());
  return {untypeset, merrors, images, outputs, stderr, links, prose, refs, headings,
          visible: document.body.innerText, math: document.querySelectorAll('mjx-container').length};
}"""

# At phone width: the page's width, and every wide element that is cut off rather than scrolled
# in its own box (an ancestor with overflow-x auto/scroll).
LAYOUT_STATE = r"""() => {
  const width = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth);
  const cut = [];
  const wide = document.querySelectorAll(
      'article mjx-container[display="true"], article table, article pre, article img, article .math');
  for (const el of wide) {
    if (!el.checkVisibility()) continue;
    const need = el.scrollWidth, box = el.getBoundingClientRect();
    let scrolls = false, clipped = '';
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      if (ox === 'auto' || ox === 'scroll') {
        // A scroll box shows its start: content that overflows to the left (a centred formula
        // wider than its box) can never be scrolled to.
        const before = a.getBoundingClientRect().left - box.left - a.scrollLeft;
        if (before > 1) clipped = `${Math.round(before)} px before the start of its scroll box`;
        else scrolls = true;
        break;
      }
      const past = box.right - a.getBoundingClientRect().right;
      if ((ox === 'hidden' || ox === 'clip') && past > 1) {
        clipped = `${Math.round(past)} px past ${a.tagName.toLowerCase()}.${a.classList[0] || ''}`; break;
      }
    }
    const ownOx = getComputedStyle(el).overflowX;
    const ownScroll = ownOx === 'auto' || ownOx === 'scroll';
    const overflowsItself = need > el.clientWidth + 1 && el.clientWidth > 0 && !ownScroll;
    const overflowsPage = box.right > window.innerWidth + 1;
    if (!scrolls && (clipped || overflowsPage || (overflowsItself && ownOx !== 'visible'))) {
      const what = (el.textContent || el.getAttribute('alt') || '').replace(/\s+/g, ' ').slice(0, 40);
      cut.push(`${el.tagName.toLowerCase()} ${JSON.stringify(what)} (${clipped || (overflowsPage ? Math.round(box.right - window.innerWidth) + ' px past the screen'
                                     : (need - el.clientWidth) + ' px wider than its clipping box')})`);
    }
  }
  return {width, cut};
}"""

# Is any link of the chapter list (the book's table of contents) on screen and visible?
NAV_VISIBLE = r"""() => [...document.querySelectorAll('nav.bd-docs-nav a.reference')].some(a => {
  const r = a.getBoundingClientRect();
  return a.checkVisibility({checkVisibilityCSS: true, checkOpacity: true}) && r.width > 0 && r.height > 0
      && r.right > 0 && r.left < window.innerWidth && r.bottom > 0 && r.top < window.innerHeight;
})"""
PAGE_TOC_VISIBLE = r"""() => [...document.querySelectorAll('#pst-page-toc-nav a, nav.page-toc a')].some(a => {
  const r = a.getBoundingClientRect();
  return a.checkVisibility({checkVisibilityCSS: true, checkOpacity: true}) && r.width > 0 && r.height > 0
      && r.right > 0 && r.left < window.innerWidth && r.bottom > 0 && r.top < window.innerHeight;
})"""


# Every word of a table cell, cut at spaces and after hyphens (where a line may break), whose
# characters lie on more than one line: a word broken mid-word because its column was too narrow.
BROKEN_TABLE_WORDS = r"""() => {
  const broken = [];
  for (const cell of document.querySelectorAll('article th, article td')) {
    if (!cell.checkVisibility()) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.parentElement.closest('mjx-container, script, style')) continue;
      for (const m of n.textContent.matchAll(/[^\s\-\u2010-\u2014]+[\-\u2010-\u2014]?/g)) {
        const range = document.createRange();
        range.setStart(n, m.index);
        range.setEnd(n, m.index + m[0].length);
        const tops = [...range.getClientRects()].filter(r => r.width > 0).map(r => r.top);
        if (tops.length > 1 && Math.max(...tops) - Math.min(...tops) > 2) {
          broken.push(`${m[0]} (in ${cell.tagName.toLowerCase()} ${JSON.stringify(cell.innerText.slice(0, 30))})`);
        }
      }
    }
  }
  return broken;
}"""

# Each visible content image: its file, its natural width and the width it is shown at.
FIGURE_SIZES = r"""() => [...document.querySelectorAll('article img')]
  .filter(i => i.checkVisibility() && i.naturalWidth > 0)
  .map(i => ({src: i.currentSrc || i.src, natural: i.naturalWidth, shown: i.getBoundingClientRect().width}))"""
# The book's figures keep every text at least this size in points (render.style.MIN_FONT_PT,
# enforced by tests/render/test_figure_legibility.py); a PNG records its dots per inch (pHYs chunk,
# written by matplotlib from the figure's dpi), so its smallest text is FIGURE_FONT_PT / 72 * dpi
# image pixels, and it shows at that times the displayed scale.
FIGURE_FONT_PT = 9.0
MIN_FIGURE_TEXT_PX = 7.0


def png_dpi(path: Path) -> float | None:
    """The dots per inch a PNG records in its pHYs chunk, or None if it records none."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    at = 8
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        if kind == b"pHYs" and length >= 9:
            per_x, _, unit = struct.unpack(">IIB", data[at + 8 : at + 17])
            return per_x * 0.0254 if unit == 1 else None  # unit 1: per metre
        if kind in (b"IDAT", b"IEND"):
            return None  # pHYs must come before the image data
        at += 12 + length
    return None


def figure_text_problems(figures: list[dict], dpi_of) -> list[str]:
    """Figures whose smallest text (FIGURE_FONT_PT at the PNG's dpi) shows under MIN_FIGURE_TEXT_PX
    CSS pixels; ``dpi_of(src)`` gives an image's dpi, or None for one that is not a book figure."""
    problems = []
    for fig in figures:
        dpi = dpi_of(fig["src"])
        if not dpi or not fig["natural"]:
            continue
        scale = fig["shown"] / fig["natural"]
        text_px = FIGURE_FONT_PT / 72 * dpi * scale
        if text_px < MIN_FIGURE_TEXT_PX:
            problems.append(
                f"figure {fig['src'].rsplit('/', 1)[-1][:16]} shown at {scale:.2f}x: its {FIGURE_FONT_PT:g} pt text is "
                f"{text_px:.1f} CSS px (at least {MIN_FIGURE_TEXT_PX:g})"
            )
    return problems


# Reading: what the article shows a reader, gathered in the browser and judged in Python (testable).
READING_STATE = r"""() => {
  const article = document.querySelector('article') || document.body;
  const skip = 'script, style, pre, code, mjx-container, .cell_input, .cell_output .output';
  const texts = (root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT), out = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (el && !el.closest(skip) && n.textContent.trim()
          && el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) out.push(n);
    }
    return out;
  };
  // Bold runs: consecutive bold words of one block (paragraph, item, caption, cell); a formula
  // inside a run neither ends nor lengthens it. Titles of results and figure numbers are labels.
  const labels = '.admonition-title, .caption-number, th, dt, h1, h2, h3, h4, h5, h6, .prev-next-area, .toctree-wrapper';
  const bold = [];
  for (const block of article.querySelectorAll('p, li, dd, figcaption, caption, td')) {
    if (block.closest(labels) || block.querySelector('p, li, dd')) continue;
    let run = [];
    for (const n of texts(block)) {
      if (n.parentElement.closest(labels)) continue;
      const words = n.textContent.trim().split(/\s+/);
      if (parseInt(getComputedStyle(n.parentElement).fontWeight, 10) >= 600) run.push(...words);
      else if (n.textContent.trim()) { if (run.length) bold.push(run.join(' ')); run = []; }
    }
    if (run.length) bold.push(run.join(' '));
  }
  // Numbers whose characters lie on more than one line (a sign after a digit is a range or a date's hyphen).
  const broken = [];
  for (const n of texts(article)) {
    for (const m of n.textContent.matchAll(/(?<![\w.,])[-−]?\d[\d,]*(?:\.\d+)?(?:[eE][-+−]?\d+)?%?/g)) {
      if (m[0].length < 2) continue;
      const range = document.createRange();
      range.setStart(n, m.index);
      range.setEnd(n, m.index + m[0].length);
      const tops = [...range.getClientRects()].filter(r => r.width > 0).map(r => r.top);
      if (tops.length > 1 && Math.max(...tops) - Math.min(...tops) > 2) broken.push(m[0]);
    }
  }
  // Every id of the page outside formulas (MathJax's SVG may repeat its own).
  const ids = [...document.querySelectorAll('[id]')].filter(e => !e.closest('mjx-container, svg')).map(e => e.id);
  const alts = [...article.querySelectorAll('img')].map(i => i.getAttribute('alt') || '');
  // Text colours: the colour of each text and the first opaque background behind it.
  const rgba = (c) => (c.match(/[\d.]+/g) || []).map(Number);
  const background = (el) => {
    for (let a = el; a; a = a.parentElement) {
      const c = rgba(getComputedStyle(a).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0.9)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const colours = {};
  for (const n of texts(article)) {
    const el = n.parentElement, style = getComputedStyle(el);
    if (parseFloat(style.opacity) === 0) continue;
    const fg = rgba(style.color), key = [fg.slice(0, 3), background(el), parseFloat(style.fontSize),
      parseInt(style.fontWeight, 10)].join('|');
    colours[key] ||= {fg: fg.slice(0, 3), bg: background(el), size: parseFloat(style.fontSize),
      weight: parseInt(style.fontWeight, 10), text: n.textContent.trim().slice(0, 40)};
  }
  return {bold, broken, ids, alts, colours: Object.values(colours)};
}"""
# A phrase: a few words set in bold for emphasis, up to a short clause; more is a bold paragraph.
PHRASE_WORDS = 12
# An alt text that names a file (a path, an extension, a content hash) instead of describing the image.
PATH_ALT = re.compile(r"^\S*(?:/\S|\.(?:png|svg|jpe?g|gif|webp)$)|\b[0-9a-f]{16,}\b", re.IGNORECASE)
MIN_CONTRAST_LARGE = 3.0  # WCAG AA for large text (24 px, or 18.66 px bold)


def reading_problems(state: dict) -> list[str]:
    """Bold paragraphs, numbers broken across lines, duplicate ids, file paths as alt text and text
    colours with too little contrast, from what READING_STATE gathered."""
    problems = [
        f"bold run of {len(run.split())} words (more than a phrase): {run[:60]!r}"
        for run in state["bold"]
        if len(run.split()) > PHRASE_WORDS
    ]
    problems += [f"number broken across lines: {n!r}" for n in state["broken"]]
    seen: dict[str, int] = {}
    for i in state["ids"]:
        seen[i] = seen.get(i, 0) + 1
    problems += [f"id {i!r} used by {k} elements" for i, k in seen.items() if k > 1]
    problems += [f"alt text is a file path: {a!r}" for a in state["alts"] if PATH_ALT.search(a)]
    for c in state["colours"]:
        large = c["size"] >= 24 or (c["size"] >= 18.66 and c["weight"] >= 700)
        ratio, need = contrast(c["fg"], c["bg"]), MIN_CONTRAST_LARGE if large else MIN_TEXT_CONTRAST
        if ratio < need:
            problems.append(
                f"text colour rgb{tuple(c['fg'])} on rgb{tuple(c['bg'])} has contrast {ratio:.2f}:1 "
                f"(at least {need:g}:1): {c['text']!r}"
            )
    return problems


def check_reading(page: Page, width: int) -> list[str]:
    """What makes the article hard to read: see reading_problems."""
    problems = reading_problems(page.evaluate(READING_STATE))
    return [f"at {width} px: {p}" for p in problems[:8]] + [
        f"at {width} px: ... and {len(problems) - 8} more reading problems"
    ] * (len(problems) > 8)


def check_table_words(page: Page, width: int) -> list[str]:
    """No word of a table cell is broken across lines: a table too wide for its column scrolls."""
    broken = page.evaluate(BROKEN_TABLE_WORDS)
    return [f"word broken inside a table cell at {width} px: {w}" for w in broken[:5]] + [
        f"... and {len(broken) - 5} more broken table words at {width} px"
    ] * (len(broken) > 5)


# Each visible content image at phone width: how wide it is shown, the article column's width, and
# whether it is a <picture> whose phone source (a stacked drawing) is the one shown.
FIGURE_FIT = r"""() => {
  const article = document.querySelector('article') || document.body;
  const style = getComputedStyle(article);
  const column = article.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return [...article.querySelectorAll('img')].filter(i => i.checkVisibility() && i.naturalWidth > 0).map(i => {
    const picture = i.parentElement.tagName === 'PICTURE' ? i.parentElement : null;
    const stacked = !!picture && [...picture.querySelectorAll('source')].some(s => s.media && matchMedia(s.media).matches);
    return {src: (i.currentSrc || i.src).split('/').pop(), shown: i.getBoundingClientRect().width, column, stacked,
            alt: (i.getAttribute('alt') || '').slice(0, 40)};
  });
}"""


def figure_fit_problems(figures: list[dict]) -> list[str]:
    """Figures shown wider than the article's column at phone width: without a stacked drawing (a
    figure of several panels side by side, scrolled sideways), or whose stacked drawing does not fit."""
    problems = []
    for fig in figures:
        if fig["shown"] <= fig["column"] + 1:
            continue
        what = "its stacked drawing is" if fig["stacked"] else "it is"
        fix = "" if fig["stacked"] else " and has no stacked drawing for phones"
        problems.append(
            f"figure {fig['src'][:16]} ({fig['alt']!r}): {what} {fig['shown']:.0f} px wide in a "
            f"{fig['column']:.0f} px column (scrolls sideways){fix}"
        )
    return problems


def check_figure_text(page: Page) -> list[str]:
    """At phone width, each figure is shown large enough that its text can be read, and fits the column."""

    def dpi_of(src: str) -> float | None:
        url = urlparse(src)
        return png_dpi(Path(unquote(url.path))) if url.scheme == "file" else None

    problems = figure_text_problems(page.evaluate(FIGURE_SIZES), dpi_of)
    problems += figure_fit_problems(page.evaluate(FIGURE_FIT))
    return [f"at {PHONE} px: {p}" for p in problems]


# Boxes faded at an edge by the scroll cue (site.js) that hide less than a glyph's overhang: the
# fade then dims content that needs no scrolling (an inline formula in bold, say).
FADED_BOXES = r"""(overhang) => [...document.querySelectorAll('.scroll-more-left, .scroll-more-right')]
  .filter(el => el.checkVisibility() && el.scrollWidth - el.clientWidth < overhang)
  .map(el => `${el.tagName.toLowerCase()}.${el.classList[0]} ${JSON.stringify(el.textContent.replace(/\s+/g, ' ').slice(0, 30))}`
             + ` (${el.scrollWidth - el.clientWidth} px to scroll)`)"""
OVERHANG_PX = 4


def check_faded(page: Page, width: int) -> list[str]:
    """The scroll cue fades only boxes with content to scroll to."""
    return [
        f"faded by a scroll cue at {width} px with nothing to scroll: {b}"
        for b in page.evaluate(FADED_BOXES, OVERHANG_PX)[:5]
    ]


# Formulas and tables wider than the article's column: each one's scroll box (itself or its nearest
# ancestor that scrolls sideways), how many pixels of it are out of sight, and a table's columns.
WIDE_STATE = r"""() => [...document.querySelectorAll('article div.math, article span.math, article table')]
  .filter(el => el.checkVisibility({checkVisibilityCSS: true})
                && (el.tagName === 'TABLE' || (el.querySelector('mjx-container') && !el.closest('table'))))
  .map(el => {
    const table = el.tagName === 'TABLE';
    let hidden = null;
    for (let a = el; a && a !== document.body; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      if (ox === 'auto' || ox === 'scroll') { hidden = a.scrollWidth - a.clientWidth; break; }
    }
    if (hidden === null) {  // nothing scrolls it: what passes the right edge of its line's block
      let block = el.parentElement;
      while (block && getComputedStyle(block).display.startsWith('inline')) block = block.parentElement;
      hidden = Math.round(el.getBoundingClientRect().right - block.getBoundingClientRect().right);
    }
    return {table, display: el.tagName === 'DIV', hidden,
            columns: table ? Math.max(0, ...[...el.rows].map(r => r.cells.length)) : 0,
            text: (table ? el.innerText : el.textContent).replace(/\s+/g, ' ').trim().slice(0, 40)};
  })"""
# A table of at most this many columns fits a phone's column once its headers wrap; a wider one may scroll.
PHONE_TABLE_COLUMNS = 4


def wide_problems(items: list[dict], width: int) -> list[str]:
    """Formulas and tables whose end is out of sight, scrolled behind the fade at the column's right edge:
    at the desktop width any of them (the reader should see a table's verdict columns without scrolling),
    on a phone every formula (a long one is broken into lines) and every table of at most
    PHONE_TABLE_COLUMNS columns."""
    problems = []
    for item in items:
        if item["hidden"] < OVERHANG_PX:
            continue
        what = (
            f"table of {item['columns']} columns"
            if item["table"]
            else ("display formula" if item["display"] else "inline formula")
        )
        if width == DESKTOP or not item["table"] or item["columns"] <= PHONE_TABLE_COLUMNS:
            problems.append(
                f"at {width} px: {what} wider than the column, {item['hidden']} px cut at its right edge: {item['text']!r}"
            )
    return problems


# The landing page's reproduction scorecard (book/index.md): one row per result of the paper.
SCORECARD_PAGE = "book/index.html"
SCORECARD_MIN_ROWS = 12
SCORECARD_STATE = r"""() => {
  const table = document.querySelector('article table.scorecard');
  if (!table) return null;
  return [...table.tBodies].flatMap(b => [...b.rows]).map(r => ({
    cells: [...r.cells].map(c => c.innerText.trim()),
    links: [...r.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
  }));
}"""


def scorecard_problems(rows: list[dict] | None) -> list[str]:
    """What is wrong with the scorecard's rows (``None``: there is no scorecard)."""
    if rows is None:
        return ["no reproduction scorecard (a table with class 'scorecard') on the landing page"]
    labels = {Score(status, "-").label for status in STATUSES}
    problems = [f"the scorecard has {len(rows)} rows, fewer than {SCORECARD_MIN_ROWS}"] * (
        len(rows) < SCORECARD_MIN_ROWS
    )
    for row in rows:
        cells = row["cells"] + ["", "", ""]
        what = cells[0][:40] or "a row"
        problems += [f"scorecard {what!r}: status {cells[1]!r} is not one of {sorted(labels)}"] * (
            cells[1] not in labels
        )
        problems += [f"scorecard {what!r}: no evidence"] * (not cells[2])
        problems += [f"scorecard {what!r}: no link to its section"] * (not row["links"])
    return problems


def pages(html: Path) -> list[Path]:
    return sorted(p for p in html.rglob("*.html") if not {"_static", "_sources"} & set(p.relative_to(html).parts))


def broken_links(page: Path, links: list[str]) -> list[str]:
    bad = []
    for href in links:
        url = urlparse(href)
        if url.scheme or href.startswith(("mailto:", "javascript:")):
            continue
        target = page if not url.path else (page.parent / unquote(url.path)).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file() or (
            url.fragment
            and target.suffix == ".html"
            and f'id="{unquote(url.fragment)}"' not in target.read_text(encoding="utf-8", errors="replace")
        ):
            bad.append(href)
    return bad


# A typewriter quote in prose: an apostrophe inside a word ("paper's") or a quote opening one; the book's
# text has typographic ones (Sphinx's SmartQuotes, and _ext/book_site.py for pasted values).
STRAIGHT_QUOTE = re.compile(r"[^\W\d_]'[^\W\d_]|(?:^|\s)[\"'][^\W\d_]")


def text_problems(state: dict) -> list[str]:
    """Raw TeX, typewriter quotes, bare references, double numbering and filesystem paths in what a
    reader sees."""
    problems = []
    quotes = []
    for text in state["prose"]:
        if m := RAW_TEX.search(text):
            start = max(m.start() - 30, 0)
            problems.append(f"raw TeX in text: {text[start : m.end() + 30].strip()!r}")
        if m := STRAIGHT_QUOTE.search(text):
            quotes.append(f"typewriter quote in text: {text[max(m.start() - 30, 0) : m.end() + 30].strip()!r}")
    problems += quotes[:3] + [f"... and {len(quotes) - 3} more typewriter quotes"] * (len(quotes) > 3)
    problems += [
        f"reference without a label: {r['text']!r} -> {r['href']}" for r in state["refs"] if BARE_REF.match(r["text"])
    ]
    problems += [f"heading numbered twice: {h!r}" for h in state["headings"] if DOUBLE_NUMBER.match(h)]
    for m in ABS_PATH.finditer(state["visible"]):
        problems.append(f"filesystem path in text: {state['visible'][m.start() : m.start() + 60].split()[0]!r}")
    return problems


def toggle_opens(page: Page, button: str, shown: str) -> str | None:
    """Click the first visible ``button`` and say what is wrong if ``shown`` is not then true."""
    toggles = [b for b in page.locator(button).all() if b.is_visible()]
    if not toggles:
        return f"no visible {button}"
    toggles[0].click()
    page.wait_for_timeout(400)
    ok = page.evaluate(shown)
    page.keyboard.press("Escape")
    page.wait_for_timeout(200)
    return None if ok else f"clicking {button} did not show its list"


def check_desktop(page: Page) -> list[str]:
    """The primary-sidebar toggle hides the chapter list, and a second click brings it back."""
    if not page.evaluate(NAV_VISIBLE):
        return ["chapter list not visible at 1400 px"]
    toggle = [b for b in page.locator("button.primary-toggle, #pst-collapse-sidebar-button").all() if b.is_visible()]
    if not toggle:
        return []
    toggle[0].click()
    page.wait_for_timeout(600)
    hidden = not page.evaluate(NAV_VISIBLE)
    toggle[0].click()
    page.wait_for_timeout(600)
    back = page.evaluate(NAV_VISIBLE)
    return [] if hidden and back else [f"sidebar toggle at {DESKTOP} px does nothing (hid: {hidden}, restored: {back})"]


# Code inputs shown on the page (folded hide-input cells and removed ones aside): how many pixels of
# each are cut off on the right, and whether it calls glue.
VISIBLE_CODE = r"""() => [...document.querySelectorAll('article .cell .cell_input pre')]
  .filter(pre => pre.checkVisibility() && !pre.closest('details:not([open])'))
  .map(pre => ({cut: pre.scrollWidth - pre.clientWidth, glue: /\bglue\(/.test(pre.textContent),
                start: pre.textContent.trim().split('\n')[0].slice(0, 50)}))"""


def code_problems(cells: list[dict], width: int = DESKTOP) -> list[str]:
    """Visible code cut off on the right (scrolled sideways out of sight) at ``width``, or, at the
    desktop width, showing glue calls (bookkeeping a reader need not see)."""
    problems = [f"code cut off by {c['cut']} px at {width} px: {c['start']!r}" for c in cells if c["cut"] > 1]
    if width != DESKTOP:
        return problems
    return problems + [f"visible code shows glue(...): {c['start']!r}" for c in cells if c["glue"]]


def page_weight(urls: list[str]) -> int:
    """The bytes of the local files a page loaded (its ``file://`` requests, each file once): what a
    reader's browser downloads for it before compression."""
    files = {Path(unquote(urlparse(u).path)) for u in urls if urlparse(u).scheme == "file"}
    return sum(f.stat().st_size for f in files if f.is_file())


# Folded code cells that show nothing but their fold bar ("Show code cell source"), each followed by
# another such cell: bars in a row read as clutter (a figure's code and its check belong in one cell).
FOLD_BARS = r"""() => [...document.querySelectorAll('article .cell.tag_hide-input')]
  .filter(c => !c.querySelector('.cell_output') && c.nextElementSibling
               && c.nextElementSibling.matches('.cell.tag_hide-input') && !c.nextElementSibling.querySelector('.cell_output'))
  .map(c => c.querySelector('pre')?.textContent.trim().split('\n')[0].slice(0, 50) || '')"""


# A table's caption scrolls with its table: its text must still fit the screen, or its end can only be
# read by scrolling the numbers sideways.
CAPTIONS_PAST_SCREEN = r"""() => [...document.querySelectorAll('article table caption')].filter(c => {
  const r = (c.querySelector('.caption-text') || c).getBoundingClientRect();
  return c.checkVisibility() && r.right > window.innerWidth + 1;
}).map(c => c.innerText.replace(/\s+/g, ' ').slice(0, 40))"""


# Text that starts on the screen and runs past its right edge, outside any box that scrolls sideways
# (a long word in the footer's "next" title, say): the end of it cannot be read, or reached.
TEXT_PAST_SCREEN = r"""() => {
  const cut = [], walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const scrolls = (el) => {
    for (let a = el; a && a !== document.body; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      if (ox === 'auto' || ox === 'scroll') return true;
    }
    return false;
  };
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || !n.textContent.trim() || el.closest('script, style, mjx-assistive-mml')) continue;
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    const past = [...range.getClientRects()].some(r => r.width > 0 && r.left < window.innerWidth - 1
                                                     && r.right > window.innerWidth + 1);
    if (past && !scrolls(el)) cut.push(n.textContent.replace(/\s+/g, ' ').trim().slice(0, 40));
  }
  return cut;
}"""


def check_phone(page: Page) -> list[str]:
    layout = page.evaluate(LAYOUT_STATE)
    problems = [f"page is {layout['width']} px wide at a {PHONE} px viewport"] * (layout["width"] > PHONE)
    problems += [f"cut off at {PHONE} px instead of scrolling: {c}" for c in layout["cut"][:5]]
    problems += [
        f"table caption runs past the screen at {PHONE} px: {c!r}" for c in page.evaluate(CAPTIONS_PAST_SCREEN)
    ]
    problems += [
        f"text cut at the screen's right edge at {PHONE} px: {t!r}" for t in page.evaluate(TEXT_PAST_SCREEN)[:5]
    ]
    if problem := toggle_opens(page, "button.primary-toggle", NAV_VISIBLE):
        problems.append(f"chapter list at {PHONE} px: {problem}")
    if page.locator("#pst-page-toc-nav a, nav.page-toc a").count() and (
        problem := toggle_opens(page, "button.secondary-toggle", PAGE_TOC_VISIBLE)
    ):
        problems.append(f"page contents at {PHONE} px: {problem}")
    return problems


# Words a reader would search for, and what each result of a search shows: its title, its summary,
# and whether the summary (or, for a match in the title only, the title) holds a word the search
# matched (same stem, by the page's own stemmer).
SEARCH_QUERIES = ("alignment", "threshold", "MNIST", "masking", "whitening", "corollary")
SEARCH_RESULTS = r"""(query) => {
  const stemmer = new Stemmer(), stem = stemmer.stemWord(query.toLowerCase());
  const matches = (text) => (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) || []).some(w => stemmer.stemWord(w) === stem);
  return [...document.querySelectorAll('#search-results li')].map(li => {
    const title = li.querySelector('a')?.innerText || '', summary = li.querySelector('p.context')?.innerText || '';
    return {title, summary, shows: matches(summary) || matches(title)};
  });
}"""

SEARCH_DONE = r"""() => /finished|did not match/i.test(document.querySelector('#search-results .search-summary')?.innerText || '')
  && [...document.querySelectorAll('#search-results li')].every(li => li.querySelector('p.context'))"""


def search_problems(query: str, results: list[dict]) -> list[str]:
    """A search's summaries: there is one, each quotes prose (no code, no TeX) of at least a
    sentence's length, and shows the word searched for (unless only the result's title has it)."""
    summaries = [r for r in results if r["summary"]]
    if not summaries:
        return [f"search for {query!r}: no result with a summary"]
    problems = []
    for r in summaries:
        text, where = r["summary"], f"search for {query!r}, result {r['title'][:40]!r}"
        if RAW_TEX.search(text) or re.search(r"\bimport \w|\bglue\(", text):
            problems.append(f"{where}: summary shows code or TeX: {text[:80]!r}")
        elif len(re.findall(r"\w+", text)) < 8:
            problems.append(f"{where}: summary is not prose: {text[:80]!r}")
        elif not r["shows"]:
            problems.append(f"{where}: summary does not show the word: {text[:80]!r}")
    return problems


def check_search(browser, html: Path, queries: tuple[str, ...] = SEARCH_QUERIES) -> list[str]:
    """Search the site for words a reader would type: results come back, and their summaries quote
    the prose around the word, not code, TeX or the page's title."""
    problems = []
    for query in queries:
        page = browser.new_page(viewport={"width": DESKTOP, "height": 900})
        page.goto((html / "search.html").as_uri() + f"?q={query}", wait_until="load")
        # The search has finished and every result's summary has arrived; if not, what has is judged.
        with contextlib.suppress(Exception):
            page.wait_for_function(SEARCH_DONE, timeout=20_000)
        problems += search_problems(query, page.evaluate(SEARCH_RESULTS, query))
        page.close()
    return problems


def open_page(browser, path: Path, width: int, errors: list[str], requests: list[str] | None = None) -> Page:
    page = browser.new_page(viewport={"width": width, "height": 900})
    if requests is not None:
        page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri(), wait_until="load")
    page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
    return page


def check_pages(html: Path, shots: Path, paths: list[Path]) -> tuple[list[str], int, list[str]]:
    """Open each of ``paths`` at both widths in one browser: ``(failures, pages checked, progress lines)``."""
    from playwright.sync_api import sync_playwright

    failures: list[str] = []
    lines: list[str] = []
    checked = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for path in paths:
            name = str(path.relative_to(html))
            redirect = REDIRECT.search(path.read_text(encoding="utf-8", errors="replace"))
            if redirect:  # e.g. the root index.html that Jupyter Book points at the landing page
                failures += [f"{name}: redirect to a missing page {redirect.group(1)}"] * bool(
                    broken_links(path, [redirect.group(1)])
                )
                lines.append(f"{name}: redirect to {redirect.group(1)}")
                continue
            problems: list[str] = []
            formulas, weight = 0, 0
            requests: list[str] = []
            for width in (DESKTOP, PHONE):
                errors: list[str] = []
                page = open_page(browser, path, width, errors, requests if width == DESKTOP else None)
                (shots / str(width)).mkdir(parents=True, exist_ok=True)
                page.wait_for_timeout(500)  # the theme's sidebar transitions settle (a capture mid-way cut the page)
                page.screenshot(path=str(shots / str(width) / (name.replace("/", "__")[:-5] + ".png")), full_page=True)
                if width == DESKTOP:
                    state = page.evaluate(PAGE_STATE)
                    formulas = state["math"]
                    problems += [f"raw TeX left: {t!r}" for t in state["untypeset"][:3]]
                    problems += [f"formula MathJax could not typeset: {e!r}" for e in state["merrors"][:3]]
                    problems += [f"image did not load: {src}" for src in state["images"]]
                    problems += output_problems(state["outputs"])
                    problems += ["cell output on stderr"] * bool(state["stderr"])
                    problems += [f"broken internal link: {href}" for href in broken_links(path, state["links"])]
                    problems += text_problems(state)
                    problems += check_desktop(page)
                    problems += code_problems(page.evaluate(VISIBLE_CODE))
                    weight = page_weight(requests)
                    problems += [f"two fold bars in a row, the first for {c!r}" for c in page.evaluate(FOLD_BARS)]
                    if name == SCORECARD_PAGE:
                        problems += scorecard_problems(page.evaluate(SCORECARD_STATE))
                else:
                    problems += check_phone(page)
                    problems += check_figure_text(page)
                    problems += code_problems(page.evaluate(VISIBLE_CODE), PHONE)
                problems += check_table_words(page, width)
                problems += wide_problems(page.evaluate(WIDE_STATE), width)
                problems += check_reading(page, width)
                problems += check_faded(page, width)
                problems += [f"console at {width} px: {e}" for e in errors]
                page.close()
            checked += 1
            failures += [f"{name}: {p}" for p in problems]
            lines.append(
                f"{name}: {formulas} formulas, {len(problems)} problem(s), {weight / 1e6:.2f} MB at {DESKTOP} px"
            )
        browser.close()
    return failures, checked, lines


def check_site_search(html: Path) -> list[str]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            return [f"search.html: {p}" for p in check_search(browser, html)]
        finally:
            browser.close()


# Browsers run side by side, each on its share of the pages (and one on the searches): a page's checks
# wait for animations and MathJax (seconds of sleeping per page), which the others fill.
BROWSERS = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--site", type=Path, default=REPO / "_build" / "html", help="the built site (default: %(default)s)"
    )
    parser.add_argument("--shots", type=Path, default=None, help="where screenshots go (default: SITE/../screenshots)")
    parser.add_argument("--browsers", type=int, default=BROWSERS, help="browsers side by side (default: %(default)s)")
    parser.add_argument(
        "--pages",
        nargs="+",
        metavar="PART",
        help="check only the pages whose path contains one of these (e.g. 07_mnist), and skip the searches",
    )
    args = parser.parse_args(argv)
    html = args.site.resolve()
    shots = (args.shots or html.parent / "screenshots").resolve()
    if not html.is_dir():
        print(f"browser_check: no site at {html}; build it first (make book)", file=sys.stderr)
        return 2
    every = [p for p in pages(html) if not args.pages or any(part in str(p.relative_to(html)) for part in args.pages)]
    shares = [every[i :: args.browsers] for i in range(args.browsers)]
    with ProcessPoolExecutor(args.browsers + 1) as pool:
        search = None if args.pages else pool.submit(check_site_search, html)
        checks = [pool.submit(check_pages, html, shots, share) for share in shares if share]
        results = [check.result() for check in checks]
        failures = [f for result in results for f in result[0]] + (search.result() if search else [])
    order = {str(path.relative_to(html)): i for i, path in enumerate(every)}
    for line in sorted((line for result in results for line in result[2]), key=lambda x: order[x.split(":")[0]]):
        print(line)
    checked = sum(result[1] for result in results)
    for failure in failures:
        print(f"browser_check: {failure}", file=sys.stderr)
    print(f"browser_check: {checked} pages, {len(failures)} problem(s); screenshots in {shots}")
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    raise SystemExit(main())
