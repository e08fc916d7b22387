"""The files a scenario names are found and read once, by the loader: staff and leavers lists (regular files
only, checked in linear time, errors that quote one cell and never a file that is not a staff list) and the
investment baseline (an absolute path, relative to the file that names it)."""
from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from workforce_sim.cli.main import main
from workforce_sim.errors import InputError
from workforce_sim.scenario.loading import investment_baseline_path, load_scenario, with_overrides
from workforce_sim.scenario.schema import MAX_IMPLIED_TURNOVER, Scenario, StaffFile
from workforce_sim.scenario.staff_files import read_staff

from .helpers import SCENARIOS

EXAMPLE = SCENARIOS / "examples" / "staff_example.yaml"
STAFF = SCENARIOS / "examples" / "staff_example.csv"
INVESTMENT = SCENARIOS / "slough_2014_investment.yaml"
BASELINE = SCENARIOS / "slough_2014_baseline.yaml"
HEADER = "worker_id,role,contract,fte,start_date,team,cases"


def scenario_naming(tmp_path: Path, staff: str, leavers: str | None = None) -> Path:
    extra = f", leavers_file: {leavers!r}" if leavers is not None else ""
    scen = tmp_path / "s.yaml"
    scen.write_text(f"extends: {EXAMPLE}\nname: s\ninitial_staffing: {{from_file: {staff!r}{extra}}}\n")
    return scen


def load_error(path: Path, *overrides: str) -> InputError:
    with pytest.raises(InputError) as exc:
        load_scenario(path, list(overrides))
    return exc.value


