"""Every bad-input rule: one line on stderr naming the file and key, exit code 2, no traceback."""
from __future__ import annotations

from pathlib import Path

import pytest

from workforce_sim.cli.main import main

from .conftest import SCENARIOS

BASELINE = SCENARIOS / "slough_2014_baseline.yaml"


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line(code: int, err: str, *needles: str) -> None:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def child(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_missing_file(capsys, tmp_path):
    code, _, err = run_cli(capsys, "validate", tmp_path / "nope.yaml")
    assert_one_line(code, err, "nope.yaml", "file not found")


def test_invalid_yaml(capsys, tmp_path):
    path = child(tmp_path, "name: x\nteams: [unclosed\n")
    code, _, err = run_cli(capsys, "validate", path)
    assert_one_line(code, err, str(path), "invalid YAML", "line")


def test_yaml_not_a_mapping(capsys, tmp_path):
    path = child(tmp_path, "- just\n- a list\n")
    code, _, err = run_cli(capsys, "validate", path)
    assert_one_line(code, err, str(path), "must be a mapping")


@pytest.mark.parametrize("text,key", [
    ("colour: red\n", "colour"),
    ("agency:\n  cover_lagg_days: 3\n", "agency.cover_lagg_days"),
    ("recruitment:\n  pipeline:\n    applicants_per_advert: {social_worker: 1, director: 2}\n",
     "recruitment.pipeline.applicants_per_advert.director"),
])
def test_unknown_key(capsys, tmp_path, text, key):
    path = child(tmp_path, f"extends: {BASELINE}\n{text}")
    code, _, err = run_cli(capsys, "validate", path)
    assert_one_line(code, err, str(path), key)


def test_wrong_type(capsys, tmp_path):
    path = child(tmp_path, f"extends: {BASELINE}\nagency:\n  assignment_mean_months: lots\n")
    code, _, err = run_cli(capsys, "validate", path)
    assert_one_line(code, err, str(path), "agency.assignment_mean_months")


def test_negative_fte(capsys, tmp_path):
    path = child(tmp_path, f"extends: {BASELINE}\nteam_types:\n  reviewing:\n    posts:\n      - {{role: social_worker, count: 18, fte: -0.5}}\n")
    code, _, err = run_cli(capsys, "validate", path)
    assert_one_line(code, err, str(path), "team_types.reviewing.posts.0.fte", "greater than 0")


def test_share_outside_zero_one(capsys, tmp_path):
    path = child(tmp_path, f"extends: {BASELINE}\nagency:\n  cover_probability: 1.5\n")
    code, _, err = run_cli(capsys, "validate", path)
    assert_one_line(code, err, str(path), "agency.cover_probability", "<= 1")


def test_uncertain_range_outside_bounds(capsys, tmp_path):
    path = child(tmp_path, f"extends: {BASELINE}\nrecruitment:\n  pipeline:\n    p_accept: [0.5, 1.2]\n")
    code, _, err = run_cli(capsys, "validate", path)
    assert_one_line(code, err, str(path), "recruitment.pipeline.p_accept", "<= 1")


def test_end_before_start(capsys, tmp_path):
    path = child(tmp_path, f"extends: {BASELINE}\nend_date: 2013-01-01\n")
    code, _, err = run_cli(capsys, "validate", path)
    assert_one_line(code, err, str(path), "end_date", "after start_date")


def test_initial_staffing_must_match_posts(capsys, tmp_path):
    path = child(tmp_path, f"extends: {BASELINE}\ninitial_staffing:\n  - {{group: reviewing, permanent_posts: 1, agency_posts: 0, vacant_uncovered_posts: 0}}\n")
    code, _, err = run_cli(capsys, "validate", path)
    assert_one_line(code, err, "initial_staffing.0", "18 posts")


def test_unknown_team_type_reference(capsys, tmp_path):
    path = child(tmp_path, f"extends: {BASELINE}\nnqsw:\n  cohorts:\n    - {{date: 2014-09-01, count: 3, team_types: [no_such_team]}}\n")
    code, _, err = run_cli(capsys, "validate", path)
    assert_one_line(code, err, str(path), "nqsw.cohorts.0.team_types", "no_such_team")


def test_missing_extends(capsys, tmp_path):
    path = child(tmp_path, "extends: not_there.yaml\nname: x\n")
    code, _, err = run_cli(capsys, "validate", path)
    assert_one_line(code, err, str(path), "extends", "not_there.yaml")


def test_circular_extends(capsys, tmp_path):
    child(tmp_path, "extends: b.yaml\n", "a.yaml")
    child(tmp_path, "extends: a.yaml\n", "b.yaml")
    code, _, err = run_cli(capsys, "validate", tmp_path / "a.yaml")
    assert_one_line(code, err, "extends", "circular", "a.yaml -> b.yaml -> a.yaml")


def test_python_object_tag_refused(capsys, tmp_path):
    path = child(tmp_path, "name: !!python/object/apply:os.system ['echo pwned']\n")
    code, out, err = run_cli(capsys, "validate", path)
    assert_one_line(code, err, str(path), "tag not allowed")
    assert "pwned" not in out


@pytest.mark.parametrize("item,needles", [
    ("no_equals_sign", ["--set", "expected key=value"]),
    ("=3", ["--set", "bad key"]),
    ("agency..cover_lag_days=3", ["--set", "bad key"]),
    ("agency.cover_lag_days=[1, 2", ["--set", "agency.cover_lag_days", "not valid YAML"]),
    ("agency.cover_lagg=3", ["--set", "agency.cover_lagg", "unknown key"]),
    ("agency.cover_probability=2", ["--set", "agency.cover_probability", "<= 1"]),
    ("nqsw.cohorts.7.count=3", ["--set", "nqsw.cohorts.7.count", "no list item"]),
    ("name.sub=3", ["--set", "name.sub"]),
])
def test_bad_set(capsys, item, needles):
    code, _, err = run_cli(capsys, "validate", BASELINE, "--set", item)
    assert_one_line(code, err, *needles)


@pytest.mark.parametrize("args,needles", [
    (["--replications", "0"], ["--replications", "at least 1"]),
    (["--replications", "ten"], ["--replications", "whole number"]),
    (["--workers", "0"], ["--workers"]),
    (["--seed", "-1"], ["--seed"]),
    (["--frobnicate"], ["command line", "--frobnicate"]),
])
def test_bad_run_options(capsys, args, needles):
    code, _, err = run_cli(capsys, "run", BASELINE, *args)
    assert_one_line(code, err, *needles)


def test_out_never_overwrites(capsys, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "snapshots.csv").write_text("precious\n")
    code, _, err = run_cli(capsys, "run", BASELINE, "-n", "1", "--workers", "1", "--no-progress", "--out", out)
    assert_one_line(code, err, "--out", "snapshots.csv")
    assert (out / "snapshots.csv").read_text() == "precious\n"


def test_no_command_is_bad_input(capsys):
    code, _, err = run_cli(capsys)
    assert_one_line(code, err, "command line")


@pytest.mark.parametrize("text, needles", [
    ("targets:\n  permanent_share: {measure: permanence}\n", ["bad.yaml", "targets.permanent_share.measure", "unknown measure 'permanence'"]),
    ("targets:\n  permanent_share: {direction: above}\n", ["bad.yaml", "targets.permanent_share.direction", "at_least"]),
    ("targets:\n  permanent_share: {date: 2019-03-31}\n", ["bad.yaml", "targets.permanent_share.date", "outside the run"]),
    ("targets:\n  permanent_share: {threshold: .nan}\n", ["bad.yaml", "targets.permanent_share.threshold", "finite"]),
    ("targets:\n  x: {measure: vacancy_rate, threshold: 0.2, date: 2016-03-31, title: X, source: s}\n",
     ["bad.yaml", "targets.x", "threshold and direction together"]),
    ("targets:\n  x: {measure: vacancy_rate, date: 2016-03-31, title: X}\n", ["bad.yaml", "targets.x.source", "required"]),
    ("targets:\n  x: {measure: spend_within_profile, title: X, source: s}\n", ["bad.yaml", "targets.x.measure", "investment profile"]),
    ("targets:\n  x: {modelled: false, title: X, source: s}\n", ["bad.yaml", "targets.x", "target_text"]),
    ("targets:\n  x: {measure: vacancy_rate, date: 2016-03-31, title: X, source: s, groups: [nowhere]}\n",
     ["bad.yaml", "targets.x.groups", "nowhere"]),
])
def test_bad_target_declarations(capsys, tmp_path, text, needles):
    path = child(tmp_path, f"extends: {BASELINE}\n{text}")
    code, _, err = run_cli(capsys, "validate", path)
    assert_one_line(code, err, *needles)


def test_bad_target_from_the_command_line(capsys):
    code, _, err = run_cli(capsys, "run", BASELINE, "-n", "1", "--set", "targets.average_caseload.date=2013-01-01")
    assert_one_line(code, err, "--set", "targets.average_caseload.date", "outside the run")
