"""``wfsim run`` (and the simulation of the report notebook): one scenario's replications,
the investment baseline's on the same seeds, its targets judged.

``prepare`` checks the options, loads the scenario and its investment baseline
once and fills the run defaults; ``execute`` runs them and returns a ``RunOutcome``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

import numpy as np
import pandas as pd

from workforce_sim.analysis.recalibration import Recalibration
from workforce_sim.defaults import CEILINGS, DEFAULTS
from workforce_sim.errors import InputError
from workforce_sim.experiments.cache import CacheOption
from workforce_sim.experiments.cache import resolve as resolve_cache
from workforce_sim.experiments.precision import Precision
from workforce_sim.experiments.replications import Results
from workforce_sim.scenario.schema import Scenario
from workforce_sim.workflows.common import (
    check_decompose,
    check_memory,
    check_out_folder,
    check_replications,
    load_investment_baseline,
    replications_or_default,
    seed_or_default,
)

TABLES = ("snapshots", "flows", "parameters", "costs", "pay_levels", "failures")
CASE_TABLES = ("case_monthly", "case_snapshots")


@dataclass(frozen=True)
class RunSpec:
    """A checked run: the scenario and investment baseline loaded, seed and replications filled."""

    scenario: Scenario
    scenario_file: Optional[Path]
    replications: int
    seed: int
    overrides: tuple[str, ...] = ()
    investment_baseline: Optional[Scenario] = None
    run_investment_baseline: bool = False      # whether execute runs it (the spend targets, or a report's spend table)
    workers: Optional[int] = None
    executor: str = "processes"
    scheduler: Optional[str] = None
    keep_events: bool = False
    continue_on_error: bool = False
    decompose: Optional[tuple[int, int]] = None  # (K, M): K parameter draws x M replications (replications = K x M)
    out: Optional[Path] = None
    cache: Optional[Path] = None                 # the replication cache folder (experiments.cache), None: none
    precision: Optional[float] = None            # --replications auto: the headline's 90% half-width wanted (points)
    auto_ceiling: int = 0                        # --replications auto: at most this many replications
    recalibration: Optional[Recalibration] = None  # --recalibrated: a backtest's fit applied to the judged measures

    @property
    def auto(self) -> bool:
        """Replications chosen by the precision they reach (``replications`` is then the first batch)."""
        return self.precision is not None

    @property
    def per_draw(self) -> Optional[int]:
        return self.decompose[1] if self.decompose is not None else None

    @property
    def total_replications(self) -> int:
        """Replications execute runs in all (the investment baseline's included): for a progress bar."""
        return self.replications * (2 if self.run_investment_baseline else 1)

    def table_names(self) -> list[str]:
        names = [*TABLES, *(CASE_TABLES if self.scenario.demand is not None else ()),
                 *(("decomposition",) if self.decompose is not None else ())]
        return [f"{n}.{ext}" for n in names for ext in ("csv", "parquet")]


@dataclass(frozen=True)
class RunOutcome:
    spec: RunSpec
    results: Results
    investment_baseline: Optional[Results]   # the investment baseline's results on the same seeds, if run
    scorecard: pd.DataFrame                  # every declared target judged (spend above the investment baseline)
    decomposition: Optional[pd.DataFrame] = None
    precision: Optional[Precision] = None    # --replications auto: the precision asked for and reached

    @property
    def recalibration(self) -> Optional[Recalibration]:
        """The recalibration the scorecard's judged measures carry (--recalibrated), if any."""
        return self.spec.recalibration

    @property
    def failed(self) -> int:
        return len(self.results.failures)


def _judges_spend(scenario: Scenario) -> bool:
    from workforce_sim.scenario.schema.targets import SPEND

    return any(t.measure == SPEND for t in scenario.targets.values())


def prepare(
    scenario: Union[str, Path, Scenario],
    replications: Union[int, str, None] = None,
    seed: Optional[int] = None,
    *,
    overrides: Union[list[str], tuple[str, ...]] = (),
    workers: Optional[int] = None,
    executor: str = "processes",
    scheduler: Optional[str] = None,
    keep_events: bool = False,
    continue_on_error: bool = False,
    decompose: Optional[tuple[int, int]] = None,
    out: Optional[Path] = None,
    allow_large: bool = False,
    investment_baseline: str = "for spend targets",
    command: str = "run",
    cache: CacheOption = None,
    precision: Optional[float] = None,
    recalibrated: Union[str, Path, None] = None,
) -> RunSpec:
    """Check the options and load the scenario (a file, or a Scenario already loaded) and its
    investment baseline once. ``investment_baseline``: ``"for spend targets"`` runs it only when a
    target judges spend (``wfsim run``); ``"when named"`` whenever the scenario names one (the report).
    ``cache``: the replication cache (``experiments.cache.resolve``: by default ``WFSIM_CACHE`` or
    ``outputs/.cache``; False for none). ``replications="auto"``: batches until the 90% interval of
    the headline (the permanent share at its date) has a half-width within ``precision`` points
    (default ``DEFAULTS.precision``), or ``CEILINGS.auto_replications``. ``recalibrated``: a backtest's
    ``recalibration.json`` (or its run folder), read and checked here, applied by ``execute`` to the
    measures the targets judge (``load_recalibration``)."""
    from workforce_sim.scenario.loading import load_scenario
    from workforce_sim.scenario.regions import is_region

    auto, precision = auto_replications(replications, precision, command, decompose)
    if auto:
        replications = DEFAULTS.auto_first
    if not isinstance(scenario, Scenario) and is_region(scenario):   # a region runs through its own workflow
        if auto:
            raise InputError("a region runs a given number of replications", file="--replications", key="auto")
        if recalibrated is not None:
            raise InputError("a region's forecast is not recalibrated; give a council's scenario", file="--recalibrated")
        from workforce_sim.workflows import region

        return region.prepare(scenario, replications, seed, overrides=overrides, workers=workers, executor=executor, scheduler=scheduler,
                              keep_events=keep_events, out=out, allow_large=allow_large, command=command,
                              continue_on_error=continue_on_error, decompose=decompose, cache=cache)
    if scheduler is not None and executor != "dask":
        raise InputError("only with --executor dask", file="--scheduler")
    replications = replications_or_default(replications, command)
    if decompose is None:
        check_replications(replications, allow_large)
    scenario_file = None if isinstance(scenario, Scenario) else Path(scenario)
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario, list(overrides))
    if decompose is not None:
        decompose = (int(decompose[0]), int(decompose[1]))
        check_decompose(sc, decompose, allow_large, str(scenario_file or sc.name))
        replications = decompose[0] * decompose[1]
    base = load_investment_baseline(sc, scenario_file, overrides)
    recalibration = load_recalibration(recalibrated, sc) if recalibrated is not None else None
    spec = RunSpec(
        scenario=sc, scenario_file=scenario_file, replications=replications, seed=seed_or_default(seed),
        overrides=tuple(overrides), investment_baseline=base,
        run_investment_baseline=base is not None and (investment_baseline == "when named" or _judges_spend(sc)),
        workers=workers, executor=executor, scheduler=scheduler, keep_events=keep_events,
        continue_on_error=continue_on_error, decompose=decompose, out=out, cache=resolve_cache(cache),
        precision=precision if auto else None, auto_ceiling=CEILINGS.auto_replications if auto else 0,
        recalibration=recalibration)
    if out is not None:
        check_out_folder(out, spec.table_names())
    check_memory(sc, spec.seed, spec.auto_ceiling if auto else replications, keep_events)
    return spec


