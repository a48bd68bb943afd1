"""Shared builders for the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np

from je_vs_rc import Setting
from je_vs_rc.simulate.figure3 import Fig3Config


def synthetic_digits(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Images with class structure (a class template plus noise), 0..255, for fast protocol tests."""
    rng = np.random.default_rng(seed)
    templates = rng.uniform(0, 255, (10, 784))
    labels = rng.integers(0, 10, n)
    images = np.clip(templates[labels] * rng.uniform(0.5, 1.0, (n, 1)) + rng.normal(0, 30, (n, 784)), 0, 255)
    return images.astype(np.uint8), labels


def random_moments(rng: np.random.Generator, d: int, rank: int, stack: tuple[int, ...] = ()) -> tuple[np.ndarray, ...]:
    """``(S, G)`` for the closed forms: ``G = X^T X / n`` of rank ``rank``, ``S = G + Sigma`` (diagonal
    Sigma, entries in [0.5, 2]); ``stack`` gives stacks of them."""
    X = rng.standard_normal((*stack, 3 * d, rank)) @ rng.standard_normal((*stack, rank, d))
    G = np.swapaxes(X, -1, -2) @ X / (3 * d)
    return G + np.eye(d) * rng.uniform(0.5, 2.0, (*stack, 1, d)), G


def repeated_moments(k_tied: int = 2) -> tuple[np.ndarray, ...]:
    """``(S, G)`` with repeated generalised eigenvalues 3, 3, 2, 2, 1, 1 (``S = 2 I``, ``G`` in a random basis)."""
    Q = np.linalg.qr(np.random.default_rng(7).standard_normal((6, 6)))[0]
    G = 2 * (Q * np.repeat([3.0, 2.0, 1.0], k_tied)[:6]) @ Q.T
    return 2 * np.eye(6), G


# Chapter 12's trainers: a toy instance with well-separated spectra (every closed form has a large eigengap).
TRAINED_TOY = Setting(np.array([4.0, 2.0]), np.array([0.5, 0.5, 0.1, 0.1]), np.array([0.0, 0.0, 1.0, 0.5]))
TRAINED_TOY_ALPHA = 1.0


