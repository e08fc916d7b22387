"""wfsim optimise of a region's member: the plan for one member with every member and the market run together,
its neighbours' response rules followed; a candidate is the region run with those values; bad input refused."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from workforce_sim.experiments import optimise as study_
from workforce_sim.experiments.levers import candidate_region
from workforce_sim.scenario.regions import load_region
from workforce_sim.workflows import optimise as workflow
from workforce_sim.workflows import region as region_workflow

from .helpers import assert_one_line, run_cli, write_tiny

MARKET = ("market:\n  job_seekers: {initial: 15, arrivals_per_year: 12, exit_per_year: 1.5}\n"
          "  agency_pool: {initial: 10, arrivals_per_year: 20, exit_per_year: 1.5}\n  attractiveness: {pay_per_1000_gbp: 0.15}\n")
REQ = "permanent_share>=0.45@2016-12-01"


def _region(tmp_path: Path, b_response: str = ", response: {rule: match, follows: A}") -> Path:
    """Two tiny councils (workforce only): A's supplement would start in 2015, B matches it."""
    write_tiny(tmp_path, "a", council="A")
    write_tiny(tmp_path, "b", council="B")
    path = tmp_path / "two.yaml"
    path.write_text("name: two\nmembers:\n  - {file: a.yaml, name: A, set: [market_supplement.start_date=2015-01-01]}\n"
                    f"  - {{file: b.yaml, name: B{b_response}}}\n" + MARKET
                    + "policies: {cooling_off: {date: 2015-06-01, months: 3}}\n")
    return path


@pytest.mark.slow
def test_a_region_optimise_finds_a_plan_for_the_member_and_writes_its_folder(capsys, tmp_path):
    r = _region(tmp_path)
    out = tmp_path / "out"
    code, text, err = run_cli(capsys, "optimise", r, "--member", "A", "--lever", "supplement=0..4000:2000", "--lever",
                              "cooling-off bar=0..6:6", "--require", REQ, "--confidence", "0.8", "--trials", "3", "-n", "2",
                              "--confirm-replications", "3", "--confirm-top", "2", "--workers", "1", "--no-progress", "--out", out)
    assert code == 0, err
    assert "for A in two (neighbours respond: B matches A's supplement)" in text
    assert "<- plan" in text
    for name in ("plan.yaml", "optimise.html", "evaluations.csv", "confirmed.csv", "about.csv", "study.db", "run.json"):
        assert (out / name).is_file(), name
    assert "for A in two (neighbours respond: B matches A&#x27;s supplement)" in (out / "optimise.html").read_text()
    record = json.loads((out / "run.json").read_text())
    assert record["member"] == "A" and record["spec"]["member"] == "A" and record["status"] == "complete"
    about = pd.read_csv(out / "about.csv").set_index("item")["value"]
    assert about["member"] == "A" and about["region"] == "two"
    # the plan file is a region that extends the input: loaded, it is the candidate's region
    plan = record["plan"]
    planned = load_region(out / "plan.yaml")
    spec = workflow.prepare(r, ["supplement=0..4000:2000", "cooling-off bar=0..6:6"], [REQ], member="A")
    want = candidate_region(spec.region, "A", list(spec.levers), plan)
    assert planned.members == want.members and planned.policies == want.policies and planned.market == want.market


def test_a_candidate_is_the_region_run_with_its_values_on_the_same_seeds(tmp_path):
    """The evaluator's candidate (A's supplement 4000, the bar 6 months) is `wfsim run` of the region with
    --set members.A.supplement=4000 --set cooling_off_months=6: the same member results, replication by replication."""
    r = _region(tmp_path)
    spec = workflow.prepare(r, ["supplement=0..4000:2000", "cooling_off_months=0..6:6"], [REQ], member="A", replications=3, seed=11)
    seen = {}

    def judge(results, baseline):
        seen["A"] = results
        return spec.judge(results, baseline)

    ev = study_.RegionEvaluator(spec.scenario, list(spec.levers), judge, None, 1, region=spec.region, member="A")
    judged = ev.evaluate({"supplement": 4000, "cooling_off_months": 6}, 3, 11)
    run = region_workflow.execute(region_workflow.prepare(r, 3, 11, overrides=["members.A.supplement=4000", "cooling_off_months=6"],
                                                          workers=1))
    pd.testing.assert_frame_equal(seen["A"].snapshots, run.results.members["A"].snapshots)
    assert judged == spec.judge(run.results.members["A"], None)
    # and B, matching A, pays the candidate's supplement: different from the region where A pays none
    other = ev.evaluate({"supplement": 0, "cooling_off_months": 6}, 3, 11)
    assert other["cost"] != judged["cost"]


@pytest.mark.parametrize("argv, needles", [
    (["--member", "Z", "--lever", "supplement=0..4000:2000"], ["member", "no member 'Z'", "members: A, B"]),
    (["--lever", "members.B.supplement=0..4000:2000"], ["--lever", "members.B.supplement", "is not A's"]),
    (["--lever", "no_such.key=0..3"], ["--lever", "no_such"]),
    (["--lever", "policies.nothing=0..3"], ["--lever", "policies.nothing", "not a key of the region"]),
    (["--lever", "experience rule=1..3"], ["--lever", "experience_years", "no policies.experience"]),
    (["--council-file", "--member", "A", "--lever", "supplement=0..4000:2000"], ["a.yaml", "member", "council's scenario"]),
], ids=["unknown-member", "neighbours-lever", "unknown-key", "unknown-region-key", "absent-policy", "member-of-a-council"])
def test_bad_region_optimise_input_is_refused_in_one_line_and_nothing_is_written(capsys, tmp_path, argv, needles):
    r = _region(tmp_path)
    target = tmp_path / "a.yaml" if "--council-file" in argv else r
    argv = [a for a in argv if a != "--council-file"]
    out = tmp_path / "out"
    code, _, err = run_cli(capsys, "optimise", target, *argv, "--require", REQ, "--out", out, "--no-progress")
    assert_one_line(code, err, *needles)
    assert not out.exists() and not (tmp_path / ".incomplete-out").exists()


def test_resume_refuses_a_different_member(capsys, tmp_path):
    r = _region(tmp_path, "")
    out = tmp_path / "out"
    levers = ["supplement=0..4000:2000"]
    spec = workflow.prepare(r, levers, [REQ], member="A")
    hidden = tmp_path / ".incomplete-out"
    hidden.mkdir()
    study_.stored_spec(study_.open_study(hidden / "study.db", create=True), spec.study)
    code, _, err = run_cli(capsys, "optimise", r, "--member", "B", "--lever", levers[0], "--require", REQ, "--resume", "--out", out,
                           "--no-progress")
    assert_one_line(code, err, "member", "'A' then, 'B' now")
    assert not out.exists()
