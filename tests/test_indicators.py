"""The DfE indicators read from a run (``analysis.checks``, ``analysis.backtest.forecast_indicators``), which the
calibration computes for every simulation: the NumPy sums against the definitions written plainly in pandas."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workforce_sim.analysis.backtest import forecast_indicators
from workforce_sim.analysis.checks import annual_indicators, indicator_counts
from workforce_sim.experiments.backtest import origin_scenario
from workforce_sim.experiments.replications import combine, single_run
from workforce_sim.scenario.schema import Scenario


def plain_counts(results, month: int = 10) -> pd.DataFrame:
    """Posts, permanent and agency FTE summed on each October snapshot a full year after the start; permanent
    starters and leavers, and the hazard spent (expected leavers), dated after the snapshot a year earlier, up
    to and including this one."""
    snap = results.snapshots[results.snapshots["date"].dt.month == month]
    tot = snap.groupby(["replication", "date"], observed=True)[["posts_fte", "permanent_fte", "agency_fte"]].sum().reset_index()
    tot = tot[tot["date"] - pd.DateOffset(years=1) >= pd.Timestamp(results.scenario.start_date)].reset_index(drop=True)
    flows = results.flows[results.flows["contract"] == "permanent"]
    for kind in ("start", "leave"):
        f = flows[flows["kind"] == kind]
        tot[kind] = [int(f.loc[(f["replication"] == r) & (f["date"] > d - pd.DateOffset(years=1)) & (f["date"] <= d), "count"].sum())
                     for r, d in zip(tot["replication"], tot["date"])]
    h = results.hazards
    tot["expected_leave"] = [float(h.loc[(h["replication"] == r) & (h["date"] > d - pd.DateOffset(years=1)) & (h["date"] <= d), "expected_leavers"].sum())
                             for r, d in zip(tot["replication"], tot["date"])]
    return tot


@pytest.fixture(scope="module", params=["Derby", "Isles of Scilly"])
def results(request):
    sc = Scenario.model_validate(origin_scenario(request.param, 2021, 3))
    return combine(sc, 3, [single_run(sc, 3, r, costs=False) for r in (4, 5, 9)])   # replications not from 0


def test_indicator_counts_are_the_plain_sums(results):
    got = indicator_counts(results)
    want = plain_counts(results)
    assert len(got) == 3 * 3            # three replications x three year ends after the start
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want[got.columns].reset_index(drop=True), check_dtype=False)


def test_rates_and_staffed_social_workers_as_defined(results):
    ind = annual_indicators(results)
    c = plain_counts(results)
    with np.errstate(divide="ignore", invalid="ignore"):
        agency = 100 * c["agency_fte"] / (c["agency_fte"] + c["permanent_fte"])
        turnover = 100 * c["leave"] / c["permanent_fte"]
    np.testing.assert_allclose(ind["agency_rate_pct"], agency.where(c["agency_fte"] + c["permanent_fte"] > 0))
    np.testing.assert_allclose(ind["turnover_rate_pct"], turnover.where(c["permanent_fte"] > 0))
    f = forecast_indicators(results)
    snap = results.snapshots
    sw = snap[(snap["role"] == "social_worker") & (snap["date"].dt.month == 10) & (snap["date"].dt.day == 1)]
    staffed = sw.groupby(["replication", sw["date"].dt.year])[["permanent_fte", "agency_fte"]].sum().sum(axis=1)
    assert len(f) == len(staffed) == 3 * 4                                 # the origin year included
    np.testing.assert_allclose(f.set_index(["replication", "year_to_30_sept"])["staffed_sw_fte"].sort_index(), staffed.sort_index())
    assert f.loc[f["year_to_30_sept"] == 2021, "agency_rate_pct"].isna().all()   # no indicators in the origin year
    merged = f.dropna(subset=["fte_in_post"]).merge(ind, on=["replication", "year_to_30_sept"], suffixes=("", "_a"))
    np.testing.assert_allclose(merged["vacancy_rate_pct"], merged["vacancy_rate_pct_a"])


def test_indicator_tables_give_the_full_tables_indicators(results):
    """The calibration's and the backtest's replications keep only what the indicators read
    (``single_run(indicators_only=True)``): the same indicators as the full tables of the same runs, the FTE
    summed by role first (equal to rounding), every count exact."""
    sc = results.scenario
    light = combine(sc, 3, [single_run(sc, 3, r, indicators_only=True) for r in (4, 5, 9)])
    assert "team" not in light.snapshots.columns and light.costs is None      # the light tables, not the full ones
    assert len(light.snapshots) < len(results.snapshots)        # the October snapshots only, summed over teams
    want, got = forecast_indicators(results), forecast_indicators(light)
    assert list(got.columns) == list(want.columns) and len(got) == len(want) == 3 * 4
    for c in want.columns:
        if c in ("replication", "year_to_30_sept", "starters", "leavers"):
            np.testing.assert_array_equal(got[c].to_numpy(), want[c].to_numpy(), err_msg=c)
        else:
            np.testing.assert_allclose(got[c].to_numpy(float), want[c].to_numpy(float), rtol=1e-12, atol=1e-12, err_msg=c)
    pd.testing.assert_frame_equal(indicator_counts(light)[["replication", "date", "start", "leave"]],
                                  indicator_counts(results)[["replication", "date", "start", "leave"]], check_dtype=False)


@pytest.mark.parametrize("day", ["2024-02-29", "2023-02-28", "2021-10-01", "2020-09-30", "2024-03-01"])
def test_a_year_before_is_pandas_year_offset(day):
    import datetime as dt

    from workforce_sim.analysis.checks import year_before

    d = dt.date.fromisoformat(day)
    assert year_before(d) == (pd.Timestamp(d) - pd.DateOffset(years=1)).date()
