"""Sphinx extension: execute the chapters in parallel, one per core, before Sphinx reads them.

myst-nb executes a notebook when Sphinx reads its page, one page after another, so a cold build takes
the sum of the chapters' run times. With ``execute_notebooks: cache``, this extension runs first
(``env-before-read-docs``): every page Sphinx is about to read whose code is not in the jupyter-cache
yet is read and executed as myst-nb would (its reader, the page's folder as working directory, the
configured timeout and error policy), in worker processes, one per core, the longest-running first
(run times of earlier builds, kept in the cache; on a cold build, the pages named by the Sphinx setting
``parallel_execution_first``, then the others in order); each executed notebook is stored
in the cache the way myst-nb stores it. myst-nb then finds every page in the cache, so a cold build
takes about as long as its slowest chapter. A notebook that fails is not stored: myst-nb executes it
again and reports the error as usual (``-W`` fails the build). A worker exits as soon as the build that
started it is gone (a killed build cannot stop its pool; the kernels exit with their worker).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import nbformat
from sphinx.util import logging

logger = logging.getLogger(__name__)


def _execute(source: str, cwd: str, timeout: int | None, allow_errors: bool) -> tuple[str | None, float, str]:
    """Execute one notebook (JSON) in ``cwd``: ``(executed notebook as JSON or None, seconds, error)``."""
    from jupyter_cache.executors.utils import single_nb_execution

    nb = nbformat.reads(source, as_version=4)
    result = single_nb_execution(nb, cwd=cwd, timeout=timeout, allow_errors=allow_errors, meta_override=True)
    if result.err is not None:
        return None, result.time, result.exc_string or repr(result.err)
    return nbformat.writes(nb), result.time, ""


def _exit_with_parent(parent: int) -> None:
    """A worker's start: exit at once when its parent, the build, is gone (killed, say by a CI run stopped
    by a signal). Otherwise the worker would go on running the notebooks queued to it, starting kernels."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _pool(workers: int) -> ProcessPoolExecutor:
    """``workers`` spawned worker processes that exit with the build."""
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_exit_with_parent, initargs=(os.getpid(),))


def _workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _execute_uncached(app: Any, env: Any, docnames: list[str]) -> None:
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from myst_nb.core.read import create_nb_reader

    nb_config, md_config = env.mystnb_config, env.myst_config
    if nb_config.execution_mode != "cache":
        return
    cache = get_cache(nb_config.execution_cache_path or ".jupyter_cache")
    todo = []  # (docname, path, notebook, read format) of every page that myst-nb would execute
    for docname in docnames:
        path = Path(env.doc2path(docname))
        text = path.read_text(encoding="utf-8")
        reader = create_nb_reader(str(path), md_config, nb_config, text)
        if reader is None:
            continue
        notebook = reader.read(text)
        # Pages that configure myst-nb themselves, or skip execution, are left to myst-nb.
        if nb_config.metadata_key in notebook.metadata or nb_config.execution_excludepatterns:
            continue
        if not any(cell.cell_type == "code" for cell in notebook.cells):
            continue
        try:
            cache.match_cache_notebook(notebook)
        except KeyError:
            todo.append((docname, path, notebook, reader.read_fmt))
    if len(todo) < 2:
        return  # nothing to gain: myst-nb executes a single page itself
    # Longest first: the run times of earlier builds of the same page; pages never run before go first,
    # those named in parallel_execution_first ahead of the others (a stable sort keeps the rest in order).
    seconds = {}
    for record in cache.list_cache_records():
        seconds[record.uri] = max(seconds.get(record.uri, 0.0), record.data.get("execution_seconds", 0.0))
    first = list(app.config.parallel_execution_first)
    todo.sort(key=lambda item: -seconds.get(str(item[1]), float("inf")))
    todo.sort(key=lambda item: first.index(item[0]) if item[0] in first and str(item[1]) not in seconds else len(first))
    workers = min(len(todo), _workers())
    logger.info(f"executing {len(todo)} notebooks in parallel, {workers} at a time (parallel_execution)")
    start = time.monotonic()
    with _pool(workers) as pool:
        futures = {
            pool.submit(
                _execute,
                nbformat.writes(notebook),
                str(path.parent),
                nb_config.execution_timeout,
                nb_config.execution_allow_errors,
            ): (docname, path, notebook, read_fmt)
            for docname, path, notebook, read_fmt in todo
        }
        for future in as_completed(futures):
            docname, path, notebook, read_fmt = futures[future]
            executed, took, error = future.result()
            if executed is None:  # myst-nb executes it again and reports the error
                logger.info(f"{docname}: execution failed after {took:.1f} s; left to myst-nb")
                continue
            stage = cache.add_nb_to_project(str(path), **({"read_data": read_fmt} if read_fmt else {}))
            cache.cache_notebook_bundle(
                CacheBundleIn(nbformat.reads(executed, as_version=4), stage.uri, data={"execution_seconds": took}),
                check_validity=False,
                overwrite=True,
            )
            logger.info(f"{docname}: executed in {took:.1f} s (parallel, {time.monotonic() - start:.0f} s in)")


def setup(app: Any) -> dict[str, Any]:
    app.add_config_value("parallel_execution_first", [], "env")
    app.connect("env-before-read-docs", _execute_uncached)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
