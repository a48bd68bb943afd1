"""Chapters 7, 10 and 11 rerun with parameter sets other than the defaults, at a small scale: each run
either succeeds, with text glued from its own numbers, or stops at a check (ClaimError), never
printing a sentence its numbers contradict."""

from __future__ import annotations

import re

import nbformat
import pytest
from helpers import number
from papermill.exceptions import PapermillExecutionError
from test_runner import glued

from je_vs_rc import data, run, thresholds
from je_vs_rc.words import significant

# The tests read the glued text: the kernels draw their figures as drafts (conftest.py).
pytestmark = pytest.mark.usefixtures("draft_figures")


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
        assert re.findall(r"[\d.]+", values["fs_ratios"]) == [f"{r:g}" for r in params["ratios"]]
        assert values["fs_fine_low"].strip("'") == f"{params['ratios'][0]:g}"
        assert values["fs_fine_high"].strip("'") == f"{params['ratios'][-1]:g}"
        assert number(values["fs_tight_je"]) > 0.5 and number(values["fs_tight_rc"]) > 0.5


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
        assert re.search(rf"\b{len(params['angles_deg'])} angles", values["it_je_wins"])  # "at all 4 angles"
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
        seeds, dataset = values["mn_seeds"].strip("'"), values["mn_dataset"].strip("'")
        assert seeds == "1" and "3 sample sizes" in values["mn_grid"] and dataset == "mnist"
        assert "not in this build" in values["mn_variants_status"]


# ---- chapters 1, 2, 6, 9: reruns that move a default across a regime boundary (issue 23) ----------------
# Each must build (no check may stop it) and say what its own numbers say.


def run_and_read(chapter: str, params: dict, tmp_path) -> dict[str, str]:
    """The glued values of a run that must succeed (a check that stops a legal rerun is a defect)."""
    out = run.run_chapter(chapter, params, out_dir=tmp_path)
    return {key: value.strip("'\"") for key, value in glued(out).items()}


SMALL_06 = {"grid": 8, "n": 2000}


@pytest.mark.slow
def test_je_vs_rc_when_the_squared_thresholds_cross_below_zero(tmp_path):
    # Issue 23, item 1: Theta loud on the noise. The squared thresholds cross at scale 2 where both are
    # -0.495, so the drawn lines are both 0 up to 2.72; the old text said "cross at alpha = 0.000".
    values = run_and_read("06_je_vs_rc", {**SMALL_06, "lam_theta": [0.01, 0.01, 0.01, 1.0, 1.0, 1.0]}, tmp_path)
    assert "both thresholds on α are 0 (no alignment needed) up to noise scale 2.72" in values["cmp_cross_sentence"]
    assert "lie together at α = 0 (the bottom edge) up to noise scale 2.72" in values["cmp_cross_caption"]
    assert "at α = 0.000" not in values["cmp_cross_sentence"]
    assert values["cmp_je_boundary"].startswith("is 0 up to noise scale 200")
    assert "quiet noise (low regime): neither needs alignment" in values["score_cor_4_5_evidence"]


@pytest.mark.slow
def test_je_vs_rc_when_equal_ratios_round_apart(tmp_path):
    # Issue 23, item 2: 0.9/18.9 and 0.1/2.1 are both 1/21 but round apart; the build used to stop with
    # "at_switch=False is wrong". The crossing is on the low-noise edge.
    params = {**SMALL_06, "lam_theta": [1.0, 1.0, 1.0, 0.9, 0.1, 0.1], "noise_profile": [18.9, 2.1, 2.1]}
    values = run_and_read("06_je_vs_rc", params, tmp_path)
    assert values["cmp_cross_sentence"].startswith("the thresholds cross at noise scale 0.106, at α = 0.224")
    assert "on the dotted line" in values["cmp_cross_caption"]
    assert values["cmp_quiet_regime"] == values["cmp_loud_regime"] == "high"  # both magnitudes past the switch
    assert values["score_cor_4_5_status"] == "◐ partly"


@pytest.mark.slow
def test_je_vs_rc_with_an_uncovered_noise_component(tmp_path):
    # Issue 23, item 3: lam_theta = 0 on a noise component: its JE score is 1/(1+alpha^2) at every
    # magnitude, so JE's boundary is flat at sqrt((1-delta)/delta) instead of rising towards it.
    values = run_and_read("06_je_vs_rc", {**SMALL_06, "lam_theta": [1.0, 1.0, 1.0, 0.0, 0.1, 0.1]}, tmp_path)
    assert values["cmp_je_boundary"].startswith("is flat at √((1−δ)/δ) = 0.707")
    assert number(values["cmp_quiet_je"]) == pytest.approx(number(values["cmp_loud_je"]))


