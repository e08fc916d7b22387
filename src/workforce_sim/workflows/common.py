"""Checks every command makes before it simulates: output folders that can be
written and hold nothing to overwrite, replication ceilings, memory, and the
wrapper that turns a failure inside the model into a ``RunError`` (exit 1)."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Optional, TypeVar

from workforce_sim.defaults import CEILINGS
from workforce_sim.errors import InputError, RunError

T = TypeVar("T")
MAX_REPLICATIONS = CEILINGS.replications
MEMORY_CHECK_FROM = CEILINGS.memory_check_from
MEMORY_SHARE = CEILINGS.memory_share


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


def check_decompose(scenario, decompose: tuple[int, int], allow_large: bool, scenario_file: str) -> None:
    """Before any simulation: K x M within the replication ceiling, and something uncertain to decompose."""
    from workforce_sim.scenario.uncertain import uncertain_paths

    k, m = decompose
    check_replications(k * m, allow_large, "--decompose")
    if not uncertain_paths(scenario):
        raise InputError("the scenario gives no parameter a range or distribution, so all its variance is noise: "
                         "nothing to decompose (give one with --set KEY=[low,high])", file=scenario_file, key="--decompose")


def check_replications(n: int, allow_large: bool, option: str = "--replications") -> None:
    if n > MAX_REPLICATIONS and not allow_large:
        what = f"K x M = {n:,}" if option == "--decompose" else f"{n:,}"
        raise InputError(f"{what} is more than the ceiling of {MAX_REPLICATIONS:,} replications; add --allow-large to run it anyway",
                         file=option)


def check_ceiling(value: int, ceiling: int, option: str, what: str, allow_large: bool) -> None:
    """Before any work: ``value`` of ``option`` within its ceiling (``defaults.CEILINGS``) unless ``allow_large``."""
    if value > ceiling and not allow_large:
        raise InputError(f"{value:,} is more than the ceiling of {ceiling:,} {what}; add --allow-large to run it anyway", file=option)


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


BASELINE_KEY = "finance.investment.baseline"


def load_investment_baseline(scenario, scenario_file=None, overrides=()):
    """The investment baseline: the Scenario named by ``finance.investment.baseline``, or None.

    The loader has resolved the name once, to an absolute path relative to the
    file of the ``extends`` chain that sets it (``scenario.loading.investment_baseline_path``),
    so a plan or variant written elsewhere finds the same baseline. It is loaded
    with the same ``--set`` overrides as the scenario, so the two differ only in
    what the scenario file changes; an override the baseline cannot take (a
    list item it lacks, such as a cohort only the investment has) changes the
    scenario only, and a warning says so. ``scenario_file`` is kept for callers' symmetry.
    """
    import warnings

    from workforce_sim.scenario.loading import ScenarioWarning, investment_baseline_path, load_scenario

    target = investment_baseline_path(scenario)
    if target is None:
        return None
    given = [o for o in overrides if o.partition("=")[0].strip() != BASELINE_KEY]
    try:
        return load_scenario(target, given)
    except InputError as whole:
        kept = []
        for o in given:
            try:
                load_scenario(target, [o])
            except InputError:
                warnings.warn(ScenarioWarning(f"--set {o}: not a key of the investment baseline ({Path(target).name}); "
                                              "it changes the scenario only"), stacklevel=2)
                continue
            kept.append(o)
        if len(kept) == len(given):
            raise whole from None
        return load_scenario(target, kept)


def check_grid_size(axes, allow_large: bool) -> int:
    """The number of grid points (``--grid`` axes multiplied), refused above ``CEILINGS.grid_points``
    unless ``allow_large``."""
    import math

    n_points = math.prod(len(a.values) for a in axes)
    if n_points > CEILINGS.grid_points and not allow_large:
        raise InputError(f"{n_points:,} grid points is more than the ceiling of {CEILINGS.grid_points:,}; "
                         "add --allow-large to run it anyway", file="--grid")
    return n_points


def replications_or_default(replications: Optional[int], command: str) -> int:
    """``replications``, else the command's default (``DEFAULTS``)."""
    from workforce_sim.defaults import DEFAULTS

    return DEFAULTS.replications_for(command) if replications is None else int(replications)


def seed_or_default(seed: Optional[int]) -> int:
    from workforce_sim.defaults import DEFAULTS

    return DEFAULTS.seed if seed is None else int(seed)
