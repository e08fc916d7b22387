"""Judging a scenario's declared targets, and the scorecard.

The targets are the scenario's own (``Scenario.targets``, declared in its YAML;
see ``workforce_sim.scenario.schema.targets``). ``targets_for`` turns the
declarations into the rows a report judges: one per declaration, and one per
financial year of the investment profile for ``spend_within_profile``, so a
year over budget is judged on its own and not hidden by another year under it.

Every command (``run``, ``report``, ``compare``, ``sweep``, ``schedule``) calls
``evaluate`` (through ``scorecard``) or ``values_at`` and judges with the one
test ``measures.meets``. The investment baseline's results (the scenario named by
``finance.investment.baseline``, run on the same seeds) are passed explicitly as
``baseline``; no function here changes its inputs. Formatting is in ``analysis.formats``.

A measure function is registered for each key of ``scenario.targets.MEASURES``
with ``@measure("key")``. It returns per-replication values: a frame
``replication, date, value`` (a series over time; the value at the target date
is read from the snapshot at or before it) or a Series indexed by replication.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Optional, Union

import numpy as np
import pandas as pd

from workforce_sim.analysis import staffing
from workforce_sim.analysis.formats import format_value
from workforce_sim.analysis.measures import HIGH_Q, LOW_Q, ensemble_quantiles, meets, permanent_share, snapshot_at
from workforce_sim.analysis.recalibration import horizon as _horizon
from workforce_sim.experiments.replications import Results
from workforce_sim.scenario.schema import Scenario
from workforce_sim.scenario.schema.targets import DIRECTION_WORD, MEASURES, SPEND, TargetSpec, Unit

__all__ = ["MEASURE_FUNCTIONS", "Target", "evaluate", "meets", "per_replication",
           "rag", "scorecard", "series", "status", "targets_for", "trend", "values_at"]

# Red/amber/green from the probability of meeting a target over replications.
# Assumption: green when met in at least 3 of 4 simulated futures, red when in
# fewer than 1 of 4, amber between.
GREEN_AT = 0.75
AMBER_AT = 0.25
RAG_MEANING = {
    "green": "likely to be met (in at least 75% of simulated futures)",
    "amber": "uncertain (met in 25-75% of simulated futures)",
    "red": "unlikely to be met (in fewer than 25% of simulated futures)",
    "none": "no target: shown for information",
}

AWAITING = {"cases": "no children's cases in these results", "finance": "no costs in these results"}
NEEDS_EXTRA = "needs a baseline run"


@dataclass(frozen=True)
class Target:
    """One judged row: a declared target (or one financial year of a spend target)."""

    key: str
    name: str
    title: str
    description: str
    unit: Unit
    source: str
    measure: Optional[str] = None
    modelled: bool = True
    threshold: Optional[float] = None
    direction: Optional[str] = None
    date: Optional[dt.date] = None
    team_types: Optional[tuple[str, ...]] = None
    groups: Optional[tuple[str, ...]] = None
    target_text: Optional[str] = None
    note: str = ""
    financial_year: Optional[str] = None

    @property
    def is_indicator(self) -> bool:
        return self.threshold is None

    @property
    def needs(self) -> str:
        return MEASURES[self.measure].needs if self.modelled and self.measure else "none"

    @property
    def better_when(self) -> Optional[str]:
        """'higher' or 'lower': which way is an improvement."""
        if self.direction:
            return {"at_least": "higher", "at_most": "lower"}[self.direction]
        return MEASURES[self.measure].better if self.measure else None

    def describe_target(self) -> str:
        """The target in words, e.g. 'at least 80% by 31 Mar 2017'."""
        if self.target_text:
            return self.target_text
        if self.threshold is None:
            return "no target (indicator)"
        when = f" by {self.date.day} {self.date:%b %Y}" if self.date else ""
        return f"{DIRECTION_WORD[self.direction]} {format_value(self.threshold, self.unit, compact=True)}{when}"


def _financial_year_end(fy: str) -> dt.date:
    return dt.date(int(fy[:4]) + 1, 3, 31)


def targets_for(scenario: Scenario) -> list[Target]:
    """The scenario's declared targets as judged rows, in the order declared."""
    out: list[Target] = []
    for name, spec in scenario.targets.items():
        out.extend(_expand(name, spec, scenario))
    return out