def trained_toy(n: int = 800, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Corrupted data of :data:`TRAINED_TOY` (n x 4), labels linear in it (n x 2), and Sigma at the alpha."""
    rng = np.random.default_rng(seed)
    X = TRAINED_TOY.clean_data(n, rng) + TRAINED_TOY.corruption(n, rng)
    return X, X @ rng.standard_normal((4, 2)), TRAINED_TOY.sigma(TRAINED_TOY_ALPHA)


TINY = Fig3Config(k=6, n_noise=4, gamma_max=(1e3, 1e6), alphas=(0.1, 10.0), ns=(40, 80, 160), seeds=(0, 1))


def figure3_datasets(mnist: bool = False) -> dict[str, tuple[np.ndarray, ...]]:
    """(train images, labels, test images, labels): "synthetic" (400 and 100 digits), and "mnist"."""
    out = {"synthetic": (*synthetic_digits(400), *synthetic_digits(100, seed=1))}
    if mnist:
        from je_vs_rc import data

        out["mnist"] = (*data.load("mnist"), *data.load("mnist", "test"))
    return out


def glued(nb_path) -> dict[str, str]:
    """Values glued by a notebook (myst-nb stores them as papermill records)."""
    nb = nbformat.read(nb_path, as_version=4)
    out = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                out[name] = output["data"]["application/papermill.record/text/plain"]
    return out


PLANTED_SPREAD = np.array([1.0, 1.05, 0.95, 1.02])  # four seeds of a planted grid


def step_curve(alphas, drop_after: int | None, plateau: float = 0.1) -> np.ndarray:
    """(alphas,): ``plateau`` up to grid index ``drop_after``, then 1e-4 of it; None: flat (no drop)."""
    values = np.full(len(alphas), plateau)
    if drop_after is not None:
        values[drop_after + 1 :] = plateau * 1e-4
    return values


def planted_grid(alphas, damage: dict, floor: float = 1e-3, moved: dict | None = None, gamma_max=(1e6,), alpha=None):
    """A chapter-12 grid result (``je_vs_rc.trained.grid.GridResult``) with planted numbers: ``damage[(arch,
    variant)]`` is the damage (corrupted minus clean probe MSE) per alignment, one row per noise level or one row
    for all, times the seeds' spread; trained models get a replicate ``floor`` away from the clean encoder and a
    two-rung ladder whose first rung equals the last, except ``moved[(arch, variant)] = (alpha index, shift)``."""
    from je_vs_rc.trained.grid import GridConfig, GridResult
    from je_vs_rc.trained.stats import CLOSED_FORM

    L, A, S = len(gamma_max), len(alphas), len(PLANTED_SPREAD)
    mlps = sorted({(int(a.split()[1]),) for a, _ in damage if a.startswith("MLP")}) or [(8,)]
    objectives = tuple(sorted({v.split()[1] for _, v in damage if " " in v}, key=["vicreg", "byol"].index))
    cfg = GridConfig(
        alphas=tuple(alphas),
        gamma_max=tuple(gamma_max),
        seeds=tuple(range(S)),
        mlp_hidden=tuple(mlps),
        steps=(100, 400),
        objectives=objectives,
    )
    mse, loss = {}, {}
    for (arch, variant), d in damage.items():
        d = np.broadcast_to(np.asarray(d, dtype=float), (L, A))
        R = 1 if arch == CLOSED_FORM else 2
        clean = np.full((R, L, A, S), 0.4)
        corrupted = clean + d[None, :, :, None] * PLANTED_SPREAD
        replicate = clean if arch == CLOSED_FORM else clean + floor * PLANTED_SPREAD[::-1]
        if moved and (arch, variant) in moved:
            a, shift = moved[(arch, variant)]
            corrupted[0, :, a] += shift
        mse.setdefault(arch, {})[variant] = {"clean": clean, "corrupted": corrupted, "replicate": replicate}
        if arch != CLOSED_FORM:
            loss.setdefault(arch, {})[variant] = np.tile(np.linspace(2.0, 1.0, 40), (L, A, 3, 1))
    alpha = alpha or {"je": np.full((L, S), 0.8), "rc": np.full((L, S), 12.0)}
    meta = {
        "wall_seconds": 10.0,
        "trained_seconds": 1500.0,
        "device": "CPU (2 cores)",
        "torch": "2.x",
        "numpy": "2.x",
        "python": "3.11",
        "finished": "2026-11-29T15:05:00+00:00",
        "load_average": 9.5,
    }
    return GridResult(cfg, mse, loss, alpha, {CLOSED_FORM: 1.0}, meta)


# The ImageNet-C pipeline's dependencies; chapter 12's package and chapter run without them.
BLOCKED = ("lightly", "timm", "imagecorruptions")
# Imported at interpreter start-up from PYTHONPATH: the blocked modules import as if not installed.
SITECUSTOMIZE = f"import sys\nfor _m in {BLOCKED!r}:\n    sys.modules[_m] = None\n"


def blocked_env(tmp_path: Path) -> dict[str, str]:
    """An environment in which a Python process sees :data:`BLOCKED` as not installed."""
    (tmp_path / "sitecustomize.py").write_text(SITECUSTOMIZE)
    path = os.pathsep.join(p for p in (str(tmp_path), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "PYTHONWARNINGS": "ignore"}


def run_blocked(chapter: str, params: dict, out_dir: Path, tmp_path: Path) -> Path:
    """Run a chapter through the runner's command line with :data:`BLOCKED` not importable; the executed
    notebook's path."""
    import yaml

    params_file = out_dir.parent / f"{out_dir.name}.yml"
    params_file.write_text(yaml.safe_dump(params))
    argv = [sys.executable, "-m", "je_vs_rc.run", chapter, "-f", str(params_file), "--out", str(out_dir)]
    out = subprocess.run(argv, capture_output=True, text=True, env=blocked_env(tmp_path), timeout=1800)
    assert out.returncode == 0, out.stderr[-3000:]
    return Path(out.stdout.strip().splitlines()[-1])


# Glued numbers are text as the page shows them, to 3 significant figures: compare within half a unit.
SHOWN_RTOL = 5e-3


def number(text: str) -> float:
    """A glued number as the page shows it (quoted text, a true minus, thousands separators), as a float."""
    return float(text.strip("'\"").replace("\u2212", "-").replace(",", "").replace("\u202f", ""))


def same_up_to_row_signs(a: np.ndarray, b: np.ndarray) -> None:
    """``a`` equals ``b`` once each row of ``b`` takes the sign that matches (eigenvectors' signs are free)."""
    signs = np.sign(np.sum(a * b, axis=-1, keepdims=True))
    np.testing.assert_allclose(a, signs * b, rtol=0, atol=1e-9 * np.abs(b).max())