# --------------------------------------------------------------------------- regular files only
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
@pytest.mark.parametrize("which", ["staff", "leavers", "scenario"])
def test_a_named_pipe_is_refused_without_waiting(tmp_path, which):
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    if which == "staff":
        scen = scenario_naming(tmp_path, "pipe.csv")
    elif which == "leavers":
        shutil.copy(STAFF, tmp_path / "staff.csv")
        scen = scenario_naming(tmp_path, "staff.csv", "pipe.csv")
    else:
        scen = pipe
    got: list = []
    worker = threading.Thread(target=lambda: got.append(load_error(scen)), daemon=True)
    worker.start()
    worker.join(10)
    if worker.is_alive():   # release the reader so that the test run can end, then fail
        fd = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        pytest.fail("reading a named pipe waited for a writer")
    assert got and Path(got[0].file).name == "pipe.csv" and "not a regular file" in got[0].message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_cli_named_pipe_as_staff_file_exits_2(tmp_path, capsys):
    os.mkfifo(tmp_path / "pipe.csv")
    scen = scenario_naming(tmp_path, "pipe.csv")
    result: list = []
    worker = threading.Thread(target=lambda: result.append(main(["validate", str(scen)])), daemon=True)
    worker.start()
    worker.join(10)
    if worker.is_alive():
        os.close(os.open(tmp_path / "pipe.csv", os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("wfsim validate waited on a named pipe")
    assert result == [2]
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pipe.csv: not a regular file" in err


# --------------------------------------------------------------------------- linear time
def big_scenario(tmp_path: Path, workers: int, teams: int) -> tuple[Path, Path]:
    """A scenario of ``teams`` teams of 6 social worker posts and a staff list of ``workers`` social workers
    (no team named: each goes to the first team in order with a free post, the slowest placement)."""
    staff = tmp_path / "big.csv"
    with open(staff, "w") as fh:
        fh.write(HEADER + "\n")
        for i in range(workers):
            fh.write(f"W{i:07d},social_worker,permanent,1,2019-01-01,,\n")
    scen = tmp_path / "big.yaml"
    scen.write_text("name: big\nstart_date: 2025-10-01\nend_date: 2026-10-01\n"
                    "team_types: {team: {posts: [{role: social_worker, count: 6}]}}\n"
                    f"teams: [{{type: team, count: {teams}}}]\n"
                    "initial_staffing: {from_file: big.csv}\n")
    return scen, staff


def test_staff_check_takes_linear_time(tmp_path):
    scen, _ = big_scenario(tmp_path, 12_000, 2_000)
    sc = load_scenario(scen)
    data = sc.model_dump()
    started = time.perf_counter()
    Scenario.model_validate(data)   # the checks across sections, the staff list's placement among them
    took = time.perf_counter() - started
    # quadratic placement (each worker scanning the teams from the first) took about 20 s here
    assert took < 4, f"checking 12,000 workers in 2,000 teams took {took:.1f} s"


def test_more_workers_than_posts_is_still_found_in_a_big_list(tmp_path):
    scen, _ = big_scenario(tmp_path, 601, 100)
    e = load_error(scen)
    assert Path(e.file).name == "big.csv" and e.key == "row 602, column role" and "no social_worker post left" in e.message


# --------------------------------------------------------------------------- errors quote one cell, never another file
SECRET = "root:$6$s3cr3tSALT$hashhashhashhashhash:19000:0:99999:7:::"


@pytest.mark.parametrize("content", [
    SECRET + "\ndaemon:*:19000:0:99999:7:::\n",                        # /etc/shadow
    "root:x:0:0:root:/root:/bin/bash\n" + SECRET + "\n",                # /etc/passwd-like
    f"name: s\ndescription: {SECRET}\nteams: []\n",                       # a YAML file
    f"{SECRET},{SECRET}\n1,2\n",                                          # a CSV file of something else
])
def test_a_file_that_is_not_a_staff_list_is_never_echoed(tmp_path, capsys, content):
    (tmp_path / "other").write_text(content)
    scen = scenario_naming(tmp_path, "other")
    assert main(["validate", str(scen)]) == 2
    err = capsys.readouterr().err.strip().replace(str(tmp_path), "TMP")
    assert len(err.splitlines()) == 1 and "not a staff list" in err
    assert "s3cr3t" not in err and "root" not in err and "bash" not in err


def test_a_binary_file_is_one_line_without_content(tmp_path, capsys):
    (tmp_path / "img.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + SECRET.encode())
    scen = scenario_naming(tmp_path, "img.csv")
    assert main(["validate", str(scen)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "binary file" in err and "not a staff list" in err and "s3cr3t" not in err


@pytest.mark.parametrize("row, column", [
    ("W1,{long},permanent,1,2019-01-01,,", "role"),
    ("W1,social_worker,{long},1,2019-01-01,,", "contract"),
    ("W1,social_worker,permanent,{long},2019-01-01,,", "fte"),
    ("W1,social_worker,permanent,1,{long},,", "start_date"),
    ("W1,social_worker,permanent,1,2019-01-01,{long},", "team"),
    ("W1,social_worker,permanent,1,2019-01-01,,{long}", "cases"),
])
def test_an_error_quotes_only_the_cell_cut_to_80_characters(tmp_path, row, column):
    long = "x" * 75 + "TAIL" * 50
    (tmp_path / "staff.csv").write_text(f"{HEADER}\n{row.format(long=long)}\nW2,social_worker,permanent,1,2019-01-01,,\n")
    e = load_error(scenario_naming(tmp_path, "staff.csv"))
    assert e.key == f"row 2, column {column}"
    assert "TAIL" not in e.message and "W2" not in e.message and len(e.message) < 300
    assert "x" * 70 in e.message   # the cell is quoted, cut


def test_a_long_unknown_column_is_cut(tmp_path):
    (tmp_path / "staff.csv").write_text(f"{HEADER},{'z' * 500}\nW1,social_worker,permanent,1,2019-01-01,,,1\n")
    e = load_error(scenario_naming(tmp_path, "staff.csv"))
    assert e.key == "row 1" and "unknown column" in e.message and "z" * 77 in e.message and "z" * 81 not in e.message


# --------------------------------------------------------------------------- names and leavers
@pytest.mark.parametrize("key", ["from_file", "leavers_file"])
def test_an_empty_file_name_is_an_error(tmp_path, key):
    shutil.copy(STAFF, tmp_path / "staff.csv")
    scen = scenario_naming(tmp_path, "" if key == "from_file" else "staff.csv", "" if key == "leavers_file" else None)
    e = load_error(scen)
    assert e.file == str(scen.resolve()) and e.key == f"initial_staffing.{key}" and "empty" in e.message


def test_an_empty_file_name_from_set_is_an_error():
    e = load_error(EXAMPLE, "initial_staffing.from_file=''")
    assert e.option == "overrides" and e.key == "initial_staffing.from_file"


def test_duplicate_leaver_ids_are_an_error(tmp_path):
    shutil.copy(STAFF, tmp_path / "staff.csv")
    (tmp_path / "leavers.csv").write_text("worker_id,fte,leave_date\nL1,1,2025-01-31\nL2,1,2025-02-28\nL1,0.5,2025-03-31\n")
    e = load_error(scenario_naming(tmp_path, "staff.csv", "leavers.csv"))
    assert Path(e.file).name == "leavers.csv" and e.key == "row 4, column worker_id" and "'L1' given twice (first at row 2)" in e.message


def test_implied_turnover_over_the_cap_is_an_error_naming_the_leavers_file(tmp_path):
    shutil.copy(STAFF, tmp_path / "staff.csv")
    rows = "".join(f"L{i},1,2025-0{1 + i % 9}-15\n" for i in range(40))
    (tmp_path / "leavers.csv").write_text("worker_id,fte,leave_date\n" + rows)
    e = load_error(scenario_naming(tmp_path, "staff.csv", "leavers.csv"))
    assert Path(e.file).name == "leavers.csv" and "turnover" in e.message and f"{MAX_IMPLIED_TURNOVER:.0%}" in e.message


def test_turnover_under_the_cap_still_loads():
    staff = load_scenario(EXAMPLE).initial_staffing
    assert isinstance(staff, StaffFile) and 0 < staff.implied_turnover < MAX_IMPLIED_TURNOVER


def test_the_schema_reads_no_staff_file(tmp_path):
    """A scenario given as a mapping holds the rows it is given: validating it opens no file."""
    data = load_scenario(EXAMPLE).model_dump(mode="json")
    data["initial_staffing"]["from_file"] = str(tmp_path / "gone.csv")   # no such file: nothing tries to read it
    sc = Scenario.model_validate(data)
    assert len(sc.initial_staffing.workers) == len(read_staff(STAFF, sc.start_date))


# --------------------------------------------------------------------------- the investment baseline
def test_investment_baseline_is_absolute_and_relative_to_the_file_that_names_it(tmp_path):
    plan = tmp_path / "run" / "plan.yaml"
    plan.parent.mkdir()
    plan.write_text(f"extends: {INVESTMENT.resolve()}\nname: plan\n")
    sc = load_scenario(plan)
    assert Path(sc.finance.investment.baseline) == BASELINE.resolve()
    assert investment_baseline_path(sc) == BASELINE.resolve() and investment_baseline_path(sc).is_absolute()
    assert investment_baseline_path(with_overrides(sc, {"description": "x"})) == BASELINE.resolve()


def test_a_plan_in_a_run_folder_extending_by_a_relative_path_finds_the_baseline(tmp_path):
    """``wfsim optimise`` writes plan.yaml into its run folder, extending the input scenario by a relative path."""
    plan = tmp_path / "outputs" / "run" / "plan.yaml"
    plan.parent.mkdir(parents=True)
    plan.write_text(f"extends: {os.path.relpath(INVESTMENT.resolve(), plan.parent)}\nname: plan\n")
    assert investment_baseline_path(load_scenario(plan)) == BASELINE.resolve()


def test_cli_runs_a_plan_in_another_folder(tmp_path, capsys):
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"extends: {INVESTMENT.resolve()}\nname: plan\n")
    assert main(["validate", str(plan)]) == 0
    assert str(BASELINE.resolve()) in capsys.readouterr().out


def test_a_missing_investment_baseline_names_file_and_key(tmp_path, capsys):
    scen = tmp_path / "s.yaml"
    scen.write_text(f"extends: {INVESTMENT.resolve()}\nfinance: {{investment: {{baseline: nowhere.yaml}}}}\n")
    e = load_error(scen)
    assert e.file == str(scen.resolve()) and e.key == "finance.investment.baseline" and "nowhere.yaml" in e.message
    assert main(["validate", str(scen)]) == 2
    assert "finance.investment.baseline" in capsys.readouterr().err


def test_investment_baseline_from_set_is_relative_to_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(SCENARIOS.parent)
    sc = load_scenario(INVESTMENT, ["finance.investment.baseline=scenarios/slough_2014_baseline.yaml"])
    assert investment_baseline_path(sc) == BASELINE.resolve()
    monkeypatch.chdir(tmp_path)
    e = load_error(INVESTMENT, "finance.investment.baseline=slough_2014_baseline.yaml")
    assert e.option == "overrides" and e.key == "finance.investment.baseline"


def test_a_scenario_cannot_be_its_own_investment_baseline(tmp_path):
    e = load_error(INVESTMENT, f"finance.investment.baseline={INVESTMENT.resolve()}")
    assert e.key == "finance.investment.baseline" and "itself" in e.message