def _expand(name: str, spec: TargetSpec, scenario: Scenario) -> list[Target]:
    info = MEASURES.get(spec.measure) if spec.measure else None
    base = Target(
        key=name, name=name, title=spec.title, description=spec.description or (info.description if info else ""),
        unit=spec.unit, source=spec.source, measure=spec.measure, modelled=spec.modelled,
        threshold=spec.threshold, direction=spec.direction, date=spec.date,
        team_types=tuple(spec.team_types) if spec.team_types else None, groups=tuple(spec.groups) if spec.groups else None,
        target_text=spec.target_text, note=spec.note,
    )
    if not spec.modelled or spec.measure != SPEND:
        return [base]
    rows = []
    budget = scenario.finance.investment.gbp_by_financial_year
    for fy in sorted(budget):
        end = _financial_year_end(fy)
        start = dt.date(end.year - 1, 4, 1)
        note = spec.note
        if start < scenario.start_date or end >= scenario.end_date:
            note = (note + "; " if note else "") + "the run does not cover the whole financial year"
        rows.append(replace(base, key=f"{name}_{fy.replace('/', '_')}", title=f"{spec.title}, {fy}", threshold=float(budget[fy]),
                            direction="at_most", date=end, financial_year=fy, note=note,
                            target_text=f"at most {format_value(budget[fy], 'gbp', compact=True)} in {fy}"))
    return rows


# ---------------------------------------------------------------- measures
MeasureFn = Callable[[Results, Target], Union[pd.DataFrame, pd.Series]]
MEASURE_FUNCTIONS: dict[str, MeasureFn] = {}


def measure(key: str) -> Callable[[MeasureFn], MeasureFn]:
    """Register the function computing a measure's per-replication values."""
    if key not in MEASURES:
        raise KeyError(f"{key!r} is not a measure of workforce_sim.scenario.schema.targets.MEASURES")

    def register(fn: MeasureFn) -> MeasureFn:
        MEASURE_FUNCTIONS[key] = fn
        return fn

    return register


