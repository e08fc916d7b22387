"""The search for the cheapest plan: an Optuna study over candidates, and their confirmation.

The levers and candidates (one value per lever) are ``experiments.levers``.

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

import json
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

from workforce_sim.errors import InputError
from workforce_sim.experiments.levers import (
    Lever,
    candidate_region,
    candidate_scenario,
    current_values,
    region_current_values,
    space_size,
)
from workforce_sim.experiments.regions import run_region_replications
from workforce_sim.experiments.replications import Results, run_replications
from workforce_sim.scenario.schema import Scenario
from workforce_sim.scenario.schema.region import Region

STUDY_NAME = "wfsim-optimise"
STARTUP_TRIALS = 10          # random candidates before the sampler models the results (fewer for small studies)


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
    member: str = ""              # a region's member the plan is for ("" for a council's scenario)
    confirm_precision: float = 0.0   # --confirm-replications auto: points of chance (0: a fixed confirm_replications)
    confirm_ceiling: int = 0         # ... and the most replications a confirmation may take

    @property
    def confirm_auto(self) -> bool:
        return self.confirm_precision > 0

    @property
    def confirm_words(self) -> str:
        """How many replications a confirmation takes, in words."""
        if not self.confirm_auto:
            return f"{self.confirm_replications:,}"
        return (f"as many as each decision needs ({self.confirm_replications:,} doubling to at most {self.confirm_ceiling:,}, "
                f"until the chance's 95% interval is clear of the confidence or within ±{self.confirm_precision:g} points)")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StudySpec:
        return cls(**{"member": "", "confirm_precision": 0.0, "confirm_ceiling": 0, **data})

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
    if lever.choices is not None:
        return trial.suggest_categorical(lever.key, list(lever.choices))
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
    judge: Callable[[Results, Optional[Results]], dict]    # analysis.optimise.Judge: results, baseline's -> cost, chance
    baseline: Optional[Scenario] = None                   # the investment baseline, run on the same seeds
    workers: Optional[int] = 1
    cache: Any = None                                     # the replication cache (experiments.cache.resolve)
    _baselines: dict = field(default_factory=dict)

    def baseline_results(self, replications: int, seed: int, progress=None) -> Optional[Results]:
        if self.baseline is None:
            return None
        key = (replications, seed)
        if key not in self._baselines:
            self._baselines[key] = run_replications(self.baseline, replications, seed, self.workers, progress=progress,
                                                    cache=self.cache)
        return self._baselines[key]

    def evaluate(self, settings: dict[str, Any], replications: int, seed: int, progress=None) -> dict:
        sc = candidate_scenario(self.base, self.levers, settings)
        results = run_replications(sc, replications, seed, self.workers, progress=progress, cache=self.cache)
        return self.judge(results, self.baseline_results(replications, seed, progress))

    def current(self) -> Optional[dict[str, Any]]:
        """The input's own value of every lever (the study's first candidate), None when one is outside its range."""
        return current_values(self.base, self.levers)


@dataclass
class RegionEvaluator(Evaluator):
    """Runs candidates of one member of a region: the region with the member's scenario (and the region's
    levers) set by the candidate, every member and the market on one clock (``run_region_replications``, the
    same seeds for every candidate); the judge reads the member's ``Results``. The neighbours keep their
    response rules, applied inside each replication, so a neighbour that matches the member follows each
    candidate. ``base`` is the member's scenario; ``baseline`` a Region (the member's investment baseline in
    its place), run once per seed."""

    region: Optional[Region] = None
    member: str = ""

    def _member_results(self, region: Region, replications: int, seed: int, progress=None) -> Results:
        res = run_region_replications(region, replications, seed, self.workers, progress=progress, cache=self.cache)
        return res.members[self.member]

    def baseline_results(self, replications: int, seed: int, progress=None) -> Optional[Results]:
        if self.baseline is None:
            return None
        key = (replications, seed)
        if key not in self._baselines:
            self._baselines[key] = self._member_results(self.baseline, replications, seed, progress)
        return self._baselines[key]

    def evaluate(self, settings: dict[str, Any], replications: int, seed: int, progress=None) -> dict:
        region = candidate_region(self.region, self.member, self.levers, settings)
        results = self._member_results(region, replications, seed, progress)
        return self.judge(results, self.baseline_results(replications, seed, progress))

    def current(self) -> Optional[dict[str, Any]]:
        return region_current_values(self.region, self.member, self.levers)


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
        start = evaluator.current()
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
            progress: Optional[Callable[[int], None]] = None,
            decided: Optional[Callable[[dict[str, Any]], bool]] = None) -> list[dict]:
    """Run each candidate with ``confirm_replications`` on ``confirm_seed``; results are kept in
    the study (a resumed run does not repeat a finished confirmation). With ``--confirm-replications
    auto`` (``spec.confirm_auto``) a candidate's replications double until ``decided(result)`` (the
    workflow's test of its chance against the confidence) or ``spec.confirm_ceiling``; replication r
    is the same in every batch (seed, r), so a confirmation that stops at n is that of n."""
    out = []
    for settings in candidates:
        key = "confirm:" + params_key(settings)
        stored = study.user_attrs.get(key)
        if stored is None:
            n = spec.confirm_replications
            stored = evaluator.evaluate(settings, n, spec.confirm_seed, progress)
            while spec.confirm_auto and decided is not None and not decided(stored) and n < spec.confirm_ceiling:
                n = min(spec.confirm_ceiling, 2 * n)
                stored = evaluator.evaluate(settings, n, spec.confirm_seed, progress)
            study.set_user_attr(key, stored)
        elif progress:
            progress(int(stored.get("n", spec.confirm_replications)))
        out.append({"settings": dict(settings), **stored})
    return out
