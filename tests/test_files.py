"""Atomic writes (``workforce_sim.files``): a file appears complete or not at all, nothing
that exists is overwritten unless meant to be replaced, and a failure is one line, exit 3."""
from __future__ import annotations

import errno
import os

import pytest

from workforce_sim.errors import WriteError
from workforce_sim.files import atomic_path, write_text

from .helpers import SCENARIOS, run_cli


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_written_file_appears_whole_and_no_temporary_file_is_left(tmp_path):
    target = tmp_path / "sub" / "a.yaml"
    write_text(target, "x: 1\n")
    assert target.read_text() == "x: 1\n"
    assert [p.name for p in target.parent.iterdir()] == ["a.yaml"]


def test_an_existing_file_is_never_overwritten(tmp_path):
    target = tmp_path / "a.yaml"
    target.write_text("mine\n")
    with pytest.raises(WriteError, match="exists already and is kept as it was"):
        write_text(target, "theirs\n")
    assert target.read_text() == "mine\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.yaml"]


def test_a_file_meant_to_be_replaced_is_replaced_whole(tmp_path):
    target = tmp_path / "index.html"
    target.write_text("old")
    write_text(target, "new", replace=True)
    assert target.read_text() == "new"


def test_a_full_disk_leaves_no_truncated_file(tmp_path, monkeypatch):
    target = tmp_path / "a.yaml"
    monkeypatch.setattr(os, "fsync", _disk_full)
    with pytest.raises(WriteError, match=r"a.yaml: No space left on device; nothing was written"):
        write_text(target, "x: 1\n" * 1000)
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_keeps_the_file_being_replaced(tmp_path, monkeypatch):
    target = tmp_path / "index.html"
    target.write_text("old")
    monkeypatch.setattr(os, "fsync", _disk_full)
    with pytest.raises(WriteError, match="it is kept as it was"):
        write_text(target, "new", replace=True)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["index.html"]


def test_a_writer_that_fails_leaves_nothing(tmp_path):
    target = tmp_path / "t.parquet"
    with pytest.raises(ValueError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise ValueError("writer failed")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_of_the_command_line_is_one_line_and_exit_3(capsys, tmp_path, monkeypatch):
    import pandas as pd

    written = []
    real = pd.DataFrame.to_csv

    def fill_up(self, path, *args, **kwargs):   # the first table is written, then the disk is full
        if written:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(path)
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", fill_up)
    code, _, err = run_cli(capsys, "run", SCENARIOS / "slough_2014_baseline.yaml", "-n", "1", "--no-progress", "--set",
                           "end_date=2014-06-01", "--set", "targets={}", "--out", tmp_path / "out")
    assert code == 3, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith("wfsim: could not write") and "No space left on device" in lines[0] and "kept in" in lines[0]
    assert not (tmp_path / "out").exists()


def test_a_locked_study_refuses_a_second_holder_and_names_the_first(tmp_path):
    import subprocess
    import sys
    import textwrap

    from workforce_sim.errors import LockedError
    from workforce_sim.files import exclusive

    lock = tmp_path / "study.lock"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from workforce_sim.files import exclusive
        with exclusive({str(lock)!r}, "the study"):
            print("held", flush=True)
            sys.stdin.readline()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockedError, match=f"the study is in use by another wfsim \\(process {holder.pid}\\)"):
            with exclusive(lock, "the study"):
                pass
    finally:
        holder.communicate("\n", timeout=10)
    with exclusive(lock, "the study"):   # free again once the first holder has finished
        pass
