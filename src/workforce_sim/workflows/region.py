"""A region through the same commands: ``wfsim run REGION.yaml`` (``workflows.run`` hands a region file here).

``prepare`` loads the region (every member once) and fills the run defaults;
``execute`` runs every member and the market on one clock per replication and
judges each member's own targets, the region's totals and the flows.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

import pandas as pd

from workforce_sim.errors import InputError
from workforce_sim.experiments.cache import CacheOption
from workforce_sim.experiments.cache import resolve as resolve_cache
from workforce_sim.experiments.regions import RegionResults
from workforce_sim.files import safe_name
from workforce_sim.scenario.schema.region import Region
from workforce_sim.workflows.common import check_grid_size, check_out_folder, check_replications, replications_or_default, seed_or_default


@dataclass(frozen=True)
class RegionRunSpec:
    region: Region
    region_file: Optional[Path]
    replications: int
    seed: int
    overrides: tuple[str, ...] = ()
    workers: Optional[int] = None
    executor: str = "processes"
    scheduler: Optional[str] = None
    keep_events: bool = False
    out: Optional[Path] = None
    cache: Optional[Path] = None          # the replication cache folder (experiments.cache), None: none

    decompose = None          # not available for a region

    @property
    def total_replications(self) -> int:
        return self.replications

    @property
    def scenario(self) -> Region:
        """The region, where a report reads a run's scenario (its name, what it was made from)."""
        return self.region

    @property
    def scenario_file(self) -> Optional[Path]:
        return self.region_file

    def table_names(self) -> list[str]:
        names = ["region_staffing", "market", "market_flows", "market_totals"]
        names += [f"{safe_name(m.name)}_snapshots" for m in self.region.members]
        return [f"{n}.{ext}" for n in names for ext in ("csv", "parquet")]


@dataclass(frozen=True)
class RegionRunOutcome:
    spec: RegionRunSpec
    results: RegionResults
    staffing: pd.DataFrame                   # each member's and the region's staffing at the end (analysis.region.staffing_at)
    scorecards: dict[str, pd.DataFrame]      # each member's own targets judged
    flows: pd.DataFrame                      # the market's moves a year
    hires: pd.DataFrame                      # who hired whom, a year

    @property
    def failed(self) -> int:
        return len(self.results.failures)


def prepare(region: Union[str, Path, Region], replications: Optional[int] = None, seed: Optional[int] = None, *,
            overrides: Union[list[str], tuple[str, ...]] = (), workers: Optional[int] = None, executor: str = "processes",
            scheduler: Optional[str] = None, keep_events: bool = False, out: Optional[Path] = None, allow_large: bool = False,
            command: str = "run", cache: CacheOption = None, **unsupported) -> RegionRunSpec:
    """Check the options and load the region once."""
    from workforce_sim.scenario.regions import load_region

    for key, value in unsupported.items():
        if value not in (None, False, "for spend targets", "when named"):
            raise InputError("is not available for a region yet", option=key)
    if scheduler is not None and executor != "dask":
        raise InputError("only with --executor dask", file="--scheduler")
    replications = replications_or_default(replications, command)
    check_replications(replications, allow_large)
    region_file = None if isinstance(region, Region) else Path(region)
    reg = region if isinstance(region, Region) else load_region(region, list(overrides))
    spec = RegionRunSpec(reg, region_file, replications, seed_or_default(seed), tuple(overrides), workers, executor, scheduler,
                         keep_events, out, resolve_cache(cache))
    if out is not None:
        check_out_folder(out, spec.table_names())
    return spec


def execute(spec: RegionRunSpec, progress: Optional[Callable[[int], None]] = None) -> RegionRunOutcome:
    from workforce_sim.analysis.region import flows_per_year, hires_matrix, staffing_at
    from workforce_sim.analysis.targets import scorecard
    from workforce_sim.experiments.regions import run_region_replications

    res = run_region_replications(spec.region, spec.replications, spec.seed, spec.workers, keep_events=spec.keep_events,
                                  progress=progress, executor=spec.executor, scheduler=spec.scheduler,
                                  cache=False if spec.cache is None else spec.cache)
    days = float((spec.region.end_date - spec.region.start_date).days)
    cards = {name: scorecard(r) for name, r in res.members.items()}
    return RegionRunOutcome(spec, res, staffing_at(res.members), cards, flows_per_year(res.market_flows, res.replications, days),
                            hires_matrix(res.market_flows, res.replications, days))


def tables(outcome: RegionRunOutcome) -> dict[str, pd.DataFrame]:
    """The tables ``--out`` writes."""
    res = outcome.results
    out = {"region_staffing": outcome.staffing}
    for name in ("market", "market_flows", "market_totals"):
        t = getattr(res, name)
        if t is not None:
            out[name] = t
    for name, r in res.members.items():
        out[f"{safe_name(name)}_snapshots"] = r.snapshots
    return out


