"""Pieces every command-line module shares: option parsers and atomic output folders."""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Optional, TypeVar

from workforce_sim.errors import InputError, RunError
from workforce_sim.experiments.executors import EXECUTORS

T = TypeVar("T")

# the library names inputs that are not files by its own names; the command line shows its options
OPTION_FLAGS = {"overrides": "--set", "grid": "--grid", "executor": "--executor", "scheduler": "--scheduler",
                "lever": "--lever", "require": "--require", "confidence": "--confidence", "minimise": "--minimise",
                "resume": "--resume", "confirm_seed": "--seed"}

# Ceilings a run must stay under unless ``--allow-large`` is given (docs/cli.md)
MAX_REPLICATIONS = 10_000    # per scenario; 1,000 replications of a 126-post council take under 2 minutes on 2 cores
MAX_GRID_POINTS = 400        # points of one sweep grid
MEMORY_CHECK_FROM = 500      # runs of at least this many replications in all get a memory estimate
MEMORY_SHARE = 0.8           # of the memory available now that a run's tables may take


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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_out_folder(out: Path, names) -> None:
    """Before any simulation: ``--out`` can be written, is a folder if it exists, and holds none of ``names``
    (nothing already written is overwritten); else a one-line ``InputError``."""
    check_writable(out, "--out")
    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a folder", file="--out", key=str(out))
    if out.exists():
        clash = [n for n in names if (out / n).exists()]
        if clash:
            raise InputError(f"would overwrite {clash[0]} in {out}; choose a new folder", file="--out")


def check_writable(folder: Path, option: str) -> None:
    """Before any simulation: ``folder`` (or the nearest folder above it that exists)
    must be a folder this user can create files in; else a one-line ``InputError``."""
    probe = folder
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise InputError(f"{probe} exists and is not a folder", file=option, key=str(folder))
    try:
        fd, name = tempfile.mkstemp(prefix=".wfsim-write-check-", dir=probe)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise InputError(f"cannot write in {probe}: {exc.strerror}", file=option, key=str(folder)) from None


def write_atomically(out: Path, write: Callable[[Path], list[Path]]) -> None:
    """Call ``write(folder)`` on a temporary folder beside ``out``, then move the result in.

    A new ``out`` appears complete or not at all, with the permissions the
    user's umask gives a new folder; into an existing ``out`` the written files
    are moved one by one (callers check first that none exists). If writing
    fails (disk full, permissions), what was written is kept in the temporary
    folder and a ``RunError`` says where.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        os.chmod(tmp, 0o777 & ~_umask())
        written = write(tmp)
        if not out.exists():
            try:
                tmp.rename(out)
                return
            except OSError:
                if not out.is_dir():
                    raise
        for f in written:
            f.rename(out / f.name)
        shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        kept = [p for p in tmp.iterdir()] if tmp.exists() else []
        where = f"; {len(kept)} files written so far are kept in {tmp}" if kept else ""
        if not kept:
            shutil.rmtree(tmp, ignore_errors=True)
        raise RunError(f"could not write {out}: {exc.strerror or exc}{where}") from None


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
    p.add_argument("--allow-large", action="store_true",
                   help=f"allow more than {MAX_REPLICATIONS:,} replications (the memory estimate still applies)")


def decompose_value(text: str) -> tuple[int, int]:
    """``K,M`` for ``--decompose``: K parameter draws, each run M times (both whole numbers >= 2)."""
    parts = text.split(",")
    try:
        k, m = (int(x) for x in parts) if len(parts) == 2 else (None, None)
    except ValueError:
        k = m = None
    if k is None or m is None:
        raise InputError(f"expected K,M (parameter draws, replications per draw), e.g. 10,10; got {text!r}", file="--decompose")
    if k < 2 or m < 2:
        raise InputError(f"needs at least 2 parameter draws and 2 replications per draw, got {k},{m}", file="--decompose")
    return k, m


def add_decompose_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--decompose", type=decompose_value, default=None, metavar="K,M",
                   help="split each target's variance into parameter uncertainty and noise: K parameter draws, each run "
                        "M times (K x M replications in all, in place of --replications)")


def check_decompose(scenario, decompose: tuple[int, int], allow_large: bool, scenario_file: str) -> None:
    """Before any simulation: K x M within the replication ceiling, and something uncertain to decompose."""
    from workforce_sim.scenario.uncertain import uncertain_paths

    k, m = decompose
    check_replications(k * m, allow_large, "--decompose")
    if not uncertain_paths(scenario):
        raise InputError("the scenario gives no parameter a range or distribution, so all its variance is noise: "
                         "nothing to decompose (give one with --set KEY=[low,high])", file=scenario_file, key="--decompose")


def warn(message: str) -> None:
    print(f"wfsim: warning: {message}", file=sys.stderr)


def cap_workers(args: argparse.Namespace) -> None:
    """More worker processes than cores only slow a run down: use the cores, and say so."""
    workers = getattr(args, "workers", None)
    cores = os.cpu_count() or 1
    if workers is not None and workers > cores and getattr(args, "executor", "processes") == "processes":
        warn(f"--workers {workers} is more than this machine's {cores} cores; using {cores}")
        args.workers = cores


def check_replications(n: int, allow_large: bool, option: str = "--replications") -> None:
    if n > MAX_REPLICATIONS and not allow_large:
        what = f"K x M = {n:,}" if option == "--decompose" else f"{n:,}"
        raise InputError(f"{what} is more than the ceiling of {MAX_REPLICATIONS:,} replications; add --allow-large to run it anyway",
                         file=option)


def available_memory() -> Optional[int]:
    """Bytes of memory available now (Linux ``MemAvailable``), None where unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - not Linux
        return None
    return None


def check_memory(scenario, seed: int, total: int, keep_events: bool = False) -> None:
    """Refuse, before it starts, a run whose tables would not fit in memory (estimated
    from one replication's tables; only for runs of MEMORY_CHECK_FROM replications or more)."""
    if total < MEMORY_CHECK_FROM:
        return
    from workforce_sim.experiments.replications import result_bytes

    free = available_memory()
    if free is None:
        return
    need = result_bytes(scenario, seed, keep_events) * total
    if need > MEMORY_SHARE * free:
        raise InputError(f"{total:,} replications need about {need / 2**30:.1f} GiB for their tables, more than "
                         f"{MEMORY_SHARE:.0%} of the {free / 2**30:.1f} GiB available; run fewer", file="--replications")
