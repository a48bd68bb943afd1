"""Shared fixtures: the book's toy setting and random instances of the controlled setting."""

from __future__ import annotations

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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The slow tests first (otherwise in collection order): on several workers (`make test` runs
    pytest-xdist) the long runs start together at the beginning rather than one of them finishing the
    suite alone on one core while the others sit idle."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
