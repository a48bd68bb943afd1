"""Chapters 7, 10 and 11 rerun with parameter sets other than the defaults, at a small scale: each run
either succeeds, with text glued from its own numbers, or stops at a check (ClaimError), never
printing a sentence its numbers contradict."""

from __future__ import annotations

import nbformat
import pytest
from papermill.exceptions import PapermillExecutionError
from test_runner import glued

from je_vs_rc import data, run


def run_or_claim_error(chapter: str, params: dict, tmp_path) -> dict[str, str] | None:
    """The glued values of a successful run, or None if a check stopped it (any other error fails)."""
    try:
        out = run.run_chapter(chapter, params, out_dir=tmp_path)
    except PapermillExecutionError as err:
        assert err.ename == "ClaimError", f"{chapter} with {params} failed with {err.ename}: {err.evalue}"
        return None
    recorded = nbformat.read(out, as_version=4).metadata["je_vs_rc"]["parameters"]
    assert all(recorded[k] == v for k, v in params.items())
    return glued(out)


SMALL_10 = {
    "ns": [300, 1000, 3000, 10000],
    "seeds": [0, 1, 2, 3],
    "fresh_seeds": [50, 51, 52, 53, 54, 55],
    "max_check_n": 20000,
}

# Two signal and four noise components, unlike the book's toy spectra.
OTHER_SPECTRA = {
    "signal_energy": [5.0, 2.0],
    "lam_theta": [1.0, 0.5, 0.2, 0.2, 0.1, 0.1],
    "lam_gamma": [0.0, 0.0, 8.0, 4.0, 2.0, 1.0],
}


@pytest.mark.slow
@pytest.mark.parametrize(
    "params",
    [
        # Other spectra (two signal and four noise components), other ratios and target.
        {
            **SMALL_10,
            **OTHER_SPECTRA,
            "ratios": [1.3, 2.0, 4.0],
            "target": 0.1,
        },
        # The book's spectra, closer to the thresholds and with a looser target.
        {**SMALL_10, "ratios": [1.1, 3.0], "target": 0.2},
    ],
)
def test_finite_samples_with_other_parameters(params, tmp_path):
    values = run_or_claim_error("10_finite_samples", params, tmp_path)
    if values is not None:
        assert values["fs_ratios"].strip("'") == ", ".join(f"{r:g}" for r in params["ratios"])
        assert values["fs_fine_low"].strip("'") == f"{params['ratios'][0]:g}"
        assert values["fs_fine_high"].strip("'") == f"{params['ratios'][-1]:g}"
        assert float(values["fs_tight_je"]) > 0.5 and float(values["fs_tight_rc"]) > 0.5


@pytest.mark.slow
@pytest.mark.parametrize(
    "params",
    [
        # Other spectra, fewer angles and alphas.
        {
            **OTHER_SPECTRA,
            "angles_deg": [0, 5, 20, 45, 80],
            "alphas": [0.5, 2.0, 8.0],
            "alpha_steps": 20,
            "check_n": 20000,
        },
        # The book's spectra, a stricter tolerance, other angles.
        {
            "angles_deg": [0, 3, 15, 60],
            "alphas": [1.0, 4.0],
            "alpha_steps": 15,
            "recovered_below": 0.05,
            "check_n": 20000,
            "seed": 3,
        },
    ],
)
def test_intertwined_noise_with_other_parameters(params, tmp_path):
    values = run_or_claim_error("11_intertwined_noise", params, tmp_path)
    if values is not None:
        assert int(values["it_angles"]) == len(params["angles_deg"])
        for key in ("je", "rc"):
            assert values[f"it_trend_{key}"].startswith(("'at α", "'no α"))


def mnist_available() -> bool:
    try:
        data.verify("mnist")
    except data.DataUnavailable:
        return False
    return True


@pytest.mark.slow
@pytest.mark.data
@pytest.mark.skipif(not mnist_available(), reason="MNIST not under data/ (make data)")
@pytest.mark.parametrize(
    "params, stops",
    [
        # One other seed, the paper's grid thinned to three sample sizes, no variants: runs, text adapts.
        # (A check may still stop it if one seed contradicts the theory: either outcome is honest.)
        ({"seeds": [7], "ns": [100, 1600, 51200], "run_variants": False}, None),
        # Another noise level and a short grid: the paper's values do not exist there, a check stops the build.
        ({"seeds": [0], "ns": [100, 400], "gamma_max": [1e4, 1e6], "run_variants": False}, True),
    ],
)
def test_mnist_with_other_parameters(params, stops, tmp_path):
    values = run_or_claim_error("07_mnist", params, tmp_path)
    if stops is not None:
        assert (values is None) == stops
    if values is not None:
        assert values["mn_seeds"] == "1" and "3 sample sizes" in values["mn_grid"]
        assert "not in this build" in values["mn_variants_status"]
