"""The search for the cheapest plan: levers, candidates, an Optuna study, confirmation.

A *lever* is a scenario key the search may set within a range
(``--lever KEY=LOW..HIGH[:STEP]``), or a number of teams of a type added on a
date (``--lever teams.add.TYPE@YYYY-MM-DD=LOW..HIGH``). A *candidate* is one
value per lever; its scenario is the input scenario with those values.

The study is multi-objective (Optuna): minimise the cost, maximise the chance
that a replication meets every requirement, with the constraint chance >=
confidence (``Trial.set_constraint``). Every candidate runs the same seeds
(common random numbers), so two candidates differ by their levers and not by
their luck. The study lives in an SQLite file (Optuna's RDB storage): each
finished evaluation is stored as it ends, and a study whose process was killed
resumes where it was (its unfinished candidate is marked failed and queued
again with the same values). The sampler is seeded afresh before each new
candidate from the seed and the number of finished candidates, so a resumed
study proposes what an uninterrupted one would have.

Confirmation runs chosen candidates again with more replications on a fresh
seed (a seed the search never used). Which candidates, and what counts as
meeting the requirements, is decided by the caller: this module knows no
measure. ``judge(results, baseline)`` is given by the analysis layer.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

from workforce_sim.errors import InputError
from workforce_sim.experiments.replications import Results, run_replications
from workforce_sim.experiments.sweep import baseline_scenario
from workforce_sim.scenario.loading import apply_set, with_overrides
from workforce_sim.scenario.schema import Scenario

STUDY_NAME = "wfsim-optimise"
TEAMS_PREFIX = "teams.add."
MAX_LEVERS = 20
STARTUP_TRIALS = 10          # random candidates before the sampler models the results (fewer for small studies)
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE = re.compile(rf"^\s*({_NUMBER})\s*\.\.\s*({_NUMBER})\s*(?::\s*({_NUMBER})\s*)?$")

Judge = Callable[[Results, Optional[Results]], dict]


# ------------------------------------------------------------------ levers
@dataclass(frozen=True)
class Lever:
    """One lever: a scenario key (or teams of a type added on a date) and its range."""

    name: str                       # the parameter's name in the study: the key as given
    low: float
    high: float
    step: Optional[float]
    integer: bool
    text: str
    team_type: Optional[str] = None
    date: Optional[dt.date] = None

    @property
    def adds_teams(self) -> bool:
        return self.team_type is not None

    def describe(self) -> str:
        rng = f"{_fmt(self.low)} to {_fmt(self.high)}" + (f" in steps of {_fmt(self.step)}" if self.step else "")
        if self.adds_teams:
            return f"{self.team_type} teams added on {self.date.isoformat()}: {rng}"
        return f"{self.name}: {rng}"

    def values(self) -> Optional[list[float]]:
        """Every value the lever takes, when it has finitely many (integers or a step)."""
        step = self.step or (1 if self.integer else None)
        if step is None:
            return None
        n = int(round((self.high - self.low) / step))
        return [self._cast(self.low + i * step) for i in range(n + 1)]

    def _cast(self, v: float):
        return int(round(v)) if self.integer else round(float(v), 10)


def _fmt(x: Optional[float]) -> str:
    if x is None:
        return ""
    return f"{int(x)}" if float(x).is_integer() else f"{x:g}"


def _number(text: str) -> tuple[float, bool]:
    """A number and whether it was written as an integer."""
    is_int = re.fullmatch(r"[-+]?\d+", text.strip()) is not None
    return (int(text) if is_int else float(text)), is_int


def parse_lever(text: str) -> Lever:
    """``KEY=LOW..HIGH[:STEP]`` or ``teams.add.TYPE@YYYY-MM-DD=LOW..HIGH`` (the syntax only)."""
    if "=" not in text:
        raise InputError(f"expected KEY=LOW..HIGH[:STEP], got {text!r}", option="lever")
    key, _, raw = text.partition("=")
    key = key.strip()
    if not key or any(not p for p in key.split(".")):
        raise InputError(f"bad key in {text!r}", option="lever")
    m = _RANGE.match(raw)
    if not m:
        raise InputError(f"expected a range LOW..HIGH or LOW..HIGH:STEP, got {raw!r}", option="lever", key=key)
    (low, li), (high, hi) = _number(m.group(1)), _number(m.group(2))
    step, si = _number(m.group(3)) if m.group(3) else (None, True)
    if not all(math.isfinite(x) for x in (low, high) + ((step,) if step is not None else ())):
        raise InputError("the range must be finite numbers", option="lever", key=key)
    if low > high:
        raise InputError(f"LOW {_fmt(low)} is above HIGH {_fmt(high)}", option="lever", key=key)
    if step is not None:
        if step <= 0:
            raise InputError(f"STEP must be above 0, got {_fmt(step)}", option="lever", key=key)
        n = (high - low) / step
        if abs(n - round(n)) > 1e-9:
            raise InputError(f"HIGH - LOW ({_fmt(high - low)}) is not a whole number of steps of {_fmt(step)}", option="lever", key=key)
    integer = li and hi and si
    team_type = date = None
    if key.startswith(TEAMS_PREFIX):
        rest = key[len(TEAMS_PREFIX):]
        team_type, at, day = rest.partition("@")
        if not team_type or not at:
            raise InputError("a teams lever is teams.add.TYPE@YYYY-MM-DD", option="lever", key=key)
        try:
            date = dt.date.fromisoformat(day)
        except ValueError:
            raise InputError(f"not a date (YYYY-MM-DD): {day!r}", option="lever", key=key) from None
        if not integer or low < 0:
            raise InputError("a number of teams is a whole number >= 0", option="lever", key=key)
    return Lever(key, low, high, step, bool(integer), text, team_type, date)


def parse_levers(items: list[str], base: Scenario) -> list[Lever]:
    """Parse and check every lever against the scenario: the key exists and takes numbers,
    both ends of the range validate, team types and dates are the scenario's."""
    if not items:
        raise InputError("give at least one {option} KEY=LOW..HIGH", option="lever")
    if len(items) > MAX_LEVERS:
        raise InputError(f"at most {MAX_LEVERS} levers", option="lever")
    levers: list[Lever] = []
    data = base.model_dump(mode="json")
    for item in items:
        lever = parse_lever(item)
        if any(x.name == lever.name for x in levers):
            raise InputError("key given in two {option} options", option="lever", key=lever.name)
        if lever.adds_teams:
            if lever.team_type not in base.team_types:
                raise InputError(f"unknown team type {lever.team_type!r}; the scenario's: {', '.join(base.team_types)}",
                                 option="lever", key=lever.name)
            if not (base.start_date <= lever.date < base.end_date):
                raise InputError(f"{lever.date} is outside the run ({base.start_date} to {base.end_date})", option="lever", key=lever.name)
        else:
            current = _lookup(data, lever.name.split("."))
            uncertain = isinstance(current, dict) and "dist" in current    # a range: the lever fixes it, a choice, not a guess
            if current is not _MISSING and not uncertain and (isinstance(current, bool) or not isinstance(current, (int, float))):
                raise InputError(f"not a number in the scenario (it is {type(current).__name__}); a lever sets a number",
                                 option="lever", key=lever.name)
            for end in (lever.low, lever.high):
                try:
                    with_overrides(base, {lever.name: end})
                except InputError as exc:
                    raise InputError(f"{exc.message}", option="lever", key=exc.key or lever.name) from None
        levers.append(lever)
    return levers


