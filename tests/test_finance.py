"""Pay, progression and costs: analytical cases, invariants and the shipped pay table."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workforce_sim.analysis.finance import cost_by_replication, costs_by_year, investment_comparison, yearly_costs
from workforce_sim.calendar import DAYS_PER_MONTH, DAYS_PER_YEAR, month_starts
from workforce_sim.experiments.replications import run_replications, single_run
from workforce_sim.finance.costs import COMPONENTS
from workforce_sim.finance.pay import PayTable, pay_paths
from workforce_sim.model.workforce import WorkforceModel
from workforce_sim.scenario.loading import load_scenario
from workforce_sim.scenario.pay_spine import pay_spine
from workforce_sim.scenario.schema import ROLES
from workforce_sim.streams import Streams

from .helpers import SCENARIOS, tiny

STILL = {  # nobody leaves, nobody is hired, agency assignments never end
    "attrition": {"tenure_bands": [{"min_years": 0, "hazard_per_year": 0.0}]},
    "recruitment": {"pipeline": {"enabled": False}},
    "agency": {"conversion_per_year": 0.0, "assignment_mean_months": 1e9, "cover_lag_days": 0.0, "cover_probability": 1.0},
}
NO_RESPONSE = {"applicants_per_1000_gbp": 0, "acceptance_per_1000_gbp": 0, "attrition_per_1000_gbp": 0, "conversion_per_1000_gbp": 0}


def costs_of(res) -> dict[str, float]:
    return res.costs.groupby("component")["cost_gbp"].sum().to_dict()


def horizon_days(sc) -> float:
    return sc.day(month_starts(sc.start_date, sc.end_date)[-1])


# --------------------------------------------------------------------------- the shipped table
def test_pay_spine_table_matches_the_seed():
    first, levels = pay_spine()
    assert first == 33
    assert [len(lvl) for lvl in levels] == [3, 5, 3]
    assert levels[0] == (27849, 28636, 29236)          # S4 3.1, Level 1 SCP 33-35
    assert (levels[1][0], levels[1][-1]) == (30011, 33661)   # Level 2 SCP 36-40
    assert levels[2] == (34549, 35430, 36313)          # Level 3 SCP 41-43
    table = PayTable.from_scenario(tiny(), ROLES)
    sw = ROLES.index("social_worker")
    assert table.spinal_point[table.nqsw_entry[sw]] == 33
    assert table.spinal_point[table.entry[sw]] == 36


# --------------------------------------------------------------------------- totals and components
def test_cost_components_sum_to_the_total():
    sc = tiny(
        initial_staffing=[{"group": "social_work_teams", "permanent_posts": 24, "agency_posts": 0, "vacant_uncovered_posts": 0}],
        attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": 0.0}], "initial_tenure": [{"min_years": 0, "max_years": 0.5, "share": 1.0}]},
        recruitment={"pipeline": {"enabled": False}, "campaigns": [{"date": "2015-06-10", "cost_gbp": 12345, "roles": {"social_worker": {"applicants": 0, "max_hires": 0}}}]},
        agency={"enabled": False, "conversion_per_year": 0.0},
        finance={"on_cost_rate": 0.25},
    )
    res = run_replications(sc, 2, seed=3)
    wide = yearly_costs(res)
    assert np.allclose(wide["total"], wide[list(COMPONENTS)].sum(axis=1))
    by_year = costs_by_year(res)
    assert np.allclose(by_year["total_gbp"], by_year[[f"{c}_gbp" for c in COMPONENTS]].sum(axis=1))
    assert math.isclose(by_year["total_gbp"].sum(), cost_by_replication(res).mean(), rel_tol=1e-12)
    c = costs_of(single_run(sc, seed=3))
    assert c["agency"] == 0 and c["market_supplement"] == 0 and c["relocation"] == 0 and c["nqsw_programme"] == 0
    assert c["recruitment_campaigns"] == 12345
    assert math.isclose(c["employer_on_costs"], 0.25 * c["salaries"], rel_tol=1e-12)
    assert c["salaries"] > 0


def test_salaries_of_a_still_workforce_equal_salary_times_days():
    # staff start under six months' service, increments in January need 12 months: the first
    # increment is January 2016 for everyone; 2015 is paid at the entry point
    sc = tiny(
        initial_staffing=[{"group": "social_work_teams", "permanent_posts": 24, "agency_posts": 0, "vacant_uncovered_posts": 0}],
        attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": 0.0}], "initial_tenure": [{"min_years": 0, "max_years": 0.5, "share": 1.0}]},
        recruitment={"pipeline": {"enabled": False}},
        agency={"enabled": False, "conversion_per_year": 0.0},
        finance={"progression": {"increment_month": 1, "min_months_in_post_for_increment": 0},
                 "pay": {"social_worker": {"progression_per_year": [0, 0]}}},
    )
    res = single_run(sc, seed=1)
    sal = res.costs[res.costs["component"] == "salaries"].set_index("date")["cost_gbp"]
    ticks = month_starts(sc.start_date, sc.end_date)
    pm0, sw0 = 41000.0, 30011.0            # PM default first point; SW Level 2 entry (SCP 36)
    pm1, sw1 = 42000.0, 30851.0            # one increment later (January 2016)
    for k in range(len(ticks) - 1):
        days = (ticks[k + 1] - ticks[k]).days
        pm, sw = (pm0, sw0) if ticks[k] < dt.date(2016, 1, 1) else (pm1, sw1)
        expected = (4 * pm + 20 * sw) * days / DAYS_PER_YEAR
        assert math.isclose(sal[pd.Timestamp(ticks[k])], expected, rel_tol=1e-9), ticks[k]


def test_agency_cost_is_billable_days_times_day_rate():
    sc = tiny(initial_staffing=[{"group": "social_work_teams", "permanent_posts": 0, "agency_posts": 24, "vacant_uncovered_posts": 0}],
              finance={"agency": {"day_rate_gbp": {"practice_manager": 410, "social_worker": 290}}, "working_days_per_fte_year": 220}, **STILL)
    res = single_run(sc, seed=2)
    days = horizon_days(sc) * 220 / DAYS_PER_YEAR          # billable days of one FTE over the run
    c = costs_of(res)
    assert math.isclose(c["agency"], days * (4 * 410 + 20 * 290), rel_tol=1e-9)
    assert c["salaries"] == 0 and c["employer_on_costs"] == 0
    # premium basis: day rate = permanent entry salary x (1 + on-costs) / working days x (1 + premium)
    prem = tiny(initial_staffing=[{"group": "social_work_teams", "permanent_posts": 0, "agency_posts": 24, "vacant_uncovered_posts": 0}],
                finance={"agency": {"basis": "premium", "premium_over_permanent": 0.5}, "working_days_per_fte_year": 220, "on_cost_rate": 0.3}, **STILL)
    rate = lambda salary: salary * 1.3 / 220 * 1.5  # noqa: E731
    c = costs_of(single_run(prem, seed=2))
    assert math.isclose(c["agency"], days * (4 * rate(41000.0) + 20 * rate(30011.0)), rel_tol=1e-9)


def test_no_cost_when_the_establishment_is_empty():
    sc = tiny(team_types={"team": {"posts": [{"role": "social_worker", "count": 0}]}},
              initial_staffing=[{"group": "social_work_teams", "permanent_posts": 0, "agency_posts": 0, "vacant_uncovered_posts": 0}],
              market_supplement={"enabled": True, "start_date": "2015-01-01", "amount_gbp_per_year": {"social_worker": 5000}},
              finance={"relocation": {"start_date": "2015-01-01", "package_gbp": 5000, "take_up": 1.0}})
    res = run_replications(sc, 2, seed=1)
    assert len(res.costs) > 0
    assert (res.costs["cost_gbp"] == 0).all()
    assert (res.levels["fte"] == 0).all()


def _supplement_cost_difference(a: float, b: float, seed: int) -> tuple[float, float, float]:
    def run(amount):
        sc = tiny(market_supplement={"enabled": True, "start_date": "2015-06-01", "response": NO_RESPONSE,
                                     "amount_gbp_per_year": {"social_worker": amount, "practice_manager": amount / 2}},
                  finance={"on_cost_rate": 0.3})
        return single_run(sc, seed=seed)
    ra, rb = run(a), run(b)
    pd.testing.assert_frame_equal(ra.snapshots, rb.snapshots)       # no response: the same workforce
    ca, cb = costs_of(ra), costs_of(rb)
    total = lambda c: sum(c.values())  # noqa: E731
    return total(cb) - total(ca), cb["market_supplement"] - ca["market_supplement"], ca["market_supplement"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=st.integers(0, 8000), extra=st.integers(0, 8000), seed=st.integers(0, 1000))
def test_a_larger_supplement_never_costs_less(a, extra, seed):
    d_total, d_supp, supp_a = _supplement_cost_difference(a, a + extra, seed)
    assert d_total >= -1e-6
    assert math.isclose(d_total, 1.3 * d_supp, rel_tol=1e-9, abs_tol=1e-6)      # the difference is the supplement and its on-costs
    if a > 0:
        assert math.isclose(d_supp, supp_a * extra / a, rel_tol=1e-9, abs_tol=1e-6)   # proportional to the amount


def test_supplement_spend_rises_with_the_amount_when_staff_respond():
    spend = []
    for amount in (1000, 3000, 6000):
        sc = tiny(market_supplement={"enabled": True, "start_date": "2015-01-01", "amount_gbp_per_year": {"social_worker": amount}})
        spend.append(cost_by_replication(run_replications(sc, 6, seed=11), "market_supplement").mean())
    assert spend[0] < spend[1] < spend[2]


def test_market_supplement_response_counts_the_gap_in_full_and_beyond_parity_in_part():
    sc = tiny(market_supplement={"enabled": True, "start_date": "2015-01-01",
                                 "amount_gbp_per_year": {"social_worker": 5000},
                                 "neighbour_pay_gap_gbp_per_year": {"social_worker": 2000},
                                 "response": {"applicants_per_1000_gbp": 0.1, "beyond_parity_factor": 0.25}})
    m = WorkforceModel(sc, Streams(1, 0))
    sw = ROLES.index("social_worker")
    assert math.isclose(m.supplement.multiplier("applicants", sw, "social_work_teams", 0.0), 1.1 ** (2 + 0.25 * 3))
    assert m.supplement.multiplier("applicants", sw, "other_group", 0.0) == 1.0
    assert m.supplement.multiplier("applicants", ROLES.index("practice_manager"), "social_work_teams", 0.0) == 1.0


@settings(max_examples=30, deadline=None)
@given(a=st.floats(0, 10000), extra=st.floats(0, 10000), gap=st.floats(-5000, 10000), f=st.floats(0, 1))
def test_response_multiplier_never_falls_as_the_supplement_rises(a, extra, gap, f):
    def mult(amount):
        sc = tiny(market_supplement={"enabled": True, "start_date": "2015-01-01", "amount_gbp_per_year": {"social_worker": amount},
                                     "neighbour_pay_gap_gbp_per_year": {"social_worker": gap}, "response": {"beyond_parity_factor": f}})
        m = WorkforceModel(sc, Streams(1, 0))
        return [m.supplement.multiplier(k, ROLES.index("social_worker"), "social_work_teams", 1.0) for k in ("applicants", "acceptance", "attrition", "conversion")]
    lo, hi = mult(a), mult(a + extra)
    assert hi[0] >= lo[0] - 1e-12 and hi[1] >= lo[1] - 1e-12 and hi[3] >= lo[3] - 1e-12
    assert hi[2] <= lo[2] + 1e-12                      # attrition falls


# --------------------------------------------------------------------------- increments and progression
def _paths(sc, start, end, tenure0, nqsw, initial, role="social_worker", seed=0):
    ticks = month_starts(sc.start_date, sc.end_date)
    edges = np.array([sc.day(d) for d in ticks])
    table = PayTable.from_scenario(sc, ROLES)
    n = len(start)
    return ticks, table, pay_paths(sc, table, np.full(n, ROLES.index(role)), np.asarray(start, float), np.asarray(end, float),
                                   np.asarray(tenure0, float), np.asarray(nqsw, bool), np.asarray(initial, bool), ticks, edges,
                                   np.random.default_rng(seed))


def test_increments_are_applied_once_each_april():
    sc = tiny(start_date="2014-01-01", end_date="2020-01-01",
              finance={"pay": {"social_worker": {"levels": [[float(20000 + 100 * i) for i in range(10)]], "first_spinal_point": 1,
                                                 "entry_level": 1, "nqsw_entry_level": 1, "progression_per_year": []}}})
    # spells: in post from the start with 3 years' service; starting 1 Feb 2014 (2 months before April);
    # starting 1 Sep 2014; leaving in Nov 2016
    start = [0, sc.day(dt.date(2014, 2, 1)), sc.day(dt.date(2014, 9, 1)), 0]
    end = [horizon_days(sc)] * 3 + [sc.day(dt.date(2016, 11, 15))]
    ticks, table, paths = _paths(sc, start, end, tenure0=[3, 0, 0, 0.1], nqsw=[False] * 4, initial=[True, False, False, True])
    p = paths.point - table.offset[ROLES.index("social_worker")]       # point within the role's scale
    steps = np.diff(p, axis=1)
    months = np.array([d.month for d in ticks[1:len(ticks) - 1]])
    assert set(np.unique(steps)) <= {0, 1}
    assert (steps[:, months != 4] == 0).all()                   # nothing moves outside April
    aprils = [d for d in ticks[1:-1] if d.month == 4]
    assert len(aprils) == 6                                      # April 2014 ... April 2019
    assert p[0, 0] == 3                                          # three years replayed: three increments
    # Feb 2014 starter and the one in post with 0.1 years' service miss April 2014 (< 6 months' service);
    # the Sep 2014 starter's first is April 2015; the leaver gets 2015 and 2016 only
    assert paths.increments.tolist() == [6, 5, 5, 2]
    assert p[0, -1] == 9 and p[1, -1] == 5 and p[2, -1] == 5 and p[3, -1] == 2


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n_levels=st.integers(1, 4), pts=st.integers(1, 6), rate=st.floats(0, 5), accel=st.booleans(),
       starts=st.lists(st.floats(0, 1400), min_size=1, max_size=12), tenure=st.floats(0, 30), nq=st.booleans(), seed=st.integers(0, 99))
def test_pay_points_only_rise_one_step_in_april_or_to_a_new_level(n_levels, pts, rate, accel, starts, tenure, nq, seed):
    levels = [[float(20000 + 1000 * (li * pts + i)) for i in range(pts)] for li in range(n_levels)]
    sc = tiny(start_date="2014-01-01", end_date="2018-01-01",
              finance={"progression": {"acceleration": accel},
                       "pay": {"social_worker": {"levels": levels, "entry_level": 1, "nqsw_entry_level": 1, "progression_per_year": [rate] * (n_levels - 1)}}})
    n = len(starts)
    ticks, table, paths = _paths(sc, starts, [1500.0] * n, [tenure if not nq else 0] * n, [nq] * n, [s == 0 for s in starts], seed=seed)
    p = paths.point
    lvl = table.level[p]
    for k in range(1, p.shape[1]):
        same_level = lvl[:, k] == lvl[:, k - 1]
        step = p[:, k] - p[:, k - 1]
        assert (step >= 0).all()
        assert (lvl[:, k] - lvl[:, k - 1] <= 1).all()
        if ticks[k].month != 4:
            assert (step[same_level] == 0).all()
        else:
            assert (step[same_level] <= 1).all()
        moved = ~same_level
        assert (p[moved, k] == table.next_level_first[p[moved, k - 1]]).all() or ticks[k].month == 4
    if rate == 0:
        assert paths.progressions.sum() == 0


def test_nqsws_progress_a_level_after_a_year_and_not_before():
    sc = tiny(start_date="2015-01-01", end_date="2018-01-01",
              finance={"pay": {"social_worker": {"progression_per_year": [1e6, 0]}}})
    cohort_day = sc.day(dt.date(2015, 9, 1))
    ticks, table, paths = _paths(sc, [cohort_day, 0.0], [horizon_days(sc)] * 2, [0, 5], [True, False], [False, True])
    lvl = table.level[paths.point]
    first_l2 = [ticks[int(np.argmax(lvl[i] >= 1))] for i in range(2)]
    assert first_l2[0] == dt.date(2016, 9, 1)            # a year of service after starting in September 2015
    assert lvl[1].min() >= 1                               # the experienced worker starts at Level 2 or above


def test_without_acceleration_a_level_is_reached_only_from_the_top_of_the_band():
    sc = tiny(start_date="2015-01-01", end_date="2021-01-01",
              finance={"progression": {"acceleration": False}, "pay": {"social_worker": {"progression_per_year": [1e6, 1e6]}}})
    ticks, table, paths = _paths(sc, [sc.day(dt.date(2015, 2, 1))], [horizon_days(sc)], [0], [False], [False])
    p, lvl = paths.point[0], table.level[paths.point[0]]
    ups = [k for k in range(1, len(p)) if lvl[k] > lvl[k - 1]]
    assert len(ups) == 1 and p[ups[0] - 1] == table.level_top[p[ups[0] - 1]]      # from SCP 40 to SCP 41
    assert table.spinal_point[p[ups[0] - 1]] == 40 and table.spinal_point[p[ups[0]]] == 41
    assert ticks[ups[0]] == dt.date(2019, 5, 1)      # SCP 36 in Feb 2015; 37-40 in April 2016-2019; Level 3 a month later
    with_accel = tiny(start_date="2015-01-01", end_date="2021-01-01", finance={"pay": {"social_worker": {"progression_per_year": [1e6, 1e6]}}})
    _, _, fast = _paths(with_accel, [with_accel.day(dt.date(2015, 2, 1))], [horizon_days(with_accel)], [0], [False], [False])
    assert table.level[fast.point[0][ticks.index(dt.date(2015, 3, 1))]] == 2      # acceleration: Level 3 after its first month


def test_pay_award_applies_each_april():
    sc = tiny(start_date="2015-01-01", end_date="2017-06-01", finance={"pay_award_per_year": 0.02})
    ticks, table, paths = _paths(sc, [0.0], [horizon_days(sc)], [0.1], [False], [True])
    f = dict(zip(ticks, paths.award_factor))
    assert f[dt.date(2015, 3, 1)] == 1.0 and math.isclose(f[dt.date(2015, 4, 1)], 1.02) and math.isclose(f[dt.date(2017, 4, 1)], 1.02 ** 3)


# --------------------------------------------------------------------------- dated items and the NQSW programme
def test_nqsw_programme_and_relocation_costs_by_hand():
    sc = tiny(
        initial_staffing=[{"group": "social_work_teams", "permanent_posts": 4, "agency_posts": 20, "vacant_uncovered_posts": 0}],
        attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": 0.0}]},
        recruitment={"pipeline": {"enabled": False}},
        agency={"conversion_per_year": 0.0, "assignment_mean_months": 1e9},
        nqsw={"cohorts": [{"date": "2015-03-01", "count": 6}]},
        finance={"on_cost_rate": 0.2,
                 "nqsw_programme": {"posts": [{"start_date": "2015-02-01", "end_date": "2016-02-01", "salary_gbp_per_year": 36525}],
                                    "consolidation_module_gbp_per_nqsw": 1000, "practice_educator_gbp_per_nqsw_month": 100}},
    )
    res = single_run(sc, seed=4)
    nq = res.costs[res.costs["component"] == "nqsw_programme"].set_index("date")["cost_gbp"]
    coordinator = 36525 * 1.2 * 365 / DAYS_PER_YEAR
    asye_days = 12 * DAYS_PER_MONTH
    educator = 6 * 100 * asye_days / DAYS_PER_MONTH
    assert math.isclose(nq.sum(), coordinator + educator + 6 * 1000, rel_tol=1e-9)
    completion = dt.date(2015, 3, 1) + dt.timedelta(days=asye_days)
    month = pd.Timestamp(completion.year, completion.month, 1)
    assert nq[month] >= 6 * 1000                                # modules are paid in the month the ASYE ends


def test_relocation_paid_for_each_external_starter_who_takes_it():
    pipeline = {"advert_days": 10, "shortlist_to_interview_days": 5, "interview_to_offer_days": 5, "offer_to_checks_days": 10,
                "checks_to_start_days": 10, "readvert_gap_days": 0, "p_interview": 1, "p_offer": 1, "p_accept": 1,
                "applicants_per_advert": {"practice_manager": 1e6, "consultant_practitioner": 1e6, "social_worker": 1e6},
                "withdrawal_per_week_before_start": 0}
    sc = tiny(initial_staffing=[{"group": "social_work_teams", "permanent_posts": 0, "agency_posts": 0, "vacant_uncovered_posts": 24}],
              recruitment={"pipeline": pipeline}, agency={"enabled": False, "conversion_per_year": 0.0},
              attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": 0.5}]},
              finance={"relocation": {"start_date": "2015-06-01", "package_gbp": 2000, "take_up": 1.0}})
    res = single_run(sc, seed=5)
    sp = res.spells
    eligible = sp[sp["permanent"] & (sp["route"] == "advert") & (sp["start_day"] >= sc.day(dt.date(2015, 6, 1)))
                  & (sp["start_day"] < horizon_days(sc))]
    assert len(eligible) >= 10                                  # leavers after June are replaced by advert
    assert costs_of(res)["relocation"] == 2000 * len(eligible)


# --------------------------------------------------------------------------- investment profile and repeatability
def test_investment_variance_is_additional_spend_minus_budget():
    sc = load_scenario(SCENARIOS / "slough_2014_investment.yaml")
    inv = run_replications(sc, 3, seed=2)
    same = investment_comparison(inv, inv)
    prof = same.set_index("financial_year")
    assert (prof.loc[["2014/15", "2015/16", "2016/17", "2017/18"], "additional_cost_gbp"] == 0).all()
    assert prof.loc["2014/15", "variance_gbp"] == -3.2e6 and prof.loc["2017/18", "variance_gbp"] == -0.8e6
    assert (prof.loc[["2014/15", "2015/16", "2016/17", "2017/18"], "months"] == 12).all()
    base = run_replications(load_scenario(SCENARIOS / "slough_2014_baseline.yaml"), 3, seed=2)
    vs = investment_comparison(inv, base).set_index("financial_year")
    assert (vs.loc["2014/15":, "additional_cost_gbp"] > 0).all()            # four more teams and a supplement cost money
    assert np.allclose(vs["variance_gbp"].dropna(), (vs["additional_cost_gbp"] - vs["investment_gbp"]).dropna())


def test_costs_repeat_for_a_seed_and_any_worker_count():
    sc = load_scenario(SCENARIOS / "slough_2014_investment.yaml", ["finance.on_cost_rate=[0.25, 0.3]"])
    one = run_replications(sc, 4, seed=8, workers=1)
    two = run_replications(sc, 4, seed=8, workers=2)
    pd.testing.assert_frame_equal(one.costs, two.costs)
    pd.testing.assert_frame_equal(one.levels, two.levels)
    assert "finance.on_cost_rate" in one.parameters.columns
    other = run_replications(sc, 4, seed=9, workers=1)
    assert not one.costs["cost_gbp"].equals(other.costs["cost_gbp"])


def test_medway_scenario_starts_at_the_seed_vacancy_rate_and_grows_its_own():
    sc = load_scenario(SCENARIOS / "medway_2010_career_framework.yaml")
    res = run_replications(sc, 4, seed=1)
    first = res.snapshots[res.snapshots["tick"] == 0].groupby("replication")[["posts_fte", "permanent_fte"]].sum()
    assert (round(1 - first["permanent_fte"] / first["posts_fte"], 2) == 0.16).all()      # S4 4.1: 16% vacancy rate
    lv = res.levels[(res.levels["role"] == "social_worker")]
    assert set(lv["level"]) == {1, 2, 3}
    at = lv.groupby(["replication", "date", "level"])["fte"].sum().unstack()
    # the September cohort (3 to 9 NQSWs, drawn per replication) enters Level 1
    cohort = res.parameters.set_index("replication")["nqsw.cohorts.0.count"]
    joined = at.xs(pd.Timestamp("2010-09-01"), level="date")[1] - at.xs(pd.Timestamp("2010-08-01"), level="date")[1]
    assert (joined == cohort).all() and cohort.nunique() > 1
    assert (res.levels["training_release_fte"] > 0).any()
    assert (res.levels.loc[res.levels["level"] == 3, "training_release_fte"] == 0).all()   # nothing to train toward at the top


# --------------------------------------------------------------------------- invariants over random scenarios
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(perm=st.integers(0, 24), hazard=st.floats(0, 1.5), applicants=st.floats(0, 3), conversion=st.floats(0, 1),
       cohort=st.integers(0, 8), amount=st.floats(0, 8000), basis=st.sampled_from(["day_rate", "premium"]),
       rates=st.lists(st.floats(0, 3), min_size=2, max_size=2), accel=st.booleans(), seed=st.integers(0, 10_000))
def test_costs_are_non_negative_and_pay_levels_match_the_snapshots(perm, hazard, applicants, conversion, cohort, amount, basis, rates, accel, seed):
    sc = tiny(
        initial_staffing=[{"group": "social_work_teams", "permanent_posts": perm, "agency_posts": 24 - perm, "vacant_uncovered_posts": 0,
                           "asye_posts": min(perm, 2)}],
        attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": hazard}]},
        recruitment={"pipeline": {"applicants_per_advert": {"social_worker": applicants, "practice_manager": applicants}},
                     "campaigns": [{"date": "2015-06-01", "cost_gbp": 1000, "roles": {"social_worker": {"applicants": 5 * applicants, "max_hires": 3}}}]},
        agency={"conversion_per_year": conversion},
        nqsw={"cohorts": [{"date": "2015-09-01", "count": cohort}]},
        establishment_changes=[{"date": "2016-01-01", "add_teams": [{"type": "team", "count": 1}]}],
        market_supplement={"enabled": True, "start_date": "2015-04-01", "amount_gbp_per_year": {"social_worker": amount}},
        finance={"agency": {"basis": basis}, "progression": {"acceleration": accel},
                 "pay": {"social_worker": {"progression_per_year": rates}},
                 "relocation": {"start_date": "2015-01-01", "package_gbp": 3000, "take_up": 0.5},
                 "nqsw_programme": {"consolidation_module_gbp_per_nqsw": 500, "practice_educator_gbp_per_nqsw_month": 50}},
    )
    res = single_run(sc, seed=seed)
    assert (res.costs["cost_gbp"] >= 0).all() and np.isfinite(res.costs["cost_gbp"]).all()
    assert set(res.costs["component"]) == set(COMPONENTS)
    assert res.costs.loc[res.costs["component"] == "recruitment_campaigns", "cost_gbp"].sum() == 1000
    # permanent FTE by pay level at each tick = permanent FTE in the snapshot at that tick
    lv = res.levels.groupby("period")["fte"].sum()
    snap = res.snapshots.groupby("tick")["permanent_fte"].sum()
    assert np.allclose(lv.to_numpy(), snap.loc[lv.index].to_numpy()), (lv - snap.loc[lv.index]).abs().max()


# --------------------------------------------------------------------------- bad input: one rule each
@pytest.mark.parametrize("setting,key,needle", [
    ("finance.pay.social_worker.levels=[[30000, 29000]]", "finance.pay.social_worker.levels", "rise from point to point"),
    ("finance.pay.social_worker.levels=[[30000], []]", "finance.pay.social_worker.levels", "at least one salary"),
    ("finance.pay.practice_manager.entry_level=2", "finance.pay.practice_manager.entry_level", "no level 2"),
    ("finance.pay.practice_manager.progression_per_year=[0.1]", "finance.pay.practice_manager.progression_per_year", "one value per level"),
    ("finance.investment.gbp_by_financial_year={2014/16: 1}", "finance.investment.gbp_by_financial_year.2014/16", "written like 2014/15"),
    ("finance.investment.gbp_by_financial_year={2014/15: -1}", "finance.investment.gbp_by_financial_year.2014/15", "greater than or equal to 0"),
    ("finance.relocation.team_groups=[nowhere]", "finance.relocation.team_groups", "unknown group"),
    ("finance.nqsw_programme.posts=[{start_date: 2015-01-01, end_date: 2014-01-01, salary_gbp_per_year: 1}]",
     "finance.nqsw_programme.posts.0.end_date", "after start_date"),
    ("finance.agency.basis=hourly", "finance.agency.basis", "day_rate"),
    ("finance.on_cost_rate=1.5", "finance.on_cost_rate", "must be <= 1"),
    ("finance.progression.increment_month=13", "finance.progression.increment_month", "less than or equal to 12"),
    ("market_supplement.response.beyond_parity_factor=2", "market_supplement.response.beyond_parity_factor", "must be <= 1"),
    ("recruitment.campaigns.0.cost_gbp=-1", "recruitment.campaigns.0.cost_gbp", "must be >= 0"),
])
def test_bad_finance_input_gives_one_line_naming_the_key(capsys, setting, key, needle):
    from workforce_sim.cli.main import main

    code = main(["validate", str(SCENARIOS / "slough_2014_investment.yaml"), "--set", setting])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and "Traceback" not in err
    assert f"--set: {key}: " in err and needle in err, err
