"""Replications of a region: every member and the market on one clock per replication, run by an executor.

As for one council (``replications``), a replication is fully determined by
(region, seed, replication index): the members' streams are the region's,
prefixed by each member's name except the first's (``streams.member_streams``),
and the market draws from its own ``market:*`` streams, so results do not
depend on the executor or the number of workers.
"""
from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pandas as pd

from workforce_sim.experiments import cache as replication_cache
from workforce_sim.experiments.executors import check_executor, default_workers
from workforce_sim.experiments.replications import (
    Batch,
    ReplicationFailure,
    Results,
    _concat,
    _failure,
    add_costs,
    combine_batches,
    finish,
    run_batches,
    stack,
)
from workforce_sim.model.region import RegionModel
from workforce_sim.scenario.regions import apply_responses
from workforce_sim.scenario.schema.region import Region
from workforce_sim.scenario.uncertain import sample_parameters
from workforce_sim.streams import Streams, member_streams

MARKET_TABLES = ("market", "market_flows", "market_totals", "market_parameters")


def single_region_run(region: Region, seed: int, replication: int = 0, keep_events: bool = False, costs: bool = True):
    """One replication of a region: (each member's ``ReplicationResult``, the market's tables)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        streams = Streams(seed, replication)
        per_member = member_streams(streams, [m.name for m in region.members])
        members, drawn = [], []
        for m, s in zip(region.members, per_member):
            sc = m.scenario if region.cases else m.scenario.model_copy(update={"demand": None, "caseload": None})
            resolved, d = sample_parameters(sc, lambda path, s=s: s["param:" + path])
            members.append(m.model_copy(update={"scenario": resolved}))
            drawn.append(d)
        market, market_drawn = sample_parameters(region.market, lambda path: streams["param:market." + path])
        policies, policy_drawn = sample_parameters(region.policies, lambda path: streams["param:policies." + path])
        resolved_region = apply_responses(region.model_copy(update={"members": members, "market": market, "policies": policies}))
        members = resolved_region.members
        model = RegionModel(resolved_region, streams, per_member, keep_events).run()
        results, market_tables = model.tables(replication, seed, drawn)
        if costs:
            for result, m, s in zip(results, members, per_member):
                add_costs(result, m.scenario, s)
        model.release()
        if market_tables:
            market_tables["market_parameters"] = pd.DataFrame(
                [{"replication": replication, **{f"market.{k}": v for k, v in market_drawn.items()},
                  **{f"policies.{k}": v for k, v in policy_drawn.items()}}])
        return [finish(r) for r in results], market_tables
    finally:
        if collecting:
            gc.enable()
            gc.collect(0)


@dataclass
class RegionBatch:
    """What a task returns: each member's stacked tables, the market's, and the failures."""

    members: list[Batch]
    market: dict[str, pd.DataFrame]
    replications: list[int]
    failures: list[ReplicationFailure] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.replications) + len(self.failures)


def cached_region_run(region: Region, seed: int, replication: int, keep_events: bool = False, cache: Optional[Path] = None):
    """``single_region_run``, read from the replication cache folder ``cache`` when stored there (else run and stored).

    The key is the cache's (``experiments.cache.key``) with the whole region in place of a scenario:
    every member's scenario, the market, the policies and the responses, so any change of them misses."""
    if cache is None:
        return single_region_run(region, seed, replication, keep_events)
    k = replication_cache.key(region, seed, replication, keep_events)
    found = replication_cache.load(cache, k)
    if found is None:
        found = single_region_run(region, seed, replication, keep_events)
        replication_cache.store(cache, k, found)
    return found


def _batch(done: list[tuple[int, tuple]], failures: list[ReplicationFailure], members: int) -> RegionBatch:
    """Stack each member's replications and the market's tables (``done``: (replication, (results, tables)))."""
    per_member: list[list] = [[] for _ in range(members)]
    market: dict[str, list[pd.DataFrame]] = {}
    for _, (results, tables) in done:
        for i, res in enumerate(results):
            per_member[i].append(res)
        for name, t in tables.items():
            market.setdefault(name, []).append(t)
    return RegionBatch([stack(rs) for rs in per_member], {k: _concat(v) for k, v in market.items()}, [r for r, _ in done], failures)


def run_region_batch(region: Region, seed: int, replications: list[int], keep_events: bool = False,
                     cache: Optional[Path] = None) -> RegionBatch:
    done, failures = [], []
    for r in replications:
        try:
            done.append((r, cached_region_run(region, seed, r, keep_events, cache)))
        except Exception as exc:  # recorded with its seed and index, never lost
            failures.append(_failure(exc, seed, r))
    return _batch(done, failures, len(region.members))


@dataclass
class RegionResults:
    """All replications of a region: each member's ``Results`` (in member order) and the market's tables."""

    region: Region
    seed: int
    replications: int
    members: dict[str, Results]
    market: Optional[pd.DataFrame] = None           # pool sizes at each month start
    market_flows: Optional[pd.DataFrame] = None     # who moved where: hires, leavers, agency cover, the rules
    market_totals: Optional[pd.DataFrame] = None    # inflows and outflows by kind, per replication
    market_parameters: Optional[pd.DataFrame] = None
    failures: list[ReplicationFailure] = field(default_factory=list)


def run_region_replications(region: Region, replications: int, seed: int, workers: Optional[int] = 1, keep_events: bool = False,
                            progress: Optional[Callable[[int], None]] = None, executor: str = "processes",
                            scheduler: Optional[str] = None, cache: replication_cache.CacheOption = None) -> RegionResults:
    """Run ``replications`` replications of ``region`` with seeds (seed, 0..n-1).

    ``cache`` as for one council (``replications.run_replications``): replications stored there
    are read in this process, the others simulated by the workers and stored, then the cache is
    trimmed to its bound."""
    if replications < 1:
        raise ValueError("replications must be >= 1")
    check_executor(executor)
    workers = default_workers() if workers is None or workers < 1 else workers
    folder = replication_cache.resolve(cache)
    n = len(region.members)
    batches, _ = run_batches(run_region_batch, region, seed, list(range(replications)), (keep_events,), folder,
                             lambda r: replication_cache.load(folder, replication_cache.key(region, seed, r, keep_events)),
                             lambda r, found: _batch([(r, found)], [], n), workers=workers, executor=executor,
                             scheduler=scheduler, progress=progress)
    members = {m.name: combine_batches(m.scenario, seed, [b.members[i] for b in batches])
               for i, m in enumerate(region.members)}
    market = {name: _concat([b.market[name] for b in batches if name in b.market]) for name in MARKET_TABLES}
    return RegionResults(region, seed, sum(len(b.replications) for b in batches), members, **market)