_MISSING = object()


def _lookup(data: Any, parts: list[str]) -> Any:
    node = data
    for p in parts:
        if isinstance(node, dict) and p in node:
            node = node[p]
        elif isinstance(node, list) and p.isdigit() and int(p) < len(node):
            node = node[int(p)]
        else:
            return _MISSING
    return node


def current_values(base: Scenario, levers: list[Lever]) -> Optional[dict[str, Any]]:
    """The scenario's own value of every lever (no teams added), if each is inside its range and on its steps."""
    data = base.model_dump(mode="json")
    out: dict[str, Any] = {}
    for lever in levers:
        v = 0 if lever.adds_teams else _lookup(data, lever.name.split("."))
        if v is _MISSING or isinstance(v, dict) or not (lever.low - 1e-12 <= v <= lever.high + 1e-12):
            return None
        grid = lever.values()
        if grid is not None and not any(abs(v - g) < 1e-9 for g in grid):
            return None
        out[lever.name] = lever._cast(v)
    return out


def candidate_overrides(base: Scenario, levers: list[Lever], settings: dict[str, Any]) -> dict[str, Any]:
    """Dotted key -> value that make the candidate of ``settings`` from ``base`` (teams as a new
    ``establishment_changes`` list: the scenario's own changes, then one per teams lever above 0)."""
    out: dict[str, Any] = {}
    changes = []
    for lever in levers:
        value = settings[lever.name]
        if lever.adds_teams:
            if value > 0:
                changes.append({"date": lever.date.isoformat(), "add_teams": [{"type": lever.team_type, "count": int(value)}],
                                "note": f"teams added by the plan (lever {lever.name})"})
        else:
            out[lever.name] = value
    if changes:
        out["establishment_changes"] = [c.model_dump(mode="json") for c in base.establishment_changes] + changes
    return out


