"""The case sections of a scenario: every bad-input rule, and the case output of `wfsim run`."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from workforce_sim.cli.main import main

from .helpers import SCENARIOS, assert_one_line, child, run_cli

BASELINE = SCENARIOS / "slough_2014_baseline.yaml"
BASE_NO_CASES = """
name: plain
start_date: 2015-01-01
end_date: 2016-01-01
team_types:
  team: {posts: [{role: social_worker, count: 4}]}
teams: [{type: team}]
"""


@pytest.mark.parametrize("text,needles", [
    ("demand:\n  referrals: {rate_per_year: 100, colour: 3}\n", ["demand.referrals.colour", "unknown key"]),
    ("demand:\n  referrals: {rate_per_year: -5}\n", ["demand.referrals.rate_per_year", ">= 0"]),
    ("demand:\n  referrals: {seasonality: [1, 1, 1]}\n", ["demand.referrals.seasonality", "12 factors"]),
    ("demand:\n  referrals: {seasonality: [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]}\n", ["demand.referrals.seasonality", "average 1"]),
    ("demand:\n  assessment: {outcomes: {close: 0.5, cin: 0.6}}\n", ["demand.assessment.outcomes", "sum to 1"]),
    ("demand:\n  assessment: {outcomes: {close: 0.5, adopted: 0.5}}\n", ["demand.assessment.outcomes.adopted"]),
    ("demand:\n  assessment: {work_calendar_days: {dist: gamma, mean_days: 3}}\n", ["demand.assessment.work_calendar_days.dist"]),
    ("demand:\n  assessment: {work_calendar_days: {mean_days: 0}}\n", ["demand.assessment.work_calendar_days.mean_days", "> 0"]),
    ("demand:\n  plans:\n    cin: {next: {close: 0.9}}\n", ["demand.plans.cin.next", "sum to 1"]),
    ("demand:\n  plans:\n    lac: {move_after_days: 100, move_to: []}\n", ["demand.plans.lac", "go together"]),
    ("demand:\n  plans:\n    lac: {move_to: [nowhere]}\n", ["demand.plans.lac.move_to", "nowhere"]),
    ("demand:\n  opening:\n    nowhere: {cases_per_worker: 3, mix: {cin: 1}}\n", ["demand.opening.nowhere", "unknown team type"]),
    ("demand:\n  opening:\n    reviewing: {cases_per_worker: 3, mix: {cin: 1}}\n", ["demand.opening.reviewing.mix.cin", "does not hold"]),
    ("demand:\n  opening:\n    assessment_cin: {cases_per_worker: 3, mix: {cin: 0.5}}\n", ["demand.opening.assessment_cin.mix", "sum to 1"]),
    ("caseload:\n  routes: {cp: [nowhere]}\n", ["caseload.routes.cp", "nowhere"]),
    ("caseload:\n  keep: {cin: [nowhere]}\n", ["caseload.keep.cin", "nowhere"]),
    ("caseload:\n  cap_by_team_type: {nowhere: 3}\n", ["caseload.cap_by_team_type.nowhere", "nowhere"]),
    ("caseload:\n  cap: 0\n", ["caseload.cap", "> 0"]),
    ("caseload:\n  overflow: shrug\n", ["caseload.overflow"]),
    ("caseload:\n  asye_share: 1.5\n", ["caseload.asye_share", "less than or equal to 1"]),
    ("caseload:\n  assessment_priority: 0.5\n", ["caseload.assessment_priority", ">= 1"]),
    ("caseload:\n  time_off: {asye_development_share: 1}\n", ["caseload.time_off.asye_development_share", "less than 1"]),
    ("caseload:\n  visits: {cp_interval_days: 0}\n", ["caseload.visits.cp_interval_days", "> 0"]),
    ("caseload:\n  targets: {visits_on_time: 95}\n", ["caseload.targets", "unknown key"]),
    ("targets:\n  visits_on_time: {team_types: [assessment_cin]}\n", ["targets.visits_on_time", "team_types", "not an option"]),
    ("targets:\n  average_caseload: {team_types: [nowhere]}\n", ["targets.average_caseload.team_types", "nowhere"]),
    ("attrition:\n  leaver_reasons: {pay: 0.5, other: 0.5}\n", ["attrition.leaver_reasons", "workload"]),
    ("recruitment:\n  appointments:\n    - {date: 2014-10-01, role: social_worker, count: 2, team_types: [nowhere]}\n",
     ["recruitment.appointments.0.team_types", "nowhere"]),
])
def test_bad_case_input(capsys, tmp_path, text, needles):
    path = child(tmp_path, f"extends: {BASELINE}\n{text}")
    code, _, err = run_cli(capsys, "validate", path)
    assert_one_line(code, err, *needles)


def test_missing_plan_and_route(capsys, tmp_path):
    text = BASE_NO_CASES + """