@pytest.mark.slow
def test_introduction_with_loud_noise_in_the_undetermined_band(tmp_path):
    # Loud noise at 4 straddles eta^2/delta (max 4 > 2 > min 1.2): Cor 4.5 is silent, the sentence still
    # follows the thresholds (here RC needs more).
    values = run_and_read("01_introduction", {"loud": 4.0, "alpha": 0.5}, tmp_path)
    assert values["intro_loud_regime"] == "undetermined"
    th = thresholds([4.0, 3.0, 2.0], [1.0, 1.0, 1.0, 0.1, 0.1, 0.1], [0, 0, 0, 4.0, 2.4, 1.2])
    assert values["intro_loud_sentence"] == (
        f"reconstruction needs α > {significant(th.threshold('rc'))} and joint embedding needs α > "
        f"{significant(th.threshold('je'))}, so joint embedding needs less"
    )
    assert number(values["intro_mag_alpha"]) == 0.5


@pytest.mark.slow
def test_setting_without_alignment(tmp_path):
    # alpha = 0: the augmentation ignores the corruption; the moments still match sampling.
    values = run_and_read("02_setting", {"alpha": 0.0, "n": 50, "n_views": 400}, tmp_path)
    assert number(values["setting_alpha"]) == 0.0
    assert max(number(values[f"setting_z_{m}"]) for m in ("S", "G", "Sigma")) < number(values["setting_mc_sigmas"])


@pytest.mark.slow
def test_errata_when_no_alignment_is_needed(tmp_path):
    # Theta as loud as the signal on the noise: both squared thresholds are negative. The tie check used
    # to look for a tie at alpha = 0 and stop the build.
    values = run_and_read("09_errata", {"lam_theta": [1.0] * 6, "lam_gamma": [0.0, 0.0, 0.0, 1.0, 0.6, 0.3]}, tmp_path)
    assert "JE's squared threshold is negative (\u22120.5), so every α ≥ 0 works" in values["err_tie"]
    assert "α = 1 (above both thresholds)" in values["err_cross_sides"]


@pytest.mark.slow
def test_finite_samples_when_every_prediction_is_simulated(tmp_path):
    # A looser target: every predicted n is within the budget (at the defaults RC's calibrated-bound sizes,
    # 2.5M-44.5M, are not), so the text must not call any prediction untested, and the coverage is
    # measured at both kinds of predicted sizes (issue 23, item 9).
    params = {**SMALL_10, "ratios": [2.5, 5.0], "target": 0.3, "max_check_n": 100000}
    values = run_and_read("10_finite_samples", params, tmp_path)
    assert values["fs_untested"] == "Every predicted n was simulated."
    assert int(values["fs_checked"]) == 8  # 2 alphas x 2 predictions x 2 models
    for key in ("je", "rc"):
        assert "at calibrated typical sizes and" in values[f"fs_coverage_{key}"]
        assert "at calibrated-bound sizes" in values[f"fs_coverage_{key}"]


@pytest.mark.slow
@pytest.mark.data
def test_nuisance_chapter_says_what_a_planted_committed_run_says(tmp_path):
    # Chapter 13 shows a committed run planted so that reconstruction needs less alignment than joint embedding
    # under strong noise (against Cor 4.5): the generated verdict must say so. Its own run is tiny.
    import json

    from checks.test_nuisance import THEORY, planted

    from je_vs_rc.selfsup.grid import GridConfig
    from je_vs_rc.simulate.nuisance import NuisanceConfig

    flipped = {**THEORY, "strong": {"byol": 10.0, "vicreg": 3.0, "mae": 0.3, "ae": 1.0, "je": 1.0, "rc": 10.0}}
    payload = planted(flipped)
    methods = ("byol", "vicreg", "mae", "ae")
    cfg = GridConfig(NuisanceConfig(), (0.0, 0.3, 1.0, 3.0, 10.0), methods, (0, 1, 2), 100, 128, probes=(50,))
    payload["config"] = cfg.to_json()
    path = tmp_path / "planted.json"
    path.write_text(json.dumps(payload))
    tiny = {
        "n_train": 200,
        "n_test": 200,
        "seeds": [0],
        "steps": 2,
        "alphas": [10.0],
        "methods": ["vicreg", "ae"],
        "committed_results": str(path),
    }
    values = glued(run.run_chapter("13_nuisance", tiny, out_dir=tmp_path))
    strong = values["nz_verdict"].split("Under strong noise")[1]
    assert "reconstruction needs less alignment than joint embedding in the trained networks" in strong
    assert "the trained networks confirm the second half but not the first" in values["nz_verdict"]
    # The grid's finer steps (0.3 and 3) are where the planted thresholds sit: the sentence names them.
    assert (
        "masked AE reaches its clean top-1 from α = 0.3" in strong
        and "VICReg reaches its clean top-1 from α = 3" in strong
    )
