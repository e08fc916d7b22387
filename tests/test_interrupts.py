"""Ctrl-C and SIGTERM: a run with worker processes stops at once, with one line and exit 130,
and leaves no process behind, whatever it was doing when the signal came."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .helpers import SCENARIOS

LONG_RUN = [sys.executable, "-m", "workforce_sim", "run", str(SCENARIOS / "slough_2014_investment.yaml"),
            "-n", "80", "--workers", "2", "--no-progress"]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _as_from_a_terminal() -> None:
    """In the child before it starts: Ctrl-C and SIGTERM as a terminal's shell gives them (default, not blocked),
    whatever the test process they are started from was left with (its signal state is inherited)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def _signal_after(delay: float, signum: int, argv: list[str] = LONG_RUN, env: dict[str, str] | None = None,
                  cwd: Path | None = None) -> tuple[int, str, float]:
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env=None if env is None else {**os.environ, **env}, cwd=cwd, preexec_fn=_as_from_a_terminal)
    time.sleep(delay)
    sent = time.monotonic()
    os.killpg(proc.pid, signum)     # as a terminal's Ctrl-C does: the whole process group
    try:
        _, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:   # a hang: clean up, then fail
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"still running 20 s after signal {signum}")
    took = time.monotonic() - sent
    deadline = time.monotonic() + 5
    while _group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _group_alive(proc.pid), "a worker outlived the run"
    return proc.returncode, err, took


@pytest.mark.parametrize("delay", [0.3, 2.5, 5.0], ids=["while-importing", "starting-workers", "mid-run"])
def test_ctrl_c_stops_a_run_with_workers_with_one_line(delay):
    code, err, took = _signal_after(delay, signal.SIGINT)
    assert code == 130, err
    assert err.strip().splitlines() == ["wfsim: interrupted"], err
    assert "Traceback" not in err
    print(f"stopped {took:.2f} s after Ctrl-C")


def test_sigterm_stops_a_run_like_ctrl_c():
    code, err, _ = _signal_after(4.0, signal.SIGTERM)
    assert code == 130, err
    assert err.strip().splitlines() == ["wfsim: interrupted"], err


def _empty_temp(tmp_path: Path) -> tuple[dict[str, str], list[Path]]:
    """TMPDIR and the Jupyter runtime folder of a run: empty folders, to be found empty afterwards."""
    folders = [tmp_path / "tmp", tmp_path / "runtime"]
    for f in folders:
        f.mkdir()
    return {"TMPDIR": str(folders[0]), "JUPYTER_RUNTIME_DIR": str(folders[1])}, folders


def _left(folders: list[Path]) -> list[str]:
    return [str(p) for f in folders for p in f.rglob("*")]


def test_ctrl_c_stops_a_backtest_on_a_local_dask_cluster_quietly(tmp_path):
    env, folders = _empty_temp(tmp_path)
    argv = [sys.executable, "-m", "workforce_sim", "backtest", "--councils", "4", "--origins", "2019",
            "--population", "6", "--generations", "2", "-n", "3", "--workers", "2", "--executor", "dask", "--no-progress",
            "--out", str(tmp_path / "bt")]
    code, err, took = _signal_after(12.0, signal.SIGINT, argv, env)
    assert code == 130, err
    assert err.strip().splitlines() == ["wfsim: interrupted"], err
    assert took < 2.5, took
    assert _left(folders) == [] and not (tmp_path / "bt").exists()


def test_sigterm_stops_a_calibration_and_leaves_no_database(tmp_path):
    env, folders = _empty_temp(tmp_path)
    scen = tmp_path / "rutland.yaml"
    subprocess.run([sys.executable, "-m", "workforce_sim", "init", "Rutland", "--year", "2019", "--out", str(scen)], check=True,
                   capture_output=True)
    argv = [sys.executable, "-m", "workforce_sim", "calibrate", str(scen), "--through", "2019", "--population", "10",
            "--generations", "20", "--out", str(tmp_path / "cal.yaml")]     # still running at 8 s on a fast machine
    code, err, _ = _signal_after(8.0, signal.SIGTERM, argv, env)
    assert code == 130, err
    assert err.strip().splitlines() == ["wfsim: interrupted"], err
    assert _left(folders) == [] and not (tmp_path / "cal.yaml").exists()


def test_a_killed_report_leaves_its_kernel_files_in_its_hidden_folder(tmp_path):
    """Even SIGKILL: the kernel's connection file and temporary files are in the run's hidden folder,
    which the next index moves to failed/ with the rest; nothing is left in TMPDIR or Jupyter's runtime folder."""
    env, folders = _empty_temp(tmp_path)
    argv = [sys.executable, "-m", "workforce_sim", "report", str(SCENARIOS / "slough_2014_baseline.yaml"), "-n", "30",
            "--workers", "1", "--no-progress", "--out", str(tmp_path / "outputs")]
    code, err, _ = _signal_after(9.0, signal.SIGKILL, argv, env)
    assert code == -signal.SIGKILL, err
    assert _left(folders) == []
    hidden = list((tmp_path / "outputs").glob("*/.incomplete-*"))
    assert len(hidden) == 1 and (hidden[0] / "report.ipynb").exists()       # killed while the notebook ran


def test_a_killed_calibration_leaves_its_database_only_until_the_next_one(tmp_path):
    """SIGKILL cannot be caught, so a killed calibration leaves its database folder in TMPDIR;
    the next calibration (or backtest) removes it, and keeps a folder whose process still runs."""
    from workforce_sim.files import scratch_folder

    env, folders = _empty_temp(tmp_path)
    scen = tmp_path / "rutland.yaml"
    subprocess.run([sys.executable, "-m", "workforce_sim", "init", "Rutland", "--year", "2019", "--out", str(scen)], check=True,
                   capture_output=True)
    argv = [sys.executable, "-m", "workforce_sim", "calibrate", str(scen), "--through", "2019", "--population", "10",
            "--generations", "20", "--out", str(tmp_path / "cal.yaml")]
    code, err, _ = _signal_after(9.0, signal.SIGKILL, argv, env)
    assert code == -signal.SIGKILL, err
    left = [p for p in folders[0].iterdir() if p.name.startswith("wfsim-abc-")]
    assert len(left) == 1 and any(left[0].rglob("abc.db")), _left(folders)   # killed mid-calibration
    live = folders[0] / f"wfsim-abc-{os.getppid()}-x"                         # a calibration still running
    live.mkdir()
    with scratch_folder("wfsim-abc-", folders[0]) as mine:
        assert mine.is_dir()
        assert sorted(p.name for p in folders[0].iterdir()) == sorted([live.name, mine.name])
    assert [p.name for p in folders[0].iterdir()] == [live.name]
    assert not (tmp_path / "cal.yaml").exists()


def test_an_interrupt_that_breaks_the_calibrations_database_write_stays_an_interrupt(monkeypatch):
    """SIGTERM or Ctrl-C inside pyabc's database write leaves its session broken, and pyabc's clean-up then
    raises anew: the calibration still stops with KeyboardInterrupt (one line from the command), not that error."""
    import pyabc

    from workforce_sim.analysis.checks import annual_indicators
    from workforce_sim.experiments import calibrate as cal

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    def broken_session(self, *args, **kwargs):
        raise RuntimeError("This Session's transaction has been rolled back due to a previous exception during flush")

    monkeypatch.setattr(cal, "single_run", interrupted)
    monkeypatch.setattr(pyabc.History, "done", broken_session)
    with pytest.raises(KeyboardInterrupt):
        cal.calibrate("Rutland", 2019, annual_indicators, population=4, generations=1)
