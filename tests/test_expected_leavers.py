"""The leavers the permanent staff's hazard leads one to expect (``Staff.expected_leavers``, the records'
``hazards``): the hazard spent is the compensator of the leavers drawn (their difference is a martingale),
and the backtest's turnover members lose the mean of that chance (``analysis.backtest.turnover_chance``)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from workforce_sim.analysis.backtest import turnover_chance
from workforce_sim.analysis.checks import annual_indicators
from workforce_sim.calendar import DAYS_PER_YEAR
from workforce_sim.experiments.replications import combine, single_run

from .helpers import permanent_only, tiny


def test_expected_leavers_are_the_hazard_times_the_years_in_post():
    """A constant hazard: each month's expected leavers are the hazard times the permanent staff's years in
    post in that month (those who start within it and conversions included), to the unit the sums count in."""
    h = 0.3
    sc = tiny(teams=[{"type": "team", "count": 20}],
              initial_staffing=[{"group": "social_work_teams", "permanent_posts": 80, "agency_posts": 30, "vacant_uncovered_posts": 10}],
              attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": h}],
                         "role_multiplier": {"social_worker": 1.0, "practice_manager": 1.0}})
    res = single_run(sc, 5, 0, costs=False)
    spells = res.spells[res.spells["permanent"]]
    assert (spells["start_day"] > 0).sum() > 20       # starters during the run
    ticks = sorted(res.snapshots["date"].unique())
    days = np.array([sc.day(pd.Timestamp(t).date()) for t in ticks])
    haz = res.hazards.set_index("period")["expected_leavers"]
    assert list(haz.index) == list(range(1, len(days)))
    start = spells["start_day"].to_numpy()
    end = spells["end_day"].fillna(np.inf).to_numpy()
    for k in range(1, len(days)):
        years = np.clip(np.minimum(end, days[k]) - np.maximum(start, days[k - 1]), 0, None).sum() / DAYS_PER_YEAR
        assert abs(haz[k] - h * years) < 1e-6, k
    assert haz.sum() > 40        # about 80 staff at 0.3 a year for two years


def test_a_closed_cohorts_expected_leavers_follow_exponential_survival():
    """400 staff, nobody joining, hazard h: E[leavers in the first year] = 400 (1 - e^-h), and so is the mean of
    the expected leavers, whose spread is less than the leavers drawn."""
    h = 0.25
    sc = permanent_only({"tenure_bands": [{"min_years": 0, "hazard_per_year": h}]}).model_copy(
        update={"start_date": pd.Timestamp("2014-10-01").date(), "end_date": pd.Timestamp("2015-10-01").date()})
    res = combine(sc, 2, [single_run(sc, 2, r, costs=False) for r in range(40)])
    ind = annual_indicators(res)
    assert len(ind) == 40
    want = 400 * (1 - math.exp(-h))
    expected, drawn = ind["expected_leavers"].to_numpy(), ind["leavers"].to_numpy(float)
    assert abs(expected.mean() - want) < 3 * expected.std() / math.sqrt(40) + 0.5
    assert abs(drawn.mean() - want) < 3 * math.sqrt(want * math.exp(-h) / 40)
    assert expected.std() < 0.5 * drawn.std()


def test_the_leavers_drawn_less_those_expected_have_mean_zero():
    """With hiring, agency cover, conversions and tenure bands (the tiny scenario, 120 posts): over 120
    replications the mean of leavers less expected leavers in each year lies within 3.5 standard errors of zero."""
    sc = tiny(end_date="2017-01-01", start_date="2014-10-01", teams=[{"type": "team", "count": 20}],
              initial_staffing=[{"group": "social_work_teams", "permanent_posts": 80, "agency_posts": 30, "vacant_uncovered_posts": 10}])
    res = combine(sc, 11, [single_run(sc, 11, r, costs=False) for r in range(120)])
    ind = annual_indicators(res)
    assert set(ind["year_to_30_sept"]) == {2015, 2016}
    for _, g in ind.groupby("year_to_30_sept"):
        chance = g["leavers"].to_numpy(float) - g["expected_leavers"].to_numpy()
        assert g["leavers"].mean() > 8
        assert abs(chance.mean()) < 3.5 * chance.std() / math.sqrt(len(chance))


def test_turnover_members_lose_their_mean_chance_and_keep_their_spread():
    f = pd.DataFrame({
        "variant": ["a"] * 4 + ["b"] * 2, "year_to_30_sept": [2020] * 4 + [2020] * 2, "replication": [0, 1, 2, 3, 0, 1],
        "fte_in_post": [100.0, 100.0, 100.0, 100.0, 50.0, 50.0],
        "leavers": [12.0, 15.0, 9.0, 20.0, 1.0, 0.0], "expected_leavers": [13.0, 13.0, 13.0, 13.0, 3.0, 4.0],
    })
    f["turnover_rate_pct"] = 100 * f["leavers"] / f["fte_in_post"]
    got = turnover_chance(f.copy())
    a = got[got["variant"] == "a"]["turnover_rate_pct"].to_numpy()
    # variant a: the chance 12 + 15 + 9 + 20 - 4 x 13 = 4 leavers over 4 members: 1 leaver, 1 point, off each
    np.testing.assert_allclose(a, [11.0, 14.0, 8.0, 19.0])
    np.testing.assert_allclose(np.diff(a), np.diff(f["turnover_rate_pct"].to_numpy()[:4]))
    # variant b: a mean chance of -3 leavers adds 6 points; the members stay apart by what they drew
    np.testing.assert_allclose(got[got["variant"] == "b"]["turnover_rate_pct"], [8.0, 6.0])
    # a shift below zero stops at zero
    f2 = f.assign(expected_leavers=[0.0, 0.0, 0.0, 0.0, 3.0, 4.0])
    assert turnover_chance(f2.copy())["turnover_rate_pct"].min() == 0.0
    # without the expected leavers (records that lack them): unchanged
    pd.testing.assert_frame_equal(turnover_chance(f.drop(columns="expected_leavers")), f.drop(columns="expected_leavers"))
