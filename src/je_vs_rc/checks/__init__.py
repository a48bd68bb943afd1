"""Numerical checks of the paper's claims, one module per topic of the paper. Each check raises
:class:`~je_vs_rc.checks.claims.ClaimError` when its claim fails and returns what it measured."""
