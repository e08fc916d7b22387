"""``wfsim backtest``: forecasts from past origins with the data of the time, scored against what was
published later.

``prepare`` checks every option once (origins, councils, the run folder) and reads the shipped DfE
table once; ``execute`` runs one task per council and origin (``experiments.backtest``, on any
executor) and scores them (``analysis.backtest``). The run folder and the text are
``reporting.backtest``'s.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

import pandas as pd

from workforce_sim.analysis import recalibration as recal
from workforce_sim.analysis.backtest import (
    before_after,
    forecast_indicators,
    goals,
    published,
    recalibration_fit,
    score_cases,
    scores,
    worst_councils,
)
from workforce_sim.analysis.checks import annual_indicators
from workforce_sim.defaults import CEILINGS, DEFAULTS
from workforce_sim.errors import InputError
from workforce_sim.experiments.backtest import (
    BacktestSpec as TaskSpec,
)
from workforce_sim.experiments.backtest import (
    TaskResult,
    check_origins,
    default_origins,
    run_backtest,
    select_councils,
)
from workforce_sim.experiments.calibrate import GENERATIONS, POPULATION
from workforce_sim.experiments.executors import EXECUTORS
from workforce_sim.files import scratch_folder
from workforce_sim.workflows.common import check_ceiling, check_out_folder, check_replications

HORIZON = 3
# the parameters the backtest calibrates by default: the council shocks' scale (the forecast's spread) only. Chosen on
# forecasts whose outcomes were published by 2019, before the default origins (docs/validation.md): calibrating the
# factors too moved the medians by noise (yearly changes do not persist) and scored worse than the rule values
CALIBRATED: Optional[tuple[str, ...]] = ("shock_scale",)
OUT_FILES = ["backtest.html", "run.json", "recalibration.json", "forecast_vs_actual.png", "coverage_by_horizon.png", "pit_histogram.png"] + [
    f"{t}.{ext}" for t in ("scores", "cases", "goals", "worst_councils", "posteriors", "tasks", "before_after") for ext in ("csv", "parquet")]


@dataclass(frozen=True)
class BacktestRun:
    """A checked ``wfsim backtest``: the councils (LA codes), origins, the tasks' shared spec, where to run and write."""

    councils_text: str
    codes: tuple[str, ...]
    origins: tuple[int, ...]
    tasks: TaskSpec
    table: pd.DataFrame                  # the shipped DfE table, read once
    out: Path
    executor: str = "processes"
    workers: Optional[int] = None
    scheduler: Optional[str] = None
    before: Optional[pd.DataFrame] = None  # an earlier backtest's cases (--before), compared on the same cases

    @property
    def calibrating(self) -> bool:
        return self.tasks.calibrate

    @property
    def task_count(self) -> int:
        return len(self.codes) * len(self.origins)


@dataclass(frozen=True)
class BacktestOutcome:
    """The tasks' results and their scores."""

    spec: BacktestRun
    results: list[TaskResult]
    tables: dict[str, pd.DataFrame]     # scores, cases, goals, worst_councils, posteriors, tasks
    published: pd.DataFrame
    started: dt.datetime
    seconds: float
    recalibration: Optional[dict] = None   # bias and spread by measure and horizon fitted on every scored forecast

    @property
    def failed(self) -> list[str]:
        return [f"{r.council} {r.origin}: {r.failed}" for r in self.results if r.failed]


def parse_origins(text: Optional[str], horizon: int, table: pd.DataFrame, calibrating: bool) -> list[int]:
    """``Y1,Y2,...`` (default: the latest three that can be scored at every horizon), checked."""
    if text is None:
        origins = default_origins(table, horizon)
        if not origins:
            raise InputError(f"no origin year can be scored {horizon} years ahead", file="--horizon")
    else:
        origins = []
        for part in str(text).split(","):
            part = part.strip()
            if not part:
                continue
            try:
                origins.append(int(part))
            except ValueError:
                raise InputError(f"expected years separated by commas, got {part!r}", file="--origins") from None
        if not origins:
            raise InputError("names no year", file="--origins")
    origins = sorted(set(origins))
    check_origins(origins, horizon, table, calibrating)
    return origins


