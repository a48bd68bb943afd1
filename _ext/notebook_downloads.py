"""Sphinx extension: each chapter page offers its executed notebook, runnable anywhere, and a Colab button.

myst-nb writes every executed chapter to ``_build/jupyter_execute/<page>.ipynb``. sphinx-book-theme
offers it for download only when a launch button is configured (a local build has none), so this
extension sets the download link itself and, once the pages are written, copies each notebook into
``_sources/`` (where the download button points) with a first cell that installs je-vs-rc when it is
missing (a fresh Colab or Binder kernel). Colab opens notebooks from GitHub only and the chapter
sources are MyST ``.md`` files, so with ``colab_branch`` set (the book workflow publishes these
notebooks on that branch, .github/workflows/book.yml) the launch menu gets a Colab button opening them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat

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
# Needs je-vs-rc: from a checkout of its repository, pip install -e '.[{extras}]'
import importlib.util

if importlib.util.find_spec("je_vs_rc") is None:
    raise ModuleNotFoundError("je-vs-rc is not installed: from its repository, pip install -e '.[{extras}]'")
"""


def install_cell(nb: nbformat.NotebookNode, url: str, branch: str) -> nbformat.NotebookNode:
    """The first cell of a downloaded notebook: install the profiles this notebook imports."""
    deep = any(
        package in cell.source
        for cell in nb.cells
        if cell.cell_type == "code"
        for package in ("je_vs_rc.imagenet_c", "je_vs_rc.trained")  # je_vs_rc.run.TORCH_PACKAGES
    )
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


def _write_downloads(app: Any, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    options = app.config.html_theme_options
    url, branch = options.get("repository_url", ""), options.get("repository_branch", "") or "main"
    for pagename in sorted(p for p in app.env.found_docs if _is_notebook(app, p) and _executed(app, p).exists()):
        nb = nbformat.read(_executed(app, pagename), as_version=4)
        nb.cells.insert(0, install_cell(nb, url, branch))
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
