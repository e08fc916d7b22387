"""``wfsim run/report --recalibrated``: a backtest's recalibration applied to a council's judged measures,
and ``wfsim init``'s council shocks from the data up to its year."""
from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from workforce_sim.analysis import recalibration as recal
from workforce_sim.analysis.targets import scorecard
from workforce_sim.errors import InputError
from workforce_sim.experiments.replications import run_replications
from workforce_sim.scenario.councils import find_council, load_table
from workforce_sim.scenario.loading import load_scenario
from workforce_sim.scenario.schema import Scenario
from workforce_sim.scenario.start_state import start_state, write_start_state
from workforce_sim.workflows import run

from .helpers import assert_one_line, run_cli

YEAR = 2019


def _fits(bias: float = 0.0, spread: float = 1.0, measures=("agency_rate_pct", "turnover_rate_pct", "vacancy_rate_pct")):
    return {m: {str(h): {"bias": bias, "spread": spread, "cases": 24} for h in (1, 2, 3)} for m in measures}


def _file(tmp_path, name="recalibration.json", origin=YEAR, **kw) -> str:
    path = tmp_path / name
    path.write_text(json.dumps({"origin": origin, "fitted_on": "test", "fits": _fits(**kw)}))
    return str(path)


@pytest.fixture(scope="module")
def council(tmp_path_factory):
    """Rutland on 30 September 2019 (``wfsim init``), its agency rate target at one year set at the raw median."""
    path = write_start_state("Rutland", YEAR, tmp_path_factory.mktemp("init") / "rutland.yaml")
    sc = load_scenario(path)
    res = run_replications(sc, replications=40, seed=3, workers=1)
    raw = scorecard(res).set_index("key")
    data = sc.model_dump(mode="json", exclude_none=True)
    data["targets"]["agency_share"].update(threshold=float(raw.loc["agency_share", "median"]), direction="at_most")
    return path, replace(res, scenario=Scenario.model_validate(data))


def test_identity_recalibration_changes_nothing(council, tmp_path):
    _, res = council
    ident = run.load_recalibration(_file(tmp_path), res.scenario)
    cols = ["median", "low", "high", "p_meet", "rag", "change_12m"]
    pd.testing.assert_frame_equal(scorecard(res)[cols], scorecard(res, recalibration=ident)[cols])


def test_a_known_shift_moves_the_chance_the_expected_way(council, tmp_path):
    _, res = council
    raw = scorecard(res).set_index("key")
    up = run.load_recalibration(_file(tmp_path, bias=5.0), res.scenario)   # outcomes were 5 points above the medians
    card = scorecard(res, recalibration=up).set_index("key")
    # the agency rate a year on: 5 points up, so "at most the raw median" is less likely
    assert card.loc["agency_share", "median"] == pytest.approx(raw.loc["agency_share", "median"] + 0.05, abs=1e-9)
    assert card.loc["agency_share", "p_meet"] < raw.loc["agency_share", "p_meet"]
    assert "recalibrated 1 year(s) ahead" in card.loc["agency_share", "note"]
    # the permanent share (1 - agency rate) three years on: 5 points down, "at least 80%" no more likely
    assert card.loc["permanent_share", "median"] == pytest.approx(raw.loc["permanent_share", "median"] - 0.05, abs=1e-9)
    assert card.loc["permanent_share", "p_meet"] <= raw.loc["permanent_share", "p_meet"]
    # the spread widens the interval about the median
    wide = scorecard(res, recalibration=run.load_recalibration(_file(tmp_path, spread=2.0), res.scenario)).set_index("key")
    assert wide.loc["vacancy_rate", "median"] == pytest.approx(raw.loc["vacancy_rate", "median"])
    assert wide.loc["vacancy_rate", "high"] - wide.loc["vacancy_rate", "low"] > raw.loc["vacancy_rate", "high"] - raw.loc["vacancy_rate", "low"]


def test_the_run_says_it_is_recalibrated_and_from_what(council, tmp_path, capsys):
    path, _ = council
    rec = _file(tmp_path, bias=-3.0)
    code, out, err = run_cli(capsys, "run", path, "-n", "3", "--workers", "1", "--no-progress", "--recalibrated", rec)
    assert code == 0, err
    assert "Forecast recalibrated with" in out and rec in out and f"published by {YEAR}" in out
    code, out, _ = run_cli(capsys, "run", path, "-n", "3", "--workers", "1", "--no-progress", "--json", "--recalibrated", tmp_path)
    assert code == 0 and json.loads(out)["recalibration"]["origin"] == YEAR   # a run folder holding recalibration.json