def prepare(out: Path, *, councils: str = "all", origins: Optional[str] = None, horizon: int = HORIZON,
            replications: Optional[int] = None, seed: Optional[int] = None, population: int = POPULATION,
            generations: int = GENERATIONS, calibrate: bool = True, shocks: bool = True, executor: str = "processes",
            workers: Optional[int] = None, scheduler: Optional[str] = None, before: Optional[Path] = None,
            allow_large: bool = False, precision: Optional[float] = None,
            calibrate_parameters: Optional[str] = None) -> BacktestRun:
    """Check every option before anything runs, the cheap ones first; ``out``: the run folder (must not hold a backtest).
    ``calibrate_parameters``: names separated by commas (default ``CALIBRATED``), or ``all``.
    ``replications="auto"``: each forecast runs batches until every indicator's mean in every year is known
    within ``precision`` points (90% interval; default ``DEFAULTS.precision``), or ``CEILINGS.auto_replications``."""
    from workforce_sim.scenario.councils import load_table
    from workforce_sim.workflows.run import auto_replications

    if executor not in EXECUTORS:
        raise InputError(f"unknown executor {executor!r}; known: {', '.join(EXECUTORS)}", file="--executor")
    if scheduler is not None and executor != "dask":
        raise InputError("only with --executor dask", file="--scheduler")
    seed = DEFAULTS.seed if seed is None else seed
    auto, precision = auto_replications(replications, precision, "backtest")
    replications = DEFAULTS.auto_first if auto else DEFAULTS.replications["backtest"] if replications is None else replications
    check_replications(replications, allow_large)
    if calibrate:
        check_ceiling(population, CEILINGS.abc_population, "--population", "particles per generation", allow_large)
        check_ceiling(generations, CEILINGS.abc_generations, "--generations", "generations", allow_large)
    fitted = parse_parameters(calibrate_parameters)
    table = load_table()
    years = parse_origins(origins, horizon, table, calibrate)
    codes = select_councils(councils, years, table, seed)
    check_scorable(councils, codes, years, horizon, table)
    check_out_folder(Path(out), OUT_FILES)
    earlier = None
    if before is not None:
        path = Path(before) / "cases.parquet"
        if not path.is_file():
            raise InputError(f"no backtest run folder (no cases.parquet in {before})", file="--before")
        earlier = pd.read_parquet(path)
    tasks = TaskSpec(indicators=forecast_indicators, calibration_indicators=annual_indicators, replications=replications,
                     horizon=horizon, seed=seed, calibrate=calibrate,
                     shocks=shocks, population=population, generations=generations, precision=precision if auto else 0.0,
                     ceiling=CEILINGS.auto_replications if auto else 0, calibrate_parameters=fitted)
    return BacktestRun(councils, tuple(codes), tuple(years), tasks, table, Path(out), executor, workers, scheduler, earlier)


def parse_parameters(text: Optional[str]) -> Optional[tuple[str, ...]]:
    """The calibration's parameters from ``--calibrate-parameters`` (None: ``CALIBRATED``; ``all``: every one)."""
    from workforce_sim.experiments.calibrate import PARAMETERS

    if text is None:
        return CALIBRATED
    if text.strip() == "all":
        return None
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in PARAMETERS]
    if not names or unknown:
        raise InputError(f"expected all or names of {', '.join(PARAMETERS)} separated by commas"
                         + (f", got {', '.join(unknown)}" if unknown else ""), file="--calibrate-parameters")
    return names


