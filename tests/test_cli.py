"""The wfsim command line on the shipped scenarios."""
from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd

from workforce_sim.cli.main import main

from .helpers import ROOT, SCENARIOS

INVESTMENT = SCENARIOS / "slough_2014_investment.yaml"


def test_validate_prints_resolved_scenario(capsys):
    assert main(["validate", str(INVESTMENT), "--set", "nqsw.cohorts.0.count=8"]) == 0
    out = capsys.readouterr().out
    assert "name: slough_2014_investment" in out
    assert "offer_to_checks_days: 4.5" in out
    assert "count: 8" in out


def test_run_prints_table_and_json(capsys):
    assert main(["run", str(INVESTMENT), "-n", "4", "--workers", "1", "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "Permanent share" in text and "90% interval" in text and "Trend by quarter" in text
    assert main(["run", str(INVESTMENT), "-n", "4", "--workers", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    p = data["permanent_share"]
    assert data["replications"] == 4
    assert 0 <= p["low"] <= p["median"] <= p["high"] <= 1
    assert p["target"] == 0.8 and p["target_date"] == "2017-03-31"
    assert len(data["permanent_share_by_quarter"]) >= 16


def test_run_writes_tables(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(INVESTMENT), "-n", "2", "--workers", "1", "--out", str(out), "--no-progress"]) == 0
    snap = pd.read_parquet(out / "snapshots.parquet")
    csv = pd.read_csv(out / "snapshots.csv")
    assert len(snap) == len(csv) > 0
    assert set(snap["replication"]) == {0, 1}
    assert {"posts_fte", "permanent_fte", "agency_fte", "vacant_fte", "asye_fte"} <= set(snap.columns)
    assert (out / "flows.parquet").exists() and (out / "parameters.csv").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]   # no temporary folder left


def test_python_dash_m_entry_point():
    proc = subprocess.run([sys.executable, "-m", "workforce_sim", "validate", str(SCENARIOS / "nope.yaml")],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
