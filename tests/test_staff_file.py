"""The start state from the council's own staff list: ``initial_staffing: {from_file: staff.csv}``."""
from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from pathlib import Path

import pytest

from workforce_sim.cli.main import main
from workforce_sim.errors import InputError
from workforce_sim.experiments.replications import run_replications
from workforce_sim.model.workforce import WorkforceModel
from workforce_sim.scenario.loading import load_scenario, with_overrides
from workforce_sim.scenario.schema import DAYS_PER_YEAR, StaffFile
from workforce_sim.streams import Streams

from .helpers import SCENARIOS

EXAMPLE = SCENARIOS / "examples" / "staff_example.yaml"
STAFF = SCENARIOS / "examples" / "staff_example.csv"
LEAVERS = SCENARIOS / "examples" / "leavers_example.csv"
START = dt.date(2025, 10, 1)


def file_rows(path: Path = STAFF) -> list[dict[str, str]]:
    lines = path.read_text().splitlines()
    head = lines[0].split(",")
    return [dict(zip(head, line.split(","))) for line in lines[1:]]


def short(sc, months: int = 2):
    return with_overrides(sc, {"end_date": (sc.start_date + dt.timedelta(days=31 * months)).isoformat(), "targets": {}})


def test_example_loads_with_every_row():
    sc = load_scenario(EXAMPLE)
    staff = sc.initial_staffing
    assert isinstance(staff, StaffFile)
    rows = file_rows()
    assert [w.worker_id for w in staff.workers] == [r["worker_id"] for r in rows]
    assert [w.row for w in staff.workers] == list(range(2, len(rows) + 2))   # the header is row 1
    assert staff.workers[8].role == "nqsw" and staff.workers[8].cases == 11
    # the turnover the two files imply, worked by hand: 4.6 leaver FTE; permanent FTE 16.9 now, of whom 2.0 FTE
    # started in the year, so 16.9 - 2 + 4.6 = 19.5 a year before; mean 18.2
    assert staff.implied_turnover == pytest.approx(4.6 / 18.2, abs=1e-6)
    assert "initial_staffing.implied_turnover" in sc.sources


def test_start_state_equals_the_file():
    sc = short(load_scenario(EXAMPLE))
    res = run_replications(sc, 2, seed=3, workers=1, executor="serial", keep_events=True)
    rows = file_rows()
    perm = [r for r in rows if r["contract"] == "permanent"]
    agency = [r for r in rows if r["contract"] == "agency"]
    snap = res.snapshots[res.snapshots["tick"] == 0].groupby("replication")[["permanent_fte", "agency_fte", "asye_fte", "posts_fte", "permanent_n", "agency_n"]].sum()
    for _, s in snap.iterrows():
        assert s["permanent_fte"] == pytest.approx(sum(float(r["fte"]) for r in perm))
        assert s["agency_fte"] == pytest.approx(sum(float(r["fte"]) for r in agency))
        assert s["permanent_n"] == len(perm) and s["agency_n"] == len(agency)
        assert s["asye_fte"] == pytest.approx(2.0)           # W009 and W014, both inside their 12 months
        assert s["posts_fte"] == pytest.approx(16.9 + 5.8 + 2)   # the two posts nobody holds stay at 1 FTE
    # tenure profile: every permanent worker's years of service on the start date, from their start date
    want = sorted((START - dt.date.fromisoformat(r["start_date"])).days / DAYS_PER_YEAR for r in perm)
    w = res.workers
    for rep in (0, 1):
        initial = w[(w["replication"] == rep) & (w["route"] == "initial") & (w["contract"] == "permanent")]
        assert sorted(initial["tenure_at_start_years"]) == pytest.approx(want)
        # the workers naming a team are in it (those naming none may be placed there too)
        held = Counter(initial.loc[initial["team"] == "protection_1", "fte"].round(3))
        named = Counter(round(float(r["fte"]), 3) for r in perm if r["team"] == "protection_1")
        assert not named - held and sum(named.values()) == 5


def test_opening_cases_are_those_the_file_gives(tmp_path):
    rows = file_rows()
    for r in rows:   # every case holder with a number of cases
        if r["role"] != "practice_manager" and not r["cases"]:
            r["cases"] = "12"
    staff = tmp_path / "staff.csv"
    staff.write_text(",".join(rows[0]) + "\n" + "\n".join(",".join(r.values()) for r in rows) + "\n")
    scen = tmp_path / "s.yaml"
    scen.write_text(f"extends: {EXAMPLE}\ninitial_staffing: {{from_file: staff.csv}}\n")
    sc = short(load_scenario(scen), 1)
    res = run_replications(sc, 1, seed=1, workers=1, executor="serial", keep_events=True)
    opening = res.cases[res.cases["opening"]]
    assert len(opening) == sum(int(r["cases"]) for r in rows if r["cases"])


