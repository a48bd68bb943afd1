"""A click on a figure opens the full-size image.

The book's figures are drawn at most the column's width (``render.style.DISPLAY_WIDTH_IN``), but a
phone's column is narrower; wrapping each figure's image in a link to the image file lets a reader
open it at full size and zoom. Sphinx does this itself only for images given a width or scale. The
link is also the box in which a figure kept at a readable width scrolls on a phone (site.js,
site.css).
"""

from __future__ import annotations

import posixpath

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.osutil import relative_uri


def link_figure_images(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Wrap every local image of the page (the figures, and figures glued elsewhere, as on the landing
    page) that is not already a link in a link to its copy under _images/."""
    if app.builder.format != "html":
        return
    page = app.builder.get_target_uri(docname)
    images_dir = relative_uri(page, "_images")
    for image in list(doctree.findall(nodes.image)):
        uri = image["uri"]
        if isinstance(image.parent, nodes.reference) or "://" in uri:
            continue
        if uri in app.env.images:
            target = posixpath.join(images_dir, app.env.images[uri][1])
        elif posixpath.normpath(posixpath.join(posixpath.dirname(page), uri)).startswith("_images/"):
            target = uri  # a figure glued from another page already points at its copy under _images/
        else:
            continue
        link = nodes.reference("", "", internal=True, classes=["figure-link"], refuri=target)
        image.replace_self(link)
        link.append(image)


def setup(app: Sphinx) -> dict:
    app.connect("doctree-resolved", link_figure_images)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
