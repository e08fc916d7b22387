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
from workforce_sim.workflows.common import check_out_folder, check_replications, replications_or_default, seed_or_default


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
