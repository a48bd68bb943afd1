/* Site behaviour the themes get wrong with the pinned versions (see _ext/site.py). */
(() => {
  "use strict";

  // sphinx-book-theme 1.3.0 shows its own sidebar toggles in the article header, but both it and
  // pydata-sphinx-theme 0.17.1 bind their click handlers to the *first* .primary-toggle /
  // .secondary-toggle of the page: pydata's header buttons, which the book theme hides. The
  // visible buttons did nothing. Forward their clicks to the bound (hidden) ones; do nothing
  // where a theme already binds the visible button itself.
  const forwardToggle = (selector) => {
    const bound = document.querySelector(selector);
    document.querySelectorAll(selector).forEach((button) => {
      if (button === bound) return;
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        button.blur();
        bound.click();
      });
    });
  };

  // Search results: summarise prose, not code cells, the TeX source of formulas, the page title or
  // the print-only table of contents ("Contents"), and show the passage with the word searched for.
  const TEX_SYMBOLS = {
    alpha: "α", beta: "β", gamma: "γ", Gamma: "Γ", delta: "δ", Delta: "Δ", epsilon: "ε", varepsilon: "ε",
    eta: "η", theta: "θ", kappa: "κ", lambda: "λ", Lambda: "Λ", mu: "μ", nu: "ν", xi: "ξ", pi: "π", rho: "ρ",
    sigma: "σ", Sigma: "Σ", tau: "τ", phi: "φ", Phi: "Φ", chi: "χ", psi: "ψ", omega: "ω", Omega: "Ω",
    ell: "ℓ", le: "≤", leq: "≤", ge: "≥", geq: "≥", ne: "≠", neq: "≠", approx: "≈", sim: "∼", times: "×",
    cdot: "·", pm: "±", to: "→", infty: "∞", in: "∈", top: "⊤", ldots: "…", cdots: "⋯", dots: "…",
  };
  const SUPERSCRIPTS = { 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹",
    "-": "⁻", "+": "⁺", "⊤": "ᵀ" };
  const SUBSCRIPTS = { 0: "₀", 1: "₁", 2: "₂", 3: "₃", 4: "₄", 5: "₅", 6: "₆", 7: "₇", 8: "₈", 9: "₉" };
  const scripted = (text, table) =>
    [...text].every((c) => c in table) ? [...text].map((c) => table[c]).join("") : null;
  // A short formula as text ("\alpha" → "α", "\eta^2" → "η²"); anything else as "…".
  const texToText = (tex) => {
    let s = tex.trim().replace(/^\\[([]|\\[)\]]$/g, "").replace(/^\$+|\$+$/g, "");
    s = s.replace(/\\(?:mathbf|mathrm|mathit|mathsf|mathcal|boldsymbol|bm|rm|bf|operatorname|text)\b\s*/g, "");
    s = s.replace(/\\(?:left|right|big|Big)\b|\\[,;:! ]/g, "");
    s = s.replace(/\\([A-Za-z]+)/g, (m, name) => TEX_SYMBOLS[name] ?? m);
    s = s.replace(/([_^])(?:\{([^{}]*)\}|(\S))/g, (m, op, group, one) =>
      scripted((group ?? one).replace(/\s+/g, ""), op === "^" ? SUPERSCRIPTS : SUBSCRIPTS) ?? m);
    s = s.replace(/[{}]/g, "").replace(/\s+/g, " ").trim();
    return /[\\_^$]/.test(s) || s.length > 16 || !s ? "…" : s;
  };
  const cleanSearchSummaries = () => {
    if (typeof Search === "undefined" || !Search.htmlToText || Search.htmlToText.siteWrapped) return;
    const original = Search.htmlToText;
    Search.htmlToText = (htmlString, anchor) => {
      const doc = new DOMParser().parseFromString(htmlString, "text/html");
      // Text outputs (.output) are code; tables that cells write as Markdown are content.
      const notProse = [".cell_input", ".cell_output > .output", ".highlight", "details.hide > summary",
        "script", "style", "nav", ".bd-toc", ".bd-sidebar-secondary", ".bd-header-article", ".prev-next-area",
        ".bd-footer-article", ".onlyprint", "h1"];
      doc.querySelectorAll(notProse.join(", ")).forEach((el) => el.remove());
      doc.querySelectorAll(".math").forEach((el) => el.replaceWith(doc.createTextNode(texToText(el.textContent))));
      return original(doc.documentElement.outerHTML, anchor).replace(/\s+/g, " ");
    };
    Search.htmlToText.siteWrapped = true;
    // Sphinx looks for the stemmed words ("corollari") in the text and, not finding them, summarises
    // the page's start: also look for the words as typed.
    const summarise = Search.makeSearchSummary;
    Search.makeSearchSummary = (htmlText, keywords, anchor) => {
      const typed = (new URLSearchParams(window.location.search).get("q") || "").toLowerCase().split(/\s+/);
      return summarise(htmlText, [...keywords, ...typed.filter((word) => word.length > 1)], anchor);
    };
  };

  // The theme clips formulas to their box (overflow: hidden), which cuts a long one on a phone.
  // An inline formula wider than its line scrolls in its own box; the others are left alone
  // (a scroll box on every formula would add scroll bars for a pixel of italic overhang). The line
  // is the formula's nearest block: an inline parent (<strong>, a caption's <span>) has no width.
  const blockOf = (el) => {
    let block = el.parentElement;
    while (block && getComputedStyle(block).display.startsWith("inline")) block = block.parentElement;
    return block;
  };
  const markWideFormulas = () => {
    document.querySelectorAll("span.math").forEach((el) => {
      const formula = el.querySelector("mjx-container");
      const line = blockOf(el);
      if (!formula || !line) return;
      const wide = formula.getBoundingClientRect().width > line.clientWidth;
      el.classList.toggle("math-wide", wide);
      if (!wide) el.classList.remove("scroll-more-left", "scroll-more-right");
    });
  };
  // A formula a little wider than its column (on a phone) is set in a smaller size, down to
  // MIN_FORMULA_SCALE of it, rather than scrolled with its end behind the fade: as print sets a long
  // equation. A wider one is broken into lines in the chapter's source; the browser check fails
  // on any formula that still does not fit.
  const MIN_FORMULA_SCALE = 0.7;
  const fitFormulas = () => {
    document.querySelectorAll("div.math, span.math").forEach((el) => {
      const formula = el.querySelector("mjx-container");
      if (!formula) return;
      el.style.fontSize = "";
      const display = el.tagName === "DIV";
      const room = display ? el.clientWidth : blockOf(el)?.clientWidth;
      const need = display ? el.scrollWidth : formula.getBoundingClientRect().width;
      if (!room || need <= room) return;
      const scale = (0.99 * room) / need;
      if (scale >= MIN_FORMULA_SCALE) el.style.fontSize = `${Math.floor(scale * 1000) / 10}%`;
    });
  };
  // A figure is never shown so small that its text is unreadable: the book's figures are PNGs at
  // 220 dpi, twice their display size (src/je_vs_rc/render/style.py), whose smallest text is 9 pt,
  // i.e. 27.5 image pixels. Each gets the minimum width at which that text is READABLE_PX CSS pixels
  // (its stacked drawing on a phone fits the column above it). The browser check measures the result.
  const FIGURE_TEXT_IMAGE_PX = (9 / 72) * 220;
  const READABLE_PX = 8;
  const keepFiguresReadable = () => {
    document.querySelectorAll("a.figure-link img.book-figure").forEach((img) => {
      if (!img.dataset.readable) {
        img.dataset.readable = "1";
        img.addEventListener("load", keepFiguresReadable); // the other drawing, after a resize
      }
      if (!img.naturalWidth) return;
      const readable = Math.ceil((img.naturalWidth * READABLE_PX) / FIGURE_TEXT_IMAGE_PX);
      img.style.minWidth = `${Math.min(img.naturalWidth, readable)}px`;
    });
  };
  // A box that scrolls sideways fades out at the edges where there is more to see (site.css).
  const SCROLL_BOXES = "div.math, span.math.math-wide, .pst-scrollable-table-container, .table-wrapper, " +
    ".cell_output .output, div.highlight pre, a.figure-link";
  // A box that hides less than OVERHANG_PX has a glyph's overhang to show, not content: no cue.
  const OVERHANG_PX = 4;
  const updateScrollCue = (el) => {
    const more = el.scrollWidth - el.clientWidth;
    el.classList.toggle("scroll-more-left", more >= OVERHANG_PX && el.scrollLeft > 1);
    el.classList.toggle("scroll-more-right", more >= OVERHANG_PX && el.scrollLeft < more - 1);
  };
  const markScrollBoxes = () => {
    document.querySelectorAll(SCROLL_BOXES).forEach((el) => {
      if (!el.dataset.scrollCue) {
        el.dataset.scrollCue = "1";
        el.addEventListener("scroll", () => updateScrollCue(el), { passive: true });
      }
      updateScrollCue(el);
    });
    // A table wider than its column also says so in words above it (the fade is easy to miss).
    document.querySelectorAll(".bd-article .pst-scrollable-table-container").forEach((box) => {
      const wide = box.scrollWidth - box.clientWidth >= OVERHANG_PX;
      let hint = box.previousElementSibling;
      if (!hint || !hint.classList.contains("scroll-hint")) {
        if (!wide) return;
        hint = document.createElement("p");
        hint.className = "scroll-hint";
        hint.textContent = "This table is wider than the page: scroll it sideways for more columns \u2192";
        box.before(hint);
      }
      hint.hidden = !wide;
    });
  };
  const layout = () => {
    keepFiguresReadable();
    fitFormulas();
    markWideFormulas();
    markScrollBoxes();
  };
  window.addEventListener("load", () => {
    window.addEventListener("resize", layout);
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) MathJax.startup.promise.then(layout);
    else layout();
    document.fonts.ready.then(layout); // web fonts change the widths measured before they arrived
  });

  // Computed values are marked by a faint underline (site.css), computed sentences (more than a few
  // words) are not; the tooltip says what the text is.
  const SENTENCE_WORDS = 4;
  const explainComputed = () => {
    document.querySelectorAll("span.pasted-text").forEach((el) => {
      if (!el.title) el.title = "computed when the book was built";
      el.classList.toggle("computed-sentence", el.textContent.trim().split(/\s+/).length > SENTENCE_WORDS);
    });
  };

  // A "stacked" table is shown on a phone as blocks of labelled values (site.css): each cell carries
  // its column's header.
  const labelStackedCells = () => {
    document.querySelectorAll("table.stacked").forEach((table) => {
      const headers = [...table.querySelectorAll("thead th")].map((th) => th.innerText.trim());
      table.querySelectorAll("tbody tr").forEach((row) => {
        [...row.cells].forEach((cell, i) => { cell.dataset.label = headers[i] || ""; });
      });
    });
  };

  const ready = () => {
    explainComputed();
    labelStackedCells();
    forwardToggle(".primary-toggle");
    forwardToggle(".secondary-toggle");
    cleanSearchSummaries();
  };
  if (document.readyState !== "loading") ready();
  else document.addEventListener("DOMContentLoaded", ready);
})();
