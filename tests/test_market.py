"""One market: councils sharing job seekers and an agency pool (model.market, model.region)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workforce_sim.calendar import DAYS_PER_MONTH
from workforce_sim.experiments.regions import run_region_replications, single_region_run
from workforce_sim.experiments.replications import single_run
from workforce_sim.scenario.schema.region import Region

from .helpers import tiny
from .test_record_digests import TABLES, table_digest

SUPPLEMENT = {"enabled": True, "start_date": "2015-01-01", "amount_gbp_per_year": {"social_worker": 5000.0},
              "response": {"attrition_per_1000_gbp": -0.08}}


def council(name: str, **overrides):
    return tiny(name=name, council=name, **overrides)


def region(*members, market=None, policies=None, responses=None) -> Region:
    responses = responses or {}
    return Region.model_validate({
        "name": "test_region", "start_date": members[0].start_date, "end_date": members[0].end_date,
        "members": [{"name": m.name, "scenario": m, "response": responses.get(m.name)} for m in members],
        "market": {"enabled": True, **(market or {})}, "policies": policies or {},
    })


def test_a_region_of_one_with_the_market_off_is_the_single_council_model():
    sc = council("a", demand=None)
    reg = region(sc, market={"enabled": False})
    for r in (0, 1):
        alone = single_run(sc, 2014, r, keep_events=True)
        (member,), market = single_region_run(reg, 2014, r, keep_events=True)
        assert market == {}
        for t in TABLES:
            assert table_digest(getattr(member, t)) == table_digest(getattr(alone, t)), t


def test_the_first_member_keeps_its_draws_when_a_neighbour_joins_and_the_market_is_off():
    a, b = council("a"), council("b")
    (alone,), _ = single_region_run(region(a, market={"enabled": False}), 2014, 0)
    (first, second), _ = single_region_run(region(a, b, market={"enabled": False}), 2014, 0)
    assert table_digest(first.snapshots) == table_digest(alone.snapshots)
    assert table_digest(second.snapshots) != table_digest(first.snapshots)   # the neighbour has its own streams


def _conserved(market: pd.DataFrame) -> None:
    held = market["in_posts"] + market["seekers"] + market["agency_pool"] + market["barred"] + market["in_offer"]
    assert (held == market["inflow_total"] - market["outflow_total"]).all()
    for col in ("in_posts", "seekers", "agency_pool", "barred", "in_offer"):
        assert (market[col] >= 0).all(), col


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 3), seekers=st.integers(0, 30), agency=st.integers(0, 30), arrivals=st.floats(0, 40),
       exits=st.floats(0, 4), to_council=st.floats(0, 0.5), to_agency=st.floats(0, 0.5), bar=st.sampled_from([0, 3, 12]),
       cap=st.booleans(), seed=st.integers(0, 10_000))
def test_every_worker_is_in_a_post_a_pool_or_a_counted_outflow(n, seekers, agency, arrivals, exits, to_council, to_agency, bar,
                                                                cap, seed):
    members = [council(f"c{i}", teams=[{"type": "team", "count": 2}],
                       initial_staffing=[{"group": "social_work_teams", "permanent_posts": 6, "agency_posts": 5 - i, "vacant_uncovered_posts": 1 + i}])
               for i in range(n)]
    policies = {"cooling_off": {"date": "2015-06-01", "months": bar}}
    if cap:
        policies["price_cap"] = {"date": "2015-09-01", "day_rate_gbp": {"social_worker": 250.0}}
    reg = region(*members, policies=policies, market={
        "job_seekers": {"initial": seekers, "arrivals_per_year": arrivals, "exit_per_year": exits, "newly_qualified_per_year": 2},
        "agency_pool": {"initial": agency, "arrivals_per_year": arrivals, "exit_per_year": exits},
        "leaver_destinations": {"other_council": to_council, "agency": to_agency}})
    results, market = single_region_run(reg, seed, 0)
    _conserved(market["market"])
    heads = sum(int(r.snapshots.loc[r.snapshots["tick"] == 0, ["permanent_n", "agency_n"]].sum().sum()) for r in results)
    assert market["market"]["in_posts"].iloc[0] == heads      # the market's count agrees with the members' records


def _permanent_share(res, when="2016-12-01") -> pd.Series:
    snap = res.snapshots[res.snapshots["date"] == pd.Timestamp(when)] if "date" in res.snapshots else None
    if snap is None or snap.empty:
        snap = res.snapshots[res.snapshots["tick"] == res.snapshots["tick"].max()]
    g = snap.groupby("replication")[["permanent_fte", "agency_fte"]].sum()
    return g["permanent_fte"] / (g["permanent_fte"] + g["agency_fte"])


MARKET = {"job_seekers": {"initial": 15, "arrivals_per_year": 12, "exit_per_year": 1.5},
          "agency_pool": {"initial": 10, "arrivals_per_year": 20, "exit_per_year": 1.5},
          "attractiveness": {"pay_per_1000_gbp": 0.15}}


@pytest.mark.slow
def test_a_supplement_wins_staff_from_the_neighbour_and_the_gain_shrinks_when_the_neighbour_matches():
    n = 40
    a, b = council("A"), council("B")
    paid = council("A", market_supplement=SUPPLEMENT)
    none = run_region_replications(region(a, b, market=MARKET), n, 2014, workers=1)
    alone = run_region_replications(region(paid, b, market=MARKET), n, 2014, workers=1)
    matched = run_region_replications(region(paid, b, market=MARKET, responses={"B": {"rule": "match", "follows": "A"}}), n, 2014,
                                      workers=1)
    gain_a = (_permanent_share(alone.members["A"]) - _permanent_share(none.members["A"])).mean()
    loss_b = (_permanent_share(alone.members["B"]) - _permanent_share(none.members["B"])).mean()
    gain_matched = (_permanent_share(matched.members["A"]) - _permanent_share(none.members["A"])).mean()
    assert gain_a > 0.02, gain_a
    assert loss_b < 0, loss_b
    assert gain_matched < gain_a, (gain_matched, gain_a)
    for res in (none, alone, matched):
        _conserved(res.market)


def test_no_leaver_joins_the_agency_pool_within_the_cooling_off_bar():
    members = [council("a"), council("b")]
    reg = region(*members, policies={"cooling_off": {"date": "2015-03-01", "months": 6, "seek_permanent_share": 0.0, "leave_share": 0.0}},
                 market={"leaver_destinations": {"other_council": 0.1, "agency": 0.8},
                         "job_seekers": {"initial": 5}, "agency_pool": {"initial": 5}})
    start = reg.members[0].scenario.day(reg.policies.cooling_off.date)
    joined = []
    for r in range(4):
        _, market = single_region_run(reg, 7, r)
        f = market["market_flows"]
        joined.append(f[(f["kind"] == "leaver_to_agency") & (f["left_day"] >= start)])
    joined = pd.concat(joined)
    assert len(joined) > 0          # leavers did go agency, after the bar
    wait = joined["day"] - joined["left_day"]
    assert (wait >= 6 * DAYS_PER_MONTH - 1e-6).all(), wait.min()
    before = pd.concat([single_region_run(reg, 7, r)[1]["market_flows"] for r in range(2)])
    early = before[(before["kind"] == "leaver_to_agency") & (before["left_day"] < start)]
    assert np.allclose(early["day"], early["left_day"])    # before the bar: straight into the pool
