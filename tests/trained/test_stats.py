"""trained/stats.py: t intervals, the floor-corrected excess, curves, Cor 4.5's order with its resolution,
the verdict against the closed forms, and the step ladder's convergence, on planted numbers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from je_vs_rc.trained import stats as ts

ALPHAS = np.array([0.1, 0.3, 1.0, 3.0, 10.0, 30.0])
SPREAD = np.array([1.0, 1.05, 0.95, 1.02])  # four seeds


def cells(damage: np.ndarray, floor: float = 0.0, base: float = 0.4):
    """(clean, corrupted, replicate), each (alphas, seeds): ``damage`` per alignment times the seeds' spread, and a
    replicate ``floor`` away from the clean encoder."""
    clean = np.full((len(damage), len(SPREAD)), base)
    return clean, clean + np.asarray(damage)[:, None] * SPREAD, clean + floor * SPREAD[::-1]


def step(drop_after: int | None, plateau: float = 0.1) -> np.ndarray:
    values = np.full(len(ALPHAS), plateau)
    if drop_after is not None:
        values[drop_after + 1 :] = plateau * 1e-4
    return values


def test_t_interval_is_the_textbook_one():
    x = np.array([1.0, 2.0, 4.0, 7.0])
    mean, hw = ts.t_interval(x)
    assert mean == pytest.approx(3.5)
    assert hw == pytest.approx(sps.t.ppf(0.975, 3) * x.std(ddof=1) / 2)
    assert np.isinf(ts.t_interval(np.array([[1.0]]))[1]).all()


def test_a_drop_is_found_and_interpolated():
    c = ts.curve(ALPHAS, *cells(step(2)))
    assert c.state == "drop" and c.plateau == pytest.approx(0.1, rel=0.01)
    # Half-way in excess between 0.1 (at 1) and 1e-5 (at 3), interpolated in log alpha.
    expected = np.exp(np.log(1.0) + (c.excess[2] - c.level) / (c.excess[2] - c.excess[3]) * np.log(3.0))
    assert c.alpha_level == pytest.approx(expected)
    lo, hi = c.alpha_range
    assert 1.0 <= lo <= c.alpha_level <= hi <= 3.0
    assert ts.curve(ALPHAS, *cells(step(None))).state == "no drop"


def test_damage_within_the_floor_is_no_damage():
    # Corrupted encoders 0.01 away from the clean ones, as far as a clean replicate is: the raw distance would
    # read as damage at every alignment, the floor-corrected excess does not.
    clean, corrupted, replicate = cells(np.full(6, 0.01), floor=0.012)
    assert np.all(np.abs(corrupted - clean) > 0.009)
    assert ts.curve(ALPHAS, clean, corrupted, replicate).state == "no damage"
    # The same damage without a floor (a closed form) is damage.
    assert ts.curve(ALPHAS, clean, corrupted, clean).state == "no drop"


def test_order_is_resolved_only_when_the_intervals_do_not_overlap():
    je, rc = ts.curve(ALPHAS, *cells(step(1))), ts.curve(ALPHAS, *cells(step(3)))
    assert ts.order(je, rc) == ("je", True) and ts.order(rc, je) == ("rc", True)
    # Noisy seeds at the drop: the same point order, no longer resolved.
    clean, corrupted, replicate = cells(step(3))
    corrupted[3] = clean[3] + np.array([0.1, 0.0, 0.0, 0.0])
    corrupted[2] = clean[2] + np.array([0.1, 0.1, 0.0, 0.1])
    noisy_rc = ts.curve(ALPHAS, clean, corrupted, replicate)
    noisy_je = ts.curve(ALPHAS, *cells(step(1)))
    winner, resolved = ts.order(noisy_je, noisy_rc)
    assert winner == "je" and not resolved
    assert ts.order(je, je) == (None, False)
    none = ts.curve(ALPHAS, *cells(np.zeros(6), floor=0.01))
    assert ts.order(none, rc) == ("je", True)  # no damage above the floor against a resolved drop


def test_the_verdict_flags_reversals_and_what_it_cannot_tell():
    je, rc = ts.curve(ALPHAS, *cells(step(1))), ts.curve(ALPHAS, *cells(step(3)))
    assert ts.verdict(je, rc, je, rc, True).outcome == ts.AGREE
    assert ts.verdict(je, rc, rc, je, True).outcome == ts.REVERSE
    assert ts.verdict(je, rc, rc, je, False).outcome == ts.CANNOT_TELL  # not converged
    assert ts.verdict(je, je, je, rc, True).outcome == ts.CANNOT_TELL  # the closed forms tie
    clean, corrupted, replicate = cells(step(1))
    corrupted[2:] = clean[2:] + np.array([0.2, 0.0, 0.0, 0.0])  # one seed keeps failing: unresolved
    assert ts.verdict(je, rc, ts.curve(ALPHAS, clean, corrupted, replicate), je, True).outcome == ts.WITHIN_ERROR


def test_the_ladder_says_which_cells_converged():
    clean, corrupted, replicate = cells(step(2), floor=0.01)
    rungs = lambda shift: np.stack([clean, corrupted + shift, replicate])  # noqa: E731
    still, moving = np.zeros((6, 4)), np.zeros((6, 4))
    moving[4] = 0.05  # the last budget moved alignment 10 by 0.05, five times the floor
    lad = ts.ladder(*(np.stack([a, b]) for a, b in zip(rungs(moving), rungs(still))))
    assert lad.converged.tolist() == [True, True, True, True, False, True]
    assert lad.floor == pytest.approx(np.full(6, 0.01 * SPREAD.mean()))


def test_grid_step_is_the_factor_around_a_value():
    assert ts.grid_step(ALPHAS, 0.5) == pytest.approx(1.0 / 0.3)
    assert ts.grid_step(ALPHAS, 5.0) == pytest.approx(10.0 / 3.0)


def test_a_method_whose_damage_stays_below_the_common_level_needs_no_alignment():
    # Weak noise in the closed forms: JE fails with 2e-3 below alpha = 1, RC's damage (4e-6) never reaches half of
    # JE's: read against one level, RC needs no alignment and the order is resolved.
    je_d = np.array([2e-3, 2e-3, 2e-3, 1e-7, 1e-8, 1e-8])
    rc_d = np.full(6, 4e-6)
    level = ts.LEVEL * 2e-3 * SPREAD.mean()
    je, rc = ts.curve(ALPHAS, *cells(je_d), level=level), ts.curve(ALPHAS, *cells(rc_d), level=level)
    assert rc.state == "below level" and je.state == "drop"
    assert ts.order(je, rc) == ("rc", True)
    # Each on its own half-plateau, RC would "drop" too: the common level is what makes them comparable.
    assert ts.curve(ALPHAS, *cells(rc_d * np.array([1, 1, 1, 1e-3, 1e-3, 1e-3]))).state == "drop"
    # One seed whose JE damage never reaches the level: it needs no alignment, so the order is not resolved.
    clean, corrupted, replicate = cells(je_d)
    corrupted[:3, 3] = clean[:3, 3] + 1e-4
    assert ts.order(ts.curve(ALPHAS, clean, corrupted, replicate, level=level), rc) == ("rc", False)


def test_damage_needs_every_seed():
    # Three seeds of four damaged at alpha = 0.1 and nowhere else: no damaged cell.
    clean, corrupted, replicate = cells(np.zeros(6), floor=1e-3)
    corrupted[0, :3] += 0.1
    assert ts.curve(ALPHAS, clean, corrupted, replicate).state == "no damage"
    corrupted[0, 3] += 0.1
    assert ts.curve(ALPHAS, clean, corrupted, replicate).damaged.tolist() == [True] + [False] * 5
