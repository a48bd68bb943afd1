"""The closed forms' encoders from a Cholesky whitener (the Figure 3 sweep's path) against Thms 3.1 and 3.2 as
written (with S^{-1/2}), including the degenerate cases: a rank below k, k = d, ties."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import random_moments, repeated_moments, same_up_to_row_signs

from je_vs_rc.theory.joint_embedding import joint_embedding_encoder, joint_embedding_from_moments
from je_vs_rc.theory.linalg import subspace_distance, whitener
from je_vs_rc.theory.reconstruction import reconstruction_encoder, reconstruction_from_moments

# (closed form as written, encoder from a whitener, the value an optimum attains: JE tr(W G W^T) = the sum of
# the k largest omega, RC ||G E^T||_F^2 = the sum of the k largest phi^2)
FORMS = {
    "je": (joint_embedding_from_moments, joint_embedding_encoder, lambda W, G: np.trace(W @ G @ W.T), 1),
    "rc": (reconstruction_from_moments, reconstruction_encoder, lambda E, G: np.sum((G @ E.T) ** 2), 2),
}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    "case, k",
    [("generic", 3), ("rank 2 < k", 3), ("k = d", 6), ("tie inside the top k", 2), ("tie at the cut", 3)],
)
def test_encoder_from_a_whitener_is_the_closed_form(form, case, k):
    """The same encoder up to row signs where the top-k space is unique; where it is not (a rank below k, a
    tie at the cut), both are optima: E S E^T = I and the optimum's value."""
    closed_form, from_whitener, value, power = FORMS[form]
    rng = np.random.default_rng(4)
    S, G = repeated_moments() if case.startswith("tie") else random_moments(rng, 6, 2 if "rank" in case else 6)
    written = closed_form(S, G, k)
    fast = from_whitener(G, whitener(S, "S"), k)
    for enc in (fast, written[0]):
        np.testing.assert_allclose(enc @ S @ enc.T, np.eye(k), atol=1e-10)
        assert value(enc, G) == pytest.approx(np.sum(written[-2][:k] ** power), rel=1e-10)
    if case in ("generic", "tie inside the top k"):
        assert subspace_distance(fast, written[0]) < 1e-9
    if case == "generic":
        same_up_to_row_signs(fast, written[0])


@pytest.mark.parametrize("form", FORMS)
def test_encoder_from_a_whitener_on_a_stack(form):
    closed_form, from_whitener, _, _ = FORMS[form]
    S, G = random_moments(np.random.default_rng(5), 5, 5, stack=(2, 3))
    fast = from_whitener(G, whitener(S), 2)
    for i in np.ndindex(2, 3):
        same_up_to_row_signs(fast[i], closed_form(S[i], G[i], 2)[0])
