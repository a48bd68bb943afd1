"""What a check is: :class:`ClaimError`, :func:`claim`, and the tolerances shared by several topics.

The chapters call the checks right after stating a result, so the book cannot build if the
mathematics breaks; ``tests/`` call the same functions on random instances. Each check returns the
numbers it measured, for the chapter to glue into its prose. Tolerances are named constants; each
says what accuracy is achieved and what margin the tolerance leaves.
"""

from __future__ import annotations

# Exact identities (constraints, eigenvalues, limits that are exactly 0 or 1), absolute. Achieved:
# 1e-15 to 1e-11 on the book's instances (double precision after a few matrix products); the margin
# covers ill-conditioned random instances of the tests.
IDENTITY_ATOL = 1e-8
# Subspace distance (in [0, 1]) at the largest n that counts as "recovered", and as "not recovered".
# The recovering curves of the book end at 1e-3 to 1e-2 and the failing ones at 0.9 to 1.
RECOVERED_BELOW = 0.05
FAILED_ABOVE = 0.5
# A converging curve must at least halve from the smallest to the largest n (or alpha).
DECREASE_FACTOR = 0.5


class ClaimError(AssertionError):
    """A claim of the paper (or of the book) failed its numerical check."""


def claim(condition: bool, message: str) -> None:
    """Raise :class:`ClaimError` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise ClaimError(message)