demand:
  referrals: {rate_per_year: 10}
  assessment: {outcomes: {close: 0.5, cin: 0.5}}
  plans:
    cin: {duration: {mean_days: 10}, next: {close: 0.5, cp: 0.5}}
caseload:
  routes: {assessment: [team], cin: [team], cp: [team]}
"""
    path = child(tmp_path, text, "no_plan.yaml")
    code, _, err = run_cli(capsys, "validate", path)
    assert_one_line(code, err, str(path), "demand.plans.cp", "missing")
    text = BASE_NO_CASES + """
demand:
  referrals: {rate_per_year: 10}
  assessment: {outcomes: {close: 0.5, cin: 0.5}}
  plans:
    cin: {duration: {mean_days: 10}, next: {close: 1.0}}
caseload:
  routes: {assessment: [team]}
"""
    path = child(tmp_path, text, "no_route.yaml")
    code, _, err = run_cli(capsys, "validate", path)
    assert_one_line(code, err, str(path), "caseload.routes.cin", "no team type")


def test_demand_and_caseload_go_together(capsys, tmp_path):
    path = child(tmp_path, BASE_NO_CASES + "caseload:\n  routes: {assessment: [team]}\n", "a.yaml")
    code, _, err = run_cli(capsys, "validate", path)
    assert_one_line(code, err, "caseload", "needs a demand section")
    path = child(tmp_path, BASE_NO_CASES + "demand:\n  referrals: {rate_per_year: 1}\n  assessment: {outcomes: {close: 1}}\n", "b.yaml")
    code, _, err = run_cli(capsys, "validate", path)
    assert_one_line(code, err, "caseload", "required when demand is given")


def test_bad_set_on_case_keys(capsys):
    code, _, err = run_cli(capsys, "validate", BASELINE, "--set", "caseload.routes.cp=[nowhere]")
    assert_one_line(code, err, "--set", "caseload.routes.cp", "nowhere")


def test_run_reports_cases_against_targets(capsys, tmp_path):
    out = tmp_path / "run"
    assert main(["run", str(SCENARIOS / "slough_2014_investment.yaml"), "-n", "2", "--workers", "1", "--no-progress", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Permanent share" in text                       # the workforce part is still there
    for needle in ["Targets declared by the scenario", "Average caseload", "at most 16 children by 31 Mar 2015",
                   "Assessments within 45 working days", "at least 95% by 31 Mar 2015",
                   "Child protection and looked-after visits on time", "at most 3 social workers", "by team type",
                   "Assessment and Child in Need team", "Case trend by quarter",
                   "Additional spend within the investment profile, 2016/17", "at most £1.2m in 2016/17"]:
        assert needle in text, needle
    monthly = pd.read_parquet(out / "case_monthly.parquet")
    snap = pd.read_csv(out / "case_snapshots.csv")
    assert set(monthly["replication"]) == {0, 1} and len(snap) > 0
    assert (monthly["referred_total"] == monthly["closed_total"] + monthly["open_allocated"] + monthly["unallocated"]).all()
    assert not (out / "cases.csv").exists()                # per-child records only with --keep-events


def test_run_json_has_case_measures(capsys):
    assert main(["run", str(SCENARIOS / "slough_2014_baseline.yaml"), "-n", "2", "--workers", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = {r["key"]: r for r in data["targets"]}
    assert rows["average_caseload"]["target"] == 16.0 and rows["average_caseload"]["direction"] == "at_most"
    assert rows["average_caseload"]["snapshot_date"] == "2015-03-01"    # the snapshot at or before 31 March 2015
    three = rows["three_or_fewer_workers"]
    assert 0 <= three["low"] <= three["median"] <= three["high"] <= 1
    assert rows["assessments_on_time"]["target"] == 0.95
    assert rows["casework_audits"]["status"] == "not modelled"
    assert len(data["cases"]["by_quarter"]) >= 16


def test_shipped_case_scenarios_run_briefly():
    from workforce_sim.experiments.replications import single_run
    from workforce_sim.scenario.loading import load_scenario

    for name in ["kent_2013_contract", "kent_2013_contract_rising_lac"]:
        sc = load_scenario(SCENARIOS / f"{name}.yaml", ["end_date=2014-03-31", "targets={}"])
        res = single_run(sc, seed=1)
        m = res.case_monthly
        assert m["referrals"].sum() > 5000 and (m["referred_total"] == m["closed_total"] + m["open_allocated"] + m["unallocated"]).all()
    snap = res.snapshots
    assert snap.loc[snap["date"] == "2014-01-01", "asye_fte"].sum() >= 40    # most of the 48 NQSWs of S3 are in post
