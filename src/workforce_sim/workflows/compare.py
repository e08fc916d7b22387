"""``wfsim compare``: two or more scenarios run with the same seeds, each compared with the first
(paired differences; see ``analysis.compare``)."""
from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

from workforce_sim.analysis.compare import Comparison, compare_results, labels_for
from workforce_sim.defaults import CEILINGS, DEFAULTS
from workforce_sim.errors import InputError
from workforce_sim.experiments.cache import CacheOption
from workforce_sim.experiments.cache import resolve as resolve_cache
from workforce_sim.experiments.precision import Precision
from workforce_sim.experiments.replications import Results
from workforce_sim.files import new_run_id, now_iso
from workforce_sim.scenario.schema import Scenario
from workforce_sim.workflows.common import (
    check_memory,
    check_replications,
    check_writable,
    replications_or_default,
    seed_or_default,
)
from workforce_sim.workflows.run import auto_replications, headline_name, headline_values


@dataclass(frozen=True)
class CompareSpec:
    scenarios: tuple[Scenario, ...]
    scenario_files: tuple[Optional[Path], ...]   # None for a scenario given already loaded
    labels: tuple[str, ...]
    replications: int
    seed: int
    overrides: tuple[str, ...] = ()
    workers: Optional[int] = None
    out: Optional[Path] = None                   # outputs folder (a run folder under <out>/comparisons/)
    run_id: str = ""
    cache: Optional[Path] = None                 # the replication cache folder (experiments.cache), None: none
    precision: Optional[float] = None            # --replications auto: the paired differences' 90% half-width wanted (points)
    auto_ceiling: int = 0

    @property
    def total_replications(self) -> int:
        return self.replications * len(self.scenarios)


@dataclass(frozen=True)
class CompareOutcome:
    spec: CompareSpec
    results: tuple[Results, ...]
    comparison: Comparison
    started: str
    finished: str
    precision: Optional[Precision] = None        # --replications auto: the precision asked for and reached


def prepare(
    scenarios: list[Union[str, Path, Scenario]],
    replications: Union[int, str, None] = None,
    seed: Optional[int] = None,
    *,
    overrides: Union[list[str], tuple[str, ...]] = (),
    workers: Optional[int] = None,
    out: Optional[Path] = None,
    allow_large: bool = False,
    cache: CacheOption = None,
    precision: Optional[float] = None,
) -> CompareSpec:
    """Check the options; load every scenario once (files with the overrides; Scenario objects as
    they are); refuse scenarios on different dates (their differences would not pair)."""
    from workforce_sim.scenario.loading import load_scenario
    from workforce_sim.workflows import region

    if len(scenarios) < 2:
        raise InputError("give at least two scenarios to compare", file="command line", key="SCENARIO")
    if out is not None:
        if out.exists() and not out.is_dir():
            raise InputError("exists and is not a folder", file="--out", key=str(out))
        check_writable(out, "--out")
    if region.any_region(scenarios):   # regions compare through their own workflow (refused if mixed with a council's scenario)
        return region.compare_prepare(scenarios, replications, seed, overrides=overrides, workers=workers, out=out,
                                      allow_large=allow_large, precision=precision, cache=cache)
    auto, precision = auto_replications(replications, precision, "compare")
    replications = DEFAULTS.auto_first if auto else replications_or_default(replications, "compare")
    check_replications(replications, allow_large)
    files = tuple(None if isinstance(s, Scenario) else Path(s) for s in scenarios)
    loaded = tuple(s if isinstance(s, Scenario) else load_scenario(s, list(overrides)) for s in scenarios)
    first, first_name = loaded[0], str(scenarios[0]) if files[0] is not None else loaded[0].name
    for given, sc in zip(scenarios[1:], loaded[1:]):
        name = str(given) if not isinstance(given, Scenario) else sc.name
        if (sc.start_date, sc.end_date) != (first.start_date, first.end_date):
            raise InputError(f"runs {sc.start_date} to {sc.end_date} but {first_name} runs {first.start_date} to "
                             f"{first.end_date}: paired differences need scenarios on the same dates", file=name,
                             key="start_date" if sc.start_date != first.start_date else "end_date")
        if sc.council != first.council:
            warnings.warn(f"{name}: council: {sc.council!r}, not {first.council!r}: the differences compare "
                          "two councils, not two policies", stacklevel=2)
    seed = seed_or_default(seed)
    check_memory(first, seed, (CEILINGS.auto_replications if auto else replications) * len(loaded))
    return CompareSpec(loaded, files, tuple(labels_for(list(loaded))), replications, seed, tuple(overrides), workers, out,
                       new_run_id(), resolve_cache(cache), precision if auto else None,
                       CEILINGS.auto_replications if auto else 0)


def execute(spec: CompareSpec, progress: Optional[Callable[[int], None]] = None) -> CompareOutcome:
    """Run every scenario with the same seed and replications, then compare them (regions: each member's
    and the region's measures, ``workflows.region.compare_execute``)."""
    from workforce_sim.experiments.replications import run_replications

    if not isinstance(spec, CompareSpec):
        from workforce_sim.workflows import region

        return region.compare_execute(spec, progress)

    started = now_iso()
    def run(start: int, n: int) -> tuple[Results, ...]:
        return tuple(run_replications(sc, n, spec.seed, spec.workers, progress=progress,
                                      cache=False if spec.cache is None else spec.cache, start=start)
                     for sc in spec.scenarios)

    reached = None
    if spec.precision is not None:
        from workforce_sim.experiments.precision import Auto
        from workforce_sim.experiments.replications import merge

        def differences(results: tuple[Results, ...]) -> list:
            first = headline_values(results[0])
            return [headline_values(r) - first for r in results[1:]]

        results, reached = Auto(run, lambda a, b: tuple(merge(x, y) for x, y in zip(a, b)), differences, spec.precision,
                                spec.replications, spec.auto_ceiling,
                                "paired difference in " + headline_name(spec.scenarios[0]))()
        spec = dataclasses.replace(spec, replications=reached.replications)
    else:
        results = run(0, spec.replications)
    return CompareOutcome(spec, results, compare_results(list(spec.labels), list(results)), started, now_iso(), reached)
