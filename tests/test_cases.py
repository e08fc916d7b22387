"""Children's cases: queueing theory on degenerate configurations, invariants, monotonicity, reallocation."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workforce_sim.experiments.replications import run_replications, single_run
from workforce_sim.model.cases import CaseService
from workforce_sim.model.cases.caseload import Caseload
from workforce_sim.model.cases.durations import DurationSampler
from workforce_sim.model.cases.pathway import Pathway
from workforce_sim.model.cases.records import MONTHLY_COLUMNS
from workforce_sim.model.workforce import WorkforceModel
from workforce_sim.scenario.loading import load_scenario
from workforce_sim.scenario.schema import Duration
from workforce_sim.streams import Streams

from .helpers import PATHWAY, SCENARIOS, tiny

NO_TIME_OFF = {"supervision_hours_per_session": 0, "training_days_per_year": 0, "casework_share_assumed_by_cap": 1.0}
STATIC_STAFF = {
    "attrition": {"tenure_bands": [{"min_years": 0, "hazard_per_year": 0.0}]},
    "recruitment": {"pipeline": {"enabled": False}},
    "agency": {"enabled": False, "conversion_per_year": 0.0},
}
ALL_TYPES = ["assessment", "cin", "cp", "lac"]


def one_team(workers: int, **overrides: Any):
    """One team of ``workers`` permanent social workers, nobody joining or leaving."""
    base = dict(
        team_types={"team": {"posts": [{"role": "practice_manager", "count": 0}, {"role": "social_worker", "count": workers}]}},
        teams=[{"type": "team", "count": 1}],
        initial_staffing=[{"group": "social_work_teams", "permanent_posts": workers, "agency_posts": 0, "vacant_uncovered_posts": 0}],
        **STATIC_STAFF,
    )
    base.update(overrides)
    return tiny(**base)


def erlang_c(c: int, a: float) -> float:
    """Probability of waiting in an M/M/c queue with offered load ``a`` = lambda / mu."""
    top = a ** c / math.factorial(c) * c / (c - a)
    return top / (sum(a ** k / math.factorial(k) for k in range(c)) + top)




# --------------------------------------------------------------------------- queueing theory
@pytest.mark.slow
def test_one_team_with_cap_one_is_an_erlang_c_queue():
    c, mean_s, rho = 3, 5.0, 0.5
    lam = rho * c / mean_s                               # referrals a day
    sc = one_team(
        c, start_date="2015-01-01", end_date="2030-01-01",
        demand={"referrals": {"rate_per_year": lam * 365.25},
                "assessment": {"work_calendar_days": {"dist": "exponential", "mean_days": mean_s}, "outcomes": {"close": 1.0}}},
        caseload={"routes": {"assessment": ["team"]}, "cap": 1, "overflow": "queue", "time_off": NO_TIME_OFF,
                  "pressure": {"hazard_per_unit_over_cap": 0}},
    )
    res = run_replications(sc, replications=160, seed=2014, keep_events=True)
    cases = res.cases[(res.cases["referral_day"] > 365) & res.cases["first_allocated_day"].notna()]
    assert len(cases) > 240_000                          # standard errors about 0.8% (P(wait)) and 1.8% (mean wait)
    p_wait = erlang_c(c, lam * mean_s)                   # 0.2368
    mean_wait = p_wait / (c / mean_s - lam)              # 0.789 days
    assert abs((cases["wait_days"] > 1e-9).mean() / p_wait - 1) < 0.05
    assert abs(cases["wait_days"].mean() / mean_wait - 1) < 0.05
    # service time from allocation to closure is the exponential work content
    service = cases["closed_day"] - cases["first_allocated_day"]
    assert abs(service.mean() / mean_s - 1) < 0.02


def test_open_cases_follow_littles_law():
    lam = 1000.0                                          # referrals a year
    sc = one_team(
        10, start_date="2015-01-01", end_date="2019-01-01",
        demand={"referrals": {"rate_per_year": lam},
                "assessment": {"work_calendar_days": {"dist": "exponential", "mean_days": 20}, "outcomes": {"close": 0.5, "cin": 0.5}},
                "plans": {"cin": {"duration": {"dist": "lognormal", "mean_days": 100, "cv": 0.5}, "next": {"close": 1.0}}}},
        caseload={"routes": {"assessment": ["team"], "cin": ["team"]}, "cap": 1000, "time_off": NO_TIME_OFF},
    )
    res = run_replications(sc, replications=12, seed=3)
    m = res.case_monthly
    after = m[m["date"] >= pd.Timestamp("2016-01-01")]
    open_cases = (after["open_allocated"] + after["unallocated"]).mean()
    expected = lam * (20 + 0.5 * 100) / 365.25           # 191.6
    assert abs(open_cases / expected - 1) < 0.03
    assert after["unallocated"].sum() == 0


def test_referrals_follow_rate_seasonality_and_trend():
    season = [1.3, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 1.0, 1.0, 1.0, 1.2]
    sc = one_team(
        20, start_date="2015-01-01", end_date="2018-01-01",
        demand={"referrals": {"rate_per_year": 5000, "trend_per_year": 0.2, "seasonality": season},
                "assessment": {"work_calendar_days": {"dist": "fixed", "mean_days": 1}, "outcomes": {"close": 1.0}}},
        caseload={"routes": {"assessment": ["team"]}, "cap": 1000},
    )
    m = run_replications(sc, replications=6, seed=4).case_monthly
    got = m.groupby("date")["referrals"].mean()
    for date, value in got.items():
        if date == got.index[0]:
            continue
        start = date - pd.DateOffset(months=1)
        days = (date - start).days
        t0 = (start - pd.Timestamp("2015-01-01")).days / 365.25
        expected = 5000 / 365.25 * days * season[start.month - 1] * 1.2 ** t0
        assert abs(value / expected - 1) < 4 / math.sqrt(expected * 6), (date, value, expected)


# --------------------------------------------------------------------------- invariants
def _check_case_invariants(res, caps_hold: bool) -> None:
    m = res.case_monthly
    assert (m["referred_total"] == m["closed_total"] + m["open_allocated"] + m["unallocated"]).all()
    assert (m[[f"open_{t}" for t in ALL_TYPES]].sum(axis=1) == m["open_allocated"] + m["unallocated"]).all()
    assert (m[[f"unallocated_{t}" for t in ALL_TYPES]].sum(axis=1) == m["unallocated"]).all()
    assert (m[[c for c in m.columns if c.startswith(("open", "unallocated"))]] >= 0).all().all()
    for _, r in m.sort_values("tick").groupby("replication"):
        assert (r["referred_total"].diff().iloc[1:] == r["referrals"].iloc[1:]).all()
        assert (r["closed_total"].diff().iloc[1:] == r["closures"].iloc[1:]).all()
    assert (m["assessments_on_time"] <= m["assessments_completed"]).all()
    assert (m["cp_visits_on_time"] <= m["cp_visits_due"]).all() and (m["lac_visits_on_time"] <= m["lac_visits_due"]).all()
    assert (m["pathways_max_3_workers"] <= m["pathways_closed"]).all()
    held = res.case_snapshots.groupby(["replication", "tick"])["cases"].sum()
    m_held = m.set_index(["replication", "tick"])["open_allocated"]
    assert (held.reindex(m_held.index, fill_value=0) == m_held).all()
    if caps_hold:
        assert (res.case_snapshots["over_cap_n"] == 0).all()
        assert (res.case_snapshots["max_over_cap"] <= 1e-9).all()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    policy=st.sampled_from(["queue", "least_loaded"]), rate=st.floats(50, 1500), cap=st.floats(2, 25),
    hazard=st.floats(0, 1.5), assignment=st.floats(1, 18), cp_weight=st.floats(0.5, 2.0),
    opening=st.floats(0, 20), pressure=st.floats(0, 2), cohort=st.integers(0, 6), seed=st.integers(0, 10_000),
)
def test_case_invariants_hold_for_any_parameters(policy, rate, cap, hazard, assignment, cp_weight, opening, pressure, cohort, seed):
    sc = tiny(
        team_types={"team": {"posts": [{"role": "practice_manager", "count": 1}, {"role": "consultant_practitioner", "count": 1},
                                       {"role": "social_worker", "count": 4}]},
                    "lac_team": {"posts": [{"role": "social_worker", "count": 3}]}},
        teams=[{"type": "team", "count": 3}, {"type": "lac_team", "count": 1}],
        initial_staffing=[{"group": "social_work_teams", "permanent_posts": 10, "agency_posts": 8, "vacant_uncovered_posts": 3, "asye_posts": 2}],
        attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": hazard}]},
        agency={"assignment_mean_months": assignment},
        nqsw={"cohorts": [{"date": "2015-09-01", "count": cohort}]},
        establishment_changes=[{"date": "2016-01-01", "add_teams": [{"type": "team", "count": 1}]}],
        demand={**PATHWAY, "referrals": {"rate_per_year": rate},
                "plans": {**PATHWAY["plans"], "lac": {**PATHWAY["plans"]["lac"], "move_after_days": 90, "move_to": ["lac_team"]}},
                "opening": {"team": {"cases_per_worker": opening, "mix": {"assessment": 0.3, "cin": 0.4, "cp": 0.2, "lac": 0.1}}}},
        caseload={"routes": {"assessment": ["team"], "cin": ["team"], "cp": ["team"], "lac": ["team"]}, "keep": {"cin": ["lac_team"]},
                  "cap": cap, "overflow": policy, "weights": {"cp": cp_weight}, "pressure": {"hazard_per_unit_over_cap": pressure}},
    )
    res = single_run(sc, seed=seed, keep_events=True)
    # opening cases may start over cap; after that the queue policy never exceeds it
    _check_case_invariants(res, caps_hold=False)
    cases = res.cases
    assert (cases["social_workers"] >= 0).all() and (cases["changes_of_worker"] >= 0).all()
    assert cases["changes_of_worker"].sum() == res.case_monthly["changes_of_worker"].sum()
    closed = cases[cases["closed_day"].notna() & ~cases["opening"]]
    assert len(closed) == res.case_monthly["pathways_closed"].sum()
    assert (closed["social_workers"] <= 3).sum() == res.case_monthly["pathways_max_3_workers"].sum()


def test_caps_never_exceeded_under_the_queue_policy(monkeypatch):
    breaches: list[float] = []
    assign, become, tick = Caseload.assign, Pathway.become, CaseService.tick

    def check(service):
        for h in service.alloc.holders.values():
            if h.load > h.cap + 1e-9:
                breaches.append(h.load - h.cap)

    def checked_assign(self, case, h):
        assign(self, case, h)
        if h.load > h.cap + 1e-9:
            breaches.append(h.load - h.cap)

    def checked_become(self, case, new):
        become(self, case, new)
        check(self)

    def checked_tick(self, k, day, nxt):
        tick(self, k, day, nxt)
        check(self)

    monkeypatch.setattr(Caseload, "assign", checked_assign)
    monkeypatch.setattr(Pathway, "become", checked_become)
    monkeypatch.setattr(CaseService, "tick", checked_tick)
    sc = tiny(
        initial_staffing=[{"group": "social_work_teams", "permanent_posts": 12, "agency_posts": 10, "vacant_uncovered_posts": 2, "asye_posts": 3}],
        attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": 0.4}]},
        agency={"assignment_mean_months": 4},
        nqsw={"cohorts": [{"date": "2015-06-01", "count": 4}]},
        demand={**PATHWAY, "referrals": {"rate_per_year": 2500},
                "opening": {"team": {"cases_per_worker": 8, "mix": {"assessment": 0.3, "cin": 0.4, "cp": 0.2, "lac": 0.1}}}},
        caseload={"routes": {t: ["team"] for t in ALL_TYPES}, "cap": 16, "overflow": "queue",
                  "weights": {"assessment": 1.0, "cin": 0.8, "cp": 1.5, "lac": 1.2}},
    )
    res = run_replications(sc, replications=3, seed=8)
    m = res.case_monthly
    assert m["unallocated"].max() > 20                  # demand beyond capacity: cases wait
    assert not breaches
    _check_case_invariants(res, caps_hold=True)


# --------------------------------------------------------------------------- monotonicity
def _mean_measures(res) -> dict[str, float]:
    snap = res.case_snapshots
    m = res.case_monthly
    g = snap.groupby(["replication", "tick"])[["cases", "holders_fte"]].sum()
    return {
        "caseload": float((g["cases"] / g["holders_fte"]).mean()),
        "unallocated": float(m["unallocated"].mean()),
        "late": float((m["assessments_completed"] - m["assessments_on_time"]).sum() / res.replications),
    }


@pytest.mark.parametrize("policy,rate", [("queue", 480), ("least_loaded", 1200)])
def test_more_workers_lower_caseloads_fewer_unallocated_fewer_late_assessments(policy, rate):
    found = []
    for workers in (8, 11, 14, 20):
        sc = one_team(
            workers,
            demand={**PATHWAY, "referrals": {"rate_per_year": rate}},
            caseload={"routes": {t: ["team"] for t in ALL_TYPES}, "cap": 16, "overflow": policy},
        )
        found.append(_mean_measures(run_replications(sc, replications=4, seed=21)))
    for key in ("caseload", "unallocated", "late"):
        values = [f[key] for f in found]
        assert all(a >= b for a, b in zip(values, values[1:])), (key, values)
    assert found[0]["caseload"] > found[-1]["caseload"] + 3
    assert found[0]["late"] > 2 * found[-1]["late"]
    if policy == "queue":
        assert found[0]["unallocated"] > 50 and found[-1]["unallocated"] == 0
    else:
        assert all(f["unallocated"] == 0 for f in found)


# --------------------------------------------------------------------------- reallocation
def _started_model(sc, until: float) -> WorkforceModel:
    model = WorkforceModel(sc, Streams(5, 0))
    model.build()
    model.cases.start()
    model.env.process(model.clock())
    model.env.run(until)
    return model


@pytest.mark.parametrize("policy", ["queue", "least_loaded"])
def test_a_worker_leaving_with_k_cases_adds_k_changes(policy):
    sc = tiny(
        initial_staffing=[{"group": "social_work_teams", "permanent_posts": 14, "agency_posts": 8, "vacant_uncovered_posts": 2}],
        **STATIC_STAFF,
        demand={**PATHWAY, "referrals": {"rate_per_year": 300},
                "opening": {"team": {"cases_per_worker": 6, "mix": {"assessment": 0.3, "cin": 0.4, "cp": 0.2, "lac": 0.1}}}},
        caseload={"routes": {t: ["team"] for t in ALL_TYPES}, "overflow": policy},
    )
    model = _started_model(sc, 100.0)
    svc = model.cases
    leaver = max((h for h in svc.alloc.holders.values()), key=lambda h: len(h.cases)).worker
    held = list(svc.alloc.holders[leaver.idx].cases)
    k = len(held)
    assert k >= 3
    before_total = svc.records.changes_total
    before = {c.idx: (c.changes, c.n_workers) for c in held}
    model.staff.end(leaver, "test_leave")
    assert svc.records.changes_total == before_total + k
    model.env.run(100.5)                                 # the zero-delay reallocation
    for c in held:
        assert c.changes == before[c.idx][0] + 1
        assert c.holder is not None and c.holder.worker is not leaver      # room elsewhere in both policies
        assert c.n_workers == before[c.idx][1] + 1
    assert svc.records.changes_total == before_total + k           # reallocation itself adds no further change


def test_agency_worker_converting_keeps_their_cases():
    sc = tiny(
        initial_staffing=[{"group": "social_work_teams", "permanent_posts": 0, "agency_posts": 20, "vacant_uncovered_posts": 4}],
        **STATIC_STAFF,
        demand={**PATHWAY, "referrals": {"rate_per_year": 300},
                "opening": {"team": {"cases_per_worker": 6, "mix": {"cin": 1.0}}}},
        caseload={"routes": {t: ["team"] for t in ALL_TYPES}, "overflow": "least_loaded"},
    )
    model = _started_model(sc, 50.0)
    svc = model.cases
    agency = next(h.worker for h in svc.alloc.holders.values() if not h.worker.permanent and h.cases)
    held = list(svc.alloc.holders[agency.idx].cases)
    before = svc.records.changes_total
    changes = [c.changes for c in held]
    post = agency.post
    model.staff.end(agency, "converted_to_permanent")
    new = model.staff.start(post, True, "conversion", person=agency.person)
    model.env.run(50.5)
    assert svc.records.changes_total == before
    assert all(c.holder is svc.alloc.holders[new.idx] for c in held)
    assert [c.changes for c in held] == changes


def test_a_case_moving_team_counts_a_change_and_a_transfer():
    sc = tiny(
        team_types={"team": {"posts": [{"role": "practice_manager", "count": 1}, {"role": "social_worker", "count": 5}]},
                    "lac_team": {"posts": [{"role": "social_worker", "count": 5}]}},
        teams=[{"type": "team", "count": 2}, {"type": "lac_team", "count": 1}],
        initial_staffing=[{"group": "social_work_teams", "permanent_posts": 17, "agency_posts": 0, "vacant_uncovered_posts": 0}],
        **STATIC_STAFF,
        demand={"referrals": {"rate_per_year": 200},
                "assessment": {"work_calendar_days": {"dist": "fixed", "mean_days": 10}, "outcomes": {"lac": 1.0}},
                "plans": {"lac": {"duration": {"dist": "fixed", "mean_days": 200}, "next": {"close": 1.0},
                                  "move_after_days": 60, "move_to": ["lac_team"]}}},
        caseload={"routes": {"assessment": ["team"], "lac": ["team"]}, "cap": 50},
    )
    res = single_run(sc, seed=3, keep_events=True)
    closed = res.cases[res.cases["closed_day"].notna()]
    assert len(closed) > 50
    # assessed and placed in care by the same team, then moved at 60 days: exactly two workers, one change
    assert (closed["social_workers"] == 2).all()
    assert (closed["changes_of_worker"] == 1).all() and (closed["transfers"] == 1).all()


# --------------------------------------------------------------------------- progress, visits, pressure
def test_assessments_slow_down_with_the_workers_load():
    def run(rate):
        sc = one_team(
            4, demand={"referrals": {"rate_per_year": rate},
                       "assessment": {"work_calendar_days": {"dist": "fixed", "mean_days": 20}, "outcomes": {"close": 1.0}}},
            caseload={"routes": {"assessment": ["team"]}, "cap": 10, "overflow": "least_loaded", "time_off": NO_TIME_OFF},
        )
        c = single_run(sc, seed=2, keep_events=True).cases
        c = c[c["closed_day"].notna() & (c["referral_day"] > 60)]
        return (c["closed_day"] - c["referral_day"]).mean()
    light, heavy = run(200), run(2000)                   # capacity 40 cases; heavy load ~2x capacity
    assert abs(light - 20) < 1e-6                         # at full speed an assessment takes exactly its work
    assert heavy > 30


def test_visits_are_on_time_within_capacity_and_late_when_unallocated():
    sc = one_team(
        10, demand={"referrals": {"rate_per_year": 150},
                    "assessment": {"work_calendar_days": {"dist": "fixed", "mean_days": 5}, "outcomes": {"cp": 1.0}},
                    "plans": {"cp": {"duration": {"dist": "fixed", "mean_days": 140}, "next": {"close": 1.0}}}},
        caseload={"routes": {"assessment": ["team"], "cp": ["team"]}, "cap": 20, "time_off": NO_TIME_OFF,
                  "visits": {"cp_interval_days": 14}},
    )
    m = single_run(sc, seed=1).case_monthly
    assert m["cp_visits_due"].sum() > 500
    assert (m["cp_visits_on_time"] == m["cp_visits_due"]).all()
    # every worker leaves, nobody replaces them: the children are unallocated and every visit is late
    model = _started_model(sc, 181.2)                  # just after the tick of 1 July (day 181)
    svc = model.cases
    for h in list(svc.alloc.holders.values()):
        model.staff.end(h.worker, "test_leave")
    model.env.run(212.5)                                      # past the tick of 1 August (day 212)
    july = svc.records.monthly[-1]
    row = dict(zip(MONTHLY_COLUMNS, july))
    assert row["tick"] == 7 and row["cp_visits_due"] > 30
    assert row["cp_visits_on_time"] <= 2                # only visits due in the first 0.2 days of July
    assert row["unallocated"] == row["referred_total"] - row["closed_total"] > 0


def test_caseload_pressure_raises_leaving_and_workload_reasons():
    def run(beta):
        sc = tiny(
            teams=[{"type": "team", "count": 10}],
            initial_staffing=[{"group": "social_work_teams", "permanent_posts": 60, "agency_posts": 0, "vacant_uncovered_posts": 0}],
            attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": 0.2}],
                       "leaver_reasons": {"workload": 0.2, "pay": 0.8}},
            recruitment={"pipeline": {"enabled": False}}, agency={"enabled": False, "conversion_per_year": 0.0},
            demand={**PATHWAY, "referrals": {"rate_per_year": 4000},
                    "opening": {"team": {"cases_per_worker": 40, "mix": {"cin": 1.0}}}},
            caseload={"routes": {t: ["team"] for t in ALL_TYPES}, "overflow": "least_loaded",
                      "pressure": {"hazard_per_unit_over_cap": beta}},
        )
        f = run_replications(sc, 4, seed=9).flows
        leaves = f[(f["kind"] == "leave") & (f["contract"] == "permanent")].groupby("detail")["count"].sum()
        return leaves.sum(), leaves.get("workload", 0) / leaves.sum()
    n0, w0 = run(0.0)
    n1, w1 = run(1.0)
    assert n1 > 1.5 * n0                                  # caseloads ~2.5x the cap
    assert abs(w0 - 0.2) < 0.08 and w1 > 0.45


def test_reason_shares_attribute_the_extra_hazard_to_workload():
    sc = tiny(demand={**PATHWAY}, caseload={"routes": {t: ["team"] for t in ALL_TYPES}})
    model = WorkforceModel(sc, Streams(1, 0))
    model.build()
    h = next(iter(model.cases.alloc.holders.values()))
    h.mult = 2.0
    names = ["workload", "pay", "other"]
    p = model.cases.reason_probabilities(h.worker, names, np.array([0.2, 0.5, 0.3]))
    assert np.allclose(p, [0.2 / 2 + 0.5, 0.25, 0.15]) and abs(p.sum() - 1) < 1e-12


def test_demand_without_pressure_leaves_the_workforce_untouched():
    plain = load_scenario(SCENARIOS / "slough_2014_investment.yaml", ["caseload.pressure.hazard_per_unit_over_cap=0"])
    without = plain.model_copy(update={"demand": None, "caseload": None})
    a, b = single_run(plain, seed=4, replication=2), single_run(without, seed=4, replication=2)
    pd.testing.assert_frame_equal(a.snapshots, b.snapshots)
    pd.testing.assert_frame_equal(a.flows, b.flows)
    assert b.case_monthly is None and a.case_monthly is not None


# --------------------------------------------------------------------------- pieces
def test_working_days_match_numpy_busday_count():
    sc = tiny(demand={**PATHWAY}, caseload={"routes": {t: ["team"] for t in ALL_TYPES}})
    svc = WorkforceModel(sc, Streams(1, 0)).cases
    start = np.datetime64(sc.start_date.isoformat())
    rng = np.random.default_rng(0)
    for a, span in zip(rng.uniform(-400, 700, 300), rng.uniform(0, 120, 300)):
        b = a + span
        days_a, days_b = math.floor(a), math.floor(b)
        expected = np.busday_count(start + np.timedelta64(days_a + 1, "D"), start + np.timedelta64(days_b + 1, "D"))
        assert svc.working_days.between(a, b) == expected


@pytest.mark.parametrize("dist,cv", [("exponential", 1.0), ("lognormal", 0.6), ("lognormal", 1.5), ("fixed", 0.0)])
def test_duration_draws_and_length_biased_draws_have_the_right_means(dist, cv):
    s = DurationSampler(Duration(dist=dist, mean_days=100, cv=cv))
    rng = np.random.default_rng(1)
    draws = np.array([s.from_z(z) for z in rng.standard_normal(200_000)])
    assert abs(draws.mean() / 100 - 1) < 0.02
    if dist != "fixed":
        assert abs(draws.std() / draws.mean() - cv) < 0.05 * cv
    biased = np.array([s.length_biased(rng) for _ in range(100_000)])
    assert abs(biased.mean() / (100 * (1 + cv ** 2)) - 1) < 0.03      # E[L^2] / E[L]


def test_slough_opening_caseloads_reproduce_the_seed():
    res = single_run(load_scenario(SCENARIOS / "slough_2014_baseline.yaml"), seed=1)
    snap = res.case_snapshots[res.case_snapshots["tick"] == 0]
    sw = snap[snap["role"] == "social_worker"].groupby("team_type")[["cases", "holders_fte"]].sum()
    avg = sw["cases"] / sw["holders_fte"]
    assert abs(avg["assessment_cin"] - 36) < 1.0            # S2 Appendix 1: 36 in December 2013
    assert abs(avg["protection_care"] - 21) < 1.0           # and 21
    m = res.case_monthly
    assert 1300 < m["referred_total"].iloc[0] < 1700        # DfE: 1,549 children in need at 31 March 2014


def test_case_results_repeat_for_a_seed_and_any_worker_count():
    sc = load_scenario(SCENARIOS / "slough_2014_investment.yaml")
    one = run_replications(sc, 3, seed=8, workers=1)
    two = run_replications(sc, 3, seed=8, workers=2)
    pd.testing.assert_frame_equal(one.case_monthly, two.case_monthly)
    pd.testing.assert_frame_equal(one.case_snapshots, two.case_snapshots)
    other = run_replications(sc, 1, seed=9, workers=1).case_monthly["referrals"].to_numpy()
    assert not np.array_equal(other, one.case_monthly.loc[one.case_monthly["replication"] == 0, "referrals"].to_numpy())
