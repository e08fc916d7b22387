"""``wfsim sweep``: every point of a grid run with the same seeds (common random numbers), the
investment baseline once on the same seed, and the sweep's tables."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

import pandas as pd

from workforce_sim.defaults import CEILINGS, DEFAULTS
from workforce_sim.errors import InputError
from workforce_sim.experiments.cache import CacheOption
from workforce_sim.experiments.cache import resolve as resolve_cache
from workforce_sim.experiments.precision import Precision
from workforce_sim.experiments.replications import Results
from workforce_sim.experiments.sweep import Axis, Point, SweepResult, grid_points, parse_grid
from workforce_sim.files import new_run_id, safe_name
from workforce_sim.scenario.schema import Scenario
from workforce_sim.workflows.common import (
    check_grid_size,
    check_memory,
    check_out_folder,
    check_replications,
    load_investment_baseline,
    replications_or_default,
    seed_or_default,
)
from workforce_sim.workflows.run import auto_replications, headline_name, headline_values

TABLES = ("points", "costs_by_year", "investment", "replications", "about")
FILES = ("sweep.html", "sweep.xlsx", "cost_vs_permanence.png")
OUT_NAMES = [f"{t}.{ext}" for t in TABLES for ext in ("csv", "parquet")]


@dataclass(frozen=True)
class SweepSpec:
    scenario: Scenario
    scenario_file: Path
    axes: tuple[Axis, ...]
    points: tuple[Point, ...]
    replications: int                      # per point
    seed: int
    overrides: tuple[str, ...] = ()
    investment_baseline: Optional[Scenario] = None
    workers: Optional[int] = None
    common_random_numbers: bool = True
    out: Optional[Path] = None
    cache: Optional[Path] = None           # the replication cache folder (experiments.cache), None: none
    precision: Optional[float] = None      # --replications auto: the 90% half-width wanted (points) on each paired difference
    auto_ceiling: int = 0

    @property
    def total_replications(self) -> int:
        return (self.auto_ceiling or self.replications) * (len(self.points) + 1)


@dataclass(frozen=True)
class SweepOutcome:
    spec: SweepSpec
    sweep: SweepResult
    investment_baseline: Optional[Results]   # the investment baseline's results on the sweep's seed
    tables: dict[str, pd.DataFrame]
    precision: Optional[Precision] = None    # --replications auto: the precision asked for and reached


def check_out(out: Path) -> None:
    check_out_folder(out, [*OUT_NAMES, *FILES])


def check_spec_out(spec) -> None:
    """Nothing appeared in the spec's out folder while it ran (a region's sweep writes its own files)."""
    if isinstance(spec, SweepSpec):
        check_out(spec.out)
    else:
        from workforce_sim.workflows.region import sweep_out_names

        check_out_folder(spec.out, sweep_out_names())


def prepare(
    scenario_file: Union[str, Path],
    grid: Union[list[str], list[Axis]],
    replications: Union[int, str, None] = None,
    seed: Optional[int] = None,
    *,
    overrides: Union[list[str], tuple[str, ...]] = (),
    workers: Optional[int] = None,
    common_random_numbers: bool = True,
    out: Optional[Path] = None,
    allow_large: bool = False,
    cache: CacheOption = None,
    precision: Optional[float] = None,
) -> SweepSpec:
    """Parse the grid, load the scenario and its investment baseline once, name and check the out folder
    (a unique run id under outputs/<scenario>/ when none is given), check the ceilings and memory,
    and resolve every grid point before anything runs. ``replications="auto"``: batches until every
    point's paired difference from the first point (with one point, or independent seeds, each
    point's headline) has a 90% half-width within ``precision`` points, or the ceiling."""
    from workforce_sim.scenario.loading import load_scenario
    from workforce_sim.workflows import region

    auto, precision = auto_replications(replications, precision, "sweep")
    if region.any_region([scenario_file]):   # a region sweeps through its own workflow
        if auto:
            raise InputError("a region runs a given number of replications", file="--replications", key="auto")
        return region.sweep_prepare(scenario_file, grid, replications, seed, overrides=overrides, workers=workers,
                                    common_random_numbers=common_random_numbers, out=out, allow_large=allow_large, cache=cache)
    axes = grid if grid and isinstance(grid[0], Axis) else parse_grid(list(grid))
    sc = load_scenario(scenario_file, list(overrides))
    out = out or Path("outputs") / safe_name(sc.name) / f"{new_run_id()}-sweep"
    n_points = check_grid_size(axes, allow_large)
    replications = DEFAULTS.auto_first if auto else replications_or_default(replications, "sweep")
    check_replications(replications, allow_large)
    check_out(out)
    seed = seed_or_default(seed)
    check_memory(sc, seed, (CEILINGS.auto_replications if auto else replications) * (n_points + 1))
    points = grid_points(scenario_file, list(axes), list(overrides))
    base = load_investment_baseline(points[0].scenario, Path(scenario_file), overrides)
    return SweepSpec(sc, Path(scenario_file), tuple(axes), tuple(points), replications, seed, tuple(overrides), base,
                     workers, common_random_numbers, out, resolve_cache(cache), precision if auto else None,
                     CEILINGS.auto_replications if auto else 0)


