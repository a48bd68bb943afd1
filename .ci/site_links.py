"""Book workflow: fill in the public repository's links before building (see the note in _config.yml).

    python .ci/site_links.py REPOSITORY_URL BRANCH COLAB_BRANCH [CONFIG]

Sets the repository (header link, "edit this page", "open an issue"), the Binder button, and the branch
on which the workflow publishes the executed notebooks for Colab (_ext/notebook_downloads.py). Rewrites
CONFIG (default: the repository's _config.yml) in place; its comments are lost, so run it in CI only.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml


def add_links(config: dict, url: str, branch: str, colab_branch: str) -> dict:
    if not url.startswith("https://github.com/"):
        raise ValueError(
            f"REPOSITORY_URL must be a https://github.com/ URL (Binder and Colab need GitHub); got {url!r}"
        )
    config["repository"] = {"url": url, "branch": branch, "path_to_book": ""}
    config.setdefault("html", {}).update(use_repository_button=True, use_edit_page_button=True, use_issues_button=True)
    config.setdefault("launch_buttons", {})["binderhub_url"] = "https://mybinder.org"
    config.setdefault("sphinx", {}).setdefault("config", {})["colab_branch"] = colab_branch
    return config


def main(argv: list[str]) -> int:
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    url, branch, colab_branch = argv[:3]
    path = Path(argv[3]) if len(argv) == 4 else Path(__file__).resolve().parents[1] / "_config.yml"
    config = add_links(yaml.safe_load(path.read_text()), url.rstrip("/"), branch, colab_branch)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(yaml.safe_dump(config, sort_keys=False, width=120))
    tmp.replace(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
