"""The workforce model: starting state, analytical checks, invariants, monotonicity, seeds."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workforce_sim.analysis import targets
from workforce_sim.experiments.replications import run_replications, single_run
from workforce_sim.scenario.loading import load_scenario

from .helpers import NO_FLOWS, SCENARIOS, check_invariants, permanent_only, tiny


def test_slough_start_reproduces_seed_staff_profile():
    sc = load_scenario(SCENARIOS / "slough_2014_baseline.yaml")
    res = single_run(sc, seed=1, replication=0)
    first = res.snapshots[res.snapshots["tick"] == 0]
    assert first["posts_fte"].sum() == 126
    assert first["agency_fte"].sum() == 62            # 49% of 126
    assert round(first["agency_fte"].sum() / 126, 2) == 0.49
    assert first["vacant_fte"].sum() == 3             # 2 full-time + 1 part-time, uncovered
    sw = first[first["group"] == "social_work_teams"]
    staff = sw["permanent_fte"].sum() + sw["agency_fte"].sum()
    assert staff == 76
    assert round(sw["permanent_fte"].sum() / staff, 2) == 0.39
    assert first["asye_fte"].sum() == 5


def test_survivors_follow_exponential_decay_without_recruitment():
    h = 0.3
    sc = permanent_only({"tenure_bands": [{"min_years": 0, "hazard_per_year": h}]})
    res = run_replications(sc, replications=20, seed=5)
    perm = res.snapshots.groupby(["replication", "date"])["permanent_fte"].sum().groupby("date").mean()
    start = pd.Timestamp(sc.start_date)
    for date, mean in perm.items():
        years = (date - start).days / 365.25
        if years < 0.25:
            continue
        expected = 400 * math.exp(-h * years)
        assert abs(mean / expected - 1) < 0.03, (date, mean, expected)


def test_banded_hazard_matches_piecewise_survival():
    # hazard 0.1 under one year of service, 0.6 after: S(t) = exp(-0.1 t) for t<1, exp(-0.1 - 0.6 (t-1)) after
    sc = permanent_only({"tenure_bands": [{"min_years": 0, "hazard_per_year": 0.1}, {"min_years": 1, "hazard_per_year": 0.6}],
                         "initial_tenure": [{"min_years": 0, "max_years": 0.001, "share": 1.0}]})
    res = run_replications(sc, replications=20, seed=9)
    perm = res.snapshots.groupby(["replication", "date"])["permanent_fte"].sum().groupby("date").mean()
    start = pd.Timestamp(sc.start_date)
    for date, mean in perm.items():
        t = (date - start).days / 365.25
        cum = 0.1 * t if t < 1 else 0.1 + 0.6 * (t - 1)
        assert abs(mean / (400 * math.exp(-cum)) - 1) < 0.03, (date, mean)


def test_instant_hiring_without_attrition_fills_every_post_after_the_pipeline_time():
    pipeline = {"advert_days": 10, "shortlist_to_interview_days": 5, "interview_to_offer_days": 5,
                "offer_to_checks_days": 10, "checks_to_start_days": 10, "readvert_gap_days": 0,
                "applicants_per_advert": {"practice_manager": 1e6, "consultant_practitioner": 1e6, "social_worker": 1e6},
                "p_interview": 1, "p_offer": 1, "p_accept": 1, "withdrawal_per_week_before_start": 0}
    sc = tiny(
        initial_staffing=[{"group": "social_work_teams", "permanent_posts": 0, "agency_posts": 0, "vacant_uncovered_posts": 24}],
        attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": 0.0}]},
        agency={"enabled": False, "conversion_per_year": 0.0},
        recruitment={"pipeline": pipeline},
    )
    snap = single_run(sc, seed=1).snapshots
    by_tick = snap.groupby("tick")[["permanent_fte", "vacant_fte"]].sum()
    assert by_tick.loc[1, "permanent_fte"] == 0      # day 31 < 40 days of pipeline
    assert by_tick.loc[2, "permanent_fte"] == 24     # day 59 > 40
    assert (by_tick.loc[2:, "vacant_fte"] == 0).all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    perm=st.integers(0, 24), agency_frac=st.floats(0, 1), hazard=st.floats(0, 2),
    applicants=st.floats(0, 5), cover_p=st.floats(0, 1), assignment=st.floats(0.5, 24),
    conversion=st.floats(0, 2), checks=st.floats(0, 120), cohort=st.integers(0, 10),
    seed=st.integers(0, 10_000),
)
def test_invariants_hold_for_any_parameters(perm, agency_frac, hazard, applicants, cover_p, assignment, conversion, checks, cohort, seed):
    agency = int(round((24 - perm) * agency_frac))
    sc = tiny(
        initial_staffing=[{"group": "social_work_teams", "permanent_posts": perm, "agency_posts": agency,
                           "vacant_uncovered_posts": 24 - perm - agency, "asye_posts": min(perm, 2) if perm and perm <= 20 else 0}],
        attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": hazard}, {"min_years": 2, "hazard_per_year": hazard / 2}]},
        recruitment={"pipeline": {"applicants_per_advert": {"social_worker": applicants, "practice_manager": applicants},
                                  "offer_to_checks_days": checks},
                     "campaigns": [{"date": "2015-06-01", "roles": {"social_worker": {"applicants": applicants * 5, "max_hires": 4}}}]},
        agency={"cover_probability": cover_p, "assignment_mean_months": assignment, "conversion_per_year": conversion},
        nqsw={"cohorts": [{"date": "2015-09-01", "count": cohort}]},
        establishment_changes=[{"date": "2016-01-01", "add_teams": [{"type": "team", "count": 1}]}],
        market_supplement={"enabled": True, "start_date": "2015-04-01", "amount_gbp_per_year": {"social_worker": 2000}},
    )
    res = single_run(sc, seed=seed)
    check_invariants(res)
    last = res.snapshots[res.snapshots["tick"] == res.snapshots["tick"].max()]
    assert last["posts_fte"].sum() == 30


def test_higher_attrition_gives_lower_permanent_share():
    shares = []
    for h in (0.05, 0.2, 0.6):
        sc = tiny(attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": h}]})
        shares.append(permanence_at_target_mean(run_replications(sc, replications=8, seed=3)))
    assert shares[0] > shares[1] > shares[2]


def permanence_at_target_mean(res) -> float:
    return float(targets.values_at(targets.permanence(res.scenario), res)[1].mean())


def test_faster_checks_and_more_applicants_raise_permanence():
    slow = tiny(recruitment={"pipeline": {"offer_to_checks_days": 56, "applicants_per_advert": {"social_worker": 0.3}}})
    fast = tiny(recruitment={"pipeline": {"offer_to_checks_days": 5, "applicants_per_advert": {"social_worker": 1.0}}})
    assert permanence_at_target_mean(run_replications(fast, 8, seed=4)) > permanence_at_target_mean(run_replications(slow, 8, seed=4))


def test_same_seed_same_results_and_different_seed_differs(tiny_scenario):
    a = run_replications(tiny_scenario, 3, seed=42)
    b = run_replications(tiny_scenario, 3, seed=42)
    c = run_replications(tiny_scenario, 3, seed=43)
    pd.testing.assert_frame_equal(a.snapshots, b.snapshots)
    pd.testing.assert_frame_equal(a.flows, b.flows)
    assert not a.snapshots["permanent_fte"].equals(c.snapshots["permanent_fte"])


def test_results_identical_for_any_worker_count():
    sc = load_scenario(SCENARIOS / "slough_2014_investment.yaml", ["agency.cover_probability=[0.8, 0.95]"])
    one = run_replications(sc, 6, seed=8, workers=1)
    two = run_replications(sc, 6, seed=8, workers=2)
    pd.testing.assert_frame_equal(one.snapshots, two.snapshots)
    pd.testing.assert_frame_equal(one.flows, two.flows)
    pd.testing.assert_frame_equal(one.parameters, two.parameters)


def test_nqsw_cohort_fills_open_social_worker_posts_and_completes_asye():
    sc = tiny(
        initial_staffing=[{"group": "social_work_teams", "permanent_posts": 4, "agency_posts": 20, "vacant_uncovered_posts": 0}],
        attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": 0.0}]},
        recruitment={"pipeline": {"enabled": False}},
        agency={"conversion_per_year": 0.0, "assignment_mean_months": 1000},
        nqsw={"cohorts": [{"date": "2015-03-01", "count": 6}]},
    )
    res = single_run(sc, seed=2, keep_events=True)
    snap = res.snapshots.groupby("date")[["asye_fte", "permanent_fte"]].sum()
    assert snap.loc["2015-02-01", "asye_fte"] == 0
    assert snap.loc["2015-03-01", "asye_fte"] == 6
    assert snap.loc["2015-03-01", "permanent_fte"] == 10
    assert snap.loc["2016-04-01", "asye_fte"] == 0          # ASYE over after 12 months
    assert snap.loc["2016-04-01", "permanent_fte"] == 10    # and they stay as social workers
    replaced = res.events[(res.events["kind"] == "leave") & (res.events["detail"] == "replaced_by_permanent")]
    assert len(replaced) == 6


def test_establishment_change_adds_posts_on_its_date():
    sc = tiny(establishment_changes=[{"date": "2015-06-15", "add_teams": [{"type": "team", "count": 2}]}])
    snap = single_run(sc, seed=1).snapshots.groupby("date")["posts_fte"].sum()
    assert snap.loc["2015-06-01"] == 24 and snap.loc["2015-07-01"] == 36


def test_market_supplement_raises_permanence_with_common_random_numbers():
    base = tiny()
    supp = tiny(market_supplement={"enabled": True, "start_date": "2015-01-01",
                                   "amount_gbp_per_year": {"social_worker": 5000, "practice_manager": 5000}})
    assert permanence_at_target_mean(run_replications(supp, 8, seed=6)) > permanence_at_target_mean(run_replications(base, 8, seed=6))


def test_leavers_carry_reasons_in_the_given_shares():
    sc = tiny(
        teams=[{"type": "team", "count": 20}],
        initial_staffing=[{"group": "social_work_teams", "permanent_posts": 120, "agency_posts": 0, "vacant_uncovered_posts": 0}],
        attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": 1.0}],
                   "leaver_reasons": {"workload": 0.5, "pay": 0.5}},
        **NO_FLOWS,
    )
    res = run_replications(sc, 5, seed=1)
    leaves = res.flows[(res.flows["kind"] == "leave")].groupby("detail")["count"].sum()
    assert set(leaves.index) == {"workload", "pay"}
    assert abs(leaves["workload"] / leaves.sum() - 0.5) < 0.05


def test_interval_half_width_shrinks_like_one_over_root_n():

    from workforce_sim.analysis.checks import interval_by_replications, replications_for

    values = np.random.default_rng(0).normal(0.6, 0.05, 4000)
    w = interval_by_replications(values, counts=[200, 3200]).set_index("replications")["half_width"]
    assert abs(w[200] / w[3200] / 4 - 1) < 0.15        # 16x replications -> 1/4 the width
    assert replications_for(0.01, 0.05) == 97          # (1.96 * 0.05 / 0.01)^2 = 96.04