def candidate_scenario(base: Scenario, levers: list[Lever], settings: dict[str, Any]) -> Scenario:
    """The scenario of one candidate."""
    return with_overrides(base, candidate_overrides(base, levers, settings))


def plan_data(base: Scenario, levers: list[Lever], settings: dict[str, Any]) -> dict[str, Any]:
    """The nested mapping a scenario file that ``extends:`` the input sets for this candidate.

    A key inside a list (``nqsw.cohorts.1.count``) is written as the whole list, since a
    file that extends another replaces its lists."""
    full = base.model_dump(mode="json")
    for key, value in candidate_overrides(base, levers, settings).items():
        apply_set(full, key.split("."), value)
    out: dict[str, Any] = {}
    for key in candidate_overrides(base, levers, settings):
        parts = key.split(".")
        cut = next((i + 1 for i in range(len(parts)) if isinstance(_lookup(full, parts[: i + 1]), list)), len(parts))
        head = parts[:cut]
        apply_nested(out, head, _lookup(full, head))
    return out


def apply_nested(data: dict[str, Any], parts: list[str], value: Any) -> None:
    node = data
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value


# ------------------------------------------------------------------ the study
@dataclass
class StudySpec:
    """What a study searches and how: stored beside it, checked when it resumes."""

    scenario: str
    overrides: list[str]
    levers: list[str]
    requirements: list[str]
    confidence: float
    minimise: str
    replications: int
    seed: int
    confirm_replications: int
    confirm_seed: int
    confirm_top: int
    startup_trials: int = STARTUP_TRIALS

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StudySpec:
        return cls(**data)

    def differences(self, other: StudySpec) -> list[str]:
        """Fields that differ (the scenario's path is compared as resolved)."""
        a, b = self.to_json(), other.to_json()
        a["scenario"], b["scenario"] = str(Path(a["scenario"]).resolve()), str(Path(b["scenario"]).resolve())
        return [k for k in a if a[k] != b[k]]


def _optuna():
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def storage_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def open_study(db: Optional[Path], create: bool):
    """The study in ``db`` (created when ``create``; None: in memory); unfinished candidates of a
    process that ended are marked failed and queued again with their values."""
    optuna = _optuna()
    if db is None:
        if not create:
            raise InputError("a study kept in memory cannot be resumed", option="resume")
        return optuna.create_study(directions=["minimize", "maximize"])
    if create:
        return optuna.create_study(storage=storage_url(db), study_name=STUDY_NAME, directions=["minimize", "maximize"])
    study = optuna.load_study(storage=storage_url(db), study_name=STUDY_NAME)
    requeue_unfinished(study)
    return study


def requeue_unfinished(study) -> list[int]:
    """Mark RUNNING trials (their process has ended) FAIL, and queue their values again."""
    from optuna.trial import TrialState

    queued = {t.user_attrs.get("requeued_from") for t in study.get_trials(deepcopy=False, states=(TrialState.WAITING,))}
    done = []
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        study.tell(t.number, state=TrialState.FAIL)
        if t.number not in queued:
            study.enqueue_trial(dict(t.params), user_attrs={"requeued_from": t.number})
        done.append(t.number)
    return done


def stored_spec(study, spec: StudySpec) -> StudySpec:
    """Store ``spec`` in a new study; in a resumed one, check it is the stored one and return that."""
    stored = study.user_attrs.get("spec")
    if stored is None:
        study.set_user_attr("spec", spec.to_json())
        return spec
    old = StudySpec.from_json(stored)
    diff = [k for k in old.differences(spec) if k != "startup_trials"]
    if diff:
        k = diff[0]
        raise InputError(f"differs from the study being resumed ({k}: {getattr(old, k)!r} then, {getattr(spec, k)!r} now); "
                         "resume with the same options, or start a new study", option="resume", key=k)
    return old


def check_stored(db: Path, spec: StudySpec) -> None:
    """Before a resumed run writes anything: its options are the stored study's."""
    optuna = _optuna()
    try:
        study = optuna.load_study(storage=storage_url(db), study_name=STUDY_NAME)
    except KeyError:
        raise InputError(f"{db} holds no study", option="resume") from None
    if study.user_attrs.get("spec") is not None:
        stored_spec(study, spec)


def _sampler(spec: StudySpec, index: int):
    """The sampler for the ``index``-th candidate: TPE (integer and continuous levers, two
    objectives, constraints), seeded from the study's seed and the index."""
    optuna = _optuna()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.samplers.TPESampler(seed=(spec.seed * 1_000_003 + index) % 2**32, multivariate=True,
                                          n_startup_trials=spec.startup_trials)


