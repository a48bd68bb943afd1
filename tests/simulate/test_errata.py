"""The computations behind the errata chapter."""

from __future__ import annotations

import numpy as np

from je_vs_rc import thresholds
from je_vs_rc.simulate import errata
from je_vs_rc.theory.augmentations import Masking


def test_masked_forms_of_thm31_share_the_encoder_and_differ_by_p_in_the_decoder(toy):
    rng = np.random.default_rng(0)
    X = toy.clean_data(100, rng) + toy.corruption(100, rng)
    masked = errata.rc_paper_vs_slides(X, Masking(0.6), 3)
    assert masked["paper"] < masked["slides"]
    assert masked["encoder_distance"] < 1e-10
    assert abs(masked["decoder_scale"] - 0.6) < 1e-10 and masked["decoder_misfit"] < 1e-10
    same = errata.rc_paper_vs_slides(X, toy.augmentation(2.0), 3)
    assert abs(same["paper"] - same["slides"]) < 1e-10 and abs(same["decoder_scale"] - 1) < 1e-10


def test_threshold_is_a_tie(toy):
    th = thresholds(toy)
    assert abs(errata.je_eigengap(toy, th.threshold("je"))) < 1e-12


def test_clean_positive_eigenvalues_are_the_signal_ratios(toy):
    values = errata.clean_positive_eigenvalues(toy)
    ratios = toy.signal_energy / (toy.signal_energy + toy.lam_theta[:3])
    assert abs(values["smallest"] - ratios.min()) < 1e-12
    assert abs(values["largest"] - ratios.max()) < 1e-12


def test_eq41_holds_as_printed_and_eq42_needs_the_inverse_root():
    rng = np.random.default_rng(1)
    A, B = rng.standard_normal((7, 7)), rng.standard_normal((7, 7))
    S, G = A @ A.T + np.eye(7), B @ B.T  # S and G do not commute: no accidental agreement
    errors = errata.whitening_errors(S, G, 3)
    assert errors["eq41_printed"] < 1e-10 < 1e-2 < errors["eq41_inverse"]
    assert errors["eq42_last"] < 1e-10 < 1e-2 < errors["eq42_middle"]
    assert errors["span_corrected"] < 1e-10 < 1e-2 < errors["span_printed"]


def test_population_moments_cannot_tell_the_readings_of_eq41_apart(toy):
    # S and G commute in the n -> infinity setting: both readings of P satisfy eq. 41 as printed
    # (G S^-1 = P Omega P^-1) and span{p_i} is the encoder's row space; only the constraint sees eq. 42.
    errors = errata.whitening_errors(*toy.population_moments(1.0, corrupted=True), 3)
    assert errors["eq41_inverse"] < 1e-10 and errors["span_printed"] < 1e-10
    assert errors["eq42_middle"] > 1


def test_dropped_cross_block_is_real_and_shrinks(toy):
    out = errata.dropped_cross_terms(toy, 1.0, [100, 10000], seed=0)
    assert out["cross"][0] > 2 * out["cross"][1] > 0  # ~n^{-1/2}: 10x fewer at 100x the samples
    # Setting the block to zero changes both encoders at small n.
    assert out["encoder_shift_je"][0] > 1e-3 and out["encoder_shift_rc"][0] > 1e-3