# ---- wfsim compare REGION REGION ...: the same members on the same seeds, paired per replication -------------

def _is_region(given) -> bool:
    from workforce_sim.scenario.regions import is_region

    return isinstance(given, Region) or (isinstance(given, (str, Path)) and is_region(given))


def _label(given) -> str:
    return given.name if hasattr(given, "name") and not isinstance(given, (str, Path)) else str(given)


def any_region(items) -> bool:
    """Whether any of ``items`` (files, Scenarios or Regions) is a region."""
    from workforce_sim.scenario.regions import is_region

    return any(isinstance(x, Region) or (isinstance(x, (str, Path)) and Path(x).is_file() and is_region(x)) for x in items)


@dataclass(frozen=True)
class RegionCompareSpec:
    regions: tuple[Region, ...]
    region_files: tuple[Optional[Path], ...]
    labels: tuple[str, ...]
    replications: int
    seed: int
    overrides: tuple[str, ...] = ()
    workers: Optional[int] = None
    out: Optional[Path] = None                   # outputs folder (a run folder under <out>/comparisons/)
    run_id: str = ""
    cache: Optional[Path] = None                 # the replication cache folder (experiments.cache), None: none

    precision = None                              # --replications auto: not for a region

    @property
    def scenarios(self) -> tuple[Region, ...]:
        return self.regions

    @property
    def scenario_files(self) -> tuple[Optional[Path], ...]:
        return self.region_files

    @property
    def total_replications(self) -> int:
        return self.replications * len(self.regions)


@dataclass(frozen=True)
class RegionCompareOutcome:
    spec: RegionCompareSpec
    results: tuple[RegionResults, ...]
    table: pd.DataFrame              # analysis.region.compare_runs: per region file, member (and the region), measure
    per_replication: pd.DataFrame
    started: str
    finished: str

    precision = None


def compare_prepare(regions: list, replications, seed: Optional[int], *, overrides=(), workers: Optional[int] = None,
                    out: Optional[Path] = None, allow_large: bool = False, precision: Optional[float] = None,
                    cache: CacheOption = None, **_ignored) -> RegionCompareSpec:
    """Check the options and load every region once: all regions (no council's scenario among them), the
    same members in the same order, on the same dates; else refused naming the file."""
    from workforce_sim.analysis.compare import labels_for
    from workforce_sim.files import new_run_id
    from workforce_sim.scenario.regions import load_region

    if isinstance(replications, str) or precision is not None:
        raise InputError("a region runs a given number of replications", file="--replications", key="auto")
    if len(regions) < 2:
        raise InputError("give at least two regions to compare", file="command line", key="SCENARIO")
    kinds = [_is_region(r) for r in regions]
    one = next(i for i, k in enumerate(kinds) if k)
    for given, kind in zip(regions, kinds):
        if not kind:
            raise InputError(f"is a council's scenario but {_label(regions[one])} is a region: compare regions with regions, "
                             "scenarios with scenarios", file=_label(given))
    first_name = _label(regions[0])
    replications = replications_or_default(replications, "compare")
    check_replications(replications, allow_large)
    loaded = tuple(r if isinstance(r, Region) else load_region(r, list(overrides)) for r in regions)
    first = loaded[0]
    names = [m.name for m in first.members]
    for given, reg in zip(regions[1:], loaded[1:]):
        where = _label(given)
        theirs = [m.name for m in reg.members]
        if theirs != names:
            raise InputError(f"members {', '.join(theirs)} but {first_name} has {', '.join(names)}: paired differences need the same "
                             "members in the same order", file=where, key="members")
        if (reg.start_date, reg.end_date) != (first.start_date, first.end_date):
            raise InputError(f"runs {reg.start_date} to {reg.end_date} but {first_name} runs {first.start_date} to {first.end_date}: "
                             "paired differences need regions on the same dates", file=where,
                             key="start_date" if reg.start_date != first.start_date else "end_date")
    return RegionCompareSpec(loaded, tuple(None if isinstance(r, Region) else Path(r) for r in regions), tuple(labels_for(list(loaded))),
                             replications, seed_or_default(seed), tuple(overrides), workers, out, new_run_id(), resolve_cache(cache))


def compare_execute(spec: RegionCompareSpec, progress: Optional[Callable[[int], None]] = None) -> RegionCompareOutcome:
    """Run every region with the same seed and replications; each member's and the region's measures against the first."""
    from workforce_sim.analysis.region import compare_runs
    from workforce_sim.experiments.regions import run_region_replications
    from workforce_sim.files import now_iso

    started = now_iso()
    cache = False if spec.cache is None else spec.cache
    results = tuple(run_region_replications(reg, spec.replications, spec.seed, spec.workers, progress=progress, cache=cache)
                    for reg in spec.regions)
    table, per_rep = compare_runs(list(spec.labels), [r.members for r in results])
    return RegionCompareOutcome(spec, results, table, per_rep, started, now_iso())


