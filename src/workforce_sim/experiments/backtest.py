"""Backtest: forecasts made from an origin year with what was published by then, to be scored
against what was published later (``analysis.backtest``).

For each council and origin year Y, one task: the council's baseline from the table up to Y
(``table_through``), its forecast to 30 September of Y + horizon (replications without
children's cases), and, when calibrating, the ABC-SMC posterior from the history up to Y
(``experiments.calibrate``) and the forecast again with the posterior's particles. Both
forecasts of a task use the same seeds (common random numbers). Tasks run on any executor
(serial, processes, Dask) and return small tables: the DfE indicators by replication and year.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pandas as pd

from workforce_sim.defaults import DEFAULTS
from workforce_sim.errors import InputError
from workforce_sim.experiments.calibrate import (
    GENERATIONS,
    POPULATION,
    WINDOW_YEARS,
    Indicators,
    calibrate,
    derived_seed,
    model_only,
    posterior_scenario,
    shocks_section,
)
from workforce_sim.experiments.executors import map_tasks
from workforce_sim.experiments.replications import combine, single_run
from workforce_sim.scenario.councils import REQUIRED, load_table, table_through
from workforce_sim.scenario.schema import Scenario
from workforce_sim.scenario.start_state import start_state

VARIANTS = ("baseline", "calibrated")
MAX_HORIZON = 8


@dataclass(frozen=True)
class BacktestSpec:
    """What every task of a backtest shares (sent once to each worker)."""

    indicators: Indicators                 # results -> indicators by replication and year (analysis layer)
    replications: int = DEFAULTS.replications["backtest"]
    horizon: int = 3
    seed: int = DEFAULTS.seed
    calibrate: bool = True
    shocks: bool = True                    # the council's own yearly shocks (council_shocks from data up to the origin)
    population: int = POPULATION
    generations: int = GENERATIONS
    window_years: int = WINDOW_YEARS
    table: Optional[pd.DataFrame] = None   # the long DfE table (default the shipped one)
    temp_dir: Optional[Path] = None        # where the calibrations keep their databases (default: the system's)
    precision: float = 0.0                 # -n auto: each forecast's 90% half-width wanted on every indicator's mean (points)
    ceiling: int = 0                       # ... and the most replications a forecast may take
    calibration_indicators: Optional[Indicators] = None   # what the calibration reads (default ``indicators``)
    calibrate_parameters: Optional[tuple[str, ...]] = None  # the parameters the calibration fits (default all)


@dataclass
class TaskResult:
    """One council and origin: its forecasts (long), the posterior's summary, what it cost."""

    new_la_code: str
    council: str
    origin: int
    forecasts: Optional[pd.DataFrame] = None     # variant, replication, year_to_30_sept, indicator columns
    posterior: Optional[pd.DataFrame] = None     # parameter summary (calibrated variant)
    seconds: dict[str, float] = field(default_factory=dict)   # CPU seconds: calibrate, forecast
    simulations: int = 0                          # ABC-SMC simulations
    skipped: str = ""                             # why the task gave no forecast (no figures, no history)
    failed: str = ""                              # the error a task raised (kept: the other tasks go on)


def origin_scenario(council: str, origin: int, horizon: int, table: Optional[pd.DataFrame] = None,
                    shocks: bool = True) -> dict[str, Any]:
    """The council's scenario on 30 September of ``origin`` from what was published by then, run to
    1 October of ``origin + horizon``, without children's cases (a plain mapping); with ``shocks``,
    the council's yearly shocks (``shocks_section``) from the same data."""
    t = table_through(origin, load_table() if table is None else table)
    _, data = start_state(council, origin, horizon_years=horizon, table=t)
    out = model_only(data, origin + horizon)
    if shocks:
        section, text = shocks_section(t, origin)
        if section:
            out["council_shocks"] = section
            out["sources"]["council_shocks"] = text
    return out


