"""Calibration checks: DfE-style annual indicators from a run."""
from __future__ import annotations

import numpy as np
import pandas as pd

from workforce_sim.analysis.checks import annual_indicators
from workforce_sim.experiments.replications import run_replications

from .helpers import tiny


def _indicators_by_loop(results, month=10):
    """The indicators year by year and replication by replication, straight from the definitions."""
    snap, flows = results.snapshots, results.flows
    flows = flows[flows["contract"] == "permanent"]
    rows = []
    for (rep, date), g in snap.groupby(["replication", "date"], observed=True):
        if date.month != month or date - pd.DateOffset(years=1) < pd.Timestamp(results.scenario.start_date):
            continue
        f = flows[(flows["replication"] == rep) & (flows["date"] > date - pd.DateOffset(years=1)) & (flows["date"] <= date)]
        in_post, posts, agency = g["permanent_fte"].sum(), g["posts_fte"].sum(), g["agency_fte"].sum()
        leavers, starters = f.loc[f["kind"] == "leave", "count"].sum(), f.loc[f["kind"] == "start", "count"].sum()
        rows.append({"replication": rep, "year_to_30_sept": date.year, "fte_in_post": in_post,
                     "starters": starters, "leavers": leavers,
                     "turnover_rate_pct": 100 * leavers / in_post,
                     "agency_rate_pct": 100 * agency / (agency + in_post),
                     "vacancy_rate_pct": 100 * (posts - in_post) / posts,
                     "starters_per_100_fte": 100 * starters / in_post})
    return pd.DataFrame(rows)


def test_annual_indicators_follow_the_dfe_definitions_year_by_year():
    results = run_replications(tiny(end_date="2019-01-01"), 3, seed=8, workers=1)
    got = annual_indicators(results).sort_values(["replication", "year_to_30_sept"]).reset_index(drop=True)
    want = _indicators_by_loop(results)
    assert got["year_to_30_sept"].unique().tolist() == [2016, 2017, 2018]   # 2015 starts before the run
    assert len(got) == 9 and got["leavers"].sum() > 0 and got["starters"].sum() > 0
    for col in want.columns:
        assert np.allclose(got[col].to_numpy(float), want[col].to_numpy(float), rtol=1e-12), col
    # every permanent leaver in a covered year is counted once
    f = results.flows
    perm_leave = f[(f["contract"] == "permanent") & (f["kind"] == "leave") & (f["date"] > "2015-10-01") & (f["date"] <= "2018-10-01")]
    assert got["leavers"].sum() == perm_leave["count"].sum()
