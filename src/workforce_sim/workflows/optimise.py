"""``wfsim optimise``: the cheapest plan meeting requirements with a stated confidence.

``prepare`` checks every option once, loads the scenario once and resolves its investment
baseline once; ``execute`` runs the Optuna study (``experiments.optimise``: kept in an SQLite
file, so a killed run resumes) and the confirmation, and judges them with the pure functions of
``analysis.optimise``. The run folder (the study's hidden folder while it runs, the outputs) is
``reporting.optimise``'s.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Optional

from workforce_sim.analysis.optimise import (
    Judge,
    Optimisation,
    check_cost,
    choose_plan,
    confirmation_batches,
    confirmation_order,
    confirmations_table,
    evaluations_table,
    optimisation,
    parse_requirements,
)
from workforce_sim.analysis.targets import Target
from workforce_sim.defaults import CEILINGS, DEFAULTS
from workforce_sim.errors import InputError
from workforce_sim.experiments import optimise as study_
from workforce_sim.experiments.cache import CacheOption
from workforce_sim.experiments.cache import resolve as resolve_cache
from workforce_sim.experiments.levers import Lever, parse_levers, space_size
from workforce_sim.scenario.loading import load_scenario
from workforce_sim.scenario.schema import Scenario
from workforce_sim.workflows.common import check_ceiling, check_replications, load_investment_baseline

STUDY_KEYS = {"levers": list, "require": list, "confidence": float, "minimise": str, "trials": int, "replications": int,
              "confirm_replications": int, "confirm_top": int, "seed": int, "set": list}
OPTIONS = {"confidence": 0.9, "minimise": "total_cost", "trials": 40, "confirm_top": 5}
"""Defaults of the study's own options (seed and replications: ``DEFAULTS``)."""


def option_defaults() -> dict[str, Any]:
    return {**OPTIONS, "seed": DEFAULTS.seed, "replications": DEFAULTS.replications["optimise"],
            "confirm_replications": DEFAULTS.replications["confirm"]}


@dataclass(frozen=True)
class OptimiseSpec:
    """A checked ``wfsim optimise``: the scenario as loaded (once), its investment baseline, the levers,
    requirements and judge, and the study's options (``study``: stored with the study, checked on resume)."""

    scenario_file: Path
    scenario: Scenario
    baseline: Optional[Scenario]          # the investment baseline (finance.investment.baseline), run on the same seeds
    levers: tuple[Lever, ...]
    requirements: tuple[Target, ...]
    judge: Judge
    study: study_.StudySpec
    trials: int
    workers: Optional[int] = None
    db: Optional[Path] = None             # the study's SQLite file (None: kept in memory)
    resume: bool = False                  # continue the study in ``db``
    cache: Optional[Path] = None          # the replication cache folder (experiments.cache), None: none

    @property
    def goal(self) -> int:
        """Distinct candidates the search evaluates."""
        size = space_size(list(self.levers))
        return min(self.trials, size) if size else self.trials

    @property
    def total_replications(self) -> int:
        """Replications the run makes at most (for a progress bar)."""
        s = self.study
        base = 1 if self.baseline is not None else 0
        return (self.goal + base) * s.replications + (s.confirm_top + 5 + base) * s.confirm_replications

    def stored_in(self, db: Optional[Path], resume: bool = False) -> OptimiseSpec:
        """This spec with its study kept in ``db`` (resumed when ``resume``)."""
        return replace(self, db=None if db is None else Path(db), resume=resume)


def read_study(path: Path) -> dict[str, Any]:
    """A study file: a mapping of STUDY_KEYS (lists of strings for levers, require and set)."""
    from workforce_sim.scenario.loading import _read_yaml

    data = _read_yaml(path)
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key not in STUDY_KEYS:
            raise InputError(f"unknown key; known: {', '.join(STUDY_KEYS)}", file=str(path), key=str(key))
        kind = STUDY_KEYS[key]
        if kind is list:
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InputError("expected a list of texts such as 'KEY=LOW..HIGH'", file=str(path), key=key)
        elif kind is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0 < value < 1):
                raise InputError("expected a number above 0 and below 1", file=str(path), key=key)
            value = float(value)
        elif kind is int:
            if isinstance(value, bool) or not isinstance(value, int) or value < (0 if key == "seed" else 1):
                raise InputError("expected a whole number" + (" >= 0" if key == "seed" else " >= 1"), file=str(path), key=key)
        elif not isinstance(value, str):
            raise InputError("expected a text", file=str(path), key=key)
        out[key] = value
    return out


