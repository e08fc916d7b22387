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
    confirmation_decided,
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
from workforce_sim.experiments.levers import Lever, member_index, parse_levers, parse_member_levers, space_size, with_member_scenario
from workforce_sim.scenario.loading import load_scenario
from workforce_sim.scenario.schema import Scenario
from workforce_sim.scenario.schema.region import Region
from workforce_sim.workflows.common import check_ceiling, check_replications, load_investment_baseline

STUDY_KEYS = {"levers": list, "require": list, "confidence": float, "minimise": str, "trials": int, "replications": int,
              "confirm_replications": int, "confirm_top": int, "seed": int, "set": list, "member": str}
OPTIONS = {"confidence": 0.9, "minimise": "total_cost", "trials": 40, "confirm_top": 5}
"""Defaults of the study's own options (seed and replications: ``DEFAULTS``)."""
CONFIRM_PRECISION = 5.0
"""``--confirm-replications auto``: points either side of a chance that settle it when its interval still holds the confidence."""


def option_defaults() -> dict[str, Any]:
    return {**OPTIONS, "seed": DEFAULTS.seed, "replications": DEFAULTS.replications["optimise"],
            "confirm_replications": DEFAULTS.replications["confirm"]}


@dataclass(frozen=True)
class OptimiseSpec:
    """A checked ``wfsim optimise``: the scenario as loaded (once), its investment baseline, the levers,
    requirements and judge, and the study's options (``study``: stored with the study, checked on resume)."""

    scenario_file: Path
    scenario: Scenario
    baseline: Optional[Scenario | Region]  # the investment baseline (finance.investment.baseline), run on the same seeds
                                           # (a region's member: the region with the baseline in the member's place)
    levers: tuple[Lever, ...]
    requirements: tuple[Target, ...]
    judge: Judge
    study: study_.StudySpec
    trials: int
    workers: Optional[int] = None
    db: Optional[Path] = None             # the study's SQLite file (None: kept in memory)
    resume: bool = False                  # continue the study in ``db``
    cache: Optional[Path] = None          # the replication cache folder (experiments.cache), None: none
    region: Optional[Region] = None       # a region's member: the region (``scenario`` is the member's, ``baseline`` a Region)
    member: Optional[str] = None

    @property
    def label(self) -> str:
        """What the run is named by: the region, else the scenario."""
        return self.region.name if self.region is not None else self.scenario.name

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
        elif kind is int and key == "confirm_replications" and isinstance(value, str) and value.strip().lower() == "auto":
            value = "auto"
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
            allow_large: bool = False, cache: CacheOption = None, member: Optional[str] = None,
            precision: Optional[float] = None) -> OptimiseSpec:
    """Check every option before anything runs. Each option is the one given, else the study file's, else the default.

    ``confirm_replications="auto"``: each confirmation doubles its replications (from ``DEFAULTS.auto_first``)
    until the 95% interval of its chance is clear of the confidence or within ``precision`` points
    (default ``CONFIRM_PRECISION``), or ``CEILINGS.auto_replications``.

    A region file: the plan is for one member (``member``, default the first), judged on that member's results,
    with every member and the market run together (``experiments.optimise.RegionEvaluator``)."""
    from workforce_sim.workflows.region import any_region

    study = read_study(Path(study_file)) if study_file is not None else {}
    member = member if member is not None else study.get("member")
    given = {"levers": levers, "require": require, "confidence": confidence, "minimise": minimise, "trials": trials,
             "replications": replications, "confirm_replications": confirm_replications, "confirm_top": confirm_top,
             "seed": seed, "set": overrides}
    defaults = option_defaults()
    o = {k: v if v is not None else study.get(k, defaults.get(k, [])) for k, v in given.items()}
    path = Path(scenario_file)
    region = None
    if any_region([path]):
        region, member = _load_region_member(path, list(o["set"]), member)
        base = region.members[member_index(region, member)].scenario
    elif member is not None:
        raise InputError("is a council's scenario: --member names a member of a region file", file=str(scenario_file), key="member")
    else:
        base = load_scenario(path, list(o["set"]))
    auto = isinstance(o["confirm_replications"], str)
    if isinstance(o["confirm_replications"], str) and o["confirm_replications"].strip().lower() != "auto":
        raise InputError(f"expected a whole number or auto, got {o['confirm_replications']!r}", option="confirm_replications")
    if precision is not None and not auto:
        raise InputError("only with --confirm-replications auto", file="--precision")
    if auto:
        precision = CONFIRM_PRECISION if precision is None else float(precision)
        if not (precision > 0) or math.isinf(precision):
            raise InputError(f"must be a positive number of points, got {precision:g}", file="--precision")
        o["confirm_replications"] = DEFAULTS.auto_first
    conf = o["confidence"]
    if not (0 < conf < 1) or math.isnan(conf):
        raise InputError(f"must be above 0 and below 1 (0.9 = 90%), got {conf:g}", option="confidence")
    lever_list = parse_levers(list(o["levers"]), base) if region is None else parse_member_levers(list(o["levers"]), region, member)
    reqs = parse_requirements(list(o["require"]), base)
    cost = check_cost(o["minimise"], base)
    spec = study_.StudySpec(scenario=str(scenario_file), overrides=list(o["set"]), levers=list(o["levers"]),
                            requirements=list(o["require"]), confidence=float(conf), minimise=cost,
                            replications=int(o["replications"]), seed=int(o["seed"]),
                            confirm_replications=int(o["confirm_replications"]),
                            confirm_seed=int(o["seed"]) + 1 if confirm_seed is None else int(confirm_seed),
                            confirm_top=int(o["confirm_top"]),
                            startup_trials=min(study_.STARTUP_TRIALS, max(3, int(o["trials"]) // 4)), member=member or "",
                            confirm_precision=float(precision) if auto else 0.0,
                            confirm_ceiling=CEILINGS.auto_replications if auto else 0)
    if spec.confirm_seed == spec.seed:
        raise InputError("the confirmation seed must differ from the search seed (fresh seeds)", option="confirm_seed")
    check_ceiling(int(o["trials"]), CEILINGS.optimise_trials, "--trials", "trials", allow_large)
    check_replications(spec.replications, allow_large)
    check_replications(spec.confirm_ceiling or spec.confirm_replications, allow_large, "--confirm-replications")
    judge = Judge(reqs, cost, float(conf))
    # with an investment baseline, spend by financial year is the cost above it (same seeds), as in reports
    baseline = None
    if judge.needs_baseline or base.finance.investment.baseline:
        if region is None:
            baseline = load_investment_baseline(base, path, list(o["set"]))
        else:
            baseline = _baseline_region(region, member, base, list(o["set"]))
    return OptimiseSpec(path, base, baseline, tuple(lever_list), tuple(reqs), judge, spec, int(o["trials"]), workers,
                        None if db is None else Path(db), resume, resolve_cache(cache), region, member)


def _load_region_member(path: Path, overrides: list[str], member: Optional[str]) -> tuple[Region, str]:
    """The region (with the overrides) and the member the plan is for (default: the first)."""
    from workforce_sim.scenario.regions import load_region

    region = load_region(path, overrides)
    names = [m.name for m in region.members]
    if member is None:
        return region, names[0]
    if member not in names:
        raise InputError(f"no member {member!r} in {path.name} (members: {', '.join(names)})", option="member", key=member)
    return region, member


def _baseline_region(region: Region, member: str, scenario: Scenario, overrides: list[str]) -> Optional[Region]:
    """The region with ``member``'s investment baseline in its place (on the region's dates, with the member's
    ``--set members.MEMBER.KEY`` overrides), or None when the member's scenario names none."""
    i = member_index(region, member)
    prefixes = (f"members.{member}.", f"members.{i}.")
    own = [o.split(".", 2)[2] for o in overrides if o.startswith(prefixes)]
    dates = [f"start_date={region.start_date.isoformat()}", f"end_date={region.end_date.isoformat()}"]
    baseline = load_investment_baseline(scenario, None, [*dates, *own])
    return None if baseline is None else with_member_scenario(region, member, baseline)


def describe_responses(region: Region, member: str) -> str:
    """How the neighbours answer the member's supplement, in words (``B matches it; C ignores it``)."""
    words = []
    for m in region.members:
        if m.name == member:
            continue
        r = m.response
        if r is None or r.rule == "ignore":
            words.append(f"{m.name} keeps its own pay")
        elif r.rule == "match":
            words.append(f"{m.name} matches {r.follows}'s supplement")
        else:
            words.append(f"{m.name} matches {r.follows}'s supplement {r.lag_months:g} months later")
    return "; ".join(words) or "no neighbours"


def execute(spec: OptimiseSpec, progress: Optional[Callable[[int], None]] = None) -> Optimisation:
    """Search, confirm and choose (``progress(n)``: after every ``n`` replications)."""
    levers = list(spec.levers)
    reqs = list(spec.requirements)
    cache = False if spec.cache is None else spec.cache
    if spec.region is None:
        ev = study_.Evaluator(spec.scenario, levers, spec.judge, spec.baseline, spec.workers, cache=cache)
    else:
        ev = study_.RegionEvaluator(spec.scenario, levers, spec.judge, spec.baseline, spec.workers, cache=cache,
                                    region=spec.region, member=spec.member)
    t0 = time.perf_counter()
    study = study_.open_study(spec.db, create=not spec.resume)
    s = study_.stored_spec(study, spec.study)
    study_.search(study, s, ev, spec.trials, progress)
    t1 = time.perf_counter()
    near, rest, ladder = confirmation_order(evaluations_table(study_.finished(study), levers, reqs), levers, s.confidence)
    raw: list[dict] = []
    for batch in confirmation_batches(near, rest, ladder, s.confirm_top, study_.params_key):
        raw += study_.confirm(study, s, ev, batch, progress, confirmation_decided(s.confidence, s.confirm_precision))
        if choose_plan(confirmations_table(raw, levers, reqs), s.confidence) is not None:
            break
    t2 = time.perf_counter()
    opt = optimisation(spec.scenario, spec.study.scenario, levers, reqs, s, study_.finished(study), raw,
                       {"search": t1 - t0, "confirmation": t2 - t1}, spec.trials)
    if spec.region is not None:
        opt = replace(opt, region=spec.region, member=spec.member, responses=describe_responses(spec.region, spec.member))
    return opt
