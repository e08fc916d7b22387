"""Replications: one SeedSequence per replication, run by an executor.

Seeds cross process boundaries, never generators: a replication is fully
determined by (scenario, seed, replication index), so results are identical
whatever the executor (serial, local processes, Dask) or the number of
workers. A replication that raises is recorded with its seed and index; the
run then fails, or with ``continue_on_error`` keeps the others' results and
lists the failures.

Parameter draws and run-to-run noise can be told apart with a nested design
(``per_draw``): replication ``r`` then draws its uncertain parameters as
replication ``r // per_draw`` would (the streams ``param:<path>`` of that
index) and its noise from its own index ``r``, so the ``per_draw``
replications of a group share one parameter draw and differ only by chance.
Without ``per_draw`` the two indices are the same, as they always were.
"""
from __future__ import annotations

import gc
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pandas as pd

from workforce_sim.errors import RunError
from workforce_sim.experiments import cache as replication_cache
from workforce_sim.experiments.executors import EXECUTORS, check_executor, default_workers, map_tasks
from workforce_sim.finance.costs import workforce_costs
from workforce_sim.model.frames import narrow
from workforce_sim.model.records import INDICATOR_MONTHS
from workforce_sim.model.workforce import ReplicationResult, WorkforceModel
from workforce_sim.scenario.schema import Scenario
from workforce_sim.scenario.uncertain import sample_parameters
from workforce_sim.streams import Streams

__all__ = [
    "EXECUTORS", "Batch", "ReplicationFailure", "ReplicationsFailed", "Results", "combine", "combine_batches", "default_workers", "merge",
    "cached_run", "run_batch", "run_batches", "run_replications", "single_run", "stack",
]

# snapshot columns repeated on every row of a replication: stored as categoricals
_CATEGORICAL_SNAPSHOT_COLUMNS = ("team", "team_type", "group")


def single_run(scenario: Scenario, seed: int, replication: int = 0, keep_events: bool = False,
               parameter_draw: Optional[int] = None, costs: bool = True,
               indicators_only: bool = False) -> ReplicationResult:
    """Run one replication: draw uncertain parameters, build the model, run it, tabulate it.

    Python's cyclic garbage collector is paused for the replication (a run
    allocates tens of thousands of objects that live to its end, which it
    would traverse again and again), then run once on the youngest
    generation, where all of them still are: the finished model, its cycles
    included, is freed at once instead of being promoted to older
    generations and held there, which grew a worker by about 150 MB.

    ``parameter_draw`` (default: ``replication``) is the index whose streams
    draw the uncertain parameters; the noise always comes from ``replication``.
    ``costs=False`` leaves out the finance tables (calibration and the
    backtest read staffing only). ``indicators_only`` keeps only the tables the DfE indicators read
    (``WorkforceModel.indicator_tables``: FTE by month and role, permanent flows; no costs), which is what
    the calibration's and the backtest's replications need.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _single_run(scenario, seed, replication, keep_events, replication if parameter_draw is None else parameter_draw, costs,
                           indicators_only)
    finally:
        if collecting:
            gc.enable()
            gc.collect(0)


def _single_run(scenario: Scenario, seed: int, replication: int, keep_events: bool, parameter_draw: int,
                costs: bool = True, indicators_only: bool = False) -> ReplicationResult:
    streams = Streams(seed, replication)
    drawing = streams if parameter_draw == replication else Streams(seed, parameter_draw)
    # a group's particle (e.g. a calibration's posterior) stratified across the replications, as council shocks are
    resolved, drawn = sample_parameters(scenario, lambda path: drawing["param:" + path],
                                        lambda group: drawing.stratified("param:group:" + group, 0))
    model = WorkforceModel(resolved, streams, keep_events=keep_events,
                           snapshot_months=INDICATOR_MONTHS if indicators_only else None).run()
    if indicators_only:
        result = model.indicator_tables(replication, seed, drawn)
        model.release()
        return result
    result = model.tables(replication, seed, drawn)
    if costs:
        add_costs(result, resolved, streams)
    model.release()
    return finish(result)


def add_costs(result: ReplicationResult, resolved: Scenario, streams) -> None:
    """The replication's costs by month and component, and pay levels, from its spells."""
    fin = workforce_costs(resolved, result.spells, streams)
    fin.costs.insert(0, "replication", result.replication)
    fin.levels.insert(0, "replication", result.replication)
    result.costs, result.levels = fin.costs, fin.levels