def load_recalibration(path: Union[str, Path], scenario: Scenario) -> Recalibration:
    """A backtest's recalibration (``recalibration.json``, or the run folder holding it), checked: a bad file, or
    one fitted on outcomes published after the scenario's start (look-ahead), raises ``InputError``."""
    import json

    from workforce_sim.analysis.recalibration import data_year, parse

    p = Path(path)
    if p.is_dir():
        p = p / "recalibration.json"
    if not p.is_file():
        raise InputError("not found: give a backtest's recalibration.json or its run folder", file=str(p), key="--recalibrated")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"not a JSON file: {' '.join(str(exc).split())}", file=str(p)) from None
    rec = parse(data, str(p))
    year = data_year(scenario.start_date)
    if rec.origin > year:
        raise InputError(f"fitted on outcomes published up to {rec.origin}, after the start of {scenario.name} "
                         f"({scenario.start_date}: the DfE figures of {year}); a forecast may use only what was published "
                         "by its start", file=str(p), key="origin")
    return rec


def auto_replications(replications, precision: Optional[float], command: str,
                      decompose: Optional[tuple[int, int]] = None) -> tuple[bool, Optional[float]]:
    """Whether ``replications`` is ``"auto"``, and the precision it aims at; bad combinations refused."""
    auto = isinstance(replications, str) and replications.strip().lower() == "auto"
    if isinstance(replications, str) and not auto:
        raise InputError(f"expected a whole number or auto, got {replications!r}", file="--replications")
    if precision is not None and not auto:
        raise InputError("only with --replications auto", file="--precision")
    if not auto:
        return False, None
    if command == "report":
        raise InputError("the report runs a given number of replications; use wfsim run for auto", file="--replications", key="auto")
    if decompose is not None:
        raise InputError("not with --decompose (which sets the replications)", file="--replications", key="auto")
    precision = DEFAULTS.precision if precision is None else float(precision)
    if not (precision > 0) or precision == float("inf"):
        raise InputError(f"must be a positive number of points, got {precision:g}", file="--precision")
    return True, precision


