"""Scenario files the reader cannot trust: numbers that are not finite or absurdly large,
impossible dates, other encodings, binary or endless files, deep nesting, alias bombs,
duplicate keys. Each is one line on stderr naming the file (and key or line), exit 2,
no traceback."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from workforce_sim.cli.main import main
from workforce_sim.scenario.loading import MAX_DEPTH, MAX_FILE_BYTES, load_scenario
from workforce_sim.scenario.reading import decode_text

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "slough_2014_baseline.yaml"


def refused(capsys, *argv) -> str:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 2, (code, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def child(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(f"extends: {BASELINE}\n{body}", encoding="utf-8")
    return path


@pytest.mark.parametrize("value", [".nan", ".NaN", ".inf", "-.inf", "1e308", "-1e12"])
@pytest.mark.parametrize("key", ["agency.cover_probability", "recruitment.pipeline.offer_to_checks_days",
                                 "attrition.bands.0.hazard_per_year", "teams.0.count"])
def test_non_finite_or_huge_numbers_are_refused_through_set(capsys, key, value):
    line = refused(capsys, "validate", BASELINE, "--set", f"{key}={value}")
    assert line.startswith(f"wfsim: error: --set: {key}: "), line


def test_nan_in_a_file_names_the_file_and_key(capsys, tmp_path):
    path = child(tmp_path, "agency:\n  cover_probability: .nan\n")
    line = refused(capsys, "validate", path)
    assert f"{path}: agency.cover_probability: " in line and "finite" in line


def test_nan_inside_a_distribution_is_refused(capsys, tmp_path):
    path = child(tmp_path, "agency:\n  cover_probability: {dist: uniform, low: .nan, high: 0.5}\n")
    line = refused(capsys, "validate", path)
    assert str(path) in line and "agency.cover_probability" in line


def test_nan_in_a_mapping_of_numbers_is_refused(capsys, tmp_path):
    path = child(tmp_path, "attrition:\n  role_multiplier: {social_worker: .nan}\n")
    assert "attrition.role_multiplier" in refused(capsys, "validate", path)


@pytest.mark.parametrize("date, needle", [("2014-02-30", "impossible date"), ("2014-13-01", "impossible date"),
                                          ("9999-12-31", "outside"), ("1066-10-14", "outside")])
def test_impossible_or_far_dates(capsys, tmp_path, date, needle):
    path = child(tmp_path, f"end_date: {date}\n")
    line = refused(capsys, "validate", path)
    assert str(path) in line and "line 2" in line and needle in line


def test_impossible_date_through_set(capsys):
    line = refused(capsys, "validate", BASELINE, "--set", "end_date=2017-02-29")
    assert line.startswith("wfsim: error: --set: end_date: impossible date"), line


def test_duplicate_keys_name_both_lines(capsys, tmp_path):
    path = child(tmp_path, "agency:\n  cover_probability: 0.5\n  cover_probability: 0.6\n")
    line = refused(capsys, "validate", path)
    assert str(path) in line and "duplicate key 'cover_probability'" in line
    assert "line 4" in line and "line 3" in line


def test_duplicate_top_level_keys(capsys, tmp_path):
    path = child(tmp_path, "seed_note: 1\nname: a\nname: b\n")
    line = refused(capsys, "validate", path)
    assert "duplicate key 'name'" in line and "line 4" in line and "line 3" in line


def test_utf16_and_utf8_bom_files_are_read(tmp_path):
    text = f"extends: {BASELINE}\ndescription: Caf\u00e9 \u00a3 test\n"
    for name, raw in (("u16.yaml", text.encode("utf-16")), ("bom.yaml", b"\xef\xbb\xbf" + text.encode("utf-8")),
                      ("u16be.yaml", b"\xfe\xff" + text.encode("utf-16-be"))):
        (tmp_path / name).write_bytes(raw)
        assert load_scenario(tmp_path / name).description == "Caf\u00e9 \u00a3 test"


def test_windows_ansi_file_is_refused_with_the_byte_offset(capsys, tmp_path):
    path = tmp_path / "ansi.yaml"
    raw = f"extends: {BASELINE}\ndescription: Caf\u00e9\n".encode("cp1252")
    path.write_bytes(raw)
    line = refused(capsys, "validate", path)
    offset = raw.index(bytes([0xE9]))
    assert str(path) in line and f"byte {offset} " in line and "UTF-8" in line


def test_binary_file_is_refused(capsys, tmp_path):
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert "binary file" in refused(capsys, "validate", path)


def test_oversized_file_is_refused_without_reading_it_whole(capsys, tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"# " + b"x" * (MAX_FILE_BYTES + 10))
    assert "larger than" in refused(capsys, "validate", path)


def test_endless_input_is_refused(capsys):
    assert "not a regular file" in refused(capsys, "validate", "/dev/zero")


def test_a_folder_is_refused(capsys, tmp_path):
    assert "is a folder" in refused(capsys, "validate", tmp_path)


@pytest.mark.parametrize("style", ["block", "flow"])
def test_deep_nesting_is_refused_before_parsing(capsys, tmp_path, style):
    depth = 3000
    if style == "flow":
        body = "description: " + "[" * depth + "]" * depth + "\n"
    else:
        depth = 600  # indentation makes a deeper block file larger than any scenario
        body = "".join(" " * i + f"k{i}:\n" for i in range(depth)) + " " * depth + "v\n"
    path = tmp_path / "deep.yaml"
    path.write_text(body)
    line = refused(capsys, "validate", path)
    assert str(path) in line and f"deeper than {MAX_DEPTH}" in line


def test_alias_bomb_is_refused(capsys, tmp_path):
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    line = refused(capsys, "validate", path)
    assert str(path) in line and "anchors are expanded" in line


def test_ordinary_anchors_still_work(tmp_path):
    path = tmp_path / "anchors.yaml"
    path.write_text(f"extends: {BASELINE}\ndescription: &d shared text\nsources:\n  description: *d\n")
    assert load_scenario(path).sources["description"] == "shared text"


def test_decode_text_rules():
    assert decode_text("a: 1".encode("utf-16")) == "a: 1"
    assert decode_text(b"\xef\xbb\xbfa: 1") == "a: 1"
    with pytest.raises(ValueError, match="byte 3"):
        decode_text(b"a: \xff")


def test_every_shipped_scenario_still_loads_and_holds_only_finite_numbers():
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        dumped = yaml.safe_dump(load_scenario(path).model_dump(mode="json"))
        numbers = [v for v in yaml.safe_load(dumped).values() if isinstance(v, float)]
        assert all(math.isfinite(v) for v in numbers)


# ---------------------------------------------------------------------------- output folders

def _snapshot(folder: Path) -> dict[str, float]:
    return {str(p.relative_to(folder)): p.stat().st_mtime for p in folder.rglob("*")} if folder.exists() else {}


@pytest.mark.parametrize("command", [["run", "-n", "1", "--workers", "1", "--no-progress", "--out"],
                                     ["sweep", "-n", "1", "--workers", "1", "--no-progress", "--grid", "finance.on_cost_rate=0.2", "--out"],
                                     ["report", "-n", "1", "--workers", "1", "--no-progress", "--out"],
                                     ["compare", str(BASELINE), "-n", "1", "--workers", "1", "--no-progress", "--out"]])
def test_read_only_out_is_refused_before_simulating(capsys, tmp_path, command, monkeypatch):
    import os

    if os.geteuid() == 0:  # root writes through permissions: make the folder a file's child instead
        blocker = tmp_path / "file"
        blocker.write_text("x")
        out = blocker / "out"
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        out = locked / "out"
    simulated = []
    from workforce_sim.model.workforce import WorkforceModel

    original = WorkforceModel.__init__
    monkeypatch.setattr(WorkforceModel, "__init__", lambda self, *a, **k: simulated.append(1) or original(self, *a, **k))
    line = refused(capsys, *command[:1], BASELINE, *command[1:], out)
    assert "--out" in line and ("not a folder" in line or "cannot write" in line), line
    assert simulated == []


def test_write_failure_keeps_what_was_written_and_says_where(tmp_path):
    from workforce_sim.errors import WriteError
    from workforce_sim.files import write_atomically

    def write(folder: Path) -> list[Path]:
        (folder / "a.csv").write_text("a\n1\n")
        raise OSError(28, "No space left on device")

    with pytest.raises(WriteError, match="No space left on device; 1 files written so far are kept in"):
        write_atomically(tmp_path / "out", write)
    assert not (tmp_path / "out").exists()
    kept = [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]
    assert len(kept) == 1 and (kept[0] / "a.csv").read_text() == "a\n1\n"


def test_new_out_folders_follow_the_umask(tmp_path):
    import os

    from workforce_sim.files import write_atomically

    old = os.umask(0o022)
    try:
        write_atomically(tmp_path / "out", lambda folder: [folder / "x.csv"] if (folder / "x.csv").write_text("1") else [])
    finally:
        os.umask(old)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755


def test_two_sweeps_started_in_the_same_second_get_their_own_folders(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert main(["sweep", str(BASELINE), "-n", "1", "--workers", "1", "--no-progress", "--grid",
                     "finance.on_cost_rate=0.2", "--set", "end_date=2014-06-01", "--set", "targets={}"]) == 0
    capsys.readouterr()
    folders = sorted((tmp_path / "outputs").glob("*/*-sweep"))
    assert len(folders) == 2 and all((f / "points.csv").exists() for f in folders)


# ---------------------------------------------------------------------------- sizes and processes

def test_more_replications_than_the_ceiling_need_allow_large(capsys):
    line = refused(capsys, "run", BASELINE, "-n", "1000000000")
    assert line.startswith("wfsim: error: --replications: 1,000,000,000 is more than the ceiling") and "--allow-large" in line


def test_a_huge_grid_is_refused_before_any_point_is_built(capsys):
    values = ",".join(f"0.{i:03d}" for i in range(1, 101))
    line = refused(capsys, "sweep", BASELINE, "--grid", f"finance.on_cost_rate={values}",
                   "--grid", f"agency.cover_probability={values}")
    assert "--grid: 10,000 grid points is more than the ceiling" in line


def test_memory_estimate_refuses_a_run_that_cannot_fit(capsys, monkeypatch):
    import workforce_sim.workflows.common as common

    monkeypatch.setattr(common, "available_memory", lambda: 50 * 2**20)   # 50 MiB free
    line = refused(capsys, "run", BASELINE, "-n", "2000", "--allow-large", "--set", "end_date=2014-06-01", "--set", "targets={}")
    assert "--replications: 2,000 replications need about" in line and "GiB available" in line


def test_workers_beyond_the_cores_are_capped_with_a_warning(capsys):
    import os

    code = main(["run", str(BASELINE), "-n", "2", "--workers", "999", "--no-progress", "--set", "end_date=2014-04-01", "--set", "targets={}"])
    err = capsys.readouterr().err
    assert code == 0
    assert f"--workers 999 is more than this machine's {os.cpu_count()} cores; using {os.cpu_count()}" in err


def test_a_misspelt_intermediate_set_key_is_blamed_on_set(capsys):
    line = refused(capsys, "validate", BASELINE, "--set", "recruitment.pipelin.offer_to_checks_days=3")
    assert line.startswith("wfsim: error: --set: recruitment.pipelin: unknown key")
    assert "did you mean recruitment.pipeline" in line


def test_pool_workers_die_with_their_parent(tmp_path):
    """A parent killed with SIGKILL takes its pool workers with it (PR_SET_PDEATHSIG)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    psutil = pytest.importorskip("psutil")
    script = tmp_path / "parent.py"
    script.write_text(
        "import time\n"
        "from workforce_sim.experiments.executors import map_tasks\n"
        "def slow(shared, i):\n"
        "    time.sleep(60)\n"
        "for _ in map_tasks(slow, None, [(0,), (1,)], 'processes', 2):\n"
        "    pass\n")
    proc = subprocess.Popen([sys.executable, str(script)], start_new_session=True)
    try:
        parent = psutil.Process(proc.pid)
        deadline = time.monotonic() + 30
        while len(parent.children(recursive=True)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        kids = parent.children(recursive=True)
        assert len(kids) >= 2
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        gone, alive = psutil.wait_procs(kids, timeout=5)
        assert alive == [], alive
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_a_report_killed_hard_leaves_no_process_and_is_marked_interrupted(tmp_path):
    """kill -9 of ``wfsim report``: its kernel and the kernel's pool workers end within
    5 seconds, and the next index write moves the run aside as interrupted."""
    import json
    import os
    import signal
    import subprocess
    import sys
    import time

    from workforce_sim.reporting.runs import write_index

    psutil = pytest.importorskip("psutil")
    wfsim = Path(sys.executable).with_name("wfsim")
    outputs = tmp_path / "outputs"
    proc = subprocess.Popen([str(wfsim), "report", str(ROOT / "scenarios" / "slough_2014_investment.yaml"), "-n", "400",
                             "--workers", "2", "--no-progress", "--out", str(outputs)],
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        parent = psutil.Process(proc.pid)
        deadline = time.monotonic() + 90
        while len(parent.children(recursive=True)) < 3 and time.monotonic() < deadline:  # kernel + 2 workers
            time.sleep(0.2)
        descendants = parent.children(recursive=True)
        assert len(descendants) >= 3, "the report's kernel and workers did not start"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        _, alive = psutil.wait_procs(descendants, timeout=5)
        assert alive == [], [p.cmdline() for p in alive]
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    write_index(outputs)
    failed = list(outputs.glob("*/failed/*/run.json"))
    assert len(failed) == 1
    assert json.loads(failed[0].read_text())["status"] == "interrupted"
    assert not list(outputs.glob("*/.incomplete-*"))


# ---------------------------------------------------------------------------- results that would mislead

def test_compare_refuses_scenarios_on_different_dates(capsys):
    kent = ROOT / "scenarios" / "kent_2013_contract.yaml"
    line = refused(capsys, "compare", BASELINE, kent, "-n", "1", "--no-progress")
    assert line.startswith(f"wfsim: error: {kent}: start_date: runs ") and "same dates" in line


def test_a_scenario_cannot_be_its_own_investment_baseline(capsys, tmp_path):
    path = tmp_path / "own.yaml"
    path.write_text(f"extends: {BASELINE}\nname: own\nfinance:\n  investment:\n    baseline: own.yaml\n")
    line = refused(capsys, "validate", path)
    assert line == f"wfsim: error: {path}: finance.investment.baseline: names this scenario itself: " \
                   "its spend would be compared with itself (GBP 0)"


def test_dated_items_outside_the_run_warn_on_stderr(capsys):
    investment = ROOT / "scenarios" / "slough_2014_investment.yaml"
    assert main(["validate", str(investment), "--set", "nqsw.cohorts.0.date=2020-01-01"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"wfsim: warning: {investment}: nqsw.cohorts.0.date: 2020-01-01 is outside the run "
                   "(2014-02-01 to 2018-04-01): it has no effect"]


def test_shipped_scenarios_raise_no_doubts():
    from workforce_sim.scenario.loading import doubts

    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        assert doubts(load_scenario(path)) == [], path


def test_an_alias_bomb_in_a_schedule_is_refused_before_anything_runs(capsys, tmp_path):
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    manifest = tmp_path / "reports.yaml"
    manifest.write_text("\n".join(lines) + f"\nreports:\n  - name: r\n    scenario: {BASELINE}\n    overrides:\n"
                        "      description: *a8\n")
    line = refused(capsys, "schedule", manifest, "--out", tmp_path / "outputs")
    assert str(manifest) in line and "anchors are expanded" in line
    assert not (tmp_path / "outputs").exists()


def test_children_waiting_unallocated_are_judged_by_their_own_target():
    """Under the queue policy children wait unallocated: the caseload target may look fine,
    but the unallocated target shows the waiting children and is not met."""
    from workforce_sim.analysis.targets import scorecard
    from workforce_sim.experiments.replications import run_replications

    queue = load_scenario(BASELINE, ["caseload.overflow=queue"])
    spill = load_scenario(BASELINE)
    rows = {name: scorecard(run_replications(sc, 3, 5, 1)).set_index("key").loc["unallocated_children"]
            for name, sc in (("queue", queue), ("spill", spill))}
    assert rows["queue"]["median"] > 100 and rows["queue"]["p_meet"] == 0 and rows["queue"]["rag"] == "red"
    assert rows["spill"]["median"] < rows["queue"]["median"]