def finish(result: ReplicationResult) -> ReplicationResult:
    """Narrow the tables' types and store repeated labels as categoricals."""
    for name in ("flows", "costs", "levels", "case_monthly", "events", "workers", "cases"):
        table = getattr(result, name)
        if table is not None:
            narrow(table)
    return compact(result)


def result_bytes(scenario: Scenario, seed: int, keep_events: bool = False) -> int:
    """Memory the tables of one replication hold (replication 0, measured by running it):
    the basis of the estimate a large run is checked against before it starts."""
    result = single_run(scenario, seed, 0, keep_events)
    tables = [getattr(result, name, None) for name in STACKED_TABLES]
    return int(sum(t.memory_usage(deep=True).sum() for t in tables if isinstance(t, pd.DataFrame)))


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


# the tables of a replication that are stacked across replications, in ``Results`` order
STACKED_TABLES = ("snapshots", "flows", "events", "workers", "costs", "levels", "case_monthly", "case_snapshots", "cases", "hazards")


@dataclass
class Batch:
    """What a task returns: its replications' tables already stacked, and its failures.

    Stacking in the worker means the collecting process receives a few large
    tables per task instead of several small ones per replication: less to
    unpickle and concatenate, and less memory held in many small pieces.
    """

    replications: list[int]                 # the replications that ran, ascending
    tables: dict[str, pd.DataFrame]         # name -> stacked table (tables a replication lacks are left out)
    parameters: list[dict]                  # drawn parameters, one dict per replication (with "replication")
    failures: list[ReplicationFailure] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.replications) + len(self.failures)


def stack(results: Iterable[ReplicationResult], failures: Iterable[ReplicationFailure] = ()) -> Batch:
    """Stack replications' tables in replication order."""
    results = sorted(results, key=lambda r: r.replication)
    tables = {}
    for name in STACKED_TABLES:
        parts = [getattr(r, name) for r in results if getattr(r, name) is not None]
        if parts:
            tables[name] = _concat(parts)
    return Batch(
        replications=[r.replication for r in results],
        tables=tables,
        parameters=[{"replication": r.replication, **r.parameters} for r in results],
        failures=list(failures),
    )


