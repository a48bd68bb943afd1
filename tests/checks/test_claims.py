"""What a check is, and where checks live: in the package, never inline in a chapter."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from je_vs_rc.checks.claims import ClaimError, claim

REPO = Path(__file__).resolve().parents[2]
INLINE = re.compile(r"\bclaim\(|\bClaimError\b|^\s*assert\b")


def test_claim_raises_with_its_message():
    claim(True, "never shown")
    with pytest.raises(ClaimError, match="the message"):
        claim(False, "the message")


def test_chapters_call_checks_instead_of_making_them():
    offences = [
        f"{p.name}:{i}: {line.strip()}"
        for p in sorted((REPO / "notebooks").glob("*.md"))
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if INLINE.search(line)
    ]
    assert not offences, "\n".join(offences)