def forecast(data: dict[str, Any], replications: int, seed: int, indicators: Indicators, precision: float = 0.0,
             ceiling: int = 0) -> pd.DataFrame:
    """Run ``replications`` replications of a scenario mapping; its indicators by replication and year.
    With ``precision`` (``-n auto``): batches from ``replications``, doubling, until the 90% interval of
    every indicator's mean in every year has a half-width within ``precision`` (points; cases per holder
    for caseload), or ``ceiling`` replications."""
    sc = Scenario.model_validate(data)

    def run(start: int, n: int) -> list:
        return [single_run(sc, seed, r, indicators_only=True) for r in range(start, start + n)]

    if precision <= 0:
        return indicators(combine(sc, seed, run(0, replications)))
    from workforce_sim.experiments.precision import Auto

    def measure(runs: list) -> list:
        table = indicators(combine(sc, seed, runs))
        cols = [c for c in table.columns if c not in ("replication", "year_to_30_sept") and pd.api.types.is_numeric_dtype(table[c])]
        values = [g[c].to_numpy(float) for _, g in table.groupby("year_to_30_sept") for c in cols]
        return [v for v in values if np.isfinite(v).sum() >= 2]    # not the origin year's (no measure to score there)

    runs, _ = Auto(run, lambda a, b: a + b, measure, precision, replications, max(ceiling, replications))()
    return indicators(combine(sc, seed, runs))


def backtest_task(spec: BacktestSpec, code: str, origin: int) -> TaskResult:
    """One council and origin (a module-level function: tasks are pickled by reference). An error
    inside the task is returned as ``failed`` (type, message and where), so one council's failure
    costs only its own forecasts."""
    out = TaskResult(new_la_code=code, council=code, origin=origin)
    try:
        from workforce_sim.scenario.councils import find_council

        out.council = find_council(code, spec.table).name
    except InputError:
        pass
    try:
        return _task(spec, code, origin, out)
    except Exception as exc:  # recorded, never lost: the run goes on and reports it
        import traceback

        frames = traceback.extract_tb(exc.__traceback__)
        where = f" at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
        out.forecasts, out.posterior = None, None
        out.failed = f"{type(exc).__name__}: {' '.join(str(exc).split())}{where}"
        return out


def _task(spec: BacktestSpec, code: str, origin: int, out: TaskResult) -> TaskResult:
    table = load_table() if spec.table is None else spec.table
    try:
        data = origin_scenario(code, origin, spec.horizon, table, spec.shocks)
    except InputError as exc:
        out.skipped = exc.message
        return out
    out.council = data.get("council", code)
    seed = derived_seed(spec.seed, code, origin, "forecast")
    cpu = time.process_time()
    parts = [forecast(data, spec.replications, seed, spec.indicators, spec.precision, spec.ceiling).assign(variant="baseline")]
    out.seconds["forecast"] = time.process_time() - cpu
    if spec.calibrate:
        try:
            post = calibrate(code, origin, spec.calibration_indicators or spec.indicators, table, spec.seed, spec.population, spec.generations, spec.window_years,
                             db_dir=spec.temp_dir, shocks=spec.shocks, parameters=spec.calibrate_parameters, origin=data)
        except InputError as exc:
            out.skipped = f"not calibrated: {exc.message}"
        else:
            out.seconds["calibrate"] = post.seconds
            out.simulations = post.simulations
            out.posterior = post.summary()
            cpu = time.process_time()
            parts.append(forecast(posterior_scenario(data, post), spec.replications, seed, spec.indicators, spec.precision,
                                  spec.ceiling).assign(variant="calibrated"))
            out.seconds["forecast"] += time.process_time() - cpu
    out.forecasts = pd.concat(parts, ignore_index=True)
    return out


# ------------------------------------------------------------------ which councils and origins
def workforce_codes(table: pd.DataFrame, year: int) -> list[str]:
    """New LA codes of the councils with every required workforce figure published for ``year``."""
    t = table[(table["level"] == "local_authority") & (table["year"] == year) & table["measure"].isin(REQUIRED)]
    t = t[t["value"].notna()]
    n = t.groupby("new_la_code")["measure"].nunique()
    return sorted(n[n == len(REQUIRED)].index)


