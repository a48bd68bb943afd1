"""The registry of linear methods: lookups, one home for method names, the contract a method meets,
and a new method as one entry.

This module registers a throwaway method, PCA of the data (:class:`PlainPCA`), when pytest collects it,
so that in a whole run every other test and check runs with a fourth method in the registry: they
must only run the methods they pass (by default the paper's), never whatever is registered.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from je_vs_rc import thresholds
from je_vs_rc.checks.claims import ClaimError
from je_vs_rc.checks.thresholds import check_method_contract, check_recovery
from je_vs_rc.render.figures import plot_phase_diagram, plot_sweep
from je_vs_rc.simulate.sweeps import phase_diagram, population_distance, recovery_sweep
from je_vs_rc.theory import methods
from je_vs_rc.theory.methods import (
    PAPER_ENCODERS,
    PAPER_METHODS,
    EncoderMethod,
    Encoding,
    JointEmbedding,
    Reconstruction,
)

REPO = Path(__file__).resolve().parents[2]
KEY = r"""["'](?:sl|je|rc)["']"""
# A method name compared with a string, or a hand-written list of method names.
FORBIDDEN = re.compile(rf"[=!]=\s*{KEY}|{KEY}\s*[=!]=|\bin\s+[\(\[]\s*{KEY}|[\(\[]\s*{KEY}\s*,\s*{KEY}")
# A paradigm's short name ("JE", "RC": the theory registry's, which a deep method links to) or a deep
# method's key compared with a string, or used as a subscript: a branch on a name in disguise.
NAME = r"""["'](?:JE|RC|SL|byol|dino|mae|simclr)["']"""
FORBIDDEN_NAME = re.compile(rf"[=!]=\s*{NAME}|{NAME}\s*[=!]=|\bin\s+[\(\[\{{]\s*{NAME}|\[\s*{NAME}\s*\]")
# Where names are defined: the registries (chapter 12's trained variants define their objectives,
# "whiten", "vicreg", "byol", "penalty", in trained/variants.py).
REGISTRIES = (("theory", "methods.py"), ("imagenet_c", "methods.py"), ("trained", "variants.py"))


@dataclass(frozen=True)
class PlainPCA(EncoderMethod):
    """A throwaway method: the top-k eigenvectors of G (PCA of the data), blind to the augmentation."""

    def solve(self, S, G, k, S_inv_sqrt=None):
        vals, vecs = np.linalg.eigh(G)
        order = np.argsort(vals)[::-1]
        return Encoding(vecs[:, order[:k]].T, vals[order], vecs[:, order[:k]])

    def selection_matrix(self, S, G):
        return G

    def top_space(self, M, k):
        return self.solve(None, M, k).encoder

    def limit_scores(self, spectra, alpha):
        # Eigenvalues of G in the limit: e_i (signal), gamma_i (noise); alpha plays no part.
        return spectra.energy, spectra.gamma_noise

    def threshold2_per_noise(self, spectra):
        # No alignment helps: PCA recovers iff every noise eigenvalue is below the weakest signal.
        return np.where(spectra.gamma_noise >= spectra.energy.min(), np.inf, -np.inf)

    def gap_and_factor(self, M, k, e_op):
        vals = np.sort(np.linalg.eigvalsh(M))[::-1]
        return vals[k - 1] - vals[k], 2.0

    def tolerable_perturbation(self, M, k, budget):
        return budget / (2 * np.sqrt(k))


PCA = methods.register(PlainPCA("pca", "PCA", "PCA", "#777777"))


def test_registry_looks_up_and_the_paper_chooses():
    assert [m.key for m in PAPER_METHODS] == ["sl", "je", "rc"] and methods.encoders(PAPER_METHODS) == PAPER_ENCODERS
    assert list(methods.METHODS)[:3] == ["sl", "je", "rc"] and methods.get("pca") is PCA
    assert (
        methods.get("je") is methods.JOINT_EMBEDDING and methods.get(methods.RECONSTRUCTION) is methods.RECONSTRUCTION
    )
    assert methods.resolve(["rc", PCA]) == (methods.RECONSTRUCTION, PCA)
    with pytest.raises(ValueError, match=r"method must be one of \[.*'rc'.*\]; got 'simclr'"):
        methods.get("simclr")
    with pytest.raises(ValueError, match="already registered"):
        methods.register(methods.JOINT_EMBEDDING)
    with pytest.raises(ValueError, match="at least one method, each once"):
        methods.resolve([])


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


def test_the_paper_methods_and_the_new_one_meet_the_contract(toy, random_setting):
    alphas = [0.0, 0.3, 1.0, 3.0, 10.0, 100.0]
    assert check_method_contract("je", toy, alphas) == 4 and check_method_contract("rc", toy, alphas) == 3
    quiet = type(toy)(toy.signal_energy, toy.lam_theta, toy.lam_gamma / 100)  # noise below the weakest signal
    assert check_method_contract(PCA, quiet, alphas) == len(alphas) and check_method_contract(PCA, toy, alphas) == 0
    for seed in range(4):
        setting = random_setting(np.random.default_rng(seed), 6, 2, noise_scale=3.0)
        for method in (*PAPER_ENCODERS, PCA):
            t2 = thresholds(setting, methods=[method]).threshold2(method)
            away = [a for a in alphas if not np.isclose(a**2, t2, rtol=0.05)]  # a tie at the threshold itself
            check_method_contract(method, setting, away)


@dataclass(frozen=True)
class AugmentedPCA(PlainPCA):
    """PCA of the augmented views (of S): louder augmentation makes the noise directions louder, so
    recovery is lost as alpha grows. It breaks the contract whatever threshold it claims."""

    def solve(self, S, G, k, S_inv_sqrt=None):
        return super().solve(None, S, k)

    def threshold2_per_noise(self, spectra):
        return np.full(spectra.gamma_noise.shape, -np.inf)


@dataclass(frozen=True)
class AscendingJE(JointEmbedding):
    """JE keeping the k smallest eigenvalues (an ascending-order slip): on clean data it selects the
    empty noise directions."""

    def solve(self, S, G, k, S_inv_sqrt=None):
        E = super().solve(S, G, S.shape[0], S_inv_sqrt)
        return Encoding(E.encoder[-k:], E.spectrum[::-1], E.selected[:, -k:])


@dataclass(frozen=True)
class RCThresholdJE(JointEmbedding):
    """JE claiming RC's threshold (eq. 10 for eq. 11)."""

    threshold2_per_noise = Reconstruction.threshold2_per_noise


def test_the_contract_check_can_fail(toy):
    quiet = type(toy)(toy.signal_energy, toy.lam_theta, toy.lam_gamma / 100)
    with pytest.raises(ClaimError, match="recovery is not monotone in alpha"):
        check_method_contract(AugmentedPCA("apca", "Augmented PCA", "APCA", "#777777"), quiet, [0.0, 10.0, 100.0])
    with pytest.raises(ClaimError, match="the clean encoder leaves span"):
        check_method_contract(AscendingJE(**dataclasses.asdict(methods.JOINT_EMBEDDING)), toy, [3.0])
    # JE's threshold with RC's formula: the exact limit disagrees with it.
    with pytest.raises(ClaimError, match=r"JE at alpha=1: recovered=True but alpha\^2 against the threshold"):
        check_method_contract(RCThresholdJE(**dataclasses.asdict(methods.JOINT_EMBEDDING)), toy, [1.0])


def test_a_new_method_runs_through_the_unchanged_sweeps(toy):
    quiet = type(toy)(toy.signal_energy, toy.lam_theta, toy.lam_gamma / 100)  # noise below the signal
    shown = (*PAPER_METHODS, PCA)
    sweep = recovery_sweep(quiet, [100, 10_000], [0.5, 2.0], seeds=[0, 1], methods=shown)
    assert sweep.methods == ("sl", "je", "rc", "pca") and tuple(sweep.selected) == ("je", "rc", "pca")
    th = thresholds(quiet, methods=shown)
    assert th.threshold2("pca") == -np.inf and th.recovers("pca", 0.0)
    assert check_recovery(sweep, th, "pca", quiet) == {0.5: "recovers", 2.0: "recovers"}
    # Loud noise: PCA picks it at every alpha, in the simulation, in the limit and in the threshold.
    loud = recovery_sweep(toy, [100, 10_000], [0.5, 2.0], seeds=[0], methods=[PCA])
    assert thresholds(toy, methods=[PCA]).threshold2("pca") == np.inf
    assert check_recovery(loud, thresholds(toy, methods=[PCA]), "pca", toy) == {0.5: "fails", 2.0: "fails"}
    assert population_distance(toy, "pca", 2.0) > 0.99
    phase = phase_diagram(toy, [0.01, 1.0], [0.5, 4.0], 2000, methods=["je", PCA])
    assert phase.methods == ("je", "pca") and phase.thresholds[0].threshold2("pca") == -np.inf
    assert [ax.get_title() for ax in plot_phase_diagram(phase).axes[:2]] == [
        "Joint-embedding ($n = 2{,}000$)",
        "PCA ($n = 2{,}000$)",
    ]
    plot_sweep(sweep, [PCA, "je"], th=th)  # figures take it too


def test_a_new_method_needs_nothing_else_in_the_figure3_protocol():
    from je_vs_rc.simulate.figure3 import Fig3Config, figure3_sweep
    from je_vs_rc.simulate.figure3_comparison import comparison_rows, predictions

    rng = np.random.default_rng(0)
    images, labels = rng.integers(0, 256, (300, 784)).astype(np.uint8), rng.integers(0, 10, 300)
    cfg = Fig3Config(k=5, n_noise=3, gamma_max=(1e3,), alphas=(1.0,), ns=(50, 100), seeds=(0,))
    result = figure3_sweep(images, labels, cfg, methods=(*PAPER_METHODS, PCA))
    assert result.methods == ("sl", "je", "rc", "pca") and result.distance.shape[1] == 4
    assert predictions(result).shape == (1, 4, 1) and len(comparison_rows(result)) == 4
    paper = figure3_sweep(images, labels, cfg)  # the default: the paper's three, on the same draws
    assert paper.methods == ("sl", "je", "rc")
    np.testing.assert_array_equal(paper.distance, result.distance[:, :3])