def test_attrition_is_scaled_to_the_implied_turnover():
    sc = load_scenario(EXAMPLE)
    staff = sc.initial_staffing
    m = WorkforceModel(sc, Streams(1, 0))
    fte = hazard = 0.0
    for w in staff.workers:
        if w.contract == "permanent":
            t = w.tenure_years(sc.start_date)
            mult = m.attrition.role_mult[{"practice_manager": 0, "consultant_practitioner": 1}.get(w.role, 2)]
            fte += w.fte
            hazard += w.fte * mult * m.attrition.hazard.rate(t)
    assert hazard / fte == pytest.approx(-math.log(1 - staff.implied_turnover))
    unscaled = WorkforceModel(with_overrides(sc, {"initial_staffing.scale_attrition": False}), Streams(1, 0))
    assert unscaled.attrition.hazard.rates == [float(b.hazard_per_year) for b in sc.attrition.tenure_bands]
    assert m.attrition.hazard.rates != unscaled.attrition.hazard.rates


def test_paths_are_relative_to_the_scenario_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sc = load_scenario(EXAMPLE)
    assert len(sc.initial_staffing.workers) == 24
    # a scenario elsewhere extending the example keeps the example's files
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.yaml").write_text(f"extends: {EXAMPLE}\nname: x\n")
    assert len(load_scenario(tmp_path / "sub" / "x.yaml").initial_staffing.workers) == 24


def test_overrides_keep_the_workers():
    sc = load_scenario(EXAMPLE)
    again = with_overrides(sc, {"recruitment.pipeline.advert_days": 14})
    assert again.initial_staffing == sc.initial_staffing


# --------------------------------------------------------------------------- bad rows: one test per rule
HEADER = "worker_id,role,contract,fte,start_date,team,cases"
GOOD = ["W1,social_worker,permanent,1,2019-01-01,assessment_1,10",
        "W2,practice_manager,permanent,1,2015-05-01,,",
        "W3,social_worker,agency,0.8,,,"]


def write_case(tmp_path: Path, text: str | bytes, leavers: str | None = None) -> Path:
    staff = tmp_path / "staff.csv"
    staff.write_bytes(text if isinstance(text, bytes) else text.encode())
    extra = ""
    if leavers is not None:
        (tmp_path / "leavers.csv").write_text(leavers)
        extra = ", leavers_file: leavers.csv"
    scen = tmp_path / "s.yaml"
    scen.write_text(f"extends: {EXAMPLE}\nname: bad\ninitial_staffing: {{from_file: staff.csv{extra}}}\n")
    return scen


def rows_with(bad: str, at: int = 2) -> str:
    lines = [HEADER] + GOOD
    lines.insert(at - 1, bad)   # the bad line becomes row ``at``
    return "\n".join(lines) + "\n"


