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
      doc.querySelectorAll(".cell_input, .cell_output, .highlight, script, style").forEach((el) => el.remove());
      doc.querySelectorAll(".math").forEach((el) => el.replaceWith(doc.createTextNode(" … ")));
      return original(doc.documentElement.outerHTML, anchor);
    };
    Search.htmlToText.siteWrapped = true;
  };

  const ready = () => {
    forwardToggle(".primary-toggle");
    forwardToggle(".secondary-toggle");
    cleanSearchSummaries();
  };
  if (document.readyState !== "loading") ready();
  else document.addEventListener("DOMContentLoaded", ready);
})();
