"""Pieces every command-line module shares: option parsers."""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from workforce_sim.defaults import CEILINGS, DEFAULTS
from workforce_sim.errors import InputError
from workforce_sim.experiments.executors import EXECUTORS

# the library names inputs that are not files by its own names; the command line shows its options
OPTION_FLAGS = {"overrides": "--set", "grid": "--grid", "executor": "--executor", "scheduler": "--scheduler",
                "lever": "--lever", "require": "--require", "confidence": "--confidence", "minimise": "--minimise",
                "resume": "--resume", "confirm_seed": "--seed", "member": "--member"}


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


def replications_value(text: str):
    """``--replications``: a whole number >= 1, or ``auto``."""
    if text.strip().lower() == "auto":
        return "auto"
    return positive_int("--replications")(text)


def precision_value(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"expected a number of points, e.g. 1, got {text!r}", file="--precision") from None
    if not (value > 0) or value == float("inf"):
        raise InputError(f"must be a positive number of points, got {text}", file="--precision")
    return value


def add_precision_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--precision", type=precision_value, default=None, metavar="POINTS",
                   help=f"with --replications auto: the half-width of the 90%% interval wanted on the headline "
                        f"(a paired difference for compare), in points (default {DEFAULTS.precision:g}); "
                        f"at most {CEILINGS.auto_replications:,} replications")


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
    p.add_argument("--replications", "-n", type=replications_value, default=DEFAULTS.replications["run"],
                   help="a number, or auto: batches until the headline is known within --precision")
    add_precision_option(p)
    p.add_argument("--seed", type=seed_value, default=DEFAULTS.seed)
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
                   help=f"allow more than {CEILINGS.replications:,} replications (the memory estimate still applies)")
    add_cache_option(p)


def add_recalibrated_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--recalibrated", type=Path, default=None, metavar="FILE",
                   help="a backtest's recalibration.json (or its run folder): the agency rate, permanent share, vacancy rate "
                        "and turnover the targets judge, recalibrated (docs/validation.md)")


def add_cache_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-cache", action="store_true",
                   help="simulate every replication: neither read nor store the replication cache "
                        "(outputs/.cache, or the folder WFSIM_CACHE names)")


def cache_option(args: argparse.Namespace):
    """The ``cache`` argument of the workflows: False with ``--no-cache`` (also for the report notebook's
    kernel and every process this one starts), else None (``WFSIM_CACHE`` or ``outputs/.cache``)."""
    if getattr(args, "no_cache", False):
        from workforce_sim.experiments.cache import ENV

        os.environ[ENV] = "off"
        return False
    return None


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


def warn(message: str) -> None:
    print(f"wfsim: warning: {message}", file=sys.stderr)


def cap_workers(args: argparse.Namespace) -> None:
    """More worker processes than cores only slow a run down: use the cores, and say so."""
    workers = getattr(args, "workers", None)
    cores = os.cpu_count() or 1
    if workers is not None and workers > cores and getattr(args, "executor", "processes") == "processes":
        warn(f"--workers {workers} is more than this machine's {cores} cores; using {cores}")
        args.workers = cores


