"""`wfsim schedule`: manifests, continuing past failures, summary, exit codes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from workforce_sim.cli.main import main
from workforce_sim.errors import InputError
from workforce_sim.reporting.runs import list_runs
from workforce_sim.workflows.schedule import load_manifest

from .helpers import ROOT, notebook_with, write_tiny


def test_schedule_continues_past_failing_entries(tmp_path, capsys):
    write_tiny(tmp_path)
    broken = notebook_with(tmp_path, 'raise RuntimeError("broken template")', after="run.execute(")
    manifest = tmp_path / "reports.yaml"
    manifest.write_text(f"""
defaults: {{replications: 3, seed: 5, workers: 1}}
reports:
  - {{name: missing, scenario: no_such.yaml}}
  - {{name: bad_override, scenario: tiny.yaml, overrides: {{agency.not_a_key: 1}}}}
  - {{name: failing_notebook, scenario: tiny.yaml, notebook: {broken.name}}}
  - {{name: good, scenario: tiny.yaml, overrides: ["recruitment.pipeline.advert_days=21"]}}
""")
    outputs = tmp_path / "outputs"
    rc = main(["schedule", str(manifest), "--out", str(outputs)])
    out = capsys.readouterr().out
    assert rc == 1
    assert out.splitlines()[0] == f"schedule {manifest}: 4 reports, 1 complete, 3 failed"
    assert "FAILED    missing" in out and "no_such.yaml: file not found" in out
    assert "FAILED    bad_override" in out and "agency.not_a_key: unknown key" in out
    assert "FAILED    failing_notebook" in out and "RuntimeError: broken template" in out
    assert "complete  good" in out
    runs = {r["name"]: r for r in list_runs(outputs)}
    assert set(runs) == {"failing_notebook", "good"}  # bad input never starts a run
    assert runs["failing_notebook"]["status"] == "failed" and runs["failing_notebook"]["folder"].parent.name == "failed"
    good = runs["good"]
    assert good["status"] == "complete" and good["replications"] == 3 and good["seed"] == 5
    assert good["overrides"] == ["recruitment.pipeline.advert_days=21"]
    assert good["scenario_resolved"]["recruitment"]["pipeline"]["advert_days"] == 21
    assert (good["folder"] / "report.html").exists()


@pytest.mark.parametrize("text, key", [
    ("reports: []", "reports"),
    ("reports:\n  - {name: a, scenaro: x.yaml}", "reports.0.scenaro: unknown key"),
    ("reports:\n  - {name: a, scenario: x.yaml}\n  - {name: a, scenario: y.yaml}", "reports.1.name: 'a' used twice"),
    ("reports:\n  - {name: a, scenario: x.yaml, targets: nope}", "reports.0.targets"),
    ("reports:\n  - {name: 'a b', scenario: x.yaml}", "reports.0.name"),
    ("defaults: {replications: 0}\nreports:\n  - {name: a, scenario: x.yaml}", "defaults.replications"),
])
def test_bad_manifest_exits_2_naming_file_and_key(tmp_path, capsys, text, key):
    manifest = tmp_path / "m.yaml"
    manifest.write_text(text)
    assert main(["schedule", str(manifest), "--out", str(tmp_path / "outputs")]) == 2
    err = capsys.readouterr().err
    assert f"{manifest}: {key}" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "outputs").exists()


def test_example_manifest_is_valid_and_its_scenarios_exist():
    path = ROOT / "schedules" / "monthly.yaml"
    manifest = load_manifest(path)
    assert len(manifest.reports) >= 2
    for entry in manifest.reports:
        assert (path.parent / entry.scenario).is_file()
    with pytest.raises(InputError):
        load_manifest(ROOT / "schedules" / "no_such.yaml")
    json.dumps([e.override_list() for e in manifest.reports])


def test_replications_option_replaces_every_reports_count(tmp_path):
    from workforce_sim.workflows import schedule

    manifest = Path(__file__).resolve().parents[1] / "schedules" / "monthly.yaml"
    spec = schedule.prepare(manifest, tmp_path / "out", replications=3)
    assert spec.reports and {r.replications for r in spec.reports} == {3}
    assert {r.replications for r in schedule.prepare(manifest, tmp_path / "out").reports} != {3}
