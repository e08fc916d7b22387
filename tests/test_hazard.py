"""The banded hazard: the one-band fast path of ``exhaust`` keeps the arithmetic of band-by-band integration."""
from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from workforce_sim.model.hazard import BandedHazard


def _reference_exhaust(starts, rates, tenure0, years, budget, mult):
    """Exit time by integrating the step hazard band by band (no fast path)."""
    edges = sorted({tenure0, tenure0 + years, *[s for s in starts if tenure0 < s < tenure0 + years]})
    spent = 0.0
    for a, b in zip(edges, edges[1:]):
        h = rates[max(i for i, s in enumerate(starts) if s <= a)] * mult
        if h > 0 and spent + h * (b - a) >= budget:
            return a + (budget - spent) / h - tenure0, budget
        spent += h * (b - a)
    return None, spent


@settings(max_examples=300, deadline=None)
@given(
    gaps=st.lists(st.floats(0.1, 5), min_size=0, max_size=4),
    rates=st.lists(st.floats(0, 3), min_size=5, max_size=5),
    tenure0=st.floats(0, 25), years=st.floats(0.001, 2), budget=st.floats(0.001, 3), mult=st.floats(0, 3),
)
def test_exhaust_matches_band_by_band_integration(gaps, rates, tenure0, years, budget, mult):
    starts = [0.0]
    for g in gaps:
        starts.append(starts[-1] + g)
    hz = BandedHazard(starts, rates[: len(starts)])
    got = hz.exhaust(tenure0, years, budget, mult)
    want = _reference_exhaust(starts, rates[: len(starts)], tenure0, years, budget, mult)
    assert (got[0] is None) == (want[0] is None)
    if got[0] is not None:
        assert math.isclose(got[0], want[0], rel_tol=1e-9, abs_tol=1e-9)
        assert 0 <= got[0] <= years + 1e-9
    assert math.isclose(got[1], want[1], rel_tol=1e-9, abs_tol=1e-12)
