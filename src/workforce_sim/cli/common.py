"""Pieces every command-line module shares: option parsers and atomic output folders."""
from __future__ import annotations

import argparse
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Optional, TypeVar

from workforce_sim.errors import InputError, RunError
from workforce_sim.experiments.executors import EXECUTORS

T = TypeVar("T")

# the library names inputs that are not files by its own names; the command line shows its options
OPTION_FLAGS = {"overrides": "--set", "grid": "--grid", "executor": "--executor", "scheduler": "--scheduler"}


def positive_int(name: str) -> Callable[[str], int]:
    """An argparse type: a whole number >= 1, else a one-line error naming the option."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise InputError(f"expected a whole number, got {text!r}", file=name) from None
        if value < 1:
            raise InputError(f"must be at least 1, got {value}", file=name)
        return value

    return parse


def write_atomically(out: Path, write: Callable[[Path], list[Path]]) -> None:
    """Call ``write(folder)`` on a temporary folder beside ``out``, then move the result in.

    A new ``out`` appears complete or not at all; into an existing ``out`` the
    written files are moved one by one (callers check first that none exists).
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        written = write(tmp)
        if not out.exists():
            tmp.rename(out)
            return
        for f in written:
            f.rename(out / f.name)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def run_model(fn: Callable[[Optional[Callable[[int], None]]], T], total: int, progress: bool) -> T:
    """Call ``fn(update)`` under a replication progress bar; an unexpected error
    inside the model becomes a ``RunError`` (exit 1), bad input stays bad input."""
    from workforce_sim.progress import replication_bar

    try:
        with replication_bar(total, enabled=progress) as update:
            return fn(update)
    except (InputError, RunError):
        raise
    except Exception as exc:  # a failure inside the model
        raise RunError(f"{type(exc).__name__}: {exc}") from exc


def seed_value(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"expected a whole number, got {text!r}", file="--seed") from None
    if value < 0:
        raise InputError(f"must be >= 0, got {value}", file="--seed")
    return value


def add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--replications", "-n", type=positive_int("--replications"), default=100)
    p.add_argument("--seed", type=seed_value, default=2014)
    p.add_argument("--workers", type=positive_int("--workers"), default=None, help="processes (default: all cores)")
    p.add_argument("--executor", choices=EXECUTORS, default="processes",
                   help="where replications run: local processes (default), serial, or dask (needs the dask extra)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: a local cluster of --workers)")
    p.add_argument("--continue-on-error", action="store_true",
                   help="keep the other replications' results when one fails, and list the failures")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a scenario value, e.g. --set recruitment.pipeline.offer_to_checks_days=30")
    p.add_argument("--out", type=Path, default=None, help="folder for the tables (must not hold them already)")
    p.add_argument("--json", action="store_true", help="print JSON on stdout instead of a table")
    p.add_argument("--keep-events", action="store_true", help="also keep per-worker and per-event records")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