def headline_values(results: Results) -> np.ndarray:
    """Per-replication values of the headline (the permanent share at its date), in points (shares x 100)."""
    from workforce_sim.analysis.targets import permanence, values_at

    target = permanence(results.scenario)
    scale = 100.0 if target.unit == "share" else 1.0
    return scale * values_at(target, results)[1].to_numpy(dtype=float)


def headline_name(scenario: Scenario) -> str:
    from workforce_sim.analysis.targets import permanence

    target = permanence(scenario)
    when = target.date or scenario.end_date
    return f"{target.title} at {when}"


def _cache(folder: Optional[Path]):
    """A spec's cache folder as ``run_replications`` takes it (False: none)."""
    return False if folder is None else folder


def execute(spec: RunSpec, progress: Optional[Callable[[int], None]] = None) -> RunOutcome:
    """Run the scenario, then its investment baseline with the same seeds and replications
    (and grouping by parameter draw); judge the targets. A region's spec runs its region."""
    if not isinstance(spec, RunSpec):
        from workforce_sim.workflows import region

        return region.execute(spec, progress)
    from workforce_sim.analysis.targets import scorecard
    from workforce_sim.experiments.replications import run_replications

    def run(start: int, n: int) -> Results:
        return run_replications(spec.scenario, n, spec.seed, spec.workers, keep_events=spec.keep_events,
                                progress=progress, executor=spec.executor, scheduler=spec.scheduler,
                                continue_on_error=spec.continue_on_error, per_draw=spec.per_draw, cache=_cache(spec.cache),
                                start=start)

    precision = None
    if spec.auto:
        from workforce_sim.experiments.precision import Auto
        from workforce_sim.experiments.replications import merge

        results, precision = Auto(run, merge, headline_values, spec.precision, spec.replications, spec.auto_ceiling,
                                  headline_name(spec.scenario))()
    else:
        results = run(0, spec.replications)
    base = None
    if spec.run_investment_baseline:
        base = run_replications(spec.investment_baseline, results.replications, results.seed, spec.workers,
                                progress=progress, per_draw=results.per_draw, cache=_cache(spec.cache))
    parts = None
    if spec.decompose is not None:
        from workforce_sim.analysis.uncertainty import decompose

        parts = decompose(results, baseline=base)
    return RunOutcome(spec, results, base, scorecard(results, base, spec.recalibration), parts, precision)
