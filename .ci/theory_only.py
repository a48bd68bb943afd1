"""CI: the reader's path without torch (`make theory-check`).

A fresh venv gets only the theory and run profiles, from their hashed lock requirements-run.txt (by
``.ci/install.py``, as ``make env`` installs requirements.txt). It must stay under 1 GB, hold no torch,
and execute through the runner (`python -m je_vs_rc.run CHAPTER`) every chapter whose config requires no
torch package (``je_vs_rc.parameters.requires``); those that do (08, 12, 13) must stop at once with the
guard's line naming the deep profile. Prints the install time and size. Uses the MNIST files under
data/ (fetched if missing).

``--chapters-nice N`` runs the chapters N steps nicer than the install and the deep chapters' stops:
CI (.ci/run) starts this path beside its other parts and lets the chapters take only what they leave.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LIMIT_BYTES = 1 << 30
DEEP_HINT = "pip install 'je-vs-rc[deep]'"
DEEP_SECONDS = 120  # kernel start and the first cells; a deep chapter itself takes minutes
# The longest chapters start first (CPU seconds of one run on this project's 2-core machine: 07 30,
# 10 and 06 about 9, 11 6, 01 and 05 5.5; the others 2-4.5), so that no long one starts last and runs alone.
LONGEST = (
    "07_mnist",
    "10_finite_samples",
    "06_je_vs_rc",
    "11_intertwined_noise",
    "01_introduction",
    "05_joint_embedding",
)


def disk_usage(path: Path) -> int:
    """Bytes on disk under ``path`` (like ``du -s``), symbolic links not followed."""
    return sum(
        os.lstat(os.path.join(root, name)).st_blocks * 512
        for root, dirs, files in os.walk(path)
        for name in dirs + files
    )


def run(*args: str | Path, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=REPO, text=True, capture_output=True, **kwargs)


def check(result: subprocess.CompletedProcess[str], what: str) -> None:
    if result.returncode != 0:
        sys.exit(
            f"theory-only: {what} failed (exit {result.returncode}):\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )


def install(venv: Path) -> Path:
    """A fresh venv with requirements-run.txt: under 1 GiB, no torch. Returns its python."""
    start = time.monotonic()
    # As `make env` installs requirements.txt: uv (installed into this venv from the full lock's hashed
    # entry: not the main venv's, which CI creates at the same time), from the indexes pip is configured
    # with. The wheels the two locks share are unpacked once into uv's cache, safe for concurrent installs.
    check(
        run(sys.executable, ".ci/install.py", venv, "requirements-run.txt", "--editable"),
        "installing requirements-run.txt",
    )
    seconds, size = time.monotonic() - start, disk_usage(venv)
    print(f"theory-only: theory + run profiles installed in {seconds:.0f} s, {size / 2**20:.0f} MiB")
    if size >= LIMIT_BYTES:
        sys.exit(f"theory-only: the venv takes {size / 2**20:.0f} MiB, over the 1 GiB limit")
    python = venv / "bin" / "python"
    torch = run(python, "-c", "import importlib.util as u; print(u.find_spec('torch') is None)")
    if torch.stdout.strip() != "True":
        sys.exit("theory-only: torch is installed: requirements-run.txt pulled in the deep profile")
    return python


def run_chapters(python: Path, names: list[str], deep: set[str], out: Path, nice: list[str]) -> None:
    """Every chapter through the runner: the deep ones stop at once with the guard's message, the others run."""

    def timed(chapter: str) -> tuple[subprocess.CompletedProcess[str], float]:
        start = time.monotonic()
        command = [] if chapter in deep else nice
        result = run(*command, python, "-m", "je_vs_rc.run", chapter, "--out", out, timeout=1800)
        return result, time.monotonic() - start

    # The chapters run concurrently, one per core (each in its own kernel); results are read in order.
    # The deep chapters' stops go first, at the install's priority: their time limit is not spent queued
    # behind a busy machine; then the longest chapters, then the others in order.
    order = sorted(names, key=lambda c: -1 if c in deep else LONGEST.index(c) if c in LONGEST else len(LONGEST))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    with ThreadPoolExecutor(cores) as pool:
        for chapter, (result, seconds) in zip(order, pool.map(timed, order)):
            if chapter in deep:  # one line from the runner, with the guard's message (the package's __init__.py)
                lines = [line for line in result.stderr.splitlines() if line.startswith("error:") and DEEP_HINT in line]
                if result.returncode != 2 or not lines or "Traceback" in result.stderr or seconds > DEEP_SECONDS:
                    sys.exit(
                        f"theory-only: {chapter} should stop at once naming {DEEP_HINT!r}; exit {result.returncode} "
                        f"after {seconds:.0f} s:\n{result.stderr[-3000:]}"
                    )
                print(f"theory-only: {chapter} stops after {seconds:.0f} s: {lines[-1]}")
                continue
            check(result, f"chapter {chapter}")
            executed = Path(result.stdout.strip().splitlines()[-1])
            if not executed.is_file():
                sys.exit(f"theory-only: {chapter} wrote no notebook ({executed})")
            print(f"theory-only: {chapter} executed in {seconds:.0f} s")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapters-nice", type=int, default=0, help="run the chapters this much nicer")
    nice = ["nice", "-n", str(n)] if (n := parser.parse_args(argv).chapters_nice) else []
    sys.stdout.reconfigure(line_buffering=True)  # progress shows in CI logs as it happens
    with tempfile.TemporaryDirectory(prefix="je-vs-rc-theory-") as tmp:  # the venv, ~0.5 GB, goes at the end
        check_theory_path(Path(tmp), nice)
    return 0


def check_theory_path(work: Path, nice: list[str]) -> None:
    """The torch-free venv under ``work``, then every chapter through its runner."""
    python = install(work / "venv")
    check(run(python, "-m", "je_vs_rc.data", "mnist"), "fetching MNIST")
    chapters = run(python, "-m", "je_vs_rc.run", "--list")
    check(chapters, "listing the chapters")
    names = chapters.stdout.split()
    requires = run(
        python, "-c", "from je_vs_rc import parameters as p; print(*(c for c in p.CHAPTERS if p.requires(c)))"
    )
    check(requires, "reading which chapters require the deep profile")
    deep = set(requires.stdout.split())  # declared by each chapter's config (je_vs_rc.parameters)
    if not deep or len(names) - len(deep) < 10:
        sys.exit(f"theory-only: expected 10 or more theory chapters and some deep ones; got {names}, deep {deep}")
    if stale := set(LONGEST) - (set(names) - deep):
        sys.exit(f"theory-only: LONGEST names {sorted(stale)}, not torch-free chapters: update it")
    run_chapters(python, names, deep, work / "runs", nice)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
