"""Parameter sweeps: every point of a grid run with the same seeds.

Common random numbers: each grid point runs replications 0..n-1 with the same
seed, so each random element draws the same numbers at every point and the
differences between points are paired per replication. The mechanics only:
``workflows.sweep`` is the command (options, the investment baseline),
``analysis.sweep`` turns a sweep's results into its tables.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from workforce_sim.errors import InputError
from workforce_sim.experiments.replications import Results, run_replications
from workforce_sim.scenario.loading import load_scenario, parse_set
from workforce_sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Axis:
    """One ``--grid key=v1,v2,...``: a scenario key and the values it takes."""

    key: str
    values: tuple[Any, ...]
    texts: tuple[str, ...]


@dataclass
class Point:
    label: str
    settings: dict[str, Any]
    overrides: list[str]
    scenario: Scenario


@dataclass(frozen=True)
class SweepResult:
    """Every grid point's results (point i's replications use seed ``seed``, or ``seed + 1 + i``
    without common random numbers)."""

    scenario: Scenario
    axes: list[Axis]
    points: list[Point]
    results: list[Results]
    seed: int
    replications: int
    common_random_numbers: bool


def _split_values(raw: str) -> list[str]:
    """Split at commas outside brackets and quotes, so a value may be ``[0.1, 0.2]``."""
    out, depth, quote, cur = [], 0, "", []
    for ch in raw:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    out.append("".join(cur).strip())
    return out


def parse_grid(items: list[str]) -> list[Axis]:
    """Parse grid axes ``key=v1,v2,...`` (``wfsim sweep --grid``); values are read like overrides (YAML)."""
    axes: list[Axis] = []
    for item in items:
        if "=" not in item:
            raise InputError(f"expected key=value1,value2,..., got {item!r}", option="grid")
        key, _, raw = item.partition("=")
        key = key.strip()
        texts = _split_values(raw)
        if any(not t for t in texts):
            raise InputError(f"empty value in {raw!r}", option="grid", key=key or None)
        values = []
        for text in texts:
            try:
                parts, value = parse_set(f"{key}={text}")
            except InputError as exc:
                raise InputError(exc.message, option="grid", key=exc.key or key or None) from None
            values.append(value)
        key = ".".join(parts)
        if any(a.key == key for a in axes):
            raise InputError("key given in two {option} options", option="grid", key=key)
        if len(set(map(repr, values))) != len(values):
            raise InputError(f"a value is given twice in {raw!r}", option="grid", key=key)
        axes.append(Axis(key, tuple(values), tuple(texts)))
    if not axes:
        raise InputError("give at least one {option} key=v1,v2,...", option="grid")
    return axes


def grid_points(path: str | Path, axes: list[Axis], overrides: list[str] = ()) -> list[Point]:
    """Every combination of the axes' values, each resolved and validated before anything runs
    (load the scenario itself first, so that later errors come from the grid)."""
    points = []
    for combo in itertools.product(*[range(len(a.values)) for a in axes]):
        settings = {a.key: a.values[i] for a, i in zip(axes, combo)}
        grid_sets = [f"{a.key}={a.texts[i]}" for a, i in zip(axes, combo)]
        label = ", ".join(f"{a.key.rsplit('.', 1)[-1]}={a.texts[i]}" for a, i in zip(axes, combo))
        try:
            sc = load_scenario(path, [*overrides, *grid_sets])
        except InputError as exc:
            if exc.file and exc.option is None and not str(exc.file).lower().endswith((".yaml", ".yml")):
                # a data file the scenario names (staff list, leavers) refuses this grid point: name the file
                raise InputError(f"{exc.message} (at the --grid point {label})", file=exc.file, key=exc.key) from None
            raise InputError(exc.message, option="grid", key=exc.key) from None
        points.append(Point(label, settings, [*overrides, *grid_sets], sc))
    return points


def region_grid_points(path: str | Path, axes: list[Axis], overrides: list[str] = ()) -> list[Point]:
    """A region's grid: every combination of the axes' values (region keys, its market's levers, a member's
    ``members.NAME.KEY``), each region loaded and checked before anything runs; ``Point.scenario`` is the Region."""
    from workforce_sim.scenario.regions import load_region

    points = []
    for combo in itertools.product(*[range(len(a.values)) for a in axes]):
        settings = {a.key: a.values[i] for a, i in zip(axes, combo)}
        grid_sets = [f"{a.key}={a.texts[i]}" for a, i in zip(axes, combo)]
        label = ", ".join(f"{a.key.rsplit('.', 1)[-1] if not a.key.startswith('members.') else a.key}={a.texts[i]}"
                          for a, i in zip(axes, combo))
        try:
            region = load_region(path, [*overrides, *grid_sets])
        except InputError as exc:   # the region loads with the overrides alone (loaded first): a --set's error is the grid's
            if exc.option != "overrides":
                raise
            raise InputError(f"{exc.message} (at the grid point {label})", option="grid", key=exc.key) from None
        points.append(Point(label, settings, [*overrides, *grid_sets], region))
    return points


def run_sweep(
    points: list[Point],
    axes: list[Axis],
    replications: int,
    seed: int,
    workers: Optional[int] = 1,
    common_random_numbers: bool = True,
    progress: Optional[Callable[[int], None]] = None,
    cache=None,
    start: int = 0,
) -> SweepResult:
    """Run every grid point: the same seed at every point (common random numbers), else seed + 1 + i
    (replications start..start+replications-1: more of a sweep, ``merge_sweeps`` joins them)."""
    results = []
    for i, p in enumerate(points):
        s = seed if common_random_numbers else seed + 1 + i
        results.append(run_replications(p.scenario, replications, s, workers, progress=progress, cache=cache, start=start))
    return SweepResult(points[0].scenario, axes, points, results, seed, replications, common_random_numbers)


def merge_sweeps(a: SweepResult, b: SweepResult) -> SweepResult:
    """Two runs of one sweep on different replications, as one."""
    from workforce_sim.experiments.replications import merge

    return SweepResult(a.scenario, a.axes, a.points, [merge(x, y) for x, y in zip(a.results, b.results)], a.seed,
                       a.replications + b.replications, a.common_random_numbers)
