"""Judging candidates of the optimiser: requirements, the cost to minimise, the chance of
meeting every requirement, the Pareto front, the candidates to confirm and the plan.

A requirement is ``MEASURE>=VALUE@DATE`` (or ``<=``) for any measure of
``scenario.targets.MEASURES`` the scenario can evaluate, or the name of a
target the scenario declares (all its judged rows: ``spend_within_profile`` is
one row per financial year of the investment profile). Each is judged with the
measure functions and the one test of ``analysis.targets``.

The *chance of meeting the requirements* is the share of replications in which
every requirement is met at once; each requirement's own chance is reported
beside it, with a Wilson score interval (95%).
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
import pandas as pd

from workforce_sim.analysis.finance import cost_by_replication, investment_comparison
from workforce_sim.analysis.measures import HIGH_Q, LOW_Q, Z95, meets, wilson
from workforce_sim.analysis.targets import Target, has_data, targets_for, values_at
from workforce_sim.errors import InputError
from workforce_sim.experiments.levers import Lever
from workforce_sim.experiments.optimise import StudySpec
from workforce_sim.experiments.replications import Results
from workforce_sim.finance.costs import COMPONENTS
from workforce_sim.scenario.schema import Scenario
from workforce_sim.scenario.schema.region import Region
from workforce_sim.scenario.schema.targets import MEASURES, SPEND

CONFIRM_ROUNDS = 3     # rounds of confirmation of ``confirm_top`` candidates each, until one meets the confidence
COST_MEASURES = {"total_cost": None, "additional_cost": None, **{f"{c}_cost": c for c in COMPONENTS}}
COST_WORDS = {"total_cost": "total cost of the qualified workforce over the run",
              "additional_cost": "cost above the investment baseline over the run (same seeds)",
              **{f"{c}_cost": f"{c.replace('_', ' ')} cost over the run" for c in COMPONENTS}}
_REQ = re.compile(r"^\s*([a-z_]+)\s*(>=|<=)\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(%?)\s*(?:@\s*(\S+))?\s*$")


# ------------------------------------------------------------------ requirements
def parse_requirement(text: str, scenario: Scenario) -> list[Target]:
    """One ``--require``: judged rows (one, or one per financial year for a spend target)."""
    name = text.strip()
    if name in scenario.targets:
        rows = [t for t in targets_for(scenario) if t.name == name]
        rows = [t for t in rows if t.modelled and t.threshold is not None and t.direction is not None]
        if not rows:
            raise InputError("the scenario's target of this name has no threshold the model judges", option="require", key=name)
        for t in rows:
            _check_data(t, scenario, name)
        return rows
    m = _REQ.match(text)
    if not m:
        known = ", ".join(k for k, t in scenario.targets.items() if t.modelled and (t.threshold is not None or t.measure == SPEND))
        raise InputError(f"expected MEASURE>=VALUE@DATE, MEASURE<=VALUE@DATE or a target the scenario declares ({known}); got {text!r}",
                         option="require")
    measure, op, raw, pct, day = m.groups()
    if measure not in MEASURES:
        raise InputError(f"unknown measure {measure!r}; known measures: {', '.join(MEASURES)}", option="require", key=measure)
    if measure == SPEND:
        raise InputError(f"{SPEND} is judged against the investment profile year by year: give the scenario's target by name",
                         option="require", key=measure)
    info = MEASURES[measure]
    value = float(raw) / (100 if pct else 1)
    if pct and info.unit not in ("share", "per_year"):
        raise InputError(f"a % is only for shares; {measure} is in {info.unit}", option="require", key=measure)
    if info.unit in ("share",) and not 0 <= value <= 1:
        raise InputError(f"a share is between 0 and 1 (or 0% and 100%), got {raw}{pct}", option="require", key=measure)
    if value < 0:
        raise InputError(f"must be >= 0, got {raw}", option="require", key=measure)
    if day is None:
        date = scenario.target_date(measure)
    else:
        try:
            date = dt.date.fromisoformat(day)
        except ValueError:
            raise InputError(f"not a date (YYYY-MM-DD): {day!r}", option="require", key=measure) from None
    if not (scenario.start_date <= date <= scenario.end_date):
        raise InputError(f"{date} is outside the run ({scenario.start_date} to {scenario.end_date})", option="require", key=measure)
    direction = "at_least" if op == ">=" else "at_most"
    declared = scenario.target_for(measure)
    title = declared[1].title if declared else measure.replace("_", " ").capitalize()
    t = Target(key=f"{measure}_{op.replace('>=', 'ge').replace('<=', 'le')}_{value:g}_{date.isoformat()}", name=measure, title=title,
               description=info.description, unit=info.unit, source="required on the command line (wfsim optimise --require)",
               measure=measure, threshold=value, direction=direction, date=date)
    _check_data(t, scenario, measure)
    return [t]


def _check_data(t: Target, scenario: Scenario, key: str) -> None:
    if MEASURES[t.measure].needs == "cases" and scenario.demand is None:
        raise InputError(f"{t.measure} needs children's cases; the scenario has no demand: section", option="require", key=key)


def parse_requirements(items: list[str], scenario: Scenario) -> list[Target]:
    if not items:
        raise InputError("give at least one {option} MEASURE>=VALUE@DATE (or a target the scenario declares)", option="require")
    out: list[Target] = []
    for item in items:
        for t in parse_requirement(item, scenario):
            if any(o.key == t.key for o in out):
                raise InputError("requirement given twice", option="require", key=t.key)
            out.append(t)
    return out


def check_cost(measure: str, scenario: Scenario) -> str:
    if measure not in COST_MEASURES:
        raise InputError(f"unknown cost measure {measure!r}; known: {', '.join(COST_MEASURES)}", option="minimise")
    if measure == "additional_cost" and not scenario.finance.investment.baseline:
        raise InputError("additional_cost needs an investment baseline (finance.investment.baseline)", option="minimise")
    return measure


def needs_baseline(requirements: list[Target], cost: str) -> bool:
    return cost == "additional_cost" or any(t.measure == SPEND for t in requirements)


# ------------------------------------------------------------------ judging
def confirmation_decided(confidence: float, precision_points: float) -> Callable[[dict], bool]:
    """``--confirm-replications auto``: whether a confirmation's result settles its candidate: the 95%
    Wilson interval of its chance lies wholly at or above the confidence (met) or wholly below it
    (not met), or is within ``precision_points`` either side of the chance."""
    def decided(result: dict) -> bool:
        n = int(result["n"])
        low, high = wilson(float(result["chance"]) * n, n)
        return low >= confidence or high < confidence or (high - low) / 2 <= precision_points / 100
    return decided


@dataclass(frozen=True)
class Judge:
    """``judge(results, baseline)``: cost to minimise and chance of meeting every requirement
    (``baseline``: the investment baseline's results on the same seeds, or None)."""

    requirements: tuple[Target, ...]
    cost: str = "total_cost"
    confidence: float = 0.9

    def __post_init__(self) -> None:
        object.__setattr__(self, "requirements", tuple(self.requirements))

    @property
    def needs_baseline(self) -> bool:
        return needs_baseline(list(self.requirements), self.cost)

    def cost_per_replication(self, results: Results, baseline: Optional[Results]) -> pd.Series:
        total = cost_by_replication(results, COST_MEASURES.get(self.cost))
        if self.cost == "additional_cost":
            total = total - cost_by_replication(baseline)
        return total

    def values_per_replication(self, results: Results, baseline: Optional[Results]) -> pd.DataFrame:
        """Replication x requirement: the value reached (NaN where a replication has none)."""
        reps = pd.RangeIndex(results.replications, name="replication")
        values = {}
        for t in self.requirements:
            if not has_data(results, t.needs):
                raise InputError(f"{t.measure}: these results do not carry what it needs", option="require", key=t.key)
            values[t.key] = values_at(t, results, baseline)[1].reindex(reps).astype(float)
        return pd.DataFrame(values, index=reps)

    def met(self, values: pd.DataFrame) -> pd.DataFrame:
        """Replication x requirement: True where met (a replication without a value does not meet it)."""
        return pd.DataFrame({t.key: pd.Series(meets(values[t.key].fillna(np.inf if t.direction == "at_most" else -np.inf),
                                                    t.threshold, t.direction), index=values.index)
                             for t in self.requirements})

    def met_per_replication(self, results: Results, baseline: Optional[Results]) -> pd.DataFrame:
        return self.met(self.values_per_replication(results, baseline))

    def shortfall(self, values: pd.DataFrame) -> float:
        """How far the candidate is from meeting each requirement with the confidence: the sum over
        requirements of the gap between the threshold and the value reached in the worst
        ``1 - confidence`` share of replications, relative to the threshold (0 when every one is met).
        A continuous guide for the sampler where every chance is 0 or 1."""
        total = 0.0
        for t in self.requirements:
            v = values[t.key].dropna()
            if v.empty:
                total += 1.0
                continue
            if t.direction == "at_least":
                gap = t.threshold - float(v.quantile(1 - self.confidence))
            else:
                gap = float(v.quantile(self.confidence)) - t.threshold
            total += max(0.0, gap) / max(abs(t.threshold), 1e-9) if t.threshold != 0 else max(0.0, gap)
        return float(total)

    def __call__(self, results: Results, baseline: Optional[Results] = None) -> dict[str, Any]:
        values = self.values_per_replication(results, baseline)
        met = self.met(values)
        cost = self.cost_per_replication(results, baseline)
        n = int(results.replications)
        joint = met.all(axis=1)
        by_year = investment_comparison(results, baseline)
        return {
            "shortfall": self.shortfall(values),
            "cost": float(cost.mean()), "cost_p5": float(cost.quantile(LOW_Q)), "cost_p95": float(cost.quantile(HIGH_Q)),
            "chance": float(joint.mean()), "n": n, "met_count": int(joint.sum()),
            "chances": {k: float(met[k].mean()) for k in met},
            "medians": {k: _f(values[k].median()) for k in values},
            "lows": {k: _f(values[k].quantile(LOW_Q)) for k in values},
            "highs": {k: _f(values[k].quantile(HIGH_Q)) for k in values},
            "by_year": [{k: (_f(v) if isinstance(v, float) else v) for k, v in r.items()} for r in by_year.to_dict("records")],
        }


def _f(x: float) -> Optional[float]:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


# ------------------------------------------------------------------ tables
def evaluations_table(trials: list, levers: list, requirements: list[Target]) -> pd.DataFrame:
    """Every candidate the search evaluated (finished trials), in order."""
    rows = []
    for t in trials:
        a = t.user_attrs
        if "cost" not in a:
            continue
        row = {"candidate": t.number, **{lv.name: t.params.get(lv.name) for lv in levers},
               "cost_gbp": a["cost"], "cost_p5_gbp": a["cost_p5"], "cost_p95_gbp": a["cost_p95"],
               "chance": a["chance"], "shortfall": a.get("shortfall"), "replications": a["n"],
               "meets_confidence": bool(t.constraints.get("confidence", 1) <= 0),
               "same_as": a.get("same_as"), "origin": a.get("origin", "requeued" if "requeued_from" in a else "sampler")}
        for r in requirements:
            row[f"chance_{r.key}"] = a["chances"].get(r.key)
            row[f"median_{r.key}"] = a["medians"].get(r.key)
        rows.append(row)
    return pd.DataFrame(rows)


def unique(evals: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct candidate (the first evaluation of each)."""
    if evals.empty:
        return evals
    return evals[evals["same_as"].isna()].reset_index(drop=True)


def pareto_front(evals: pd.DataFrame, cost: str = "cost_gbp", chance: str = "chance") -> pd.DataFrame:
    """Candidates no other is both cheaper (or as cheap) and likelier (or as likely) than, by cost."""
    if evals.empty:
        return evals
    df = evals.sort_values([cost, chance], ascending=[True, False])
    keep, best = [], -np.inf
    for i, r in df.iterrows():
        if r[chance] > best + 1e-12:
            keep.append(i)
            best = r[chance]
    return df.loc[keep].reset_index(drop=True)


def ladder_levels(confidence: float) -> list[float]:
    """Confidence levels of the cost ladder: every 5 points from 10 points below ``confidence`` to 95%, and it."""
    lo = math.floor(round((confidence - 0.10) * 100, 6) / 5) * 5
    levels = {round(x / 100, 2) for x in range(max(5, lo), 96, 5)}
    levels.add(round(confidence, 4))
    return sorted(levels)


def confirmation_order(evals: pd.DataFrame, levers: list, confidence: float) -> tuple[list[dict], list[dict], list[dict]]:
    """The candidates to confirm: those whose search chance is within its sampling error of
    ``confidence`` (or above it), cheapest first; the rest, closest first (likeliest, then the
    smallest shortfall); and the cheapest reaching each ladder level in the search."""
    u = unique(evals)
    if u.empty:
        return [], [], []
    n = int(u["replications"].iloc[0])
    margin = Z95 * math.sqrt(max(confidence * (1 - confidence), 0.25 / n) / n)
    near = u[u["chance"] >= confidence - margin].sort_values(["cost_gbp", "chance"], ascending=[True, False])
    rest = u.drop(near.index).sort_values(["chance", "shortfall", "cost_gbp"], ascending=[False, True, True])
    ladder = []
    for level in ladder_levels(confidence):
        reach = u[u["chance"] >= level - 1e-12].sort_values("cost_gbp")
        if len(reach) and reach.index[0] not in ladder:
            ladder.append(reach.index[0])

    def settings(i):
        return {lv.name: lv.cast(u.loc[i, lv.name]) for lv in levers}

    return [settings(i) for i in near.index], [settings(i) for i in rest.index], [settings(i) for i in ladder]


def confirmation_batches(near: list[dict], rest: list[dict], ladder: list[dict], top: int,
                         key: Callable[[dict], str]) -> list[list[dict]]:
    """The candidates to confirm, batch by batch (the caller stops after the batch where a plan
    is found): the ladder's candidates and the ``top`` cheapest near the confidence first, then
    the next ``top`` near it, for at most CONFIRM_ROUNDS batches; with none near, the ``top``
    closest once (to say what they reach). Each candidate once (``key``: its identity)."""
    order = near + rest
    rounds = max(1, min(CONFIRM_ROUNDS, math.ceil(len(near) / top)))
    seen: set[str] = set()
    batches = []
    for round_ in range(rounds):
        batch = []
        for c in [*(ladder if round_ == 0 else []), *order[round_ * top:(round_ + 1) * top]]:
            if key(c) not in seen:
                seen.add(key(c))
                batch.append(c)
        batches.append(batch)
        if len(seen) >= len(order):
            break
    return batches


def _native(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


def confirmations_table(confirmed: list[dict], levers: list, requirements: list[Target]) -> pd.DataFrame:
    rows = []
    for j, c in enumerate(confirmed):
        lo, hi = wilson(c["met_count"], c["n"])
        row = {"confirmation": j, **{lv.name: c["settings"][lv.name] for lv in levers}, "cost_gbp": c["cost"], "cost_p5_gbp": c["cost_p5"],
               "cost_p95_gbp": c["cost_p95"], "chance": c["chance"], "chance_low": lo, "chance_high": hi,
               "shortfall": c.get("shortfall"), "replications": c["n"]}
        for r in requirements:
            p = c["chances"][r.key]
            rlo, rhi = wilson(p * c["n"], c["n"])
            row.update({f"chance_{r.key}": p, f"chance_low_{r.key}": rlo, f"chance_high_{r.key}": rhi,
                        f"median_{r.key}": c["medians"].get(r.key)})
        rows.append(row)
    df = pd.DataFrame(rows)
    return df.sort_values(["cost_gbp"]).reset_index(drop=True) if len(df) else df


def choose_plan(confirmed: pd.DataFrame, confidence: float) -> Optional[int]:
    """Row of the cheapest confirmed candidate whose confirmed chance is at least ``confidence``."""
    if confirmed.empty:
        return None
    ok = confirmed[confirmed["chance"] >= confidence - 1e-12]
    return None if ok.empty else int(ok["cost_gbp"].idxmin())


def closest(confirmed: pd.DataFrame, k: int = 3) -> pd.DataFrame:
    """The ``k`` confirmed candidates with the highest chance (the smaller shortfall, then the cheaper, first among equals)."""
    return confirmed.sort_values(["chance", "shortfall", "cost_gbp"], ascending=[False, True, True]).head(k)


def confidence_costs(confirmed: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """For each ladder level: the cheapest confirmed candidate reaching it, its cost and the extra cost
    over the level before (the cost of those points of confidence)."""
    rows, prev = [], None
    for level in ladder_levels(confidence):
        ok = confirmed[confirmed["chance"] >= level - 1e-12] if len(confirmed) else confirmed
        if ok is None or ok.empty:
            rows.append({"confidence": level, "reached": False, "cost_gbp": np.nan, "chance": np.nan, "chance_low": np.nan,
                         "chance_high": np.nan, "extra_cost_gbp": np.nan, "row": np.nan})
            prev = None
            continue
        i = ok["cost_gbp"].idxmin()
        r = confirmed.loc[i]
        extra = r["cost_gbp"] - prev if prev is not None else np.nan
        rows.append({"confidence": level, "reached": True, "cost_gbp": r["cost_gbp"], "chance": r["chance"],
                     "chance_low": r["chance_low"], "chance_high": r["chance_high"], "extra_cost_gbp": extra, "row": int(i)})
        prev = r["cost_gbp"]
    return pd.DataFrame(rows)


def requirement_table(row: pd.Series, requirements: list[Target]) -> pd.DataFrame:
    """The plan's chance of meeting each requirement with its interval, and the value reached."""
    out = []
    for r in requirements:
        out.append({"requirement": r.key, "title": r.title, "target": r.describe_target(), "unit": r.unit,
                    "median": row.get(f"median_{r.key}"), "chance": row[f"chance_{r.key}"],
                    "chance_low": row[f"chance_low_{r.key}"], "chance_high": row[f"chance_high_{r.key}"]})
    out.append({"requirement": "all", "title": "Every requirement at once", "target": "", "unit": "share",
                "median": np.nan, "chance": row["chance"], "chance_low": row["chance_low"], "chance_high": row["chance_high"]})
    return pd.DataFrame(out)


# ------------------------------------------------------------------ the whole run
@dataclass
class Optimisation:
    """A finished search and confirmation, with its tables."""

    scenario: Scenario
    path: str
    levers: list[Lever]
    requirements: list[Target]
    spec: StudySpec
    evaluations: pd.DataFrame         # every finished candidate of the search
    front: pd.DataFrame               # Pareto front of cost against chance (search)
    confirmed: pd.DataFrame           # confirmed candidates, cheapest first
    confirmed_raw: list[dict]
    plan: Optional[int]               # row of ``confirmed`` recommended, None when nothing meets the requirements
    ladder: pd.DataFrame              # cost of each level of confidence (confirmed)
    seconds: dict[str, float]
    trials: int
    region: Optional[Region] = None   # a region's member: the region (``scenario`` is the member's), the member, its neighbours' responses
    member: str = ""
    responses: str = ""

    @property
    def for_whom(self) -> str:
        """``for MEMBER in REGION (neighbours respond: ...)`` for a region's member, else ""."""
        if self.region is None:
            return ""
        return f"for {self.member} in {self.region.name} (neighbours respond: {self.responses})"

    @property
    def plan_row(self) -> Optional[pd.Series]:
        return None if self.plan is None else self.confirmed.loc[self.plan]

    @property
    def plan_settings(self) -> Optional[dict[str, Any]]:
        row = self.plan_row
        return None if row is None else {lv.name: lv.cast(row[lv.name]) for lv in self.levers}

    def plan_by_year(self, row: Optional[pd.Series] = None) -> pd.DataFrame:
        """Spend by financial year against the investment profile of the plan (or of a confirmed ``row``)."""
        row = self.plan_row if row is None else row
        if row is None:
            return pd.DataFrame()
        return pd.DataFrame(self.confirmed_raw[int(row["confirmation"])]["by_year"])

    def plan_requirements(self) -> pd.DataFrame:
        row = self.plan_row
        return pd.DataFrame() if row is None else requirement_table(row, self.requirements)

    def tables(self) -> dict[str, pd.DataFrame]:
        out = {"evaluations": self.evaluations, "pareto_front": self.front, "confirmed": self.confirmed.drop(columns="confirmation"),
               "confidence_cost": self.ladder}
        if self.plan is not None:
            out["plan_requirements"] = self.plan_requirements()
            out["plan_costs_by_year"] = self.plan_by_year()
        about = {
            "scenario": self.scenario.name, "scenario file": self.path,
            **({"region": self.region.name, "member": self.member, "neighbours respond": self.responses,
                "run": "every member and the market on one clock per replication; requirements and cost judged on the member"}
               if self.region is not None else {}),
            "levers": "; ".join(lv.describe() for lv in self.levers),
            "requirements": "; ".join(f"{r.title}: {r.describe_target()}" for r in self.requirements),
            "confidence": self.spec.confidence, "minimise": f"{self.spec.minimise}: {COST_WORDS[self.spec.minimise]} (GBP, mean over replications)",
            "search": f"{self.trials} candidates x {self.spec.replications} replications, seed {self.spec.seed} (the same seeds for every candidate)",
            "confirmation": f"{len(self.confirmed)} candidates x {self.spec.confirm_words} replications, fresh seed {self.spec.confirm_seed}",
            "chance": "share of replications meeting every requirement at once; intervals are 95% Wilson score intervals",
            "plan": "the cheapest confirmed candidate whose confirmed chance is at least the confidence" if self.plan is not None
                    else "none: no confirmed candidate reaches the confidence",
            "seconds": ", ".join(f"{k} {v:.0f}" for k, v in self.seconds.items()),
        }
        out["about"] = pd.DataFrame({"item": list(about), "value": [str(v) for v in about.values()]})
        return out


def optimisation(scenario: Scenario, path: str, levers: list[Lever], requirements: list[Target], spec: StudySpec, trials: list,
                 confirmed_raw: list[dict], seconds: dict[str, float], goal: int) -> Optimisation:
    """The tables of a finished search (``trials``: its finished Optuna trials) and confirmation, and the plan."""
    evals = evaluations_table(trials, levers, requirements)
    confirmed = confirmations_table(confirmed_raw, levers, requirements)
    return Optimisation(scenario, str(path), levers, requirements, spec, evals, pareto_front(unique(evals)), confirmed, confirmed_raw,
                        choose_plan(confirmed, spec.confidence), confidence_costs(confirmed, spec.confidence), seconds, goal)

