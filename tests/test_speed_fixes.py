"""Speed fixes keep the arithmetic: the hazard's one-band fast path and the snapshot's grouping."""
from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from workforce_sim.hazard import BandedHazard
from workforce_sim.replications import single_run

from .conftest import tiny


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


def test_snapshot_counts_posts_added_after_the_first_snapshot_in_their_own_rows():
    sc = tiny(establishment_changes=[{"date": "2015-06-15", "add_teams": [{"type": "team", "count": 2}]}])
    snap = single_run(sc, seed=4).snapshots
    rows = snap.groupby("tick")["team"].nunique()
    assert rows.iloc[0] == 4 and rows.iloc[-1] == 6
    last = snap[snap["tick"] == snap["tick"].max()]
    assert (last["posts_fte"] == last["permanent_fte"] + last["agency_fte"] + last["vacant_fte"]).all()
    assert last.groupby("team")["posts_fte"].sum().tolist() == [6.0] * 6


def test_tables_stacked_in_batches_equal_tables_stacked_by_replication():
    import pandas as pd

    from workforce_sim.replications import STACKED_TABLES, combine, combine_batches, stack
    from workforce_sim.scenario import load_scenario

    from .conftest import SCENARIOS

    sc = load_scenario(SCENARIOS / "slough_2014_investment.yaml")
    runs = [single_run(sc, 9, r) for r in range(4)]
    # batches out of order, as tasks finish
    by_batch = combine_batches(sc, 9, [stack(runs[3:]), stack(runs[:2]), stack(runs[2:3])])
    by_replication = combine(sc, 9, runs)
    for name in (*STACKED_TABLES, "parameters"):
        a, b = getattr(by_batch, name), getattr(by_replication, name)
        if a is None:
            assert b is None, name
        else:
            pd.testing.assert_frame_equal(a, b, check_exact=True)
    snap = by_batch.snapshots
    assert snap["replication"].tolist() == sorted(snap["replication"].tolist())
    assert set(snap["replication"]) == {0, 1, 2, 3}
    # stacking keeps the compact dtypes (categorical labels, narrow integers) that keep 1,000 replications small
    for table in (snap, by_batch.case_snapshots):
        assert all(isinstance(table[c].dtype, pd.CategoricalDtype) for c in ("team", "team_type", "group", "role"))
        assert table["replication"].dtype == "int32" and table["tick"].dtype == "int16"
