"""Sphinx extension: each chapter page offers its executed notebook, runnable anywhere, and a Colab button.

myst-nb writes every executed chapter to ``_build/jupyter_execute/<page>.ipynb``. sphinx-book-theme
offers it for download only when a launch button is configured (a local build has none), so this
extension sets the download link itself and, once the pages are written, copies each notebook into
``_sources/`` (where the download button points) with a first cell that installs je-vs-rc when it is
missing (a fresh Colab or Binder kernel). The chapters' Markdown pastes computed values with myst-nb's glue
roles and directives, which Jupyter and Colab do not know: the downloaded copy has each replaced by
its value (text, Markdown, or the figure as a cell attachment). Colab opens notebooks from GitHub only and the chapter
sources are MyST ``.md`` files, so with ``colab_branch`` set (the book workflow publishes these
notebooks on that branch, .github/workflows/book.yml) the launch menu gets a Colab button opening them.
"""

from __future__ import annotations

import base64
import json
import posixpath
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
from myst_nb.core.variables import format_plain_text
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)

INSTALL = """\
# Installs je-vs-rc when it is missing (a fresh Colab or Binder kernel) and works from its checkout.
import importlib.util, os, subprocess, sys

if importlib.util.find_spec("je_vs_rc") is None:
    if not os.path.isdir("je-vs-rc"):
        subprocess.run(["git", "clone", "--depth", "1", "--branch", {branch!r}, {url!r}, "je-vs-rc"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-e", "./je-vs-rc[{extras}]"], check=True)
    sys.path.insert(0, os.path.abspath("je-vs-rc/src"))  # an editable install shows at the next start
    os.chdir("je-vs-rc/notebooks")  # chapters read ../params and write ../runs, as in the book
"""

INSTALL_WITHOUT_REPOSITORY = """\
# This notebook comes from a build of the je-vs-rc book that did not record the book's repository
# (no repository URL in _config.yml or pyproject.toml). To run it: get the book's source (the je-vs-rc
# repository), then in it: pip install -e '.[{extras}]', and open this notebook from its notebooks/
# folder (chapters read ../params and write ../runs).
import importlib.util

if importlib.util.find_spec("je_vs_rc") is None:
    raise ModuleNotFoundError(
        "je-vs-rc is not installed: in the book's source (the je-vs-rc repository), pip install -e '.[{extras}]', "
        "and open this notebook from its notebooks/ folder"
    )
"""
# Where a build that is not told the repository (a local one) looks for it: pyproject's [project.urls].
REPOSITORY_KEYS = ("Repository", "Source", "Source Code", "Code", "Homepage")


def project_repository(pyproject: Path) -> str:
    """The repository URL that pyproject.toml's [project.urls] names, or "" if it names none."""
    try:
        urls = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("urls", {})
    except (OSError, tomllib.TOMLDecodeError):
        return ""
    return next((urls[k] for k in REPOSITORY_KEYS if str(urls.get(k, "")).startswith("https://")), "")


