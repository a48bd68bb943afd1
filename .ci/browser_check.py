"""Open every page of the built site in headless Chromium and fail on what a reader would notice.

Per page: no console error or uncaught exception; every math element typeset by MathJax (no raw
TeX left); every image loaded; no cell output showing a traceback, an error or a warning; every
internal link pointing at an existing file (and anchor). A full-page screenshot of each page goes to
_build/screenshots/ for a person to look at.  Run by `make site-check` (and so by .ci/run).
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
HTML = REPO / "_build" / "html"
SHOTS = REPO / "_build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
REDIRECT = re.compile(r'http-equiv="refresh"[^>]*url=([^"]+)"', re.IGNORECASE)
# What in a cell's output means something went wrong: an exception, a warning, or a figure
# printed as text instead of drawn.
BAD_OUTPUT = re.compile(r"Traceback|\w+Error\b|\w*Warning\b|<Figure size")

PAGE_STATE = """() => {
  const untypeset = [...document.querySelectorAll('.math')].filter(e => !e.querySelector('mjx-container'))
      .map(e => e.textContent.slice(0, 60));
  const images = [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src);
  const outputs = [...document.querySelectorAll('.cell_output')].map(e => e.innerText);
  const stderr = document.querySelectorAll('.cell_output .stderr, .cell_output .output.stderr').length;
  const links = [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'));
  return {untypeset, images, outputs, stderr, links, math: document.querySelectorAll('mjx-container').length};
}"""


def pages() -> list[Path]:
    return sorted(p for p in HTML.rglob("*.html") if not {"_static", "_sources"} & set(p.relative_to(HTML).parts))


def broken_links(page: Path, links: list[str]) -> list[str]:
    bad = []
    for href in links:
        url = urlparse(href)
        if url.scheme or href.startswith(("mailto:", "javascript:")):
            continue
        target = page if not url.path else (page.parent / unquote(url.path)).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            bad.append(href)
        elif url.fragment and target.suffix == ".html" and \
                f'id="{unquote(url.fragment)}"' not in target.read_text(encoding="utf-8", errors="replace"):
            bad.append(href)
    return bad


def main() -> int:
    if not HTML.is_dir():
        print(f"browser_check: no site at {HTML}; build it first (make book)", file=sys.stderr)
        return 2
    SHOTS.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    checked = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for path in pages():
            name = str(path.relative_to(HTML))
            redirect = REDIRECT.search(path.read_text(encoding="utf-8", errors="replace"))
            if redirect:  # e.g. the root index.html that Jupyter Book points at the landing page
                failures += [f"{name}: redirect to a missing page {redirect.group(1)}"] * bool(
                    broken_links(path, [redirect.group(1)]))
                print(f"{name}: redirect to {redirect.group(1)}")
                continue
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("console", lambda msg, errors=errors: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
            page.goto(path.as_uri(), wait_until="load")
            page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
            state = page.evaluate(PAGE_STATE)
            problems = [f"console: {e}" for e in errors]
            problems += [f"raw TeX left: {t!r}" for t in state["untypeset"][:3]]
            problems += [f"image did not load: {src}" for src in state["images"]]
            problems += [f"cell output shows {m.group(0)!r}" for out in state["outputs"]
                         if (m := BAD_OUTPUT.search(out))]
            problems += ["cell output on stderr"] * bool(state["stderr"])
            problems += [f"broken internal link: {href}" for href in broken_links(path, state["links"])]
            page.screenshot(path=str(SHOTS / (name.replace("/", "__")[:-5] + ".png")), full_page=True)
            page.close()
            checked += 1
            failures += [f"{name}: {p}" for p in problems]
            print(f"{name}: {state['math']} formulas, {len(problems)} problem(s)")
        browser.close()
    for failure in failures:
        print(f"browser_check: {failure}", file=sys.stderr)
    print(f"browser_check: {checked} pages, {len(failures)} problem(s); screenshots in {SHOTS.relative_to(REPO)}")
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    raise SystemExit(main())
