"""Replications: one SeedSequence per replication, run by an executor.

Seeds cross process boundaries, never generators: a replication is fully
determined by (scenario, seed, replication index), so results are identical
whatever the executor (serial, local processes, Dask) or the number of
workers. A replication that raises is recorded with its seed and index; the
run then fails, or with ``continue_on_error`` keeps the others' results and
lists the failures.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional, Union

import pandas as pd

from .finance import workforce_costs
from .errors import RunError
from .executors import EXECUTORS, check_executor, default_workers, map_tasks
from .model import ReplicationResult, WorkforceModel
from .scenario import Scenario
from .streams import Streams
from .uncertainty import sample_parameters

__all__ = [
    "EXECUTORS", "ReplicationFailure", "ReplicationsFailed", "Results", "combine", "default_workers",
    "run_batch", "run_replications", "single_run",
]

# snapshot columns repeated on every row of a replication: stored as categoricals
_CATEGORICAL_SNAPSHOT_COLUMNS = ("team", "team_type", "group")


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
    return compact(result)


def compact(result: ReplicationResult) -> ReplicationResult:
    """Store the snapshot's repeated team labels as categoricals (about half the memory)."""
    snap = result.snapshots
    cols = [c for c in _CATEGORICAL_SNAPSHOT_COLUMNS if c in snap.columns and not isinstance(snap[c].dtype, pd.CategoricalDtype)]
    if cols:
        result.snapshots = snap.astype({c: "category" for c in cols})
    return result


@dataclass(frozen=True)
class ReplicationFailure:
    """A replication that raised: enough to rerun it alone."""

    replication: int
    seed: int
    error: str
    where: str = ""
    traceback: str = ""

    def describe(self) -> str:
        at = f" at {self.where}" if self.where else ""
        return f"replication {self.replication} (seed {self.seed}) failed: {self.error}{at}"


class ReplicationsFailed(RunError):
    """One or more replications raised (exit code 1)."""

    def __init__(self, failures: list[ReplicationFailure], total: int):
        self.failures = sorted(failures, key=lambda f: f.replication)
        first = self.failures[0].describe()
        more = f" (and {len(self.failures) - 1} more of {total})" if len(self.failures) > 1 else ""
        super().__init__(first + more)


def _failure(exc: BaseException, seed: int, replication: int) -> ReplicationFailure:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno} in {frames[-1].name}" if frames else ""
    text = " ".join(str(exc).split())
    return ReplicationFailure(
        replication=replication, seed=seed, error=f"{type(exc).__name__}: {text}" if text else type(exc).__name__,
        where=where, traceback="".join(traceback.format_exception(exc)),
    )


def run_batch(scenario: Scenario, seed: int, replications: list[int], keep_events: bool = False
              ) -> list[Union[ReplicationResult, ReplicationFailure]]:
    """Run several replications; one that raises becomes a ``ReplicationFailure``."""
    out: list[Union[ReplicationResult, ReplicationFailure]] = []
    for r in replications:
        try:
            out.append(single_run(scenario, seed, r, keep_events))
        except Exception as exc:  # recorded with its seed and index, never lost
            out.append(_failure(exc, seed, r))
    return out


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
    failures: list[ReplicationFailure] = field(default_factory=list)


def _batches(n: int, workers: int, executor: str) -> list[list[int]]:
    """Replication indices per task: one each when serial; else about 16 tasks per worker, of 1 to 10.

    Small tasks keep the workers evenly busy to the end (the last task is short);
    batching amortises the cost of a task (sending it, returning its tables).
    """
    size = 1 if executor == "serial" or workers == 1 else max(1, min(10, n // (workers * 16)))
    return [list(range(i, min(n, i + size))) for i in range(0, n, size)]


def run_replications(
    scenario: Scenario,
    replications: int = 20,
    seed: int = 2014,
    workers: int | None = 1,
    keep_events: bool = False,
    progress: Optional[Callable[[int], None]] = None,
    executor: str = "processes",
    scheduler: Optional[str] = None,
    continue_on_error: bool = False,
) -> Results:
    """Run ``replications`` replications with seeds (seed, 0..n-1).

    ``executor`` is ``processes`` (a local pool of ``workers`` processes; one
    worker runs in this process), ``serial`` or ``dask`` (``scheduler`` is a
    Dask scheduler address; none starts a LocalCluster of ``workers``).
    A replication that raises stops the run with ``ReplicationsFailed``; with
    ``continue_on_error`` the others' results are kept and the failures listed
    in ``Results.failures`` (the run still fails if every replication failed).
    """
    if replications < 1:
        raise ValueError("replications must be >= 1")
    check_executor(executor)
    workers = default_workers() if workers is None or workers < 1 else workers
    tasks = [(seed, batch, keep_events) for batch in _batches(replications, workers, executor)]
    results: list[ReplicationResult] = []
    failures: list[ReplicationFailure] = []
    outcomes = map_tasks(run_batch, scenario, tasks, executor=executor, workers=workers, scheduler=scheduler)
    try:
        for batch in outcomes:
            for item in batch:
                if isinstance(item, ReplicationFailure):
                    failures.append(item)
                    if not continue_on_error:
                        raise ReplicationsFailed(failures, replications)
                else:
                    results.append(item)
            if progress:
                progress(len(batch))
    finally:
        close = getattr(outcomes, "close", None)
        if close is not None:
            close()
    if not results:
        raise ReplicationsFailed(failures, replications)
    out = combine(scenario, seed, results)
    out.failures = sorted(failures, key=lambda f: f.replication)
    return out


def combine(scenario: Scenario, seed: int, results: Iterable[ReplicationResult]) -> Results:
    """Stack replications' records, in replication order."""
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