def run_batch(scenario: Scenario, seed: int, replications: list[int], keep_events: bool = False,
              per_draw: Optional[int] = None, cache: Optional[Path] = None) -> Batch:
    """Run several replications and stack their tables; one that raises becomes a ``ReplicationFailure``.
    With ``per_draw``, replication ``r`` uses the parameter draw ``r // per_draw``. With a ``cache``
    folder, a replication stored there is read instead of simulated, and one simulated is stored."""
    results: list[ReplicationResult] = []
    failures: list[ReplicationFailure] = []
    for r in replications:
        try:
            results.append(cached_run(scenario, seed, r, keep_events, None if per_draw is None else r // per_draw, cache=cache))
        except Exception as exc:  # recorded with its seed and index, never lost
            failures.append(_failure(exc, seed, r))
    return stack(results, failures)


def cached_run(scenario: Scenario, seed: int, replication: int = 0, keep_events: bool = False,
               parameter_draw: Optional[int] = None, costs: bool = True, cache: Optional[Path] = None) -> ReplicationResult:
    """``single_run``, read from the replication cache folder ``cache`` when stored there (else run and stored)."""
    if cache is None:
        return _run(scenario, seed, replication, keep_events, parameter_draw, costs)
    k = replication_cache.key(scenario, seed, replication, keep_events, parameter_draw, costs)
    result = replication_cache.load(cache, k)
    if result is None:
        result = _run(scenario, seed, replication, keep_events, parameter_draw, costs)
        replication_cache.store(cache, k, result)
    return result


def _run(scenario: Scenario, seed: int, replication: int, keep_events: bool, parameter_draw: Optional[int],
         costs: bool) -> ReplicationResult:
    """``single_run`` called as it always was (only the arguments that differ from the defaults by name)."""
    extra = {} if parameter_draw is None else {"parameter_draw": parameter_draw}
    if not costs:
        extra["costs"] = False
    return single_run(scenario, seed, replication, keep_events, **extra)


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
    costs: Optional[pd.DataFrame] = None    # by replication, month and component (finance.COMPONENTS), GBP
    levels: Optional[pd.DataFrame] = None   # permanent FTE by replication, month, role and pay level
    case_monthly: Optional[pd.DataFrame] = None      # with demand: service-wide monthly case stocks and flows
    case_snapshots: Optional[pd.DataFrame] = None    # with demand: monthly caseloads per team and role
    cases: Optional[pd.DataFrame] = None             # with demand and keep_events: one row per child
    hazards: Optional[pd.DataFrame] = None           # the leavers the permanent staff's hazard leads one to expect, by month
    failures: list[ReplicationFailure] = field(default_factory=list)
    per_draw: Optional[int] = None    # nested design: replications per parameter draw (replication r has draw r // per_draw)


def _batches(n: int, workers: int, executor: str, indices: Optional[list[int]] = None) -> list[list[int]]:
    """Replication indices per task: one each when serial; else about 16 tasks per worker, of 1 to 10.

    Small tasks keep the workers evenly busy to the end (the last task is short);
    batching amortises the cost of a task (sending it, returning its tables).
    """
    size = 1 if executor == "serial" or workers == 1 else max(1, min(10, n // (workers * 16)))
    indices = list(range(n)) if indices is None else indices
    return [indices[i:i + size] for i in range(0, n, size)]


def run_batches(task: Callable[..., Any], subject: Any, seed: int, todo: list[int], options: tuple, folder: Optional[Path],
                stored: Callable[[int], Any], one: Callable[[int, Any], Any], *, workers: int, executor: str,
                scheduler: Optional[str], progress: Optional[Callable[[int], None]],
                continue_on_error: bool = False) -> tuple[list[Any], list[ReplicationFailure]]:
    """The batch loop of every run of replications (one council's here, a region's in ``experiments.regions``).

    With a cache ``folder``, the replications it holds (``stored(r)``: the stored outcome, or None) are read in
    this process (reading is much quicker than sending) and made a batch each (``one(r, outcome)``). The others
    run as tasks ``task(subject, seed, indices, *options, folder)`` (``_batches``) by the executor, each returning
    a batch (``replications``, ``failures``, ``size``). A failure stops the run (``ReplicationsFailed``) unless
    ``continue_on_error``; then the cache is trimmed to its bound. Returns the batches in order of their first
    replication, and the failures."""
    batches: list[Any] = []
    failures: list[ReplicationFailure] = []
    total = len(todo)
    if folder is not None:
        hits = [(r, found) for r in todo if (found := stored(r)) is not None]
        if hits:
            batches.extend(one(r, found) for r, found in hits)
            if progress:
                progress(len(hits))
            done = {r for r, _ in hits}
            todo = [r for r in todo if r not in done]
    tasks = [(seed, batch, *options, folder) for batch in _batches(len(todo), workers, executor, todo)]
    outcomes = map_tasks(task, subject, tasks, executor=executor, workers=workers, scheduler=scheduler)
    try:
        for batch in outcomes:
            if batch.failures:
                failures.extend(batch.failures)
                if not continue_on_error:
                    raise ReplicationsFailed(failures, total)
            if batch.replications:
                batches.append(batch)
            if progress:
                progress(batch.size)
    finally:
        close = getattr(outcomes, "close", None)
        if close is not None:
            close()
        if folder is not None and todo:
            replication_cache.evict(folder)
    batches.sort(key=lambda b: b.replications[0])
    return batches, failures


def run_replications(
    scenario: Scenario,
    replications: Optional[int] = None,
    seed: Optional[int] = None,
    workers: int | None = 1,
    keep_events: bool = False,
    progress: Optional[Callable[[int], None]] = None,
    executor: str = "processes",
    scheduler: Optional[str] = None,
    continue_on_error: bool = False,
    per_draw: Optional[int] = None,
    cache: replication_cache.CacheOption = None,
    start: int = 0,
) -> Results:
    """Run ``replications`` replications with seeds (seed, 0..n-1); without them,
    ``DEFAULTS.replications["library"]`` and ``DEFAULTS.seed``.

    ``executor`` is ``processes`` (a local pool of ``workers`` processes; one
    worker runs in this process), ``serial`` or ``dask`` (``scheduler`` is a
    Dask scheduler address; none starts a LocalCluster of ``workers``).
    A replication that raises stops the run with ``ReplicationsFailed``; with
    ``continue_on_error`` the others' results are kept and the failures listed
    in ``Results.failures`` (the run still fails if every replication failed).
    ``per_draw`` (a nested design): each run of ``per_draw`` consecutive
    replications shares one parameter draw (replication r has draw r // per_draw);
    the parameters table then has a ``parameter_draw`` column.
    ``cache`` (``experiments.cache.resolve``: default ``WFSIM_CACHE`` or ``outputs/.cache``;
    False for none): replications stored there are read, not simulated; the others are
    simulated by the workers and stored; then the cache is trimmed to its bound.
    ``start``: run replications start..start+replications-1 (more of a run: ``merge`` joins them).
    """
    from workforce_sim.defaults import DEFAULTS

    replications = DEFAULTS.replications_for("library") if replications is None else replications
    seed = DEFAULTS.seed if seed is None else seed
    if replications < 1:
        raise ValueError("replications must be >= 1")
    if per_draw is not None and per_draw < 1:
        raise ValueError("per_draw must be >= 1")
    check_executor(executor)
    workers = default_workers() if workers is None or workers < 1 else workers
    folder = replication_cache.resolve(cache)

    def stored(r: int) -> Optional[ReplicationResult]:
        return replication_cache.load(folder, replication_cache.key(scenario, seed, r, keep_events, None if per_draw is None else r // per_draw))

    batches, failures = run_batches(run_batch, scenario, seed, list(range(start, start + replications)), (keep_events, per_draw),
                                    folder, stored, lambda r, result: stack([result]), workers=workers, executor=executor,
                                    scheduler=scheduler, progress=progress, continue_on_error=continue_on_error)
    if not batches:
        raise ReplicationsFailed(failures, replications)
    out = combine_batches(scenario, seed, batches)
    out.failures = sorted(failures, key=lambda f: f.replication)
    if per_draw is not None:
        out.per_draw = per_draw
        out.parameters.insert(1, "parameter_draw", out.parameters["replication"] // per_draw)
    return out


def merge(a: Results, b: Results) -> Results:
    """Two runs of one scenario and seed on different replications, as one (in replication order)."""
    if a.seed != b.seed or a.per_draw != b.per_draw:
        raise ValueError("merge joins replications of one run: same seed and design")
    first, second = (a, b) if a.parameters["replication"].min() <= b.parameters["replication"].min() else (b, a)
    tables = {name: _concat([t for t in (getattr(first, name), getattr(second, name)) if t is not None])
              for name in STACKED_TABLES}
    return Results(scenario=a.scenario, seed=a.seed, replications=a.replications + b.replications,
                   parameters=pd.concat([first.parameters, second.parameters], ignore_index=True),
                   failures=sorted([*a.failures, *b.failures], key=lambda f: f.replication), per_draw=a.per_draw, **tables)


def combine(scenario: Scenario, seed: int, results: Iterable[ReplicationResult]) -> Results:
    """Stack replications' records, in replication order."""
    return combine_batches(scenario, seed, [stack(results)])


def combine_batches(scenario: Scenario, seed: int, batches: list[Batch]) -> Results:
    """Stack batches' tables, in replication order.

    Each table is concatenated in turn and the batches' parts of it released
    at once, so the peak is about the stacked tables plus the largest one's
    parts, not twice everything.
    """
    batches = sorted((b for b in batches if b.replications), key=lambda b: b.replications[0])
    stacked: dict[str, Optional[pd.DataFrame]] = {}
    for name in STACKED_TABLES:
        parts = [b.tables.pop(name) for b in batches if name in b.tables]
        stacked[name] = _concat(parts)
        del parts
    return Results(
        scenario=scenario,
        seed=seed,
        replications=sum(len(b.replications) for b in batches),
        parameters=pd.DataFrame([p for b in batches for p in b.parameters]),
        **stacked,
    )


def _concat(frames: list[pd.DataFrame]) -> Optional[pd.DataFrame]:
    if not frames:
        return None
    if len(frames) == 1:  # as concat would give, without the copy
        f = frames[0]
        plain = isinstance(f.index, pd.RangeIndex) and f.index.start == 0 and f.index.step == 1
        return f if plain else f.reset_index(drop=True)
    return pd.concat(frames, ignore_index=True)
