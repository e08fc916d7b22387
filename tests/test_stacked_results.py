"""Results of many replications: tables stacked in batches, and the permanent share grouped in blocks, equal doing it at once."""
from __future__ import annotations

from workforce_sim.experiments.replications import single_run

from .helpers import tiny


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
