"""The council beside its statistical neighbours: published DfE figures and the simulated ones."""
from __future__ import annotations

import datetime as dt
import json
import statistics

import pandas as pd
import pytest

from workforce_sim.analysis import neighbours
from workforce_sim.cli.main import main
from workforce_sim.experiments.replications import run_replications
from workforce_sim.scenario import councils
from workforce_sim.scenario.councils import find_council, load_table
from workforce_sim.scenario.loading import load_scenario, with_overrides
from workforce_sim.scenario.start_state import write_start_state

from .helpers import SCENARIOS, assert_one_line, run_cli, tiny


def value(old_code: str, year: int, measure: str):
    t = load_table()
    rows = t[(t["old_la_code"] == old_code) & (t["year"] == year) & (t["measure"] == measure) & (t["level"] == "local_authority")]
    return float(rows["value"].iloc[0]) if len(rows) and pd.notna(rows["value"].iloc[0]) else None


def test_darlington_beside_its_neighbours_in_2025():
    c = find_council("darlington")
    got = neighbours.published(c, 2025)
    # New_Statistical_Neighbour_Groupings_April_2021.csv, Darlington (841): SN1-SN10 as read from the shipped file
    n = pd.read_csv(councils.NEIGHBOURS, dtype=str)
    ten = n[n["old_la_code"] == "841"].sort_values("rank", key=lambda s: s.astype(int))
    assert got["neighbours"] == list(ten["neighbour_name"]) and len(ten) == 10
    for row in got["rows"]:
        assert row["council"] == value("841", 2025, row["measure"])
        others = [v for v in (value(code, 2025, row["measure"]) for code in ten["neighbour_old_la_code"]) if v is not None]
        assert row["neighbours_n"] == len(others)
        assert row["neighbours_median"] == pytest.approx(statistics.median(others))
        assert row["neighbours_min"] == min(others) and row["neighbours_max"] == max(others)
    # read by hand: csww_indicators_2017_to_2025.csv, 2025, Darlington: caseload_fte 16
    assert next(r for r in got["rows"] if r["measure"] == "caseload")["council"] == 16.0


def test_census_year_is_the_nearest_30_september():
    years = list(range(2015, 2026))
    assert neighbours.census_year(dt.date(2014, 2, 1), years) == 2015
    assert neighbours.census_year(dt.date(2025, 9, 30), years) == 2025
    assert neighbours.census_year(dt.date(2020, 3, 31), years) == 2019   # 183 days either way: the earlier on a tie
    assert neighbours.census_year(dt.date(2020, 4, 2), years) == 2020
    assert neighbours.census_year(dt.date(2020, 1, 1), []) is None


@pytest.fixture(scope="module")
def darlington(tmp_path_factory):
    path = write_start_state("darlington", 2025, tmp_path_factory.mktemp("n") / "d.yaml")
    sc = load_scenario(path)
    short = with_overrides(sc, {"end_date": (sc.start_date + dt.timedelta(days=400)).isoformat(), "targets": {}})
    return path, short, run_replications(short, 2, seed=1, workers=1, executor="serial")


def test_generated_scenario_is_linked_and_simulated_values_sit_beside(darlington):
    path, sc, res = darlington
    assert sc.la_code == "E06000005" and "la_code" in sc.sources
    cmp = neighbours.comparison(res)
    assert cmp["year"] == 2025 and cmp["simulated_at"] == "2026-09-29"
    rows = {r["measure"]: r for r in cmp["rows"]}
    for r in rows.values():   # every measure simulated (the scenario has cases), as a percent or children
        assert r["simulated_low"] <= r["simulated_median"] <= r["simulated_high"]
    agency = rows["agency_rate_pct"]["simulated_median"]
    assert 0 <= agency <= 100
    # the simulated agency rate is the agency share of the same run at that date, in percent
    snap = res.snapshots[res.snapshots["date"] == pd.Timestamp("2026-09-01")].groupby("replication")[["agency_fte", "permanent_fte"]].sum()
    assert agency == pytest.approx(100 * (snap["agency_fte"] / snap.sum(axis=1)).median())


def test_no_link_no_section():
    sc = tiny(end_date="2016-01-01")
    res = run_replications(sc, 1, seed=1, workers=1, executor="serial")
    assert neighbours.comparison(res) is None


def test_shipped_council_scenarios_are_linked():
    for name, code in (("slough_2014_baseline", "E06000039"), ("kent_2013_contract", "E10000016"),
                       ("medway_2010_career_framework", "E06000035")):
        sc = load_scenario(SCENARIOS / f"{name}.yaml")
        assert sc.la_code == code
        got = neighbours.published(neighbours.council_of(sc), start=sc.start_date)
        # their own workforce rows are withheld from the supplied files: neighbours only
        assert got["year"] == 2015 and all(r["council"] is None for r in got["rows"])
        assert next(r for r in got["rows"] if r["measure"] == "agency_rate_pct")["neighbours_n"] >= 7
    assert load_scenario(SCENARIOS / "large_council_10x.yaml").la_code is None


def test_wfsim_run_prints_the_comparison(darlington, capsys):
    path, sc, _ = darlington
    short = path.with_name("short.yaml")
    short.write_text(f"extends: {path.name}\nend_date: {sc.end_date}\ntargets: {{permanent_share: null}}\n")
    assert main(["run", str(short), "-n", "2", "--workers", "1", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "Darlington beside its 10 statistical neighbours: DfE figures at 30 September 2025" in out
    assert main(["run", str(short), "-n", "2", "--workers", "1", "--no-progress", "--json"]) == 0
    h = json.loads(capsys.readouterr().out)
    assert h["neighbours"]["la_code"] == "E06000005" and len(h["neighbours"]["rows"]) == 4


def test_unknown_la_code_is_bad_input(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {SCENARIOS / 'slough_2014_baseline.yaml'}\nla_code: E99999999\n")
    assert_one_line(*run_cli(capsys, "validate", bad)[::2], "bad.yaml: la_code: no council with LA code 'E99999999'")
    bad.write_text(f"extends: {SCENARIOS / 'slough_2014_baseline.yaml'}\nla_code: Slough\n")
    assert_one_line(*run_cli(capsys, "validate", bad)[::2], "la_code")


def test_report_shows_the_neighbours(darlington, tmp_path):
    path, sc, _ = darlington
    short = path.with_name("short_report.yaml")
    short.write_text(f"extends: {path.name}\nname: short_report\nend_date: {sc.end_date}\ntargets: {{permanent_share: null}}\n")
    out = tmp_path / "outputs"
    assert main(["report", str(short), "-n", "2", "--workers", "1", "--out", str(out)]) == 0
    page = next(out.glob("short_report/*/report.html")).read_text()
    assert "Beside the statistical neighbours" in page and "DfE figures at 30 September 2025" in page
    assert "Neighbours, median" in page


def test_a_run_shorter_than_a_year_has_no_simulated_turnover():
    sc = with_overrides(load_scenario(SCENARIOS / "slough_2014_baseline.yaml"), {"end_date": "2014-04-01", "targets": {}})
    cmp = neighbours.comparison(run_replications(sc, 1, seed=1, workers=1, executor="serial"))
    rows = {r["measure"]: r for r in cmp["rows"]}
    assert cmp["simulated_at"] == "2014-04-01"
    assert rows["turnover_rate_pct"]["simulated_median"] is None
    assert rows["agency_rate_pct"]["simulated_median"] is not None
