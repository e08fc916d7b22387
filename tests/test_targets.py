"""Targets and scorecard: registry coverage, analytical values, RAG, awaiting
targets switching on, staffing measures, paired comparisons, history."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workforce_sim.analysis import formats, staffing, targets
from workforce_sim.analysis.measures import permanent_share, snapshot_at
from workforce_sim.experiments.replications import run_replications
from workforce_sim.reporting import compare as compare_text
from workforce_sim.reporting import history
from workforce_sim.workflows import compare as compare_workflow

from .helpers import NO_FLOWS, permanent_only, tiny

NO_ATTRITION = {"attrition": {"tenure_bands": [{"min_years": 0, "hazard_per_year": 0.0}]}}


def frozen(**overrides):
    """Tiny scenario where nobody leaves, joins or is covered: staffing never changes
    (agency assignments last a million months on average)."""
    return tiny(recruitment={"pipeline": {"enabled": False}},
                agency={"enabled": False, "conversion_per_year": 0.0, "assignment_mean_months": 1e6},
                **NO_ATTRITION, **overrides)


def target(measure, threshold=None, direction=None, date="2016-12-31", **extra):
    out = {"measure": measure, "title": measure.replace("_", " "), "source": "test", "date": date, **extra}
    if threshold is not None:
        out.update(threshold=threshold, direction=direction)
    return out


def test_every_measure_has_a_function_and_every_shipped_target_a_source():
    from workforce_sim.scenario.loading import load_scenario
    from workforce_sim.scenario.schema.targets import MEASURES

    from .helpers import SCENARIOS

    assert set(targets.MEASURE_FUNCTIONS) == set(MEASURES)
    for path in sorted(SCENARIOS.glob("*.yaml")):
        sc = load_scenario(path)
        rows = targets.targets_for(sc)
        assert rows, path.name
        for t in rows:
            assert t.source and t.title and t.description or not t.modelled, (path.name, t.key)
            assert (t.threshold is None) == (t.direction is None)
    slough = {t.key for t in targets.targets_for(load_scenario(SCENARIOS / "slough_2014_baseline.yaml"))}
    # DESIGN.md section 2: Slough's 2017 targets (S2 'Measures and targets'), the qualitative ones listed as not modelled
    assert {"permanent_share", "average_caseload", "nqsw_caseload", "nqsw_protected_time", "assessments_on_time",
            "visits_on_time", "three_or_fewer_workers", "students_on_placement", "casework_audits", "staff_health_check"} <= slough
    kent = {t.key: t for t in targets.targets_for(load_scenario(SCENARIOS / "kent_2013_contract.yaml"))}
    assert kent["caseload_children_in_care"].team_types == ("children_in_care",) and kent["caseload_children_in_care"].threshold == 15
    assert kent["caseload_other_teams"].threshold == 20 and "children_in_care" not in kent["caseload_other_teams"].team_types
    medway = {t.key: t for t in targets.targets_for(load_scenario(SCENARIOS / "medway_2010_career_framework.yaml"))}
    assert medway["vacancy_rate"].threshold == 0.16 and medway["vacancy_rate"].direction == "at_most"


def test_targets_inherit_through_extends_and_can_be_changed_or_removed(tmp_path):
    from workforce_sim.scenario.loading import load_scenario

    from .helpers import SCENARIOS

    base = load_scenario(SCENARIOS / "slough_2014_baseline.yaml")
    invest = load_scenario(SCENARIOS / "slough_2014_investment.yaml")
    assert set(invest.targets) == set(base.targets) | {"spend_within_profile"}
    assert invest.targets["average_caseload"] == base.targets["average_caseload"]
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {SCENARIOS / 'slough_2014_investment.yaml'}\nname: child\n"
                     "targets:\n  permanent_share: {threshold: 0.7}\n  casework_audits: null\n", encoding="utf-8")
    sc = load_scenario(child)
    assert sc.targets["permanent_share"].threshold == 0.7
    assert sc.targets["permanent_share"].date == base.targets["permanent_share"].date   # the rest is inherited
    assert "casework_audits" not in sc.targets and "contact_audits" in sc.targets


def test_a_target_date_reads_the_snapshot_at_or_before_it():
    dates = pd.Series(pd.to_datetime(["2015-02-01", "2015-03-01", "2015-04-01", "2015-05-01"]))
    assert snapshot_at(dates, dt.date(2015, 3, 31)) == pd.Timestamp("2015-03-01")
    assert snapshot_at(dates, dt.date(2015, 4, 1)) == pd.Timestamp("2015-04-01")
    assert snapshot_at(dates, dt.date(2015, 4, 30)) == pd.Timestamp("2015-04-01")
    # and the scorecard reads the value there (the permanent share falls month by month here)
    sc = tiny(targets={"permanent_share": {"date": "2016-03-31"}},
              attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": 0.6}]})
    res = run_replications(sc, replications=3, seed=2)
    row = targets.scorecard(res).set_index("key").loc["permanent_share"]
    share = permanent_share(res.snapshots)
    assert row["snapshot_date"] == "2016-03-01"
    march = share.loc[share["date"] == "2016-03-01"].set_index("replication")["permanent_share"]
    april = share.loc[share["date"] == "2016-04-01"].set_index("replication")["permanent_share"]
    per = targets.per_replication(res)["permanent_share"]
    assert np.allclose(per.to_numpy(), march.to_numpy()) and not np.allclose(per.to_numpy(), april.to_numpy())


@pytest.mark.parametrize("threshold, p, rag", [(0.5, 1.0, "green"), (0.6, 0.0, "red")])
def test_frozen_staffing_gives_exact_scorecard(threshold, p, rag):
    # 4 teams x 6 posts; 12 permanent, 10 agency, 2 vacant and nobody ever moves:
    # permanent share 12/22 and vacancy rate 12/24 in every replication and month
    sc = frozen(targets={"permanent_share": {"threshold": threshold}})
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
    sc = tiny(targets={"permanent_share": {"threshold": 0.55}})
    res = run_replications(sc, replications=12, seed=3)
    row = targets.scorecard(res).set_index("key").loc["permanent_share"]
    share = permanent_share(res.snapshots)
    at = snapshot_at(share["date"], sc.targets["permanent_share"].date)
    v = share.loc[share["date"] == at, "permanent_share"].to_numpy()
    assert row["snapshot_date"] == at.date().isoformat() == "2016-12-01"
    assert row["median"] == pytest.approx(np.median(v))
    assert row["low"] == pytest.approx(np.quantile(v, 0.05, method="weibull"))
    assert row["high"] == pytest.approx(np.quantile(v, 0.95, method="weibull"))
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
    assert targets.meets(v, 0.16, "at_most").tolist() == [True, True, False]
    assert targets.meets(v, 0.16, "at_least").tolist() == [False, True, True]


def test_staffing_measures_count_the_groups_a_target_names():
    sc = frozen(team_types={"other": {"group": "reviewing", "posts": [{"role": "social_worker", "count": 4}]}},
                teams=[{"type": "team", "count": 4}, {"type": "other", "count": 1}],
                initial_staffing=[{"group": "social_work_teams", "permanent_posts": 12, "agency_posts": 10, "vacant_uncovered_posts": 2},
                                  {"group": "reviewing", "permanent_posts": 4, "agency_posts": 0, "vacant_uncovered_posts": 0}],
                targets={"reviewing_share": target("permanent_share", 0.9, "at_least", groups=["reviewing"]),
                         "reviewing_vacancy": target("vacancy_rate", groups=["reviewing"])})
    res = run_replications(sc, replications=2, seed=1)
    card = targets.scorecard(res).set_index("key")
    assert card.loc["reviewing_share", "median"] == 1.0 and card.loc["reviewing_share", "rag"] == "green"
    assert card.loc["reviewing_vacancy", "median"] == 0.0
    assert card.loc["permanent_share", "median"] == pytest.approx(16 / 26)   # all groups


CASE_TARGETS = {
    "average_caseload": target("average_caseload", 16, "at_most", date="2015-03-31"),
    "team_caseload": target("average_caseload", 16, "at_most", date="2015-03-31", team_types=["team"]),
    "nqsw_caseload": target("nqsw_caseload", 14, "at_most", date="2015-03-31"),
    "assessments_on_time": target("assessments_on_time", 0.95, "at_least", date="2015-03-31"),
    "visits_on_time": target("visits_on_time", 0.95, "at_least", date="2015-03-31"),
    "three_or_fewer_workers": target("three_or_fewer_workers", 0.8, "at_least", date="2017-03-31"),
}


def test_case_targets_need_cases_in_the_scenario_and_match_the_case_metrics():
    from pydantic import ValidationError

    from workforce_sim.analysis.cases import caseloads, monthly_measures

    from .helpers import PATHWAY

    with pytest.raises(ValidationError, match="needs children's cases"):
        tiny(targets={"average_caseload": CASE_TARGETS["average_caseload"]})
    sc = tiny(demand=PATHWAY, caseload={"routes": {t: ["team"] for t in ("assessment", "cin", "cp", "lac")}},
              end_date="2017-06-01", targets={**CASE_TARGETS, "audits": {"modelled": False, "title": "Audits", "source": "test",
                                                                         "target_text": "qualitative"}})
    res = run_replications(sc, replications=4, seed=2)
    card = targets.scorecard(res).set_index("key")
    for key in CASE_TARGETS:
        assert card.loc[key, "status"] == "modelled", key
    assert card.loc["audits", "status"] == "not modelled" and np.isnan(card.loc["audits", "median"])
    cl = caseloads(res)
    at = cl[cl["date"] == "2015-03-01"]["social_worker"]     # the snapshot at or before 31 March 2015
    assert card.loc["average_caseload", "median"] == pytest.approx(at.median())
    assert card.loc["team_caseload", "median"] == pytest.approx(at.median())    # the only team type
    m = monthly_measures(res)
    on_time = m[m["date"] == "2015-03-01"]["assessments_on_time_share"]
    assert card.loc["assessments_on_time", "median"] == pytest.approx(on_time.median())
    # at most 3 workers: the 12 months of closed pathways to the snapshot at or before the target date
    window = m[(m["date"] > "2016-03-01") & (m["date"] <= "2017-03-01")].groupby("replication")[["pathways_max_3_workers", "pathways_closed"]].sum()
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
    cmp = compare_workflow.execute(compare_workflow.prepare([sc, sc], replications=5, seed=8)).comparison
    assert cmp.labels == ["tiny", "tiny#2"]
    other = cmp.table[cmp.table["scenario"] == "tiny#2"]
    assert len(other) >= 4
    assert (other[["diff_median", "diff_low", "diff_high"]].to_numpy() == 0).all()
    assert (other["p_better"] == 0).all()


def test_comparison_differences_are_paired_by_replication_and_monotone():
    low = tiny(attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": 0.05}]})
    high = tiny(name="tiny_high", attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": 0.6}]})
    cmp = compare_workflow.execute(compare_workflow.prepare([low, high], replications=8, seed=11)).comparison
    per = cmp.per_replication[cmp.per_replication["key"] == "permanent_share"].pivot(index="replication", columns="scenario", values="value")
    d = (per["tiny_high"] - per["tiny"]).to_numpy()
    row = cmp.table[(cmp.table["key"] == "permanent_share") & (cmp.table["scenario"] == "tiny_high")].iloc[0]
    assert row["diff_median"] == pytest.approx(np.median(d))
    assert row["diff_low"] == pytest.approx(np.quantile(d, 0.05, method="weibull"))
    assert row["diff_high"] == pytest.approx(np.quantile(d, 0.95, method="weibull"))
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
    assert formats.format_value(0.6987, "share") == "69.9%"
    assert formats.format_value(0.8, "share", compact=True) == "80%"
    assert formats.format_value(16.0, "children", compact=True) == "16 children"
    assert formats.format_value(3_200_000, "gbp") == "£3.20m"
    assert formats.format_change(-0.052, "share") == "-5.2 pts"
    assert formats.format_value(float("nan"), "share") == "n/a"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hazard=st.floats(0.0, 1.0), applicants=st.floats(0.0, 3.0), threshold=st.floats(0.0, 1.0))
def test_scorecard_invariants_for_any_parameters(hazard, applicants, threshold):
    sc = tiny(attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": hazard}]},
              recruitment={"pipeline": {"applicants_per_advert": {"social_worker": applicants}}},
              targets={"permanent_share": {"threshold": threshold}})
    res = run_replications(sc, replications=4, seed=6)
    card = targets.scorecard(res)
    per = targets.per_replication(res)
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


def _with_budget(budget, **extra):
    return tiny(name="more", finance={"investment": {"gbp_by_financial_year": budget, **extra}},
                targets={"spend": {"measure": "spend_within_profile", "title": "Spend", "source": "test"}})


def test_spend_is_judged_in_each_financial_year_not_summed():
    from workforce_sim.analysis import finance as finance_summary

    res = run_replications(_with_budget({"2015/16": 1e5, "2016/17": 1e5}), replications=3, seed=4)
    total = finance_summary.yearly_costs(res)["total"]
    y15, y16 = total.xs("2015/16", level="financial_year"), total.xs("2016/17", level="financial_year")
    # a budget far above 2015/16's spend and just under 2016/17's: the four years summed would be within budget
    budget = {"2015/16": float(y15.max()) * 3, "2016/17": float(y16.min()) * 0.9}
    assert sum(budget.values()) > float((y15 + y16).max())
    res.scenario = _with_budget(budget)
    card = targets.scorecard(res).set_index("key")
    assert list(card.index[card.index.str.startswith("spend")]) == ["spend_2015_16", "spend_2016_17"]
    assert card.loc["spend_2015_16", "rag"] == "green" and card.loc["spend_2015_16", "target"] == budget["2015/16"]
    assert card.loc["spend_2016_17", "rag"] == "red" and card.loc["spend_2016_17", "p_meet"] == 0.0
    assert card.loc["spend_2016_17", "median"] == pytest.approx(y16.median())
    assert card.loc["spend_2016_17", "target_text"] == f"at most {formats.format_value(budget['2016/17'], 'gbp', compact=True)} in 2016/17"


def test_spend_within_profile_is_the_paired_cost_above_the_baseline():
    from workforce_sim.analysis import finance as finance_summary

    base = tiny(name="base")
    more = _with_budget({"2015/16": 1e5, "2016/17": 1e5}, baseline="base.yaml").model_dump()
    more.update(teams=[{"type": "team", "count": 5}],
                initial_staffing=[{"group": "social_work_teams", "permanent_posts": 12, "agency_posts": 16, "vacant_uncovered_posts": 2}])
    from workforce_sim.scenario.schema import Scenario

    more = Scenario.model_validate(more)
    res = run_replications(more, replications=3, seed=4)
    spend = [t for t in targets.targets_for(more) if t.measure == "spend_within_profile"]
    assert [t.financial_year for t in spend] == ["2015/16", "2016/17"]
    assert {targets.status(t, res) for t in spend} == {"needs a baseline run"}
    baseline = run_replications(base, replications=3, seed=4)
    total = finance_summary.yearly_costs(res)["total"]
    btotal = finance_summary.yearly_costs(baseline)["total"]
    for t in spend:
        assert targets.status(t, res, baseline) == "modelled"
        per = targets.values_at(t, res, baseline)[1]
        for r in range(3):
            assert per.loc[r] == pytest.approx(total.loc[(r, t.financial_year)] - btotal.loc[(r, t.financial_year)])
        assert (per > 0).all()   # a sixth of extra posts costs money in every replication