def execute(spec: SweepSpec, progress: Optional[Callable[[int], None]] = None) -> SweepOutcome:
    """Run every point, then the investment baseline on the sweep's seed; tabulate (a region: ``workflows.region``)."""
    if not isinstance(spec, SweepSpec):
        from workforce_sim.workflows import region

        return region.sweep_execute(spec, progress)
    from workforce_sim.analysis.sweep import sweep_tables
    from workforce_sim.experiments.replications import run_replications
    from workforce_sim.experiments.sweep import run_sweep

    cache = False if spec.cache is None else spec.cache

    def run(start: int, n: int) -> SweepResult:
        return run_sweep(list(spec.points), list(spec.axes), n, spec.seed, spec.workers, spec.common_random_numbers, progress,
                         cache=cache, start=start)

    reached = None
    if spec.precision is not None:
        from workforce_sim.experiments.precision import Auto
        from workforce_sim.experiments.sweep import merge_sweeps

        paired = spec.common_random_numbers and len(spec.points) > 1
        what = ("paired difference from the first point in " if paired else "") + headline_name(spec.scenario)
        sweep, reached = Auto(run, merge_sweeps, lambda s: sweep_measures(s, paired), spec.precision, spec.replications,
                              spec.auto_ceiling, what)()
        spec = dataclasses.replace(spec, replications=reached.replications)
    else:
        sweep = run(0, spec.replications)
    base = None
    if spec.investment_baseline is not None:
        base = run_replications(spec.investment_baseline, spec.replications, spec.seed, spec.workers, progress=progress,
                                cache=False if spec.cache is None else spec.cache)
    tables = sweep_tables(sweep, base)
    if reached is not None:
        rows = {"replications chosen": f"automatically, for the precision: {reached.measure}",
                "precision asked (90% half-width, points)": f"{reached.target:g}",
                "precision reached (widest point, points)": f"{reached.reached:.2f}",
                "stopped": "precision reached" if reached.met else f"at the ceiling of {reached.ceiling:,} replications"}
        tables["about"] = pd.concat([tables["about"], pd.DataFrame({"item": list(rows), "value": list(rows.values())})],
                                    ignore_index=True)
    return SweepOutcome(spec, sweep, base, tables, reached)


def sweep_measures(sweep: SweepResult, paired: bool) -> list:
    """What an automatic sweep makes precise: each point's paired difference from the first point's
    headline (common random numbers), else each point's headline."""
    values = [headline_values(r) for r in sweep.results]
    return [v - values[0] for v in values[1:]] if paired else values
