"""Speed fixes keep the arithmetic: the hazard's one-band fast path and the snapshot's grouping."""
from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from workforce_sim.experiments.replications import single_run
from workforce_sim.model.hazard import BandedHazard

from .helpers import tiny


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

    from workforce_sim.experiments.replications import STACKED_TABLES, combine, combine_batches, stack
    from workforce_sim.scenario.loading import load_scenario

    from .helpers import SCENARIOS

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


def _scan(desks):
    """The least-loaded desk with holders as ``Allocator.find`` scans for it (first on the route on ties)."""
    best, best_r = None, math.inf
    for d in desks:
        r = d.load / d.cap if d.cap > 0 else math.inf
        if r < best_r and d.holders:
            best, best_r = d, r
    return best


@settings(max_examples=200, deadline=None)
@given(ops=st.lists(st.tuples(st.integers(0, 7), st.sampled_from(["load+", "load-", "cap+", "cap-", "empty", "staff", "add"]),
                              st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 4.0])), max_size=120))
def test_desk_heap_finds_the_desk_a_scan_finds(ops):
    from workforce_sim.model.allocation import Desk, DeskHeap

    def desk(i):
        return Desk(team=None, base_cap=16.0, holders=["h"], load=float(i % 3), cap=16.0)

    desks = [desk(i) for i in range(4)]
    heap = DeskHeap(desks)
    for i, op, x in ops:
        if op == "add":                      # a team added to the route
            desks.append(desk(len(desks)))
            heap.add(desks[-1])
            continue
        d = desks[i % len(desks)]
        if op == "load+":
            d.load += x                      # rises: put right lazily
        elif op == "load-":
            d.load = max(0.0, d.load - x)
            d.lowered()
        elif op == "cap+":
            d.cap += x
            d.lowered()
        elif op == "cap-":
            d.cap = max(0.0, d.cap - x)
        elif op == "empty":
            d.holders = []
        elif op == "staff":
            d.holders = ["h"]
            d.lowered()
        assert heap.best() is _scan(desks)
    assert heap.best() is _scan(desks)


def test_allocation_index_gives_the_same_run_as_the_scan(monkeypatch):
    import pandas as pd

    import workforce_sim.model.allocation as allocation
    from workforce_sim.scenario.loading import load_scenario

    from .helpers import SCENARIOS

    sc = load_scenario(SCENARIOS / "slough_2014_baseline.yaml")
    monkeypatch.setattr(allocation, "INDEX_MIN_DESKS", 10**9)     # never: every find scans the route
    scanned = single_run(sc, 11, 0, keep_events=True)
    monkeypatch.setattr(allocation, "INDEX_MIN_DESKS", 1)         # always: every route keeps a desk heap
    indexed = single_run(sc, 11, 0, keep_events=True)
    for name in ("snapshots", "flows", "case_monthly", "case_snapshots", "cases"):
        pd.testing.assert_frame_equal(getattr(scanned, name), getattr(indexed, name), check_exact=True)


def test_a_released_model_refuses_to_tabulate_and_its_results_stand():
    import pytest

    from workforce_sim.model.workforce import WorkforceModel
    from workforce_sim.streams import Streams

    sc = tiny()
    model = WorkforceModel(sc, Streams(2, 0)).run()
    before = model.tables(0, 2, {})
    model.release()
    with pytest.raises(RuntimeError, match="released"):
        model.tables(0, 2, {})
    import pandas as pd

    again = single_run(sc, 2, 0)     # single_run tabulates, then releases
    pd.testing.assert_frame_equal(before.snapshots, again.snapshots, check_exact=True)


def test_permanent_share_in_blocks_of_replications_equals_one_grouping(monkeypatch):
    import pandas as pd

    from workforce_sim.analysis import measures as metrics
    from workforce_sim.experiments.replications import run_replications

    res = run_replications(tiny(), 7, seed=3, workers=1)
    for groups in (None, ["social_work_teams"]):
        monkeypatch.setattr(metrics, "SHARE_BLOCK", 10**9)
        whole = metrics.permanent_share(res.snapshots, groups)
        monkeypatch.setattr(metrics, "SHARE_BLOCK", 3)       # blocks of 3, 3 and 1 replications
        pd.testing.assert_frame_equal(whole, metrics.permanent_share(res.snapshots, groups), check_exact=True)
    assert sorted(whole["replication"].unique()) == list(range(7))
