"""Run folders: complete or absent, failed runs kept aside, index, run ids, progress bars."""
from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest

from workforce_sim import progress
from workforce_sim.reporting import runs as runfolder
from workforce_sim.reporting.runs import RunFolder, list_runs, previous_complete, write_index


def _run(outputs, scenario, run_id, name=None, status="complete", **extra):
    rf = RunFolder(outputs, scenario, run_id)
    tmp = rf.create()
    (tmp / "report.html").write_text("<html>report</html>")
    record = {"kind": "report", "run_id": run_id, "name": name or scenario, "scenario": scenario, "replications": 3,
              "started": "2024-01-01T00:00:00", "headline_text": f"headline {run_id}", **extra}
    return rf.complete(record) if status == "complete" else rf.fail({**record, "status": status, "error": "boom"})


def test_run_folder_is_absent_until_complete(tmp_path):
    rf = RunFolder(tmp_path, "slough", "20240101-000000-aaaaaa")
    tmp = rf.create()
    (tmp / "kpi.csv").write_text("x\n1\n")
    rf.write_record({"run_id": rf.run_id, "status": "running"})
    assert tmp.name.startswith(".incomplete-")
    assert not rf.final.exists()
    assert list_runs(tmp_path) == []  # a run being written is not listed
    final = rf.complete({"run_id": rf.run_id, "name": "slough"})
    assert final == tmp_path / "slough" / "20240101-000000-aaaaaa"
    assert not tmp.exists()
    assert json.loads((final / "run.json").read_text())["status"] == "complete"
    assert (final / "kpi.csv").read_text() == "x\n1\n"


def test_a_run_id_is_never_reused(tmp_path):
    first = _run(tmp_path, "s", "20240101-000000-aaaaaa")
    with pytest.raises(FileExistsError):
        RunFolder(tmp_path, "s", "20240101-000000-aaaaaa").create()
    assert (first / "report.html").read_text() == "<html>report</html>"


def test_failed_run_is_moved_aside_and_earlier_runs_are_untouched(tmp_path):
    first = _run(tmp_path, "s", "20240101-000000-aaaaaa")
    before = {p.name: p.read_bytes() for p in first.iterdir()}
    failed = _run(tmp_path, "s", "20240102-000000-bbbbbb", status="failed")
    assert failed == tmp_path / "s" / "failed" / "20240102-000000-bbbbbb"
    assert json.loads((failed / "run.json").read_text())["status"] == "failed"
    assert {p.name: p.read_bytes() for p in first.iterdir()} == before
    assert [r["status"] for r in list_runs(tmp_path)] == ["failed", "complete"]


def test_previous_complete_run_of_the_same_name(tmp_path):
    _run(tmp_path, "a", "20240101-000000-aaaaaa", name="monthly")
    _run(tmp_path, "a", "20240201-000000-bbbbbb", name="monthly")
    _run(tmp_path, "a", "20240301-000000-cccccc", name="monthly", status="failed")
    _run(tmp_path, "b", "20240401-000000-dddddd", name="other")
    assert previous_complete(tmp_path, "monthly").name == "20240201-000000-bbbbbb"
    assert previous_complete(tmp_path, "monthly", before="20240201-000000-bbbbbb").name == "20240101-000000-aaaaaa"
    assert previous_complete(tmp_path, "nobody") is None


def test_index_lists_every_run_with_working_links(tmp_path):
    _run(tmp_path, "a", "20240101-000000-aaaaaa")
    _run(tmp_path, "b", "20240102-000000-bbbbbb", status="failed")
    (tmp_path / "a" / ".incomplete-20240103-000000-cccccc").mkdir()
    page = write_index(tmp_path).read_text()
    assert "20240103" not in page  # half-written runs are not listed
    links = re.findall(r'href="([^"]+)"', page)
    assert "a/20240101-000000-aaaaaa/report.html" in links
    assert "b/failed/20240102-000000-bbbbbb/run.json" in links
    assert all((tmp_path / link).exists() for link in links)
    assert "headline 20240101-000000-aaaaaa" in page and ">failed<" in page and "boom" in page


