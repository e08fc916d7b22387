"""Targets and scorecard: registry coverage, analytical values, RAG, awaiting
targets switching on, staffing measures, paired comparisons, history."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workforce_sim.analysis import compare, staffing, targets
from workforce_sim.analysis.measures import nearest_date, permanent_share
from workforce_sim.experiments.replications import run_replications
from workforce_sim.reporting import compare as compare_text
from workforce_sim.reporting import history

from .helpers import NO_FLOWS, permanent_only, tiny

NO_ATTRITION = {"attrition": {"tenure_bands": [{"min_years": 0, "hazard_per_year": 0.0}]}}


def frozen(**overrides):
    """Tiny scenario where nobody leaves, joins or is covered: staffing never changes
    (agency assignments last a million months on average)."""
    return tiny(recruitment={"pipeline": {"enabled": False}},
                agency={"enabled": False, "conversion_per_year": 0.0, "assignment_mean_months": 1e6},
                **NO_ATTRITION, **overrides)


def test_registry_holds_every_design_target_with_a_source():
    slough = {t.key for t in targets.targets_for("slough_2017")}
    # DESIGN.md section 2: Slough's 2017 targets (S2 'Measures and targets')
    assert {"permanent_share", "average_caseload", "nqsw_caseload", "nqsw_protected_time", "assessments_on_time",
            "cp_lac_visits", "three_or_fewer_workers", "students_on_placement"} <= slough
    # qualitative measures are listed, so reports can say they are not modelled
    assert {"casework_audits", "staff_health_check", "reasons_left"} <= slough
    assert {"kent_caseload_children_in_care", "kent_caseload_other", "kent_nqsw_caseload", "permanent_turnover"} <= {
        t.key for t in targets.targets_for("kent_2014")}
    assert "medway_vacancy_rate" in {t.key for t in targets.targets_for("medway_2010")}
    everything = targets.targets_for("all")
    assert len({t.key for t in everything}) == len(everything) == len(targets.REGISTRY)
    for t in everything:
        assert t.source and t.title and t.description
        assert (t.threshold is None) == (t.direction is None)
        assert t.needs == "none" or t.threshold is not None or t.is_indicator
    with pytest.raises(KeyError):
        targets.targets_for("no_such_set")


def test_scenario_sets_the_permanence_target_and_date():
    sc = tiny(targets={"permanent_share": 0.65, "permanent_share_date": "2016-06-30"})
    t = {x.key: x for x in targets.targets_for("slough_2017", sc)}
    assert t["permanent_share"].threshold == 0.65
    assert t["permanent_share"].date.isoformat() == "2016-06-30"
    assert t["vacancy_rate"].date.isoformat() == "2016-06-30"
    assert t["average_caseload"].date.isoformat() == "2015-03-31"  # case targets keep S2's date


@pytest.mark.parametrize("threshold, p, rag", [(0.5, 1.0, "green"), (0.6, 0.0, "red")])
def test_frozen_staffing_gives_exact_scorecard(threshold, p, rag):
    # 4 teams x 6 posts; 12 permanent, 10 agency, 2 vacant and nobody ever moves:
    # permanent share 12/22 and vacancy rate 12/24 in every replication and month
    sc = frozen(targets={"permanent_share": threshold})
    res = run_replications(sc, replications=3, seed=1)
    card = targets.scorecard(res).set_index("key")
    ps = card.loc["permanent_share"]
    assert ps["status"] == "modelled"
    assert ps["median"] == ps["low"] == ps["high"] == pytest.approx(12 / 22)
    assert ps["p_meet"] == p and ps["rag"] == rag
    assert ps["change_12m"] == pytest.approx(0.0)
    assert card.loc["vacancy_rate", "median"] == pytest.approx(0.5)
    assert card.loc["agency_share", "median"] == pytest.approx(10 / 22)
    assert card.loc["permanent_turnover", "median"] == 0.0
    assert math.isnan(card.loc["vacancy_rate", "p_meet"]) and card.loc["vacancy_rate", "rag"] == "none"


def test_scorecard_matches_direct_computation_from_snapshots():
    sc = tiny(targets={"permanent_share": 0.55})
    res = run_replications(sc, replications=12, seed=3)
    row = targets.scorecard(res).set_index("key").loc["permanent_share"]
    share = permanent_share(res.snapshots)
    at = nearest_date(share["date"], sc.targets.permanent_share_date)
    v = share.loc[share["date"] == at, "permanent_share"].to_numpy()
    assert row["snapshot_date"] == at.date().isoformat()
    assert row["median"] == pytest.approx(np.median(v))
    assert row["low"] == pytest.approx(np.quantile(v, 0.05))
    assert row["high"] == pytest.approx(np.quantile(v, 0.95))
    assert row["p_meet"] == pytest.approx((v >= 0.55).mean())
    assert row["n"] == 12
    per = targets.per_replication(res)
    assert np.allclose(per["permanent_share"].to_numpy(), v)


def test_rag_bands():
    assert targets.rag(1.0) == targets.rag(0.75) == "green"
    assert targets.rag(0.7499) == targets.rag(0.25) == "amber"
    assert targets.rag(0.2499) == targets.rag(0.0) == "red"
    assert targets.rag(float("nan")) == "none"


def test_lower_is_better_targets_use_at_most():
    v = np.array([0.1, 0.16, 0.2])
    assert targets.meets(v, 0.16, "<=").tolist() == [True, True, False]
    assert targets.meets(v, 0.16, ">=").tolist() == [False, True, True]


def test_case_targets_need_cases_in_the_scenario_and_match_the_case_metrics():
    from workforce_sim.analysis.cases import caseloads, monthly_measures

    from .helpers import PATHWAY

    res = run_replications(tiny(), replications=4, seed=2)
    card = targets.scorecard(res).set_index("key")
    assert card.loc["average_caseload", "status"] == targets.AWAITING["cases"]
    assert card.loc["spend_within_profile", "status"] == "needs a baseline run"   # tiny names no baseline
    assert card.loc["casework_audits", "status"] == "not modelled"
    assert np.isnan(card.loc["average_caseload", "median"])

    sc = tiny(demand=PATHWAY, caseload={"routes": {t: ["team"] for t in ("assessment", "cin", "cp", "lac")}},
              end_date="2017-06-01")
    res = run_replications(sc, replications=4, seed=2)
    card = targets.scorecard(res).set_index("key")
    for key in ("average_caseload", "nqsw_caseload", "assessments_on_time", "cp_lac_visits", "three_or_fewer_workers"):
        assert card.loc[key, "status"] == "modelled", key
    cl = caseloads(res)
    at = cl[cl["date"] == "2015-04-01"]["social_worker"]
    assert card.loc["average_caseload", "median"] == pytest.approx(at.median())
    m = monthly_measures(res)
    on_time = m[m["date"] == "2015-04-01"]["assessments_on_time_share"]
    assert card.loc["assessments_on_time", "median"] == pytest.approx(on_time.median())
    # at most 3 workers: the 12 months of closed pathways to the snapshot nearest the target date
    window = m[(m["date"] > "2016-04-01") & (m["date"] <= "2017-04-01")].groupby("replication")[["pathways_max_3_workers", "pathways_closed"]].sum()
    share = window["pathways_max_3_workers"] / window["pathways_closed"]
    assert card.loc["three_or_fewer_workers", "median"] == pytest.approx(share.median())
    assert 0 <= card.loc["three_or_fewer_workers", "low"] <= card.loc["three_or_fewer_workers", "high"] <= 1


def test_turnover_equals_the_leaving_hazard_without_replacement():
    h = 0.3
    sc = permanent_only({"tenure_bands": [{"min_years": 0, "hazard_per_year": h}]})
    res = run_replications(sc, replications=10, seed=4)
    turnover = staffing.summary_table(staffing.permanent_turnover(res))
    # leavers in a year / average headcount over it = the hazard (per person-year)
    assert turnover["median"].between(0.9 * h, 1.1 * h).all(), turnover
    assert pd.Timestamp(turnover["date"].min()) == pd.Timestamp("2016-01-01")  # first full year


def test_capacity_at_caps_counts_children_by_role():
    # 4 teams of 1 practice manager + 5 social workers, everyone permanent, nobody moves
    sc = frozen(initial_staffing=[{"group": "social_work_teams", "permanent_posts": 24, "agency_posts": 0,
                                   "vacant_uncovered_posts": 0}])
    res = run_replications(sc, replications=2, seed=1)
    cap = staffing.capacity_at_caps(res, sc.start_date).set_index("role")
    assert cap.loc["social_worker", "median"] == 5 * 16
    assert cap.loc["practice_manager", "median"] == 0
    assert cap.loc["all roles", "median"] == cap.loc["all roles", "all_posts_filled"] == 80
    assert cap.loc["all roles", "teams"] == 4


def test_starters_by_route_counts_cohort_starters_once_per_replication():
    sc = tiny(nqsw={"cohorts": [{"date": "2015-09-01", "count": 2}]}, **NO_FLOWS, **NO_ATTRITION)
    res = run_replications(sc, replications=3, seed=5)
    s = staffing.starters_by_route(res)
    cohort = s[s["route"] == "NQSW cohort"]
    assert cohort["financial_year"].tolist() == ["2015/16"]
    assert cohort["mean_per_replication"].tolist() == [2.0]
    asye = staffing.summary_table(staffing.asye_fte(res.snapshots)).set_index("date")
    assert asye.loc[pd.Timestamp("2015-10-01"), "median"] == 2


def test_comparing_a_scenario_with_itself_gives_zero_paired_differences():
    sc = tiny()
    cmp = compare.compare([sc, sc], replications=5, seed=8)
    assert cmp.labels == ["tiny", "tiny#2"]
    other = cmp.table[cmp.table["scenario"] == "tiny#2"]
    assert len(other) >= 4
    assert (other[["diff_median", "diff_low", "diff_high"]].to_numpy() == 0).all()
    assert (other["p_better"] == 0).all()


def test_comparison_differences_are_paired_by_replication_and_monotone():
    low = tiny(attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": 0.05}]})
    high = tiny(name="tiny_high", attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": 0.6}]})
    cmp = compare.compare([low, high], replications=8, seed=11)
    per = cmp.per_replication[cmp.per_replication["key"] == "permanent_share"].pivot(index="replication", columns="scenario", values="value")
    d = (per["tiny_high"] - per["tiny"]).to_numpy()
    row = cmp.table[(cmp.table["key"] == "permanent_share") & (cmp.table["scenario"] == "tiny_high")].iloc[0]
    assert row["diff_median"] == pytest.approx(np.median(d))
    assert row["diff_low"] == pytest.approx(np.quantile(d, 0.05))
    assert row["diff_high"] == pytest.approx(np.quantile(d, 0.95))
    # twelve times the leaving hazard: fewer permanent staff in every replication
    assert row["diff_high"] < 0 and row["p_better"] == 0.0
    turnover = cmp.table[(cmp.table["key"] == "permanent_turnover") & (cmp.table["scenario"] == "tiny_high")].iloc[0]
    assert turnover["diff_low"] > 0
    text = compare_text.text_table(cmp, 8, 11)
    assert "Permanent social work staff" in text and "tiny_high" in text


def test_figure_and_input_changes_between_runs():
    prev = pd.DataFrame({"key": ["permanent_share", "vacancy_rate"], "status": ["modelled", "modelled"],
                         "median": [0.60, 0.30], "p_meet": [0.1, np.nan]})
    cur = pd.DataFrame({"key": ["permanent_share", "vacancy_rate", "average_caseload"], "title": ["P", "V", "A"],
                        "unit": ["share"] * 3, "status": ["modelled", "modelled", "awaiting case model"],
                        "median": [0.65, 0.25, np.nan], "p_meet": [0.3, np.nan, np.nan]})
    ch = history.figure_changes(cur, prev).set_index("key")
    assert list(ch.index) == ["permanent_share", "vacancy_rate"]
    assert ch.loc["permanent_share", "change"] == pytest.approx(0.05)
    assert ch.loc["vacancy_rate", "change"] == pytest.approx(-0.05)
    a = {"seed": 1, "replications": 10, "scenario_resolved": {"agency": {"cover_lag_days": 21}, "nqsw": {"cohorts": [{"count": 6}]}}}
    b = {"seed": 2, "replications": 10, "scenario_resolved": {"agency": {"cover_lag_days": 30}, "nqsw": {"cohorts": [{"count": 6}]}}}
    inputs = history.input_changes(a, b)
    assert inputs["input"].tolist() == ["seed", "scenario: agency.cover_lag_days"]
    assert inputs.iloc[1][["previous", "now"]].tolist() == [21, 30]


def test_values_are_formatted_in_their_units():
    assert targets.format_value(0.6987, "share") == "69.9%"
    assert targets.format_value(0.8, "share", compact=True) == "80%"
    assert targets.format_value(16.0, "children", compact=True) == "16 children"
    assert targets.format_value(3_200_000, "gbp") == "£3.20m"
    assert targets.format_change(-0.052, "share") == "-5.2 pts"
    assert targets.format_value(float("nan"), "share") == "n/a"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hazard=st.floats(0.0, 1.0), applicants=st.floats(0.0, 3.0), threshold=st.floats(0.0, 1.0))
def test_scorecard_invariants_for_any_parameters(hazard, applicants, threshold):
    sc = tiny(attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": hazard}]},
              recruitment={"pipeline": {"applicants_per_advert": {"social_worker": applicants}}},
              targets={"permanent_share": threshold})
    res = run_replications(sc, replications=4, seed=6)
    card = targets.scorecard(res, "all")
    per = targets.per_replication(res, "all")
    for _, row in card[card["status"] == "modelled"].iterrows():
        assert row["low"] <= row["median"] <= row["high"]
        assert row["n"] == 4
        if row["target"] == row["target"]:  # has a threshold
            v = per[row["key"]].to_numpy()
            assert row["p_meet"] == pytest.approx(targets.meets(v, row["target"], row["direction"]).mean())
            assert row["rag"] == targets.rag(row["p_meet"])
        if row["unit"] == "share":
            assert 0.0 <= row["low"] and row["high"] <= 1.0
    assert set(card["status"]) <= {"modelled", *targets.AWAITING.values(), "needs a baseline run", "not modelled"}


def test_spend_within_profile_is_the_paired_cost_above_the_baseline():
    from workforce_sim.analysis import finance as finance_summary

    base = tiny(name="base")
    more = tiny(name="more", teams=[{"type": "team", "count": 5}],
                initial_staffing=[{"group": "social_work_teams", "permanent_posts": 12, "agency_posts": 16, "vacant_uncovered_posts": 2}],
                finance={"investment": {"gbp_by_financial_year": {"2015/16": 1e5, "2016/17": 1e5}, "baseline": "base.yaml"}})
    res = run_replications(more, replications=3, seed=4)
    assert targets.status(next(t for t in targets.REGISTRY if t.key == "spend_within_profile"), res) == "needs a baseline run"
    res.extra["baseline"] = run_replications(base, replications=3, seed=4)
    per = targets.MEASURES["spend_within_profile"](res, None)
    total = finance_summary.yearly_costs(res)["total"]
    btotal = finance_summary.yearly_costs(res.extra["baseline"])["total"]
    for r in range(3):
        expected = sum(total.loc[(r, fy)] - btotal.loc[(r, fy)] for fy in ("2015/16", "2016/17"))
        assert per.loc[r] == pytest.approx(expected)
    assert (per > 0).all()   # a sixth of extra posts costs money in every replication