def _suggest(trial, lever: Lever):
    if lever.integer:
        return trial.suggest_int(lever.name, int(lever.low), int(lever.high), step=int(lever.step or 1))
    return trial.suggest_float(lever.name, float(lever.low), float(lever.high), step=lever.step)


def finished(study) -> list:
    from optuna.trial import TrialState

    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))


def params_key(params: dict[str, Any]) -> str:
    return json.dumps({k: params[k] for k in sorted(params)}, sort_keys=True)


@dataclass
class Evaluator:
    """Runs candidates: replications on given seeds, the baseline once per seed, the judge."""

    base: Scenario
    levers: list[Lever]
    judge: Judge
    baseline: Optional[Scenario] = None
    workers: Optional[int] = 1
    _baselines: dict = field(default_factory=dict)

    def baseline_results(self, replications: int, seed: int, progress=None) -> Optional[Results]:
        if self.baseline is None:
            return None
        key = (replications, seed)
        if key not in self._baselines:
            self._baselines[key] = run_replications(self.baseline, replications, seed, self.workers, progress=progress)
        return self._baselines[key]

    def evaluate(self, settings: dict[str, Any], replications: int, seed: int, progress=None) -> dict:
        sc = candidate_scenario(self.base, self.levers, settings)
        results = run_replications(sc, replications, seed, self.workers, progress=progress)
        return self.judge(results, self.baseline_results(replications, seed, progress))


def make_evaluator(path: str | Path, base: Scenario, levers: list[Lever], judge: Judge, needs_baseline: bool,
                   overrides: list[str] = (), workers: Optional[int] = 1) -> Evaluator:
    base_sc = baseline_scenario(path, base, list(overrides)) if needs_baseline else None
    return Evaluator(base, levers, judge, base_sc, workers)


def space_size(levers: list[Lever]) -> Optional[int]:
    """Number of distinct candidates when every lever takes finitely many values, else None."""
    n = 1
    for lever in levers:
        vals = lever.values()
        if vals is None:
            return None
        n *= len(vals)
    return n


def distinct(trials: list) -> int:
    return len({params_key(t.params) for t in trials})


def search(study, spec: StudySpec, evaluator: Evaluator, trials: int, progress: Optional[Callable[[int], None]] = None,
           on_trial: Optional[Callable[[Any], None]] = None) -> None:
    """Evaluate candidates until ``trials`` distinct ones have finished (or every candidate of a finite
    lever space has). The sampler may propose a candidate already evaluated: it takes the earlier
    result without running again (the seeds are the same) and does not count as a new candidate;
    at most ``3 * trials + 20`` proposals are made in all."""
    optuna = _optuna()
    size = space_size(evaluator.levers)
    goal = min(trials, size) if size is not None else trials
    if not study.trials:
        start = current_values(evaluator.base, evaluator.levers)
        if start is not None:
            study.enqueue_trial(start, user_attrs={"origin": "the scenario as it is"})
    while distinct(done := finished(study)) < goal and len(done) < 3 * trials + 20:
        study.sampler = _sampler(spec, len(done))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            trial = study.ask()
            settings = {lever.name: _suggest(trial, lever) for lever in evaluator.levers}
        key = params_key(settings)
        same = next((t for t in done if params_key(t.params) == key), None)
        if same is not None:
            result = {k: v for k, v in same.user_attrs.items() if k not in ("same_as", "origin", "requeued_from")}
            result["same_as"] = same.number
        else:
            result = evaluator.evaluate(settings, spec.replications, spec.seed, progress)
        for k, v in result.items():
            trial.set_user_attr(k, v)
        trial.set_constraint("confidence", spec.confidence - float(result["chance"]))
        met = float(result["chance"]) >= spec.confidence
        trial.set_constraint("shortfall", 0.0 if met else float(result.get("shortfall", 0.0)))   # how far, where every chance is 0
        study.tell(trial, [float(result["cost"]), float(result["chance"])])
        if on_trial:
            on_trial(trial)


def confirm(study, spec: StudySpec, evaluator: Evaluator, candidates: list[dict[str, Any]],
            progress: Optional[Callable[[int], None]] = None) -> list[dict]:
    """Run each candidate with ``confirm_replications`` on ``confirm_seed``; results are kept in
    the study (a resumed run does not repeat a finished confirmation)."""
    out = []
    for settings in candidates:
        key = "confirm:" + params_key(settings)
        stored = study.user_attrs.get(key)
        if stored is None:
            stored = evaluator.evaluate(settings, spec.confirm_replications, spec.confirm_seed, progress)
            study.set_user_attr(key, stored)
        elif progress:
            progress(spec.confirm_replications)
        out.append({"settings": dict(settings), **stored})
    return out