# myst-nb's glue: roles {glue}`key`, {glue:text}`key:format`, {glue:md}`key`, {glue:any}`key`, each key
# possibly ``path/to/page.md::key``; directives ```{glue:figure} key (options, then a caption).
GLUE_ROLE = re.compile(r"\{glue(?::(?P<kind>text|md|any|figure))?\}`(?P<text>[^`]+)`")
GLUE_DIRECTIVE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{glue(?::(?P<kind>\w+))?\}[ \t]+(?P<key>\S+)[ \t]*\n(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
IMAGES = ("image/svg+xml", "image/png", "image/jpeg")
GlueOf = Callable[[str], dict[str, Any]]  # a page's docname -> its glue data (key -> output)


def _lookup(text: str, glue_of: GlueOf, docname: str) -> tuple[dict[str, Any], str]:
    """The glue output a role's key names (``page.md::key`` or ``key``), and the rest of the text."""
    doc, _, key = text.rpartition("::")
    if doc:
        docname = posixpath.normpath(posixpath.join(posixpath.dirname(docname), doc)).rsplit(".", 1)[0]
    if key not in glue_of(docname):
        raise KeyError(f"no glued value {key!r} in {docname}")
    return glue_of(docname)[key]["data"], key


def _paste_role(kind: str | None, text: str, glue_of: GlueOf, docname: str, attach: Callable, alt: str = "") -> str:
    if kind == "text":
        key, fmt = text.rsplit(":", 1) if ":" in text else (text, "s")  # as myst-nb's PasteTextRole
        data, _ = _lookup(key, glue_of, docname)
        return format_plain_text(data["text/plain"], fmt)
    if kind == "md":
        key = text.rsplit(":", 1)[0] if text.rsplit(":", 1)[-1] in ("commonmark", "gfm", "myst") else text
        data, _ = _lookup(key, glue_of, docname)
        return data["text/markdown"]
    data, key = _lookup(text, glue_of, docname)
    if image := next((m for m in IMAGES if m in data), None):
        return f"![{alt or key}](attachment:{attach(key, image, data[image])})"
    return data["text/markdown"] if "text/markdown" in data else format_plain_text(data["text/plain"], "")


def paste_glue(cell: nbformat.NotebookNode, glue_of: GlueOf, docname: str) -> None:
    """Replace the glue roles and directives of a Markdown cell by their values, in place: what
    Jupyter and Colab show instead of the raw role. A figure becomes an attachment of the cell,
    with its caption below it in italics."""
    attachments = dict(cell.get("attachments", {}))

    def attach(key: str, mime: str, payload: Any) -> str:
        # Jupyter reads every attachment as base64; an output's SVG is plain text.
        text = "".join(payload) if isinstance(payload, list) else payload
        name = f"{key}.{mime.split('/')[1].split('+')[0]}"
        attachments[name] = {mime: base64.b64encode(text.encode()).decode() if mime == "image/svg+xml" else text}
        return name

    def role(m: re.Match) -> str:
        return _paste_role(m["kind"], m["text"], glue_of, docname, attach)

    def directive(m: re.Match) -> str:
        lines = m["body"].splitlines()
        options = {}
        while lines and lines[0].startswith(":"):
            name, _, value = lines.pop(0)[1:].partition(":")
            options[name] = value.strip()
        key = f"{options['doc']}::{m['key']}" if "doc" in options else m["key"]
        caption = GLUE_ROLE.sub(role, " ".join(line.strip() for line in lines if line.strip()))
        alt = re.sub(r"[\[\]*_`$\\]", "", caption.split(". ")[0])  # its first sentence, without markup
        pasted = _paste_role(None, key, glue_of, docname, attach, alt)
        return pasted + (f"\n\n*{caption}*" if caption else "")

    source = GLUE_DIRECTIVE.sub(directive, cell.source)
    cell.source = GLUE_ROLE.sub(role, source)
    if attachments:
        cell["attachments"] = attachments


def install_cell(pagename: str, url: str, branch: str) -> nbformat.NotebookNode:
    """The first cell of a downloaded notebook: install the profiles the page needs (a chapter's config
    says whether it requires the deep profile: ``je_vs_rc.parameters.requires``)."""
    from je_vs_rc import parameters

    chapter = posixpath.basename(pagename)
    deep = chapter in parameters.CHAPTERS and parameters.requires(chapter) is not None
    extras = "run,deep" if deep else "run"
    source = (
        INSTALL.format(url=url, branch=branch, extras=extras)
        if url
        else INSTALL_WITHOUT_REPOSITORY.format(extras=extras)
    )
    return nbformat.v4.new_code_cell(source, metadata={"tags": ["install"]})


def _is_notebook(app: Any, pagename: str) -> bool:
    return "kernelspec" in app.env.metadata.get(pagename, {})  # sphinx-book-theme's own test


def _offer_download(app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    if _is_notebook(app, pagename) and _executed(app, pagename).exists():
        context["ipynb_source"] = f"{pagename}.ipynb"


def _add_colab_button(app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    options = app.config.html_theme_options
    url = options.get("repository_url", "").rstrip("/")
    if not (app.config.colab_branch and url.startswith("https://github.com/") and context.get("ipynb_source")):
        return
    org_repo = url.removeprefix("https://github.com/")
    button = {
        "type": "link",
        "text": "Colab",
        "tooltip": "Launch on Colab",
        "icon": "_static/images/logo_colab.png",
        "url": f"https://colab.research.google.com/github/{org_repo}/blob/{app.config.colab_branch}/{pagename}.ipynb",
    }
    buttons = context.setdefault("header_buttons", [])
    group = next((b for b in buttons if b.get("label") == "launch-buttons"), None)
    if group is None:
        group = {
            "type": "group",
            "tooltip": "Launch interactive content",
            "icon": "fas fa-rocket",
            "buttons": [],
            "label": "launch-buttons",
        }
        buttons.insert(0, group)
    group["buttons"].append(button)


def _executed(app: Any, pagename: str) -> Path:
    return Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"


def _glue_reader(app: Any) -> GlueOf:
    """Each page's glued values, as myst-nb wrote them beside the executed notebook."""
    cache: dict[str, dict[str, Any]] = {}

    def glue_of(docname: str) -> dict[str, Any]:
        if docname not in cache:
            path = _executed(app, docname).with_suffix(".glue.json")
            cache[docname] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        return cache[docname]

    return glue_of


def drop_phone_drawings(cell: nbformat.NotebookNode) -> None:
    """A figure's stacked drawing for phones (``render.style.figure_bundle``'s metadata) is for the site;
    Jupyter shows the figure's own PNG, so the download leaves the second one out."""
    for output in cell.get("outputs", []):
        meta = output.get("metadata", {}).get("image/png", {})
        for key in ("stacked", "stacked_width", "stacked_height"):
            meta.pop(key, None)


# A captioned table of MyST (a chapter's table helper writes one into a cell's Markdown output): Jupyter
# shows the fence and its raw pipes, so the download gives the caption in italics above a plain table.
TABLE_DIRECTIVE = re.compile(
    r"^(?P<fence>`{3,}|~{3,}|:{3,})\{table\}[ \t]*(?P<caption>[^\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


def plain_tables(text: str) -> str:
    """``text`` with each MyST ``{table}`` directive as its caption in italics and its Markdown table."""

    def plain(m: re.Match) -> str:
        rows = [line for line in m["body"].splitlines() if not line.startswith(":")]
        caption = f"*{m['caption'].strip()}*\n\n" if m["caption"].strip() else ""
        return caption + "\n".join(rows).strip("\n")

    return TABLE_DIRECTIVE.sub(plain, text)


def unfence_tables(cell: nbformat.NotebookNode) -> None:
    """Captioned tables as plain Markdown tables, in a Markdown cell and in a cell's Markdown outputs."""
    if cell.cell_type == "markdown":
        cell.source = plain_tables(cell.source)
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "text/markdown" in data:
            text = data["text/markdown"]
            data["text/markdown"] = plain_tables(text if isinstance(text, str) else "".join(text))


def _write_downloads(app: Any, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    options = app.config.html_theme_options
    url = options.get("repository_url", "") or project_repository(Path(app.srcdir) / "pyproject.toml")
    branch = options.get("repository_branch", "") or "main"
    glue_of = _glue_reader(app)
    for pagename in sorted(p for p in app.env.found_docs if _is_notebook(app, p) and _executed(app, p).exists()):
        nb = nbformat.read(_executed(app, pagename), as_version=4)
        for cell in nb.cells:
            drop_phone_drawings(cell)
            unfence_tables(cell)
            if cell.cell_type == "markdown":
                try:
                    paste_glue(cell, glue_of, pagename)
                except KeyError as exc:
                    LOGGER.warning(f"download of {pagename}: {exc.args[0]}", type="notebook_downloads")
        nb.cells.insert(0, install_cell(pagename, url, branch))
        target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)


def setup(app: Any) -> dict[str, Any]:
    app.add_config_value("colab_branch", "", "html")
    # Before sphinx-book-theme's header buttons (priority 501) read ipynb_source; after them for Colab.
    app.connect("html-page-context", _offer_download, priority=500)
    app.connect("html-page-context", _add_colab_button, priority=502)
    app.connect("build-finished", _write_downloads)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
