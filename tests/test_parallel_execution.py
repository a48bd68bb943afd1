"""The book's chapters execute in parallel before Sphinx reads them (_ext/parallel_execution.py): myst-nb
then finds each in the cache, and a chapter that fails still fails the build with its own error."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_build_failures import build, tiny_book

PAGE = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
# Page {name}

```{{code-cell}} ipython3
from myst_nb import glue
{code}
glue("value_{name}", 42, display=False)
```

Value {{glue:text}}`value_{name}`.
"""


def pages(book, **code: str) -> None:
    toc = "chapters:\n"
    for name, body in code.items():
        (book / "book" / f"{name}.md").write_text(PAGE.format(name=name, code=body))
        toc += f"  - file: book/{name}\n"
    with open(book / "_toc.yml", "a") as fh:
        fh.write(toc)


@pytest.mark.slow
def test_pages_execute_in_parallel_into_the_cache(tmp_path):
    book = tiny_book(tmp_path, "All fine.")
    pages(book, a="import time; time.sleep(2)", b="import time; time.sleep(2)")
    log = build(book)
    out = log.stdout + log.stderr
    assert log.returncode == 0, out[-3000:]  # a good book builds with the repository's configuration
    assert "executing 2 notebooks in parallel" in out and "book/a: executed in" in out
    # myst-nb executed nothing itself: both pages came from the cache
    assert "Executing notebook" not in out and out.count("Using cached notebook") == 2
    again = build(book)
    assert again.returncode == 0 and "in parallel" not in again.stdout + again.stderr


@pytest.mark.slow
def test_a_failing_page_still_fails_the_build_with_its_error(tmp_path):
    book = tiny_book(tmp_path, "All fine.")
    pages(book, a="pass", c='raise RuntimeError("deliberate failure")')
    log = build(book)
    out = log.stdout + log.stderr
    assert log.returncode != 0
    assert "executing 2 notebooks in parallel" in out and "deliberate failure" in out


# A build that is killed (a CI run stopped by a signal) cannot stop its pool: the workers must go by
# themselves, or they run the notebooks queued to them, starting kernels.
BUILD = """
import os, sys, time
sys.path.insert(0, {ext!r})
import parallel_execution

if __name__ == "__main__":
    pool = parallel_execution._pool(1)
    print(pool.submit(os.getpid).result(), flush=True)
    pool.submit(time.sleep, 60)
    time.sleep(60)
"""


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc (Linux)")
def test_workers_exit_when_the_build_is_killed():
    build = subprocess.Popen(
        [sys.executable, "-c", BUILD.format(ext=str(Path(__file__).resolve().parents[1] / "_ext"))],
        stdout=subprocess.PIPE,
        text=True,
    )
    worker = None
    try:
        worker = int(build.stdout.readline())
        assert _running(worker)  # busy with the queued sleep
        build.kill()
        build.wait()
        deadline = time.monotonic() + 20
        while _running(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(worker), "the worker outlived the build"
    finally:
        build.kill()
        build.stdout.close()
        if worker is not None and _running(worker):  # this test failed: leave nothing behind
            os.kill(worker, signal.SIGKILL)