def prepare(scenario_file: str | Path, levers: Optional[list[str]] = None, require: Optional[list[str]] = None, *,
            study_file: Optional[Path] = None, overrides: Optional[list[str]] = None, confidence: Optional[float] = None,
            minimise: Optional[str] = None, trials: Optional[int] = None, replications: Optional[int] = None,
            confirm_replications: Optional[int] = None, confirm_top: Optional[int] = None, seed: Optional[int] = None,
            confirm_seed: Optional[int] = None, workers: Optional[int] = None, db: Optional[Path] = None, resume: bool = False,
            allow_large: bool = False, cache: CacheOption = None) -> OptimiseSpec:
    """Check every option before anything runs. Each option is the one given, else the study file's, else the default."""
    from workforce_sim.workflows.region import any_region

    if any_region([scenario_file]):
        raise InputError("is a region: wfsim optimise is not available for a region yet (wfsim sweep REGION --grid ... "
                         "searches a region's levers)", file=str(scenario_file))
    study = read_study(Path(study_file)) if study_file is not None else {}
    given = {"levers": levers, "require": require, "confidence": confidence, "minimise": minimise, "trials": trials,
             "replications": replications, "confirm_replications": confirm_replications, "confirm_top": confirm_top,
             "seed": seed, "set": overrides}
    defaults = option_defaults()
    o = {k: v if v is not None else study.get(k, defaults.get(k, [])) for k, v in given.items()}
    path = Path(scenario_file)
    base = load_scenario(path, list(o["set"]))
    conf = o["confidence"]
    if not (0 < conf < 1) or math.isnan(conf):
        raise InputError(f"must be above 0 and below 1 (0.9 = 90%), got {conf:g}", option="confidence")
    lever_list = parse_levers(list(o["levers"]), base)
    reqs = parse_requirements(list(o["require"]), base)
    cost = check_cost(o["minimise"], base)
    spec = study_.StudySpec(scenario=str(scenario_file), overrides=list(o["set"]), levers=list(o["levers"]),
                            requirements=list(o["require"]), confidence=float(conf), minimise=cost,
                            replications=int(o["replications"]), seed=int(o["seed"]),
                            confirm_replications=int(o["confirm_replications"]),
                            confirm_seed=int(o["seed"]) + 1 if confirm_seed is None else int(confirm_seed),
                            confirm_top=int(o["confirm_top"]),
                            startup_trials=min(study_.STARTUP_TRIALS, max(3, int(o["trials"]) // 4)))
    if spec.confirm_seed == spec.seed:
        raise InputError("the confirmation seed must differ from the search seed (fresh seeds)", option="confirm_seed")
    check_ceiling(int(o["trials"]), CEILINGS.optimise_trials, "--trials", "trials", allow_large)
    check_replications(spec.replications, allow_large)
    check_replications(spec.confirm_replications, allow_large, "--confirm-replications")
    judge = Judge(reqs, cost, float(conf))
    # with an investment baseline, spend by financial year is the cost above it (same seeds), as in reports
    baseline = load_investment_baseline(base, path, list(o["set"])) if judge.needs_baseline or base.finance.investment.baseline else None
    return OptimiseSpec(path, base, baseline, tuple(lever_list), tuple(reqs), judge, spec, int(o["trials"]), workers,
                        None if db is None else Path(db), resume, resolve_cache(cache))


def execute(spec: OptimiseSpec, progress: Optional[Callable[[int], None]] = None) -> Optimisation:
    """Search, confirm and choose (``progress(n)``: after every ``n`` replications)."""
    levers = list(spec.levers)
    reqs = list(spec.requirements)
    ev = study_.Evaluator(spec.scenario, levers, spec.judge, spec.baseline, spec.workers,
                          cache=False if spec.cache is None else spec.cache)
    t0 = time.perf_counter()
    study = study_.open_study(spec.db, create=not spec.resume)
    s = study_.stored_spec(study, spec.study)
    study_.search(study, s, ev, spec.trials, progress)
    t1 = time.perf_counter()
    near, rest, ladder = confirmation_order(evaluations_table(study_.finished(study), levers, reqs), levers, s.confidence)
    raw: list[dict] = []
    for batch in confirmation_batches(near, rest, ladder, s.confirm_top, study_.params_key):
        raw += study_.confirm(study, s, ev, batch, progress)
        if choose_plan(confirmations_table(raw, levers, reqs), s.confidence) is not None:
            break
    t2 = time.perf_counter()
    return optimisation(spec.scenario, spec.study.scenario, levers, reqs, s, study_.finished(study), raw,
                        {"search": t1 - t0, "confirmation": t2 - t1}, spec.trials)
