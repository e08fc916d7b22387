"""The allocation index: the desk heap finds the team a scan of the route finds, and a run is the same with it."""
from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from workforce_sim.experiments.replications import single_run


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
    from workforce_sim.model.entities import Team

    def desk(i):   # a real team: the compiled model checks the type
        return Desk(team=Team(i, f"team {i}", "team", "social_work_teams"), base_cap=16.0, holders=["h"], load=float(i % 3), cap=16.0)

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