# ---- wfsim sweep REGION --grid KEY=V1,V2,...: every point on the same seeds --------------------------------

SWEEP_TABLES = ("points", "replications", "about")
SWEEP_FILES = ("sweep.html",)


def sweep_out_names() -> list[str]:
    return [*(f"{t}.{ext}" for t in SWEEP_TABLES for ext in ("csv", "parquet")), *SWEEP_FILES]


@dataclass(frozen=True)
class RegionSweepSpec:
    region: Region                       # the region with the overrides, no grid value
    region_file: Path
    axes: tuple
    points: tuple                        # experiments.sweep.Point, each holding its Region
    replications: int                    # per point
    seed: int
    overrides: tuple[str, ...] = ()
    workers: Optional[int] = None
    out: Optional[Path] = None
    cache: Optional[Path] = None         # the replication cache folder (experiments.cache), None: none

    @property
    def scenario(self) -> Region:
        return self.region

    @property
    def total_replications(self) -> int:
        return self.replications * len(self.points)


@dataclass(frozen=True)
class RegionSweepOutcome:
    spec: RegionSweepSpec
    results: tuple[RegionResults, ...]
    tables: dict[str, pd.DataFrame]


def sweep_prepare(region_file: Union[str, Path], grid, replications: Optional[int] = None, seed: Optional[int] = None, *,
                  overrides=(), workers: Optional[int] = None, common_random_numbers: bool = True, out: Optional[Path] = None,
                  allow_large: bool = False, cache: CacheOption = None, **_ignored) -> RegionSweepSpec:
    """Parse the grid, load the region (with the overrides) and then every grid point, check the ceilings and the
    out folder, before anything runs. Every point runs the same seeds (no --independent-seeds for a region)."""
    from workforce_sim.experiments.sweep import Axis, parse_grid, region_grid_points
    from workforce_sim.files import new_run_id
    from workforce_sim.scenario.regions import load_region

    if not common_random_numbers:
        raise InputError("is not available for a region yet (every point runs the same seeds)", file="--independent-seeds")
    axes = grid if grid and isinstance(grid[0], Axis) else parse_grid(list(grid))
    reg = load_region(region_file, list(overrides))
    out = out or Path("outputs") / safe_name(reg.name) / f"{new_run_id()}-sweep"
    check_grid_size(axes, allow_large)
    replications = replications_or_default(replications, "sweep")
    check_replications(replications, allow_large)
    check_out_folder(out, sweep_out_names())
    points = region_grid_points(region_file, list(axes), list(overrides))
    return RegionSweepSpec(reg, Path(region_file), tuple(axes), tuple(points), replications, seed_or_default(seed), tuple(overrides),
                           workers, out, resolve_cache(cache))


def sweep_execute(spec: RegionSweepSpec, progress: Optional[Callable[[int], None]] = None) -> RegionSweepOutcome:
    """Run every point on the sweep's seed; each member's and the region's measures against point 0."""
    from workforce_sim.analysis.region import sweep_tables
    from workforce_sim.experiments.regions import run_region_replications

    cache = False if spec.cache is None else spec.cache
    results = tuple(run_region_replications(p.scenario, spec.replications, spec.seed, spec.workers, progress=progress, cache=cache)
                    for p in spec.points)
    reg = spec.region
    about = {
        "region": reg.name, "members": ", ".join(m.name for m in reg.members),
        "grid": "; ".join(f"{a.key} = {', '.join(a.texts)}" for a in spec.axes),
        "replications per point": spec.replications, "seed": spec.seed,
        "common random numbers": "yes: every point runs the same seeds",
        "measures": f"at the last month start before {reg.end_date.isoformat()}: permanent share = permanent FTE / (permanent + agency FTE); "
                    "agency share = agency FTE / (permanent + agency FTE); the region: the members' FTE summed per replication",
        "change vs first point": "paired per replication against point 0 (diff_median, 90% interval diff_low to diff_high, diff_mean; "
                                 "p_above: share of replications above 0)",
    }
    def cell(axis, value):   # a grid value as a table cell: numbers when every value of the axis is one, else the text given
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in axis.values)
        return value if numbers else axis.texts[axis.values.index(value)]

    cells = [{a.key: cell(a, p.settings[a.key]) for a in spec.axes} for p in spec.points]
    tables = sweep_tables([p.label for p in spec.points], cells, [r.members for r in results], about)
    return RegionSweepOutcome(spec, results, tables)