def _long(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame[["replication", "date", column]].rename(columns={column: "value"})


def _case_results(results: Results, team_types: Optional[tuple[str, ...]]) -> Results:
    """``results`` with the case snapshots of the given team types only (all when None)."""
    if not team_types:
        return results
    snap = results.case_snapshots
    return replace(results, case_snapshots=snap[snap["team_type"].astype(str).isin(team_types)])


def _caseload(column: str) -> MeasureFn:
    def fn(results: Results, target: Target) -> pd.DataFrame:
        from workforce_sim.analysis.cases import caseloads

        return _long(caseloads(_case_results(results, target.team_types)), column)

    return fn


measure("average_caseload")(_caseload("social_worker"))
measure("nqsw_caseload")(_caseload("nqsw"))
measure("consultant_practitioner_caseload")(_caseload("consultant_practitioner"))


@measure("nqsw_caseload_reduction")
def _nqsw_reduction(results: Results, target: Target) -> pd.DataFrame:
    """NQSW caseload as a share below qualified social workers' (0.10 = 10% lower)."""
    from workforce_sim.analysis.cases import caseloads

    c = caseloads(_case_results(results, target.team_types))
    return pd.DataFrame({"replication": c["replication"], "date": c["date"], "value": 1 - c["nqsw"] / c["social_worker"]})


@measure("assessments_on_time")
def _assessments_on_time(results: Results, target: Target) -> pd.DataFrame:
    from workforce_sim.analysis.cases import monthly_measures

    return _long(monthly_measures(results), "assessments_on_time_share")


@measure("unallocated_children")
def _unallocated(results: Results, target: Target) -> pd.DataFrame:
    from workforce_sim.analysis.cases import monthly_measures

    return _long(monthly_measures(results), "unallocated")


@measure("visits_on_time")
def _visits_on_time(results: Results, target: Target) -> pd.DataFrame:
    from workforce_sim.analysis.cases import monthly_measures

    return _long(monthly_measures(results), "visits_on_time_share")


@measure("three_or_fewer_workers")
def _three_or_fewer(results: Results, target: Target) -> pd.DataFrame:
    """Share of pathways closed in the 12 months to each date with at most 3 social workers."""
    m = results.case_monthly.sort_values(["replication", "date"])
    g = m.groupby("replication")
    ok = g["pathways_max_3_workers"].transform(lambda x: x.rolling(12, min_periods=12).sum())
    closed = g["pathways_closed"].transform(lambda x: x.rolling(12, min_periods=12).sum())
    return pd.DataFrame({"replication": m["replication"], "date": m["date"], "value": (ok / closed.where(closed > 0)).astype(float)})


@measure(SPEND)
def _spend(results: Results, target: Target, baseline: Optional[Results] = None) -> pd.Series:
    """Spend in the target's financial year per replication: the cost above the investment
    baseline's results (``baseline``, same seeds) when given, else the total cost."""
    from workforce_sim.analysis.finance import additional_spend, yearly_costs

    reps = pd.Index(range(results.replications), name="replication")
    if baseline is not None:
        per = additional_spend(results, baseline).set_index(["replication", "financial_year"])["additional_gbp"]
    else:
        per = yearly_costs(results)["total"]
    fy = per.index.get_level_values("financial_year")
    return per[fy == target.financial_year].droplevel("financial_year").reindex(reps)


@measure("permanent_share")
def _permanent_share(results: Results, target: Target) -> pd.DataFrame:
    s = permanent_share(results.snapshots, list(target.groups) if target.groups else None)
    return s.rename(columns={"permanent_share": "value"})[["replication", "date", "value"]]


@measure("vacancy_rate")
def _vacancy_rate(results: Results, target: Target) -> pd.DataFrame:
    return staffing.vacancy_rate(results.snapshots, target.groups)


@measure("agency_share")
def _agency_share(results: Results, target: Target) -> pd.DataFrame:
    return staffing.agency_share(results.snapshots, target.groups)


@measure("permanent_turnover")
def _permanent_turnover(results: Results, target: Target) -> pd.DataFrame:
    return staffing.permanent_turnover(results)


def _values(target: Target, results: Results, baseline: Optional[Results]) -> Union[pd.DataFrame, pd.Series]:
    """The measure's per-replication values (spend against the investment baseline when given)."""
    fn = MEASURE_FUNCTIONS[target.measure]
    return fn(results, target, baseline) if target.measure == SPEND else fn(results, target)


# ---------------------------------------------------------------- judging
def has_data(results: Results, needs: str) -> bool:
    """Whether ``results`` holds the data a kind of measure needs."""
    if needs == "workforce":
        return True
    if needs == "cases":
        return results.case_monthly is not None
    if needs == "finance":
        return results.costs is not None
    return False


def status(target: Target, results: Results, baseline: Optional[Results] = None) -> str:
    """'modelled', 'not modelled', one of AWAITING's values, or 'needs a baseline run'."""
    if not target.modelled:
        return "not modelled"
    if not has_data(results, target.needs):
        return AWAITING.get(target.needs, "not modelled")
    if target.measure == SPEND and results.scenario.finance.investment.baseline and baseline is None:
        return NEEDS_EXTRA
    return "modelled"


def rag(p_meet: float) -> str:
    """Red/amber/green from the probability of meeting a target."""
    if p_meet is None or (isinstance(p_meet, float) and math.isnan(p_meet)):
        return "none"
    return "green" if p_meet >= GREEN_AT else "amber" if p_meet >= AMBER_AT else "red"


def series(target: Target, results: Results) -> Optional[pd.DataFrame]:
    """The target's per-replication series (replication, date, value), if it has one."""
    out = MEASURE_FUNCTIONS[target.measure](results, target)
    return out if isinstance(out, pd.DataFrame) else None


def _at_date(out: Union[pd.DataFrame, pd.Series], date: Optional[dt.date], results: Results) -> tuple[Optional[str], pd.Series, float]:
    """Values at the date (the snapshot at or before it), the snapshot date used, and the median 12 months earlier."""
    if isinstance(out, pd.Series):
        return None, out, float("nan")
    when = date or results.scenario.end_date
    at = snapshot_at(out["date"], when)
    values = out.loc[out["date"] == at].set_index("replication")["value"]
    year_before = at - pd.DateOffset(months=12)
    before = float("nan")
    if (out["date"] <= year_before).any():
        ed = snapshot_at(out["date"], year_before.date())
        before = float(out.loc[out["date"] == ed, "value"].median())
    return at.date().isoformat(), values, before


def values_at(target: Target, results: Results, baseline: Optional[Results] = None) -> tuple[Optional[str], pd.Series]:
    """Per-replication values of a modelled target at its date, and the snapshot date read."""
    snap_date, values, _ = _at_date(_values(target, results, baseline), target.date, results)
    return snap_date, values


CARD_COLUMNS = ["key", "title", "measure", "unit", "target", "direction", "target_date", "financial_year", "target_text",
                "status", "snapshot_date", "median", "low", "high", "p_meet", "rag", "change_12m", "n",
                "description", "source", "note"]


def evaluate(target: Target, results: Results, baseline: Optional[Results] = None, recalibration=None) -> dict:
    """One scorecard row: status, and when modelled the value at the date
    (median, 90% interval), probability of meeting it, RAG and 12-month trend. With ``recalibration``
    (``analysis.recalibration.Recalibration``) the values of the measures it moves are recalibrated
    first, by their years ahead of the start, and the row's note says how."""
    row = {
        "key": target.key, "title": target.title, "measure": target.measure, "unit": target.unit,
        "target": target.threshold, "direction": target.direction,
        "target_date": target.date.isoformat() if target.date else None,
        "financial_year": target.financial_year,
        "target_text": target.describe_target(), "status": status(target, results, baseline),
        "snapshot_date": None, "median": np.nan, "low": np.nan, "high": np.nan,
        "p_meet": np.nan, "rag": "none", "change_12m": np.nan, "n": 0,
        "description": target.description, "source": target.source, "note": target.note,
    }
    if row["status"] != "modelled":
        return row
    snap_date, values, before = _at_date(_values(target, results, baseline), target.date, results)
    v = values.to_numpy(dtype=float)
    v = v[~np.isnan(v)]
    row["snapshot_date"] = snap_date
    if len(v) == 0:
        return row
    if recalibration is not None and snap_date is not None:
        start, at = results.scenario.start_date, dt.date.fromisoformat(snap_date)
        h = _horizon(start, at)
        v, how = recalibration.adjust(v, target.measure, h)
        if how:
            row["note"] = f"{row['note']}; {how}" if row["note"] else how
        if not math.isnan(before):
            before += recalibration.shift(target.measure, _horizon(start, at - dt.timedelta(days=365)))
    row.update(median=float(np.median(v)), low=float(ensemble_quantiles(v, LOW_Q)), high=float(ensemble_quantiles(v, HIGH_Q)), n=int(len(v)))
    row["change_12m"] = row["median"] - before if not math.isnan(before) else np.nan
    if target.threshold is not None and target.direction is not None:
        row["p_meet"] = float(meets(v, target.threshold, target.direction).mean())
        row["rag"] = rag(row["p_meet"])
    return row


def scorecard(results: Results, baseline: Optional[Results] = None, recalibration=None) -> pd.DataFrame:
    """Every target the scenario declares, one row each (modelled ones with their figures);
    spend judged above the investment baseline's results when given; recalibrated when given (``evaluate``)."""
    return pd.DataFrame([evaluate(t, results, baseline, recalibration) for t in targets_for(results.scenario)], columns=CARD_COLUMNS)


def per_replication(results: Results, baseline: Optional[Results] = None) -> pd.DataFrame:
    """Values at the target date for every modelled target: replication x target key."""
    cols = {}
    for t in targets_for(results.scenario):
        if status(t, results, baseline) == "modelled":
            cols[t.key] = values_at(t, results, baseline)[1]
    return pd.DataFrame(cols).sort_index()


def trend(target: Target, results: Results, freq_months: int = 3, recalibration=None) -> pd.DataFrame:
    """A modelled target's series every ``freq_months`` months: median, 90% interval and the
    probability of meeting its threshold (the same test as the scorecard); recalibrated when given."""
    s = series(target, results)
    if s is None:
        return pd.DataFrame(columns=["date", "median", "low", "high", "p_meet"])
    dates = sorted(s["date"].unique())
    keep = [d for d in dates if (pd.Timestamp(d).month - 1) % freq_months == 0 or d == dates[0]]
    rows = []
    for d in keep:
        v = s.loc[s["date"] == d, "value"].to_numpy(dtype=float)
        v = v[~np.isnan(v)]
        if not len(v):
            continue
        if recalibration is not None:
            v = recalibration.adjust(v, target.measure, _horizon(results.scenario.start_date, pd.Timestamp(d).date()))[0]
        p = float(meets(v, target.threshold, target.direction).mean()) if target.threshold is not None else float("nan")
        rows.append({"date": pd.Timestamp(d).date().isoformat(), "median": float(np.median(v)),
                     "low": float(ensemble_quantiles(v, LOW_Q)), "high": float(ensemble_quantiles(v, HIGH_Q)), "p_meet": p})
    return pd.DataFrame(rows, columns=["date", "median", "low", "high", "p_meet"])


def find(scenario: Scenario, measure_key: str) -> Optional[Target]:
    """The judged row of the scenario's main target of a measure (``Scenario.target_for``), if declared."""
    found = scenario.target_for(measure_key)
    if found is None:
        return None
    return next(t for t in targets_for(scenario) if t.name == found[0])


def permanence(scenario: Scenario) -> Target:
    """The scenario's permanent share target; without one, the permanent share of all groups at
    the end of the run as an indicator (no threshold)."""
    found = find(scenario, "permanent_share")
    if found is not None:
        return found
    return Target(key="permanent_share", name="permanent_share", title="Permanent social work staff",
                  description=MEASURES["permanent_share"].description, unit="share",
                  source="no permanent share target declared: shown at the end of the run", measure="permanent_share",
                  date=scenario.end_date)
