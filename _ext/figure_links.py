"""A click on a figure opens the full-size image.

The book's figures are drawn at most the column's width (``render.figures.DISPLAY_WIDTH_IN``), but a
phone shows them narrower; wrapping each figure's image in a link to the image file lets a reader
open it at full size and zoom. Sphinx does this itself only for images given a width or scale.
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
    images_dir = relative_uri(app.builder.get_target_uri(docname), "_images")
    for image in list(doctree.findall(nodes.image)):
        uri = image["uri"]
        if isinstance(image.parent, nodes.reference) or uri not in app.env.images or "://" in uri:
            continue
        link = nodes.reference(
            "", "", internal=True, classes=["figure-link"], refuri=posixpath.join(images_dir, app.env.images[uri][1])
        )
        image.replace_self(link)
        link.append(image)


def setup(app: Sphinx) -> dict:
    app.connect("doctree-resolved", link_figure_images)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