def data_years(table: pd.DataFrame) -> list[int]:
    """Years with council workforce figures in the table."""
    t = table[(table["level"] == "local_authority") & (table["measure"] == "fte_in_post") & table["value"].notna()]
    return sorted(int(y) for y in t["year"].unique())


def default_origins(table: pd.DataFrame, horizon: int, count: int = 3) -> list[int]:
    """The latest ``count`` years whose forecasts can be scored at every horizon."""
    years = data_years(table)
    ok = [y for y in years if y + horizon <= years[-1] and y - 1 >= years[0]]
    return ok[-count:]


def check_origins(origins: list[int], horizon: int, table: pd.DataFrame, calibrating: bool) -> None:
    years = data_years(table)
    if not 1 <= horizon <= MAX_HORIZON:
        raise InputError(f"must be between 1 and {MAX_HORIZON} years, got {horizon}", file="--horizon")
    for y in origins:
        if y not in years:
            raise InputError(f"no DfE workforce figures in {y} (years with figures: {years[0]}-{years[-1]})", file="--origins", key=str(y))
        if y >= years[-1]:
            raise InputError(f"no later year to score a forecast from {y} against (last year with figures: {years[-1]})",
                             file="--origins", key=str(y))
        if calibrating and y <= years[0]:
            raise InputError(f"no earlier year to calibrate on (first year with figures: {years[0]}); add --no-calibrate",
                             file="--origins", key=str(y))


def select_councils(spec: str, origins: list[int], table: pd.DataFrame, seed: int) -> list[str]:
    """New LA codes: ``all`` (every council with figures at some origin), ``N`` (a sample of N of the
    councils with figures at every origin, drawn with ``seed``) or names and codes separated by commas."""
    from workforce_sim.scenario.councils import find_council

    text = str(spec).strip()
    if text.lower() == "all":
        return sorted(set().union(*(workforce_codes(table, y) for y in origins)))
    if text.isdigit():
        n = int(text)
        pool = sorted(set.intersection(*(set(workforce_codes(table, y)) for y in origins)))
        if n < 1:
            raise InputError(f"must be at least 1, got {n}", file="--councils")
        if n > len(pool):
            raise InputError(f"{n} is more than the {len(pool)} councils with figures at every origin", file="--councils")
        rng = np.random.default_rng(np.random.SeedSequence([seed, n]))
        return sorted(rng.choice(pool, size=n, replace=False).tolist())
    codes = []
    for name in (p.strip() for p in text.split(",")):
        if not name:
            continue
        try:
            codes.append(find_council(name, table).new_la_code)
        except InputError as exc:
            raise InputError(exc.message, file="--councils", key=name) from None
    if not codes:
        raise InputError("names no council", file="--councils")
    return list(dict.fromkeys(codes))


def run_backtest(spec: BacktestSpec, codes: list[str], origins: list[int], executor: str = "processes",
                 workers: Optional[int] = None, scheduler: Optional[str] = None,
                 progress: Optional[Callable[[int], None]] = None) -> list[TaskResult]:
    """Every council and origin, one task each; results sorted by council code and origin."""
    tasks = [(code, y) for y in origins for code in codes]
    # the largest councils first, so that the last tasks running are short ones
    size = _sizes(spec.table if spec.table is not None else load_table(), origins)
    tasks.sort(key=lambda t: -size.get(t, 0.0))
    results = []
    outcomes = map_tasks(backtest_task, spec, tasks, executor=executor, workers=workers, scheduler=scheduler)
    try:
        for r in outcomes:
            results.append(r)
            if progress:
                progress(1)
    finally:
        close = getattr(outcomes, "close", None)
        if close is not None:
            close()
    return sorted(results, key=lambda r: (r.new_la_code, r.origin))


def _sizes(table: pd.DataFrame, origins: list[int]) -> dict[tuple[str, int], float]:
    t = table[(table["level"] == "local_authority") & (table["measure"] == "fte_in_post") & table["year"].isin(origins)]
    return {(r.new_la_code, int(r.year)): float(r.value) for r in t.itertuples() if pd.notna(r.value)}
