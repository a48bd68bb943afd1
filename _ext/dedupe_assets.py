"""Sphinx extension: drop repeated <script> entries from each page.

With Jupyter Book 1.0.4, sphinx-thebe and sphinx-togglebutton register their inline configuration
scripts twice, so every page declared ``const THEBE_JS_URL`` twice and the browser logged
"Identifier 'THEBE_JS_URL' has already been declared". Keeping the first of identical entries
(same file, or same inline body) removes the error and changes nothing else.
"""

from __future__ import annotations

from typing import Any


def _dedupe(app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # The same inline script is registered once with filename None and once with "".
        key = (getattr(script, "filename", script) or "", getattr(script, "attributes", {}).get("body", ""))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app: Any) -> dict[str, Any]:
    # After the other extensions have added their scripts.
    app.connect("html-page-context", _dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