def check_scorable(councils: str, codes: list[str], origins: list[int], horizon: int, table: pd.DataFrame) -> None:
    """Before anything runs: every council named in ``--councils`` has something to score, i.e. figures at
    some origin and a published value to score against within ``horizon`` years after it; else a
    one-line ``InputError`` naming the council and why."""
    text = str(councils).strip()
    if text.lower() == "all" or text.isdigit():
        return                                  # drawn from the councils with figures
    from workforce_sim.experiments.backtest import workforce_codes
    from workforce_sim.scenario.councils import find_council

    pub = published(table, codes)
    at = {y: set(workforce_codes(table, y)) for y in origins}
    when = ", ".join(map(str, origins))
    for code in codes:
        name = find_council(code, table).name
        have = [y for y in origins if code in at[y]]
        if not have:
            raise InputError(f"no DfE workforce figures for {name} at the origin{'s' if len(origins) > 1 else ''} {when} "
                             "(withheld or not published): nothing to forecast from", file="--councils", key=name)
        later = pub[(pub["new_la_code"] == code)]
        if not any(((later["year"] > y) & (later["year"] <= y + horizon)).any() for y in have):
            raise InputError(f"no figures for {name} published in the {horizon} year(s) after "
                             f"{', '.join(map(str, have))}: nothing to score a forecast against", file="--councils", key=name)


def task_table(results: list[TaskResult]) -> pd.DataFrame:
    def reps(r: TaskResult, variant: str) -> int:
        f = r.forecasts
        return 0 if f is None or not len(f) else int(f.loc[f["variant"] == variant, "replication"].nunique())

    return pd.DataFrame([{"new_la_code": r.new_la_code, "council": r.council, "origin": r.origin, "skipped": r.skipped, "failed": r.failed,
                          "calibrate_cpu_s": r.seconds.get("calibrate", 0.0), "forecast_cpu_s": r.seconds.get("forecast", 0.0),
                          "abc_simulations": r.simulations, "baseline_replications": reps(r, "baseline"),
                          "calibrated_replications": reps(r, "calibrated")} for r in results],
                        columns=["new_la_code", "council", "origin", "skipped", "failed", "calibrate_cpu_s", "forecast_cpu_s", "abc_simulations",
                                 "baseline_replications", "calibrated_replications"])


def posteriors(results: list[TaskResult]) -> pd.DataFrame:
    parts = [r.posterior.assign(new_la_code=r.new_la_code, council=r.council, origin=r.origin) for r in results if r.posterior is not None]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["parameter", "median", "p5", "p95"])


def execute(spec: BacktestRun, progress: Optional[Callable[[int], None]] = None) -> BacktestOutcome:
    """Every task, then the scores (``progress(1)`` after each task)."""
    started, wall = dt.datetime.now(), time.perf_counter()
    # the calibrations' databases in a folder of this run's, removed however it ends (workers may be killed)
    with scratch_folder("wfsim-backtest-") as scratch:
        tasks = replace(spec.tasks, temp_dir=Path(scratch)) if spec.scheduler is None else spec.tasks
        results = run_backtest(tasks, list(spec.codes), list(spec.origins), executor=spec.executor, workers=spec.workers,
                               scheduler=spec.scheduler, progress=progress)
    seconds = time.perf_counter() - wall
    cases = score_cases(results, spec.table)
    sc = scores(cases)
    variant = "calibrated" if spec.calibrating else "baseline"
    goal_table = pd.concat([goals(sc, v) for v in (variant, "recalibrated")], ignore_index=True)
    tables = {"scores": sc, "cases": cases, "goals": goal_table, "worst_councils": worst_councils(cases, variant),
              "posteriors": posteriors(results), "tasks": task_table(results)}
    if spec.before is not None:
        tables["before_after"] = before_after(spec.before, cases, variant)
    fits = recalibration_fit(results, spec.table)
    scored = cases.loc[cases["variant"] == variant, "year"]
    recalibration = {"method": "median + bias + spread x (member - median), by measure and horizon (analysis.recalibration)",
                     # the year by which every outcome it is fitted on was published: a forecast may use it from then on
                     "origin": int(scored.max()) if len(scored) else max(spec.origins),
                     "fitted_on": f"the {variant} forecasts of this backtest whose outcome is published (origins "
                                  f"{', '.join(map(str, spec.origins))})", "fits": recal.to_json(fits)}
    return BacktestOutcome(spec, results, tables, published(spec.table, list(spec.codes)), started, seconds, recalibration)
