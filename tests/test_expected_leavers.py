"""The leavers the permanent staff's hazard leads one to expect (``Staff.expected_leavers``, the records'
``hazards``): the hazard spent is the compensator of the leavers drawn (their difference is a martingale),
with a variance near that of a Poisson law of the same mean, which the backtest's turnover ensemble adds to each
replication's expected leavers (``analysis.backtest.turnover_members``)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from workforce_sim.analysis.backtest import MEMBERS_PER_REPLICATION, model_values, turnover_members
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
    replications the mean of leavers less expected leavers in each year lies within 3.5 standard errors of zero,
    and their variance is near the expected leavers' (a Poisson law's)."""
    sc = tiny(end_date="2017-01-01", start_date="2014-10-01", teams=[{"type": "team", "count": 20}],
              initial_staffing=[{"group": "social_work_teams", "permanent_posts": 80, "agency_posts": 30, "vacant_uncovered_posts": 10}])
    res = combine(sc, 11, [single_run(sc, 11, r, costs=False) for r in range(120)])
    ind = annual_indicators(res)
    assert set(ind["year_to_30_sept"]) == {2015, 2016}
    for _, g in ind.groupby("year_to_30_sept"):
        chance = g["leavers"].to_numpy(float) - g["expected_leavers"].to_numpy()
        assert g["leavers"].mean() > 8
        assert abs(chance.mean()) < 3.5 * chance.std() / math.sqrt(len(chance))
        # given who was in post, the leavers are about Poisson: the chance's variance about its mean
        assert 0.6 < chance.var() / g["expected_leavers"].mean() < 1.5


def test_turnover_members_are_each_replications_poisson_quantiles():
    expected = np.array([12.0, 3.5, 0.0, 5.0])
    fte = np.array([100.0, 50.0, 20.0, 0.0])
    m = turnover_members(expected, fte, per=400).reshape(4, 400)
    # the members of a replication are its Poisson quantiles over its FTE: mean and variance of that law
    assert abs(m[0].mean() - 12.0) < 0.05 and abs(np.var(m[0]) - 12.0) < 0.6
    assert abs(m[1].mean() * 0.5 - 3.5) < 0.05
    assert set(np.unique(m[1] * 0.5)) <= set(range(20))          # whole leavers
    assert (m[2] == 0).all()                                    # none expected, none drawn
    assert np.isnan(m[3]).all()                                 # no FTE in post: no turnover
    # the forecast's values: MEMBERS_PER_REPLICATION per replication and year, the other measures one each
    f = pd.DataFrame({"variant": "calibrated", "replication": [0, 1, 0, 1], "year_to_30_sept": [2020, 2020, 2021, 2021],
                      "staffed_sw_fte": 10.0, "agency_rate_pct": [5.0, 6.0, 7.0, 8.0], "turnover_rate_pct": [10.0, 20.0, 30.0, 40.0],
                      "vacancy_rate_pct": 1.0, "expected_leavers": [np.nan, np.nan, 8.0, 9.0], "fte_in_post": 50.0})
    long = model_values(f, None)
    t = long[long["measure"] == "turnover_rate_pct"]
    assert len(t) == 4 * MEMBERS_PER_REPLICATION and len(long[long["measure"] == "agency_rate_pct"]) == 4
    got = t[t["year_to_30_sept"] == 2021].groupby("replication")["value"].mean()
    np.testing.assert_allclose(got, [16.0, 18.0], atol=0.4)     # 100 x 8 / 50 and 100 x 9 / 50
    assert t[t["year_to_30_sept"] == 2020]["value"].isna().all()   # the origin year: nothing expected, nothing scored
    # records without the expected leavers: the turnover drawn, one value a replication
    raw = model_values(f.drop(columns="expected_leavers"), None)
    assert list(raw[raw["measure"] == "turnover_rate_pct"]["value"]) == [10.0, 20.0, 30.0, 40.0]
