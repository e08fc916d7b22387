"""Ctrl-C and SIGTERM: a run with worker processes stops at once, with one line and exit 130,
and leaves no process behind, whatever it was doing when the signal came."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

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


def _signal_after(delay: float, signum: int) -> tuple[int, str, float]:
    proc = subprocess.Popen(LONG_RUN, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
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
