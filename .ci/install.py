"""Install a hashed lock into a venv with uv, from the indexes pip is configured with (`make env`, CI).

    python3 .ci/install.py VENV LOCK [--editable]

uv installs the same files as ``pip install --require-hashes -r LOCK`` (every file pinned by its hash),
but fetches the index pages and unpacks the wheels in parallel, keeps them in a cache that the next venv
links from (CI builds three), and skips byte-compiling: on this project's 2-core machine the full lock
(PyTorch included, 6 GB) took 52 s of wall and 35 s of CPU time at a load of 8, where pip spends about
2.5 minutes on it idle. uv does not read pip's configuration, so the indexes and find-links pip is
configured with (a local mirror, for instance) are passed to it, PyPI after them; with every file pinned
by hash, taking a package from whichever index has it (``unsafe-best-match``, pip's behaviour) is safe.
uv itself is installed into the venv by pip, from the lock's own hashed ``uv==`` entry, unless the
variable UV names one. If uv fails, pip installs the lock as before (slower; the reason is printed).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FULL_LOCK = REPO / "requirements.txt"  # holds the hashed uv== entry


def pip_settings(python: Path) -> dict[str, list[str]]:
    """pip's index settings (``index-url``, ``extra-index-url``, ``find-links``, ``no-index``), from its
    configuration files and ``PIP_*`` variables (``pip config list`` shows both)."""
    listed = subprocess.run([python, "-m", "pip", "config", "list"], capture_output=True, text=True)
    return parse_pip_config(listed.stdout)


def parse_pip_config(listed: str) -> dict[str, list[str]]:
    """The index settings in ``pip config list``'s output (lines ``section.key='value'``)."""
    out: dict[str, list[str]] = {}
    for line in listed.splitlines():
        match = re.fullmatch(r"(:env:|global|install)\.([a-z-]+)='(.*)'", line.strip())
        if match and match[2] in ("index-url", "extra-index-url", "find-links", "no-index"):
            values = out.setdefault(match[2], [])
            values.extend(v for v in match[3].split() if v not in values)
    return out


def uv_index_args(settings: dict[str, list[str]]) -> list[str]:
    if settings.get("no-index", ["false"])[-1].lower() in ("1", "true", "yes", "on"):
        args = ["--no-index"]
    else:
        # uv prefers the extra indexes, in order, to the default one: a mirror before PyPI.
        args = ["--index-url", settings.get("index-url", ["https://pypi.org/simple"])[-1]]
        args += [a for url in settings.get("extra-index-url", []) for a in ("--extra-index-url", url)]
    return args + [a for link in settings.get("find-links", []) for a in ("--find-links", link)]


def uv_requirement(lock: Path) -> str:
    """The lock's ``uv==...`` entry with its hashes (pip installs uv from it)."""
    match = re.search(r"^uv==\S+(?: \\\n\s+--hash=\S+)+", lock.read_text(), re.MULTILINE)
    if not match:
        raise SystemExit(f"install: {lock} has no hashed uv== entry (run `make lock`)")
    return match[0] + "\n"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=REPO)


def install(venv: Path, lock: Path, editable: bool) -> None:
    python = venv / "bin" / "python"
    # A uv already installed (the UV variable: CI's main venv has one) saves installing it again.
    uv = Path(os.environ["UV"]) if os.access(os.environ.get("UV", ""), os.X_OK) else venv / "bin" / "uv"
    pip = (python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check")
    hashed = ("--require-hashes",) if "--hash=" in lock.read_text() else ()
    if not uv.exists():
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as req:
            req.write(uv_requirement(FULL_LOCK))
            req.flush()
            got = run(*pip, "--require-hashes", "--no-deps", "-r", req.name)
    env_args = ("--python", python, *uv_index_args(pip_settings(python)), "--index-strategy", "unsafe-best-match")
    steps = [(*hashed, "-r", lock)] + ([("--no-deps", "-e", ".")] if editable else [])
    for step in steps:
        got = run(uv, "pip", "install", "--quiet", *env_args, *step) if uv.exists() else None
        if got is None or got.returncode != 0:
            why = "uv is not installed" if got is None else got.stderr.strip()[-2000:]
            print(f"install: uv could not install {shlex.join(map(str, step))} ({why}); pip installs it", flush=True)
            got = run(*pip, *step)
            if got.returncode != 0:
                raise SystemExit(f"install: pip install {shlex.join(map(str, step))} failed:\n{got.stderr[-3000:]}")


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3) or (len(argv) == 3 and argv[2] != "--editable"):
        raise SystemExit(__doc__.split("\n\n")[1])
    venv, lock = Path(argv[0]).absolute(), Path(argv[1]).absolute()
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    os.environ.setdefault("UV_NO_PROGRESS", "1")
    install(venv, lock, editable=len(argv) == 3)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
