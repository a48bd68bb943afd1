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

  // Search results: summarise prose, not code cells or the TeX source of formulas.
  const cleanSearchSummaries = () => {
    if (typeof Search === "undefined" || !Search.htmlToText || Search.htmlToText.siteWrapped) return;
    const original = Search.htmlToText;
    Search.htmlToText = (htmlString, anchor) => {
      const doc = new DOMParser().parseFromString(htmlString, "text/html");
      const notProse = [".cell_input", ".cell_output", ".highlight", "script", "style", "nav", ".bd-toc",
        ".bd-sidebar-secondary", ".bd-header-article", ".prev-next-area", ".bd-footer-article"];
      doc.querySelectorAll(notProse.join(", ")).forEach((el) => el.remove());
      doc.querySelectorAll(".math").forEach((el) => el.replaceWith(doc.createTextNode(" … ")));
      return original(doc.documentElement.outerHTML, anchor);
    };
    Search.htmlToText.siteWrapped = true;
  };

  // The theme clips formulas to their box (overflow: hidden), which cuts a long one on a phone.
  // An inline formula wider than its line scrolls in its own box; the others are left alone
  // (a scroll box on every formula would add scroll bars for a pixel of italic overhang).
  const markWideFormulas = () => {
    document.querySelectorAll("span.math").forEach((el) => {
      const formula = el.querySelector("mjx-container");
      const line = el.parentElement;
      if (!formula || !line) return;
      el.classList.toggle("math-wide", formula.getBoundingClientRect().width > line.clientWidth);
    });
  };
  // A figure is never shown so small that its text is unreadable: the book's figures are PNGs at
  // 110 dpi whose smallest text is 9 pt (src/je_vs_rc/render/figures.py), i.e. 13.75 image pixels.
  // Each image gets the minimum width at which that text is READABLE_PX CSS pixels; on a phone it
  // is then wider than the column and its link box scrolls (site.css). The desktop column is wider
  // than this minimum, so there it changes nothing. The browser check measures the result.
  const FIGURE_TEXT_IMAGE_PX = (9 / 72) * 110;
  const READABLE_PX = 8;
  const keepFiguresReadable = () => {
    document.querySelectorAll("a.figure-link > img").forEach((img) => {
      if (!img.naturalWidth) return;
      const readable = Math.ceil((img.naturalWidth * READABLE_PX) / FIGURE_TEXT_IMAGE_PX);
      img.style.minWidth = `${Math.min(img.naturalWidth, readable)}px`;
    });
  };
  // A box that scrolls sideways fades out at the edges where there is more to see (site.css).
  const SCROLL_BOXES = "div.math, span.math.math-wide, .pst-scrollable-table-container, .table-wrapper, " +
    ".cell_output .output, div.highlight pre, a.figure-link";
  const updateScrollCue = (el) => {
    const more = el.scrollWidth - el.clientWidth;
    el.classList.toggle("scroll-more-left", more > 1 && el.scrollLeft > 1);
    el.classList.toggle("scroll-more-right", more > 1 && el.scrollLeft < more - 1);
  };
  const markScrollBoxes = () => {
    document.querySelectorAll(SCROLL_BOXES).forEach((el) => {
      if (!el.dataset.scrollCue) {
        el.dataset.scrollCue = "1";
        el.addEventListener("scroll", () => updateScrollCue(el), { passive: true });
      }
      updateScrollCue(el);
    });
  };
  const layout = () => {
    keepFiguresReadable();
    markWideFormulas();
    markScrollBoxes();
  };
  window.addEventListener("load", () => {
    window.addEventListener("resize", layout);
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) MathJax.startup.promise.then(layout);
    else layout();
  });

  const ready = () => {
    forwardToggle(".primary-toggle");
    forwardToggle(".secondary-toggle");
    cleanSearchSummaries();
  };
  if (document.readyState !== "loading") ready();
  else document.addEventListener("DOMContentLoaded", ready);
})();
