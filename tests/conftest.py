"""Shared fixtures: the book's toy setting and random instances of the controlled setting."""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib.util import find_spec

import numpy as np
import pytest
from hypothesis import settings

from je_vs_rc import Setting

# The torch code's tests (the ImageNet-C pipeline, chapter 12's trained networks, their checks and figures)
# are skipped where torch is not installed (the theory-only profile).
TORCH_TESTS = ["imagenet_c", "trained", "checks/test_trained.py", "checks/test_table1.py", "render/test_trained.py"]
collect_ignore = [] if find_spec("torch") else TORCH_TESTS

# The same examples on every run: a rerun gives the same result.
settings.register_profile("deterministic", derandomize=True)
settings.load_profile("deterministic")


def _random_setting(rng: np.random.Generator, d: int, k: int, noise_scale: float = 1.0) -> Setting:
    """Random spectra with k signal components and d - k noise components, in a random basis."""
    basis, _ = np.linalg.qr(rng.standard_normal((d, d)))
    gamma = np.concatenate([np.zeros(k), noise_scale * rng.uniform(0.2, 2.0, d - k)])
    return Setting(rng.uniform(0.5, 5.0, k), rng.uniform(0.05, 1.5, d), gamma, basis)


@pytest.fixture(scope="session")
def random_setting() -> Callable[..., Setting]:
    """A builder ``random_setting(rng, d, k, noise_scale=1.0)`` of random settings (session-scoped, so
    hypothesis tests may use it)."""
    return _random_setting


@pytest.fixture
def toy() -> Setting:
    """The book's default toy setting (chapters 2-7)."""
    return Setting([4.0, 3.0, 2.0], [1.0, 1.0, 1.0, 0.1, 0.1, 0.1], [0.0, 0.0, 0.0, 10.0, 6.0, 3.0])


# IPython runs the start-up files of its profile in every kernel. In the kernels of the tests' chapter reruns,
# which read the glued text, this one has every figure built and drawn once (its stacked phone drawing too)
# but saved as a draft: at an eighth of the book's resolution, not cropped (a second drawing), no search for
# a faithful palette. A three-panel figure: ~1.7 CPU-s instead of ~3.6. It takes effect when the chapter
# imports the figure style, so chapters without figures do not import matplotlib for it. The book's PNGs
# are tested in render/ and made by every book build.
DRAFT_FIGURES = """
import importlib.abc
import importlib.util
import io
import sys


def _draft_png(fig):
    from je_vs_rc.render import style

    raw = io.BytesIO()
    style.FigureCanvasAgg(fig)
    fig.savefig(raw, format="png", dpi=style.FIGURE_DPI / 8)
    return raw.getvalue()


class _Drafts(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "je_vs_rc.render.style":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            module.figure_png = _draft_png

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _Drafts())
"""


@pytest.fixture(scope="session")
def _draft_profile(tmp_path_factory: pytest.TempPathFactory) -> str:
    ipython = tmp_path_factory.mktemp("ipython")
    (ipython / "profile_default" / "startup").mkdir(parents=True)
    (ipython / "profile_default" / "startup" / "00_draft_figures.py").write_text(DRAFT_FIGURES)
    return str(ipython)


@pytest.fixture
def draft_figures(_draft_profile: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kernels started by this test (a chapter rerun) save their figures as drafts (``DRAFT_FIGURES``)."""
    monkeypatch.setenv("IPYTHONDIR", _draft_profile)


def _unit(item: pytest.Item) -> str:
    """Tests that share a fixture wider than a test (a module's) are one unit, kept on one worker; others
    are their own unit."""
    defs = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    shared = any(d.scope in ("class", "module", "package") for ds in defs.values() for d in ds)
    return item.module.__name__ if shared and item.module is not None else item.nodeid


def _early(item: pytest.Item) -> bool:
    """A slow test (a notebook, a full sweep) or a long one (seconds of CPU or of waiting, not deselected by
    ``-m "not slow"``)."""
    return item.get_closest_marker("slow") is not None or item.get_closest_marker("long") is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The slow and long tests first, shared out between the workers. `make test` runs pytest-xdist's
    work-stealing scheduler, which hands worker i the i-th consecutive share of this list, then lets an idle
    worker steal the tail of another's queue. So each share starts with every other slow or long test (round
    robin; tests that share a module fixture go together, so it is built once), then units with module
    fixtures, then single fast tests, which are what a steal takes: a test of seconds left at the end would
    run alone with the other core idle. Without workers: the slow and long tests first, in collection order."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    units: dict[str, list[pytest.Item]] = {}
    for item in items:
        units.setdefault(_unit(item), []).append(item)
    # The slow units, then the long ones (shorter): the longest start first.
    slow = sorted((u for u in units.values() if _early(u[0])), key=lambda u: u[0].get_closest_marker("slow") is None)
    fast = sorted((u for u in units.values() if not _early(u[0])), key=len, reverse=True)
    shares: list[list[pytest.Item]] = [[] for _ in range(workers)]
    for i, unit in enumerate(slow):
        shares[i % workers].extend(unit)
    sizes, left = [], len(items)
    for i in range(workers):  # the scheduler's split: len(pending) // workers still waiting
        sizes.append(left // (workers - i))
        left -= sizes[-1]
    for unit in fast:  # the first share with room, else the last
        room = [i for i in range(workers) if len(shares[i]) + len(unit) <= sizes[i]]
        shares[room[0] if room else -1].extend(unit)
    items[:] = [item for share in shares for item in share]
