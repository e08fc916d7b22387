"""A full (or read-only) disk while a command writes its outputs: exit 3, one line saying what could
not be written and what was kept, no traceback, no truncated file under a final name, and earlier
runs untouched. Every command family writes through ``workforce_sim.files``; the disk fills after
the first ``after`` files (``os.fsync`` is where every atomic write reaches the disk)."""
from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from workforce_sim.reporting.runs import RUN_ID_RE

from .helpers import SCENARIOS, run_cli, write_tiny

SHORT = ["--set", "end_date=2014-06-01", "--set", "targets={}"]
SLOUGH = SCENARIOS / "slough_2014_baseline.yaml"


@pytest.fixture
def disk_fills(monkeypatch):
    """``disk_fills(after)``: the disk is full once ``after`` files have been written (``code``: the errno)."""
    def arm(after: int = 1, code: int = errno.ENOSPC) -> list[int]:
        calls: list[int] = []
        real = os.fsync

        def fsync(fd):
            calls.append(fd)
            if len(calls) > after:
                raise OSError(code, os.strerror(code))
            return real(fd)

        monkeypatch.setattr(os, "fsync", fsync)
        return calls
    return arm


def _one_line(code: int, err: str, reason: str = "No space left on device") -> str:
    assert code == 3, err
    lines = [x for x in err.strip().splitlines() if not x.startswith("wfsim: warning:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert lines[0].startswith("wfsim: could not write") and reason in lines[0], lines[0]
    return lines[0]


def _earlier_run(outputs: Path, scenario: str) -> tuple[Path, dict[str, bytes]]:
    folder = outputs / scenario / "20200101-000000-abcdef"
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"status": "complete", "name": scenario, "run_id": folder.name}))
    (folder / "kpi.csv").write_text("a,b\n1,2\n")
    return folder, {p.name: p.read_bytes() for p in folder.iterdir()}


def _no_final_run(outputs: Path, scenario: str, earlier: Path) -> None:
    runs = [p for p in (outputs / scenario).iterdir() if RUN_ID_RE.match(p.name) and p != earlier]
    assert runs == [], runs
    assert not list((outputs / scenario).glob(".incomplete-*"))


def test_sweep_on_a_full_disk(tmp_path, capsys, disk_fills):
    out = tmp_path / "sweep"
    disk_fills(1)
    code, _, err = run_cli(capsys, "sweep", SLOUGH, "--grid", "market_supplement.amount_gbp_per_year.social_worker=0,3000", "-n", "1",
                           "--no-progress", *SHORT, "--out", out)
    line = _one_line(code, err)
    assert "kept in" in line
    assert not out.exists()


def test_sweep_workbook_on_a_read_only_disk_is_one_line(tmp_path, capsys, monkeypatch):
    """The workbook (a zip file) failing: no zip file left to complain later."""
    import gc

    out = tmp_path / "sweep"

    def read_only(self, *args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(Path, "write_bytes", read_only)
    code, _, err = run_cli(capsys, "sweep", SLOUGH, "--grid", "market_supplement.amount_gbp_per_year.social_worker=0,3000", "-n", "1",
                           "--no-progress", *SHORT, "--out", out)
    gc.collect()
    err += capsys.readouterr().err
    line = _one_line(code, err, "Read-only file system")
    assert "sweep.xlsx" in line and not out.exists()


def test_compare_on_a_full_disk(tmp_path, capsys, disk_fills):
    outputs = tmp_path / "outputs"
    earlier, before = _earlier_run(outputs, "comparisons")
    disk_fills(1)
    code, _, err = run_cli(capsys, "compare", SLOUGH, SCENARIOS / "slough_2014_investment.yaml", "-n", "1", "--no-progress",
                           *SHORT, "--out", outputs)
    line = _one_line(code, err)
    assert "kept in" in line and "failed" in line
    _no_final_run(outputs, "comparisons", earlier)
    assert {p.name: p.read_bytes() for p in earlier.iterdir()} == before


def test_optimise_on_a_full_disk_keeps_the_study(tmp_path, capsys, disk_fills):
    scen = write_tiny(tmp_path, end_date="2015-07-01")
    out = tmp_path / "opt"
    disk_fills(1)
    code, _, err = run_cli(capsys, "optimise", scen, "--lever", "agency.cover_probability=0.5..0.9",
                           "--require", "vacancy_rate<=0.9@2015-06-30", "--trials", "2", "-n", "1", "--confirm-replications", "1",
                           "--confirm-top", "1", "--no-progress", "--out", out)
    line = _one_line(code, err)
    assert "the study" in line and str(tmp_path / ".incomplete-opt") in line
    assert not out.exists() and (tmp_path / ".incomplete-opt" / "study.db").is_file()


def test_calibrate_on_a_full_disk_writes_no_scenario(tmp_path, capsys, disk_fills):
    scen = tmp_path / "rutland_2019.yaml"
    assert run_cli(capsys, "init", "Rutland", "--year", "2019", "--out", scen)[0] == 0
    out = tmp_path / "cal.yaml"
    disk_fills(0)
    code, _, err = run_cli(capsys, "calibrate", scen, "--through", "2019", "--population", "5", "--generations", "1", "--out", out)
    _one_line(code, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rutland_2019.yaml"]


def test_backtest_on_a_full_disk(tmp_path, capsys, disk_fills):
    out = tmp_path / "bt"
    disk_fills(1)
    code, _, err = run_cli(capsys, "backtest", "--councils", "Rutland", "--origins", "2020", "--horizon", "1", "-n", "2",
                           "--no-calibrate", "--executor", "serial", "--no-progress", "--out", out)
    line = _one_line(code, err)
    assert "kept in" in line and not out.exists()


@pytest.mark.parametrize("after", [1, 3], ids=["before-the-notebook", "after-the-notebook"])
def test_report_on_a_full_disk(tmp_path, capsys, disk_fills, after):
    scen = write_tiny(tmp_path, end_date="2015-04-01")
    outputs = tmp_path / "outputs"
    earlier, before = _earlier_run(outputs, "tiny")
    disk_fills(after)
    code, _, err = run_cli(capsys, "report", scen, "-n", "1", "--no-progress", "--out", outputs)
    line = _one_line(code, err)
    assert "kept in" in line and str(outputs / "tiny" / "failed") in line
    _no_final_run(outputs, "tiny", earlier)
    assert {p.name: p.read_bytes() for p in earlier.iterdir()} == before
