"""A region through the commands: wfsim init --region / --councils, wfsim report REGION."""
from __future__ import annotations

import pytest
import yaml

from .helpers import assert_one_line, run_cli, write_tiny


def test_init_councils_writes_a_region_that_runs(capsys, tmp_path):
    code, out, err = run_cli(capsys, "init", "--councils", "Reading,Wokingham", "--year", "2019", "--out", tmp_path / "r.yaml")
    assert code == 0, err
    data = yaml.safe_load((tmp_path / "r.yaml").read_text())
    assert [m["init"]["council"] for m in data["members"]] == ["Reading", "Wokingham"]
    assert data["market"]["job_seekers"]["initial"][1] > 0 and "starters" in data["sources"]["market.job_seekers.initial"]
    code, out, err = run_cli(capsys, "run", tmp_path / "r.yaml", "-n", "1", "--workers", "1", "--no-progress", "--set", "cases=false",
                             "--set", "end_date=2020-10-01")
    assert code == 0, err
    assert "Reading" in out and "Wokingham" in out and "conserved at every month start: yes" in out


def test_init_region_takes_every_council_of_the_region_with_figures(capsys, tmp_path):
    code, _, err = run_cli(capsys, "init", "--region", "North East", "--year", "2022", "--out", tmp_path)
    assert code == 0, err
    (path,) = tmp_path.glob("*.yaml")
    data = yaml.safe_load(path.read_text())
    assert len(data["members"]) >= 10 and all(m["init"]["year"] == 2022 for m in data["members"])


@pytest.mark.parametrize("argv,needles", [
    (["init", "--region", "Narnia", "--year", "2022"], ["--region", "no region 'Narnia'", "South East"]),
    (["init", "--councils", "Reading,Reading", "--year", "2022"], ["--councils", "named twice"]),
    (["init", "--region", "South East"], ["--year", "needs the year"]),
], ids=["unknown-region", "council-twice", "no-year"])
def test_init_of_a_bad_region_is_refused_in_one_line(capsys, tmp_path, argv, needles):
    code, _, err = run_cli(capsys, *argv, "--out", tmp_path / "x.yaml")
    assert_one_line(code, err, *needles)
    assert not (tmp_path / "x.yaml").exists()


@pytest.mark.slow
def test_report_of_a_region_shows_each_member_the_region_and_the_flows(capsys, tmp_path):
    a, b = write_tiny(tmp_path, "a"), write_tiny(tmp_path, "b")
    region = tmp_path / "two.yaml"
    region.write_text(f"name: two\ntitle: Two councils\nmembers:\n  - {{file: {a}}}\n  - {{file: {b}}}\n"
                      "market: {job_seekers: {initial: 5}, agency_pool: {initial: 5}}\n")
    code, out, err = run_cli(capsys, "report", region, "-n", "2", "--workers", "1", "--no-progress", "--out", tmp_path / "outputs")
    assert code == 0, err
    (page,) = (tmp_path / "outputs" / "two").glob("*/report.html")
    html = page.read_text()
    for needle in ("Two councils", "The region at a glance", "region (all members)", "The market between them", "targets"):
        assert needle in html, needle
    assert (page.parent / "market_flows.parquet").exists() and (page.parent / "workbook.xlsx").exists()