def test_run_ids_sort_by_start_time():
    a = runfolder.new_run_id(dt.datetime(2024, 1, 2, 3, 4, 5))
    b = runfolder.new_run_id(dt.datetime(2024, 1, 2, 3, 4, 6))
    assert a.startswith("20240102-030405-") and runfolder.RUN_ID_RE.match(a)
    assert a < b
    assert len({runfolder.new_run_id(dt.datetime(2024, 1, 1)) for _ in range(50)}) == 50


def test_run_json_has_no_nan(tmp_path):
    runfolder.write_json(tmp_path / "run.json", {"x": float("nan"), "y": [1.5, float("inf")]})
    assert json.loads((tmp_path / "run.json").read_text()) == {"x": None, "y": [1.5, None]}


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal(monkeypatch):
    monkeypatch.setattr("sys.stderr", io.StringIO())
    with progress.replication_bar(5) as tick:
        assert tick is None  # redirected output: quiet
    term = _Terminal()
    monkeypatch.setattr("sys.stderr", term)
    with progress.replication_bar(5, enabled=False) as tick:
        assert tick is None  # --no-progress, or papermill (progress=False)
    with progress.replication_bar(5) as tick:
        assert callable(tick)
        tick(5)
    assert "replications:" in term.getvalue() and "/5 " in term.getvalue()


def _kernel(folder, python):
    spec = folder / "kernels" / "workforce_sim"
    spec.mkdir(parents=True)
    spec.joinpath("kernel.json").write_text(json.dumps(
        {"argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"], "display_name": "w", "language": "python"}))


def test_report_kernel_is_workforce_sim_only_when_it_runs_this_python(tmp_path, monkeypatch):
    import sys

    from workforce_sim.reporting.notebook import kernel_name

    other, same = tmp_path / "other", tmp_path / "same"
    _kernel(other, "/some/other/env/bin/python")
    _kernel(same, sys.executable)
    monkeypatch.setenv("JUPYTER_PATH", str(other))
    assert kernel_name() == "python3"  # a kernel of that name from another environment
    monkeypatch.setenv("JUPYTER_PATH", str(same))
    assert kernel_name() == "workforce_sim"


def test_a_killed_run_is_moved_aside_as_interrupted_and_a_running_one_is_left(tmp_path):
    import os
    import subprocess

    done = subprocess.Popen(["true"])
    done.wait()                                   # a process that has ended: its run was killed
    host = runfolder.socket.gethostname()
    runs = {}
    for run_id, pid, on_host in [("20240101-000000-aaaaaa", done.pid, host),
                                 ("20240101-000001-bbbbbb", os.getpid(), host),       # still running
                                 ("20240101-000002-cccccc", done.pid, "another-host")]:
        rf = RunFolder(tmp_path, "slough", run_id)
        tmp = rf.create()
        (tmp / "kpi.csv").write_text("x\n1\n")
        rf.write_record({"kind": "report", "run_id": run_id, "name": "slough", "status": "running",
                         "pid": pid, "host": on_host})
        runs[run_id] = rf
    write_index(tmp_path)
    killed = runs["20240101-000000-aaaaaa"]
    assert not killed.tmp.exists() and (killed.failed / "kpi.csv").read_text() == "x\n1\n"   # nothing written is lost
    record = json.loads((killed.failed / "run.json").read_text())
    assert record["status"] == "interrupted" and "ended" in record["error"]
    assert runs["20240101-000001-bbbbbb"].tmp.exists() and runs["20240101-000002-cccccc"].tmp.exists()
    index = (tmp_path / "index.html").read_text()
    assert '<td class="interrupted">interrupted</td>' in index
    assert [r["run_id"] for r in list_runs(tmp_path)] == ["20240101-000000-aaaaaa"]
    assert runfolder.recover_interrupted(tmp_path) == []    # once only


def test_writer_names_this_process_and_host():
    import os

    assert runfolder.writer() == {"pid": os.getpid(), "host": runfolder.socket.gethostname()}