BAD_ROWS = [
    ("missing column", "worker_id,role,contract,start_date\nW1,social_worker,permanent,2019-01-01\n", "row 1", "missing column 'fte'"),
    ("unknown column", HEADER + ",grade\n" + "W1,social_worker,permanent,1,2019-01-01,,,3\n", "row 1", "unknown column 'grade'"),
    ("bad fte", rows_with("W9,social_worker,permanent,1.7,2019-01-01,,", 3), "row 3, column fte", "more than 0 and at most 1, got 1.7"),
    ("fte not a number", rows_with("W9,social_worker,permanent,full,2019-01-01,,", 4), "row 4, column fte", "must be a number"),
    ("zero fte", rows_with("W9,social_worker,permanent,0,2019-01-01,,", 2), "row 2, column fte", "more than 0"),
    ("bad date", rows_with("W9,social_worker,permanent,1,01/03/2019,,", 5), "row 5, column start_date", "YYYY-MM-DD"),
    ("impossible date", rows_with("W9,social_worker,permanent,1,2019-02-30,,", 2), "row 2, column start_date", "YYYY-MM-DD"),
    ("future start date", rows_with("W9,social_worker,permanent,1,2026-01-05,,", 3), "row 3, column start_date", "after the scenario's start date 2025-10-01"),
    ("permanent without start date", rows_with("W9,social_worker,permanent,1,,,", 3), "row 3, column start_date", "need their start date"),
    ("unknown role", rows_with("W9,manager,permanent,1,2019-01-01,,", 4), "row 4, column role", "unknown role 'manager'"),
    ("unknown contract", rows_with("W9,social_worker,locum,1,2019-01-01,,", 2), "row 2, column contract", "permanent or agency"),
    ("agency nqsw", rows_with("W9,nqsw,agency,1,2025-06-01,,", 2), "row 2, column contract", "must be permanent"),
    ("duplicate worker id", rows_with("W2,social_worker,permanent,1,2019-01-01,,", 5), "row 5, column worker_id", "'W2' given twice (first at row 3)"),
    ("missing worker id", rows_with(",social_worker,permanent,1,2019-01-01,,", 3), "row 3, column worker_id", "missing"),
    ("unknown team", rows_with("W9,social_worker,permanent,1,2019-01-01,blue_team,", 3), "row 3, column team", "no team 'blue_team'"),
    ("bad cases", rows_with("W9,social_worker,permanent,1,2019-01-01,,many", 2), "row 2, column cases", "whole number"),
    ("wrong number of values", rows_with("W9,social_worker,permanent,1", 3), "row 3", "4 values but the header has 7 columns"),
    ("more workers than posts", HEADER + "\n" + "\n".join(f"P{i},practice_manager,permanent,1,2015-01-01,," for i in range(5)) + "\n",
     "row 6, column role", "no practice_manager post left"),
    ("more workers than a team's posts", HEADER + "\n" + "\n".join(f"C{i},consultant_practitioner,permanent,1,2015-01-01,protection_1," for i in range(2)) + "\n",
     "row 3, column team", "no consultant_practitioner post left for this worker in team 'protection_1'"),
    ("non-UTF-8", (HEADER + "\nW1,social_worker,permanent,1,2019-01-01,,\nW\xe92,social_worker,permanent,1,2019-01-01,,\n").encode("latin-1"),
     "row 3", "not UTF-8"),
    ("empty file", b"", None, "empty: no header row"),
    ("header only", HEADER + "\n", None, "no rows after the header"),
]


@pytest.mark.parametrize("name, text, where, words", BAD_ROWS, ids=[b[0] for b in BAD_ROWS])
def test_bad_staff_row_names_file_row_and_column(tmp_path, name, text, where, words):
    scen = write_case(tmp_path, text)
    with pytest.raises(InputError) as exc:
        load_scenario(scen)
    e = exc.value
    assert Path(e.file).name == "staff.csv"
    assert e.key == where
    assert words in e.message


LEAVER_HEADER = "worker_id,fte,leave_date,role,reason"
BAD_LEAVERS = [
    ("leave date outside the year", LEAVER_HEADER + "\nL1,1,2024-06-30,social_worker,pay\n", "row 2, column leave_date", "not in the year before"),
    ("missing leave date", LEAVER_HEADER + "\nL1,1,2025-01-31,,\nL2,1,,,\n", "row 3, column leave_date", "missing"),
    ("unknown reason", LEAVER_HEADER + "\nL1,1,2025-01-31,,boredom\n", "row 2, column reason", "unknown reason 'boredom'"),
    ("missing fte column", "worker_id,leave_date\nL1,2025-01-31\n", "row 1", "missing column 'fte'"),
]


@pytest.mark.parametrize("name, text, where, words", BAD_LEAVERS, ids=[b[0] for b in BAD_LEAVERS])
def test_bad_leaver_row_names_file_row_and_column(tmp_path, name, text, where, words):
    scen = write_case(tmp_path, "\n".join([HEADER] + GOOD) + "\n", leavers=text)
    with pytest.raises(InputError) as exc:
        load_scenario(scen)
    assert Path(exc.value.file).name == "leavers.csv"
    assert exc.value.key == where
    assert words in exc.value.message


def test_cli_bad_row_is_one_line_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_case(tmp_path, rows_with("W9,social_worker,permanent,1.7,2019-01-01,,", 5))
    out = tmp_path / "out"
    assert main(["run", "s.yaml", "-n", "2", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "wfsim: error: staff.csv: row 5, column fte: must be more than 0 and at most 1, got 1.7"
    assert not out.exists()


def test_cli_missing_staff_file(tmp_path, capsys):
    scen = tmp_path / "s.yaml"
    scen.write_text(f"extends: {EXAMPLE}\ninitial_staffing: {{from_file: nowhere.csv}}\n")
    assert main(["validate", str(scen)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("nowhere.csv: file not found") and len(err.splitlines()) == 1
