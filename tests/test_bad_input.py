"""Every bad-input rule: one line on stderr naming the file and key, exit code 2, no traceback."""
from __future__ import annotations

import pytest

from .helpers import SCENARIOS, assert_one_line, child, run_cli

BASELINE = SCENARIOS / "slough_2014_baseline.yaml"


def test_missing_file(capsys, tmp_path):
    code, _, err = run_cli(capsys, "validate", tmp_path / "nope.yaml")
    assert_one_line(code, err, "nope.yaml", "file not found")


@pytest.mark.parametrize("text,needles", [
    ("name: x\nteams: [unclosed\n", ["invalid YAML", "line"]),
    ("- just\n- a list\n", ["must be a mapping"]),
    ("extends: not_there.yaml\nname: x\n", ["extends", "not_there.yaml"]),
], ids=["invalid-yaml", "not-a-mapping", "missing-extends"])
def test_bad_file_names_it(capsys, tmp_path, text, needles):
    path = child(tmp_path, text)
    code, _, err = run_cli(capsys, "validate", path)
    assert_one_line(code, err, str(path), *needles)


@pytest.mark.parametrize("text,needles", [
    ("colour: red\n", ["colour"]),
    ("agency:\n  cover_lagg_days: 3\n", ["agency.cover_lagg_days"]),
    ("recruitment:\n  pipeline:\n    applicants_per_advert: {social_worker: 1, director: 2}\n",
     ["recruitment.pipeline.applicants_per_advert.director"]),
    ("agency:\n  assignment_mean_months: lots\n", ["agency.assignment_mean_months"]),
    ("team_types:\n  reviewing:\n    posts:\n      - {role: social_worker, count: 18, fte: -0.5}\n",
     ["team_types.reviewing.posts.0.fte", "greater than 0"]),
    ("agency:\n  cover_probability: 1.5\n", ["agency.cover_probability", "<= 1"]),
    ("recruitment:\n  pipeline:\n    p_accept: [0.5, 1.2]\n", ["recruitment.pipeline.p_accept", "<= 1"]),
    ("end_date: 2013-01-01\n", ["end_date", "after start_date"]),
    ("nqsw:\n  cohorts:\n    - {date: 2014-09-01, count: 3, team_types: [no_such_team]}\n",
     ["nqsw.cohorts.0.team_types", "no_such_team"]),
    ("council_shocks:\n  changes: {agency_cover: [-0.2, 0.2]}\n  persistence: {agency_cover: 1.5}\n",
     ["council_shocks.persistence", "between 0 and 1"]),
], ids=["unknown-top", "unknown-nested", "unknown-role", "wrong-type", "negative-fte", "share-above-1",
        "uncertain-range-above-1", "end-before-start", "unknown-team-type", "shock-persistence-above-1"])
def test_bad_value_names_file_and_key(capsys, tmp_path, text, needles):
    path = child(tmp_path, f"extends: {BASELINE}\n{text}")
    code, _, err = run_cli(capsys, "validate", path)
    assert_one_line(code, err, str(path), *needles)


def test_initial_staffing_must_match_posts(capsys, tmp_path):
    path = child(tmp_path, f"extends: {BASELINE}\ninitial_staffing:\n  - {{group: reviewing, permanent_posts: 1, agency_posts: 0, vacant_uncovered_posts: 0}}\n")
    code, _, err = run_cli(capsys, "validate", path)
    assert_one_line(code, err, "initial_staffing.0", "18 posts")


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


@pytest.mark.parametrize("table", ["snapshots.csv", "case_monthly.csv"])
def test_out_never_overwrites(capsys, tmp_path, table):
    out = tmp_path / "out"
    out.mkdir()
    (out / table).write_text("precious\n")
    code, _, err = run_cli(capsys, "run", BASELINE, "-n", "1", "--workers", "1", "--no-progress", "--out", out)
    assert_one_line(code, err, "--out", table)
    assert (out / table).read_text() == "precious\n"


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


def test_library_names_overrides_and_grid_without_the_command_line_options():
    from workforce_sim.errors import InputError
    from workforce_sim.experiments.sweep import parse_grid
    from workforce_sim.scenario.loading import load_scenario

    with pytest.raises(InputError) as err:
        load_scenario(BASELINE, ["agency.no_such_key=1"])
    assert str(err.value) == "overrides: agency.no_such_key: unknown key"
    assert err.value.one_line({"overrides": "--set"}) == "--set: agency.no_such_key: unknown key"
    with pytest.raises(InputError) as err:
        parse_grid(["agency.cover_probability=0.5", "agency.cover_probability=0.6"])
    assert str(err.value) == "grid: agency.cover_probability: key given in two grid options"
