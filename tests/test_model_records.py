"""The workforce's records: the monthly snapshot's grouping of posts, and tables refused once the run is released."""
from __future__ import annotations

from workforce_sim.experiments.replications import single_run

from .helpers import tiny


def test_snapshot_counts_posts_added_after_the_first_snapshot_in_their_own_rows():
    sc = tiny(establishment_changes=[{"date": "2015-06-15", "add_teams": [{"type": "team", "count": 2}]}])
    snap = single_run(sc, seed=4).snapshots
    rows = snap.groupby("tick")["team"].nunique()
    assert rows.iloc[0] == 4 and rows.iloc[-1] == 6
    last = snap[snap["tick"] == snap["tick"].max()]
    assert (last["posts_fte"] == last["permanent_fte"] + last["agency_fte"] + last["vacant_fte"]).all()
    assert last.groupby("team")["posts_fte"].sum().tolist() == [6.0] * 6


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
