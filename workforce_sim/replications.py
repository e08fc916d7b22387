"""Replications: one SeedSequence per replication, run serially or in processes.

Seeds cross process boundaries, never generators: a replication is fully
determined by (scenario, seed, replication index), so results are identical
whatever the executor or the number of workers.
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional

import pandas as pd

from .finance import workforce_costs
from .model import ReplicationResult, WorkforceModel
from .scenario import Scenario
from .streams import Streams
from .uncertainty import sample_parameters


def single_run(scenario: Scenario, seed: int, replication: int = 0, keep_events: bool = False) -> ReplicationResult:
    """Run one replication: draw uncertain parameters, build the model, run it."""
    streams = Streams(seed, replication)
    resolved, drawn = sample_parameters(scenario, lambda path: streams["param:" + path])
    model = WorkforceModel(resolved, streams, keep_events=keep_events).run()
    result = model.tables(replication, seed, drawn)
    fin = workforce_costs(resolved, result.spells, streams)
    fin.costs.insert(0, "replication", replication)
    fin.levels.insert(0, "replication", replication)
    result.costs, result.levels = fin.costs, fin.levels
    return result


@dataclass
class Results:
    """All replications of one scenario, as tidy tables."""

    scenario: Scenario
    seed: int
    replications: int
    snapshots: pd.DataFrame
    flows: pd.DataFrame
    parameters: pd.DataFrame
    events: Optional[pd.DataFrame] = None
    workers: Optional[pd.DataFrame] = None
    extra: dict = field(default_factory=dict)
    costs: Optional[pd.DataFrame] = None    # by replication, month and component (finance.COMPONENTS), GBP
    levels: Optional[pd.DataFrame] = None   # permanent FTE by replication, month, role and pay level
    case_monthly: Optional[pd.DataFrame] = None      # with demand: service-wide monthly case stocks and flows
    case_snapshots: Optional[pd.DataFrame] = None    # with demand: monthly caseloads per team and role
    cases: Optional[pd.DataFrame] = None             # with demand and keep_events: one row per child


def _run_chunk(args: tuple[Scenario, int, list[int], bool]) -> list[ReplicationResult]:
    scenario, seed, reps, keep = args
    return [single_run(scenario, seed, r, keep) for r in reps]


def _chunks(n: int, size: int) -> list[list[int]]:
    return [list(range(i, min(n, i + size))) for i in range(0, n, size)]


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def run_replications(
    scenario: Scenario,
    replications: int = 20,
    seed: int = 2014,
    workers: int | None = 1,
    keep_events: bool = False,
    progress: Optional[Callable[[int], None]] = None,
) -> Results:
    """Run ``replications`` replications with seeds (seed, 0..n-1)."""
    if replications < 1:
        raise ValueError("replications must be >= 1")
    workers = default_workers() if workers is None or workers < 1 else workers
    results: list[ReplicationResult] = []
    if workers == 1 or replications == 1:
        for r in range(replications):
            results.append(single_run(scenario, seed, r, keep_events))
            if progress:
                progress(1)
    else:
        size = max(1, min(25, replications // (workers * 4) or 1))
        jobs = [(scenario, seed, chunk, keep_events) for chunk in _chunks(replications, size)]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for chunk in pool.map(_run_chunk, jobs):
                results.extend(chunk)
                if progress:
                    progress(len(chunk))
    return combine(scenario, seed, results)


def combine(scenario: Scenario, seed: int, results: Iterable[ReplicationResult]) -> Results:
    results = sorted(results, key=lambda r: r.replication)
    params = pd.DataFrame([{"replication": r.replication, **r.parameters} for r in results])
    events = [r.events for r in results if r.events is not None]
    workers = [r.workers for r in results if r.workers is not None]
    case_tables = {}
    for name in ("case_monthly", "case_snapshots", "cases"):
        parts = [getattr(r, name) for r in results if getattr(r, name) is not None]
        case_tables[name] = pd.concat(parts, ignore_index=True) if parts else None
    return Results(
        scenario=scenario,
        seed=seed,
        replications=len(results),
        snapshots=pd.concat([r.snapshots for r in results], ignore_index=True),
        flows=pd.concat([r.flows for r in results], ignore_index=True),
        parameters=params,
        events=pd.concat(events, ignore_index=True) if events else None,
        workers=pd.concat(workers, ignore_index=True) if workers else None,
        costs=_concat([r.costs for r in results]),
        levels=_concat([r.levels for r in results]),
        **case_tables,
    )


def _concat(frames: list[Optional[pd.DataFrame]]) -> Optional[pd.DataFrame]:
    frames = [f for f in frames if f is not None]
    return pd.concat(frames, ignore_index=True) if frames else None
