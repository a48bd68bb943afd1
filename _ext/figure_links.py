"""The book's figures on the page: sharp, sized, stacked on phones, and a click opens the image.

Each figure output carries display metadata from ``je_vs_rc.render.style.figure_bundle``: a PNG at
twice its display size, that size in CSS pixels and, for a figure of several panels, a second PNG with
its panels stacked in one column. A myst-nb output renderer turns such an output into a
``book_figure`` node, written as

    <a class="figure-link" href="wide.png"><picture>
      <source media="(max-width: 560px)" srcset="stacked.png" width=... height=...>
      <img src="wide.png" width=... height=... alt=...></picture></a>

so a phone loads and shows only the stacked drawing and a desktop only the wide one (no page carries
both). A figure glued onto another page (the landing page's Figure 3) arrives as a plain image of the
wide PNG; it is given the same form from what the chapter recorded. Every other local image is wrapped
in a link to its file, so that a reader can open it at full size and zoom (Sphinx does this itself only
for images given a width or scale).
"""

from __future__ import annotations

import dataclasses
import functools
import html
import posixpath
import urllib.parse
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.osutil import relative_uri

# The viewport width up to which the stacked drawing is shown: there the wide drawing (6.7 in at 110 CSS
# px per inch, ~740 px) would be shown at under 70% of its size.
PHONE_MEDIA = "(max-width: 560px)"


class book_figure(nodes.General, nodes.Element):  # noqa: N801 (docutils names nodes in lower case)
    """A figure's image: its wide drawing (first child) and, optionally, its stacked one (second)."""


def _render_figure(renderer: Any, data: Any, inline: bool) -> list[nodes.Element] | None:
    """myst-nb output renderer for the book's figures (PNG outputs with ``figure_bundle``'s metadata)."""
    meta = data.output_metadata.get(data.mime_type, {})
    if inline or data.mime_type != "image/png" or "width" not in meta:
        return None
    sized = {data.mime_type: {}}  # the node carries the sizes; no style="width..." on the image itself
    wide = renderer.render_image(dataclasses.replace(data, output_metadata=sized))
    node = book_figure("", *wide, width=meta["width"], height=meta.get("height"))
    if "stacked" in meta:
        node += renderer.render_image(dataclasses.replace(data, content=meta["stacked"], output_metadata=sized))
        node["stacked_width"], node["stacked_height"] = meta["stacked_width"], meta["stacked_height"]
    return [node]


class _FigureRenderer:
    """myst-nb's plugin interface for output renderers (normally registered by an entry point)."""

    mime_priority_overrides: list = []
    handle_mime = staticmethod(_render_figure)


def _register_renderer() -> None:
    """Add the figure renderer to those myst-nb loads from entry points (this book is not a package
    that could declare one)."""
    from myst_nb.core import render

    if getattr(render.load_mime_renders, "book_figures", False):
        return
    loaded = render.load_mime_renders

    @functools.lru_cache
    def with_figures() -> list:
        return [*loaded(), _FigureRenderer]

    with_figures.book_figures = True  # type: ignore[attr-defined]
    render.load_mime_renders = with_figures


def _image_file(app: Sphinx, docname: str, uri: str) -> str | None:
    """The file name under _images/ that an image of page ``docname`` will have, if it is local."""
    if uri in app.env.images:
        return app.env.images[uri][1]
    page = app.builder.get_target_uri(docname)
    path = posixpath.normpath(posixpath.join(posixpath.dirname(page), uri))
    return path.split("/", 1)[1] if path.startswith("_images/") else None


def record_figures(app: Sphinx, doctree: nodes.document) -> None:
    """Remember each figure's sizes and stacked drawing by its wide PNG's content name, for the pages
    that show a figure glued from this one."""
    found = app.env.book_figures = getattr(app.env, "book_figures", {})  # type: ignore[attr-defined]
    for node in doctree.findall(book_figure):
        wide = posixpath.basename(node[0]["uri"])
        found[wide] = {
            "docname": app.env.docname,
            "stacked": posixpath.basename(node[1]["uri"]) if len(node) > 1 else None,
            **{k: node.get(k) for k in ("width", "height", "stacked_width", "stacked_height")},
        }


def _purge(app: Sphinx, env: Any, docname: str) -> None:
    found = getattr(env, "book_figures", {})
    for name in [k for k, v in found.items() if v["docname"] == docname]:
        del found[name]


def _merge(app: Sphinx, env: Any, docnames: set[str], other: Any) -> None:
    env.book_figures = {**getattr(env, "book_figures", {}), **getattr(other, "book_figures", {})}


def link_figure_images(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """A figure glued from another page becomes a ``book_figure`` again; every other local image that
    is not already a link is wrapped in a link to its copy under _images/."""
    if app.builder.format != "html":
        return
    images_dir = relative_uri(app.builder.get_target_uri(docname), "_images")
    known = getattr(app.env, "book_figures", {})
    for image in list(doctree.findall(nodes.image)):
        if isinstance(image.parent, (nodes.reference, book_figure)) or "://" in image["uri"]:
            continue
        name = _image_file(app, docname, image["uri"])
        if name is None:
            continue
        if image["uri"] not in app.env.images and name in known:  # glued from another page
            info = known[name]
            node = book_figure("", image.deepcopy(), width=info["width"], height=info["height"])
            if info["stacked"]:
                uri = posixpath.join(images_dir, info["stacked"])
                node += nodes.image(uri=uri, candidates={"*": uri}, alt=image.get("alt", ""))
                node["stacked_width"], node["stacked_height"] = info["stacked_width"], info["stacked_height"]
            image.replace_self(node)
            continue
        link = nodes.reference("", "", internal=True, classes=["figure-link"], refuri=posixpath.join(images_dir, name))
        image.replace_self(link)
        link.append(image)


def _final_uri(translator: Any, uri: str) -> str:
    """Where the image is in the site, relative to the page (what Sphinx's own image writer does)."""
    if uri in translator.builder.images:
        return posixpath.join(translator.builder.imgpath, urllib.parse.quote(translator.builder.images[uri]))
    return uri


def visit_book_figure(translator: Any, node: book_figure) -> None:
    wide = _final_uri(translator, node[0]["uri"])
    attr = functools.partial(html.escape, quote=True)
    size = f'width="{node["width"]}" height="{node["height"]}"'
    parts = [f'<a class="figure-link reference internal" href="{attr(wide)}"><picture>']
    if len(node) > 1:
        stacked = _final_uri(translator, node[1]["uri"])
        parts.append(
            f'<source media="{PHONE_MEDIA}" srcset="{attr(stacked)}" '
            f'width="{node["stacked_width"]}" height="{node["stacked_height"]}">'
        )
    alt = node[0].get("alt", "")
    parts.append(f'<img class="book-figure" src="{attr(wide)}" alt="{attr(alt)}" {size}></picture></a>\n')
    translator.body.append("".join(parts))
    raise nodes.SkipNode


def visit_wide_only(translator: Any, node: book_figure) -> None:
    """Other writers show the wide drawing alone."""
    for child in node[1:]:
        node.remove(child)


def depart_nothing(translator: Any, node: book_figure) -> None:
    pass


def setup(app: Sphinx) -> dict:
    _register_renderer()
    app.add_node(
        book_figure,
        html=(visit_book_figure, depart_nothing),
        latex=(visit_wide_only, depart_nothing),
        text=(visit_wide_only, depart_nothing),
    )
    app.connect("doctree-read", record_figures)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("doctree-resolved", link_figure_images)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 2}
