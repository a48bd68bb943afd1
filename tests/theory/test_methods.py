"""The registry of linear methods: lookups, one home for method names, and a new method as one entry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from je_vs_rc import thresholds
from je_vs_rc.checks.thresholds import check_recovery
from je_vs_rc.render.figures import plot_sweep
from je_vs_rc.simulate.sweeps import phase_diagram, population_distance, recovery_sweep
from je_vs_rc.theory import methods
from je_vs_rc.theory.methods import EncoderMethod, Encoding

REPO = Path(__file__).resolve().parents[2]
KEY = r"""["'](?:sl|je|rc)["']"""
# A method name compared with a string, or a hand-written list of method names.
FORBIDDEN = re.compile(rf"[=!]=\s*{KEY}|{KEY}\s*[=!]=|\bin\s+[\(\[]\s*{KEY}|[\(\[]\s*{KEY}\s*,\s*{KEY}")
# A paradigm's short name ("JE", "RC": the theory registry's, which a deep method links to) or a deep
# method's key compared with a string, or used as a subscript: a branch on a name in disguise.
NAME = r"""["'](?:JE|RC|SL|byol|dino|mae|simclr)["']"""
FORBIDDEN_NAME = re.compile(rf"[=!]=\s*{NAME}|{NAME}\s*[=!]=|\bin\s+[\(\[\{{]\s*{NAME}|\[\s*{NAME}\s*\]")
# Where names are defined: the two registries.
REGISTRIES = (("theory", "methods.py"), ("imagenet_c", "methods.py"))


def test_registry_holds_the_papers_methods_in_order():
    assert list(methods.METHODS) == ["sl", "je", "rc"]
    assert [m.key for m in methods.encoder_methods()] == ["je", "rc"]
    assert (
        methods.get("je") is methods.JOINT_EMBEDDING and methods.get(methods.RECONSTRUCTION) is methods.RECONSTRUCTION
    )
    with pytest.raises(ValueError, match=r"method must be one of \['sl', 'je', 'rc'\]; got 'simclr'"):
        methods.get("simclr")
    with pytest.raises(ValueError, match="already registered"):
        methods.register(methods.JOINT_EMBEDDING)


def test_no_method_name_branch_outside_the_registry():
    # Every sweep, bound, figure and check looks methods up in the registry (theory/methods.py).
    sources = [p for p in (REPO / "src" / "je_vs_rc").rglob("*.py") if (p.parent.name, p.name) not in REGISTRIES]
    sources += sorted((REPO / "notebooks").glob("*.md"))
    offences = [
        f"{p.relative_to(REPO)}:{i}: {line.strip()}"
        for p in sources
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if FORBIDDEN.search(line) or FORBIDDEN_NAME.search(line)
    ]
    assert not offences, "\n".join(offences)


@pytest.mark.parametrize(
    "line",
    [
        'if model == "je":',
        "for m in ('je', 'rc'):",
        'x = model in ("sl", "je")',
        '"rc" != method',
        'MODELS = ["sl", "je", "rc"]',
    ],
)
def test_the_name_check_can_fail(line):
    assert FORBIDDEN.search(line)


@pytest.mark.parametrize(
    "line",
    [
        'je = [d for d in here if d["paradigm"] == "JE"]',
        'if "RC" != row["paradigm"]:',
        'color = PARADIGM_COLOR["RC"]',
        'if method == "dino":',
        'label = NAMES["byol"]',
        'x = method in {"mae", "dino"}',
    ],
)
def test_the_paradigm_and_deep_name_check_can_fail(line):
    assert FORBIDDEN_NAME.search(line)


@dataclass(frozen=True)
class PlainPCA(EncoderMethod):
    """A throwaway method: the top-k eigenvectors of G (PCA of the data), blind to the augmentation."""

    def solve(self, S, G, k, S_inv_sqrt=None):
        vals, vecs = np.linalg.eigh(G)
        order = np.argsort(vals)[::-1]
        return Encoding(vecs[:, order[:k]].T, vals[order], vecs[:, order[:k]])

    def limit_scores(self, spectra, alpha):
        # Eigenvalues of G in the limit: e_i (signal), gamma_i (noise); alpha plays no part.
        return spectra.energy, spectra.gamma_noise

    def threshold2_per_noise(self, spectra):
        # No alignment helps: PCA recovers iff every noise eigenvalue is below the weakest signal.
        return np.where(spectra.gamma_noise >= spectra.energy.min(), np.inf, -np.inf)


@pytest.fixture
def pca_registered(monkeypatch):
    method = PlainPCA("pca", "PCA", "PCA", "#777777")
    monkeypatch.setitem(methods.METHODS, method.key, method)
    return method


def test_a_new_method_runs_through_the_unchanged_sweeps(toy, pca_registered):
    quiet = type(toy)(toy.signal_energy, toy.lam_theta, toy.lam_gamma / 100)  # noise below the signal
    sweep = recovery_sweep(quiet, [100, 10_000], [0.5, 2.0], seeds=[0, 1])
    assert set(sweep.distance) == {"sl", "je", "rc", "pca"} and set(sweep.selected) == {"je", "rc", "pca"}
    th = thresholds(quiet)
    assert th.threshold2("pca") == -np.inf and th.recovers("pca", 0.0)
    assert check_recovery(sweep, th, "pca", quiet) == {0.5: "recovers", 2.0: "recovers"}
    # Loud noise: PCA picks it at every alpha, in the simulation, in the limit and in the threshold.
    loud = recovery_sweep(toy, [100, 10_000], [0.5, 2.0], seeds=[0])
    assert thresholds(toy).threshold2("pca") == np.inf
    assert check_recovery(loud, thresholds(toy), "pca", toy) == {0.5: "fails", 2.0: "fails"}
    assert population_distance(toy, "pca", 2.0) > 0.99
    phase = phase_diagram(toy, [0.01, 1.0], [0.5, 4.0], 2000)
    assert phase.selected["pca"].shape == (2, 2) and phase.thresholds[0].threshold2("pca") == -np.inf
    plot_sweep(sweep, [pca_registered, "je"], th=th)  # figures take it too


def test_a_new_method_needs_nothing_else_in_the_figure3_protocol(pca_registered):
    from je_vs_rc.simulate.figure3 import Fig3Config, comparison_rows, figure3_sweep, predictions

    rng = np.random.default_rng(0)
    images, labels = rng.integers(0, 256, (300, 784)).astype(np.uint8), rng.integers(0, 10, 300)
    result = figure3_sweep(
        images, labels, Fig3Config(k=5, n_noise=3, gamma_max=(1e3,), alphas=(1.0,), ns=(50, 100), seeds=(0,))
    )
    assert result.methods == ("sl", "je", "rc", "pca") and result.distance.shape[1] == 4
    assert predictions(result).shape == (1, 4, 1) and len(comparison_rows(result)) == 4