@pytest.mark.parametrize("content, key", [
    ("not json", "not a JSON file"),
    (json.dumps({"fits": _fits()}), "origin"),
    (json.dumps({"origin": 2019, "fits": {"agency_rate": {"1": {"bias": 0, "spread": 1, "cases": 20}}}}), "fits.agency_rate"),
    (json.dumps({"origin": 2019, "fits": {"agency_rate_pct": {"1": {"bias": 0, "spread": -1, "cases": 20}}}}),
     "fits.agency_rate_pct.1.spread"),
    (json.dumps({"origin": 2019, "fits": {"agency_rate_pct": {"0": {"bias": 0, "spread": 1, "cases": 20}}}}), "fits.agency_rate_pct.0"),
])
def test_a_bad_file_exits_2_with_one_line(council, tmp_path, capsys, content, key):
    path, _ = council
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    code, out, err = run_cli(capsys, "run", path, "-n", "2", "--no-progress", "--recalibrated", bad)
    assert_one_line(code, err, "bad.json", key)
    assert out == ""
    code, _, err = run_cli(capsys, "run", path, "-n", "2", "--no-progress", "--recalibrated", tmp_path / "none.json")
    assert_one_line(code, err, "none.json", "not found")


def test_no_look_ahead_in_the_recalibration_of_a_run(council, tmp_path):
    """A recalibration fitted on outcomes published after the scenario's start is refused; up to it, taken."""
    _, res = council
    with pytest.raises(InputError) as err:
        run.load_recalibration(_file(tmp_path, origin=YEAR + 1), res.scenario)
    assert err.value.key == "origin" and str(YEAR + 1) in err.value.message
    assert run.load_recalibration(_file(tmp_path, origin=YEAR - 3), res.scenario).origin == YEAR - 3
    assert recal.data_year(pd.Timestamp("2019-09-30").date()) == 2019 and recal.data_year(pd.Timestamp("2019-09-29").date()) == 2018


# ------------------------------------------------------------------ wfsim init: the council's own shocks
def test_init_shocks_use_no_data_after_the_year():
    full = load_table()
    changed = full.copy()
    later = changed["year"] > YEAR
    changed.loc[later, "value"] = changed.loc[later, "value"] * 3 + 1
    code = find_council("Rutland").new_la_code
    a, b = (start_state(code, YEAR, table=t, shocks=True)[1] for t in (full, changed))
    assert a["council_shocks"] == b["council_shocks"] and a["sources"]["council_shocks"] == b["sources"]["council_shocks"]
    assert set(a["council_shocks"]["changes"]) == {"attrition", "applicants", "agency_cover", "hiring"}
    assert f"up to 30 September {YEAR}" in a["sources"]["council_shocks"] and "data/dfe_councils.csv.gz" in a["sources"]["council_shocks"]
    assert f"-{YEAR};" in a["sources"]["council_shocks"]   # the years of changes read end at the year
    later_year = start_state(code, YEAR + 3, table=full, shocks=True)[1]
    assert later_year["council_shocks"] != a["council_shocks"]   # more years, other changes: not a constant
    assert "council_shocks" not in start_state(code, YEAR, table=full)[1]   # the backtest's origin adds its own


def test_an_init_scenario_carries_its_shocks_and_runs(council):
    path, _ = council
    sc = load_scenario(path)
    assert sc.council_shocks is not None and len(sc.council_shocks.changes["attrition"]) == 40
    res = run_replications(sc, replications=2, seed=1, workers=1)
    assert res.replications == 2 and np.isfinite(res.snapshots["permanent_fte"]).all()


def test_the_report_page_says_it_is_recalibrated(council, tmp_path, capsys):
    path, _ = council
    rec = _file(tmp_path, bias=2.0)
    code, out, err = run_cli(capsys, "report", path, "-n", "3", "--workers", "1", "--no-progress", "--out", tmp_path / "outputs",
                             "--recalibrated", rec)
    assert code == 0, err
    folder = next((tmp_path / "outputs").glob("*/*/report.html")).parent
    page = (folder / "report.html").read_text()
    assert "Forecast recalibrated with" in page and "recalibration.json" in page and f"published by {YEAR}" in page
    assert json.loads((folder / "run.json").read_text())["recalibrated"]["origin"] == YEAR
