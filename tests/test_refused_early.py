"""Refused before anything runs (exit 2, one line): a backtest with nothing to score, anything above
the ceilings of ``defaults.CEILINGS`` without --allow-large, a second wfsim on an optimiser study in
use, calibrate's cheap checks, a scenario given as the report notebook, a --grid point a data file refuses."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from workforce_sim.defaults import CEILINGS

from .helpers import SCENARIOS, assert_one_line, run_cli, write_tiny


def _must_not_run(*args, **kwargs):
    raise AssertionError("ran although the input was bad")


@pytest.mark.parametrize("argv, words", [
    (["--councils", "Slough"], ["Slough", "no DfE workforce figures", "nothing to forecast from"]),
    (["--councils", "Rutland,Slough", "--origins", "2020"], ["Slough", "at the origin 2020"]),
    (["--councils", "Cumbria", "--origins", "2022"], ["Cumbria", "nothing to score"]),
    (["--councils", "Northamptonshire", "--origins", "2022"], ["Northamptonshire", "no DfE workforce figures"]),
], ids=["withheld", "withheld-among-others", "no-later-year", "no-figures-at-origin"])
def test_backtest_with_nothing_to_score_is_refused_before_it_runs(argv, words, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("workforce_sim.workflows.backtest.run_backtest", _must_not_run)
    code, _, err = run_cli(capsys, "backtest", *argv, "--no-calibrate", "-n", "1", "--no-progress", "--out", tmp_path / "bt")
    assert_one_line(code, err, "--councils", *words)
    assert not (tmp_path / "bt").exists()


@pytest.mark.parametrize("value, words", [
    ("attrition_factor,leaving_factor", ["leaving_factor"]),
    (",", ["expected all or names"]),
], ids=["unknown-name", "no-name"])
def test_backtest_calibrate_parameters_are_refused_before_it_runs(value, words, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("workforce_sim.workflows.backtest.run_backtest", _must_not_run)
    code, _, err = run_cli(capsys, "backtest", "--councils", "Rutland", "--calibrate-parameters", value, "--no-progress",
                           "--out", tmp_path / "bt")
    assert_one_line(code, err, "--calibrate-parameters", *words)
    assert not (tmp_path / "bt").exists()


@pytest.mark.parametrize("argv, option", [
    (["backtest", "--councils", "Rutland", "-n", "100000000"], "--replications"),
    (["backtest", "--councils", "Rutland", "--population", "100000000"], "--population"),
    (["backtest", "--councils", "Rutland", "--generations", "1000000"], "--generations"),
    (["calibrate", "SCEN", "--through", "2019", "--population", "100000000"], "--population"),
    (["calibrate", "SCEN", "--through", "2019", "--generations", "1000000"], "--generations"),
    (["optimise", "TINY", "--lever", "agency.cover_probability=0.5..0.9", "--require", "vacancy_rate<=0.9@2015-06-30",
      "--trials", str(CEILINGS.optimise_trials + 1)], "--trials"),
])
def test_ceilings_are_refused_before_anything_runs(argv, option, tmp_path, capsys, monkeypatch):
    for target in ("workforce_sim.workflows.backtest.run_backtest", "workforce_sim.workflows.calibrate.calibrate",
                   "workforce_sim.workflows.optimise.execute"):
        monkeypatch.setattr(target, _must_not_run)
    scen = write_tiny(tmp_path, name="rutland", council="Rutland")
    argv = [str(scen) if a == "SCEN" else str(write_tiny(tmp_path, end_date="2015-07-01")) if a == "TINY" else a for a in argv]
    code, _, err = run_cli(capsys, *argv, "--out", tmp_path / "o")
    assert_one_line(code, err, option, "more than the ceiling", "--allow-large")
    assert not (tmp_path / "o").exists()


def test_a_manifest_above_the_ceiling_is_refused_naming_the_key(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("workforce_sim.reporting.notebook.run_report", _must_not_run)
    manifest = tmp_path / "m.yaml"
    manifest.write_text(f"reports:\n  - name: a\n    scenario: {SCENARIOS / 'slough_2014_baseline.yaml'}\n    replications: 100000000\n")
    code, _, err = run_cli(capsys, "schedule", manifest, "--out", tmp_path / "outputs")
    assert_one_line(code, err, str(manifest), "reports.0.replications", "ceiling of 10,000")
    manifest.write_text(f"defaults: {{replications: 100000000}}\nreports:\n  - name: a\n    scenario: {SCENARIOS / 'slough_2014_baseline.yaml'}\n")
    code, _, err = run_cli(capsys, "schedule", manifest, "--out", tmp_path / "outputs")
    assert_one_line(code, err, "defaults.replications")


def test_calibrate_names_its_options_and_checks_them_before_any_work(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("workforce_sim.workflows.calibrate.calibrate", _must_not_run)
    scen = write_tiny(tmp_path, name="rutland", council="Rutland")
    code, _, err = run_cli(capsys, "calibrate", scen, "--council", "Narnia", "--through", "2019", "--out", tmp_path / "a.yaml")
    assert_one_line(code, err, "--council", "unknown council 'Narnia'")
    assert "COUNCIL" not in err
    code, _, err = run_cli(capsys, "calibrate", scen, "--through", "2019", "--population", "1", "--out", tmp_path / "a.yaml")
    assert_one_line(code, err, "--population", "at least 2")
    code, _, err = run_cli(capsys, "calibrate", scen, "--through", "2011", "--out", tmp_path / "a.yaml")
    assert_one_line(code, err, "--through")
    assert not (tmp_path / "a.yaml").exists()


def test_a_scenario_given_as_the_report_notebook_is_refused_before_simulating(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("workforce_sim.reporting.notebook.run_report", _must_not_run)
    scen = write_tiny(tmp_path)
    code, _, err = run_cli(capsys, "report", scen, "--notebook", scen, "-n", "1", "--no-progress", "--out", tmp_path / "outputs")
    assert_one_line(code, err, str(scen), "not a notebook")
    assert not (tmp_path / "outputs").exists() or not any((tmp_path / "outputs").rglob("run.json"))


def test_a_grid_point_a_data_file_refuses_names_the_file(tmp_path, capsys):
    example = SCENARIOS / "examples" / "staff_example.yaml"
    code, _, err = run_cli(capsys, "sweep", example, "--grid", "start_date=2025-10-01,2025-01-15", "-n", "1", "--no-progress",
                           "--out", tmp_path / "sw")
    assert_one_line(code, err, "staff_example.csv", "--grid point start_date=2025-01-15")
    assert not (tmp_path / "sw").exists()


def test_a_second_wfsim_on_a_study_in_use_is_refused_at_once(tmp_path, capsys, monkeypatch):
    from workforce_sim.experiments import optimise as study_
    from workforce_sim.reporting.optimise import LOCK_FILE, hidden

    scen = write_tiny(tmp_path, end_date="2015-07-01")
    out = tmp_path / "opt"
    argv = ["optimise", scen, "--lever", "agency.cover_probability=0.5..0.9", "--require", "vacancy_rate<=0.9@2015-06-30",
            "--trials", "2", "-n", "1", "--confirm-replications", "1", "--confirm-top", "1", "--no-progress", "--out", out]

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:     # a study stopped at once: kept in its hidden folder
        m.setattr(study_, "search", stopped)
        code, _, err = run_cli(capsys, *argv)
    assert code == 130 and (hidden(out) / "study.db").is_file(), err
    assert str(hidden(out) / "study.db") in err       # the hint names the folder that holds it
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys
        from workforce_sim.files import exclusive
        with exclusive({str(hidden(out) / LOCK_FILE)!r}, "the study"):
            print("held", flush=True)
            sys.stdin.readline()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setattr("workforce_sim.workflows.optimise.execute", _must_not_run)
        code, _, err = run_cli(capsys, *argv, "--resume")
    finally:
        holder.communicate("\n", timeout=10)
    assert_one_line(code, err, f"the study {out} is in use by another wfsim (process {holder.pid})")
    assert (hidden(out) / "study.db").is_file() and not out.exists()
