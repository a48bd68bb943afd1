""".ci/install.py: uv gets the indexes pip is configured with, and uv itself comes from the lock's hashed entry."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from test_environment import lock

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("install", REPO / ".ci" / "install.py")
install = importlib.util.module_from_spec(spec)
spec.loader.exec_module(install)

# `pip config list` on a machine with a local mirror (this project's): files and PIP_* variables.
LISTED = """:env:.find-links='/opt/wheels'
:env:.default-timeout='180'
global.extra-index-url='file:///opt/pypi/simple file:///opt/pypi-more/simple'
global.find-links='/opt/wheels'
global.constraint='/etc/xdg/pip/constraints.txt'
"""


def test_pips_mirrors_go_to_uv_before_pypi():
    settings = install.parse_pip_config(LISTED)
    assert settings == {
        "find-links": ["/opt/wheels"],
        "extra-index-url": ["file:///opt/pypi/simple", "file:///opt/pypi-more/simple"],
    }
    assert install.uv_index_args(settings) == [
        "--index-url",
        "https://pypi.org/simple",
        "--extra-index-url",
        "file:///opt/pypi/simple",
        "--extra-index-url",
        "file:///opt/pypi-more/simple",
        "--find-links",
        "/opt/wheels",
    ]


def test_no_index_and_another_default_index_are_kept():
    settings = install.parse_pip_config("global.index-url='https://mirror/simple'\ninstall.no-index='true'\n")
    assert install.uv_index_args(settings) == ["--no-index"]
    settings = install.parse_pip_config("global.index-url='https://mirror/simple'\n")
    assert install.uv_index_args(settings) == ["--index-url", "https://mirror/simple"]


def test_uv_comes_from_the_locks_hashed_entry():
    entry = install.uv_requirement(REPO / "requirements.txt")
    (req, hashes), *_ = [(r, h) for r, h in lock("requirements.txt") if r.name == "uv"]
    assert entry.startswith(f"uv=={next(iter(req.specifier)).version} ")
    assert [line.strip().removesuffix(" \\").removeprefix("--hash=") for line in entry.splitlines()[1:]] == hashes
