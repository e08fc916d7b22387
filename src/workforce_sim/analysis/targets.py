"""Targets reports are measured against, and the scorecard.

A registry of every target of DESIGN.md section 2 and the Slough strategy's
'Measures and targets' (S2), the Kent Social Work Contract (S0) and the
Medway report (S4). Each target names its threshold, date, comparison
direction, unit and source, and what data it needs:

- ``workforce``: computed from the workforce model's snapshots and flows;
- ``cases``: needs children's cases in ``Results`` (attribute ``cases``);
- ``finance``: needs costs in ``Results`` (attribute ``costs`` or ``finance``);
- ``none``: qualitative or outside the model; reports list it as not modelled.

A target is computed when its data is present and a measure function is
registered for its key with ``@measure("key")``. A measure returns per-
replication values: a frame ``replication, date, value`` (a series over
time; the value at the target date is taken from the nearest snapshot) or a
Series indexed by replication. Wiring a case or finance measure in is one
decorated function below.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal, Optional, Union

import numpy as np
import pandas as pd

from workforce_sim.analysis import staffing
from workforce_sim.analysis.measures import HIGH_Q, LOW_Q, nearest_date, permanent_share
from workforce_sim.experiments.replications import Results
from workforce_sim.scenario.schema import Scenario

Unit = Literal["share", "children", "per_year", "count", "gbp"]
Needs = Literal["workforce", "cases", "finance", "none"]

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

# Slough's additional investment by financial year, GBP (S2 Appendix 1,
# 'Additional Investment').
SLOUGH_INVESTMENT_PROFILE_GBP: dict[str, float] = {
    "2014/15": 3_200_000.0,
    "2015/16": 2_300_000.0,
    "2016/17": 1_200_000.0,
    "2017/18": 800_000.0,
}

# Attributes of Results that hold the data a target needs (detected by presence).
NEEDS_ATTRIBUTES: dict[str, tuple[str, ...]] = {"cases": ("case_monthly",), "finance": ("costs", "finance")}
AWAITING = {"cases": "no children's cases in this scenario", "finance": "no costs in these results"}
NEEDS_EXTRA = "needs a baseline run"

TARGET_SETS: dict[str, str] = {
    "slough_2017": "Slough 2014-2017 workforce strategy (S2 'Measures and targets')",
    "kent_2014": "Kent Social Work Contract, December 2014 (S0 Priority 4)",
    "medway_2010": "Medway Employment Matters Committee, April 2010 (S4)",
    "all": "every target and indicator above",
}


@dataclass(frozen=True)
class Target:
    """One measure a report is judged against (or an indicator with no threshold)."""

    key: str
    title: str
    description: str
    unit: Unit
    source: str
    sets: tuple[str, ...]
    needs: Needs = "workforce"
    threshold: Optional[float] = None
    direction: Optional[Literal[">=", "<="]] = None
    date: Optional[dt.date] = None
    target_text: Optional[str] = None
    note: str = ""
    better: Optional[Literal["higher", "lower"]] = None
    needs_extra: Optional[str] = None  # a key of Results.extra the measure needs (e.g. the baseline run)

    @property
    def is_indicator(self) -> bool:
        return self.threshold is None

    @property
    def better_when(self) -> Optional[str]:
        """'higher' or 'lower': which way is an improvement."""
        if self.better:
            return self.better
        return {">=": "higher", "<=": "lower"}.get(self.direction or "")

    def describe_target(self) -> str:
        """The target in words, e.g. 'at least 80% by 31 Mar 2017'."""
        if self.target_text:
            return self.target_text
        if self.threshold is None:
            return "no target"
        word = "at least" if self.direction == ">=" else "at most"
        when = f" by {self.date.day} {self.date:%b %Y}" if self.date else ""
        return f"{word} {format_value(self.threshold, self.unit, compact=True)}{when}"


MeasureFn = Callable[[Results, Target], Union[pd.DataFrame, pd.Series]]
MEASURES: dict[str, MeasureFn] = {}


def measure(key: str) -> Callable[[MeasureFn], MeasureFn]:
    """Register the function computing a target's per-replication values."""

    def register(fn: MeasureFn) -> MeasureFn:
        MEASURES[key] = fn
        return fn

    return register


S2 = "S2 'Measures and targets'"
SL = ("slough_2017", "all")
KE = ("kent_2014", "all")
ME = ("medway_2010", "all")
EVERY = ("slough_2017", "kent_2014", "medway_2010", "all")
SLOUGH_2017 = dt.date(2017, 3, 31)
MARCH_2015 = dt.date(2015, 3, 31)
MARCH_2016 = dt.date(2016, 3, 31)

REGISTRY: tuple[Target, ...] = (
    # ---------------------------------------------------------------- workforce
    Target("permanent_share", "Permanent social work staff",
           "Permanent FTE as a share of filled FTE (permanent + agency) in the team groups the scenario counts.",
           "share", f"{S2}, Outcomes 1 and 2: sustainable 80% permanent social worker staff (2017)", SL,
           threshold=0.80, direction=">=", date=SLOUGH_2017),
    Target("vacancy_rate", "Vacancy rate",
           "Posts without a permanent holder as a share of all posts (FTE); a post covered by an agency worker counts as vacant (DfE definition).",
           "share", "DfE children's social work workforce statistics: vacancy rate definition", EVERY,
           date=SLOUGH_2017, better="lower"),
    Target("agency_share", "Agency share of staff",
           "Agency FTE as a share of filled FTE, all teams.",
           "share", "S2 'Local context', staff profile: 49% agency in February 2014", EVERY,
           date=SLOUGH_2017, better="lower"),
    Target("permanent_turnover", "Permanent staff turnover",
           "Permanent leavers in the 12 months to the date, per average permanent headcount (per year). England 2016: 15.1% (DfE SFR08/2017).",
           "per_year", "S0 'Retention rates' (a measure without a figure); DfE SFR08/2017 for England", EVERY,
           date=SLOUGH_2017, better="lower"),
    Target("medway_vacancy_rate", "Vacancy rate against Medway's 2010 rate",
           "Vacancy rate (DfE definition) against Medway's reported 16% (April 2010), as a benchmark.",
           "share", "S4 4.1: the vacancy rate stands at 16%", ME,
           threshold=0.16, direction="<=", date=SLOUGH_2017,
           note="assumption: compared at the scenario's permanence target date"),
    # ---------------------------------------------------------------- cases
    Target("average_caseload", "Average caseload",
           "Children per case-holding social worker (Consultant Practitioners at 50%, ASYE at 90%).",
           "children", f"{S2}, Outcome 1: average caseloads at 16 children (March 2015)", SL, needs="cases",
           threshold=16.0, direction="<=", date=MARCH_2015),
    Target("nqsw_caseload", "NQSW and student caseload",
           "Children held by each NQSW (students are not modelled).",
           "children", f"{S2}, Outcome 3: no more than 14 children (March 2015)", SL, needs="cases",
           threshold=14.0, direction="<=", date=MARCH_2015),
    Target("nqsw_protected_time", "NQSW protected development time",
           "Share of an NQSW's time protected for development.",
           "share", f"{S2}, Outcome 3: sustained protected development time of 10% (March 2015)", SL, needs="none",
           threshold=0.10, direction=">=", date=MARCH_2015,
           note="an input, not a result: the scenario sets it (caseload.time_off.asye_development_share) and the model always honours it"),
    Target("assessments_on_time", "Assessments within 45 working days",
           "Share of assessments completed within 45 working days.",
           "share", f"{S2}, Outcome 1: 95% within 45 days (March 2015)", SL, needs="cases",
           threshold=0.95, direction=">=", date=MARCH_2015),
    Target("cp_lac_visits", "Child protection and looked-after visits on time",
           "Share of children on a child protection plan or looked after visited as procedures require.",
           "share", f"{S2}, Outcomes 1 and 5: 95% (March 2015)", SL, needs="cases",
           threshold=0.95, direction=">=", date=MARCH_2015),
    Target("three_or_fewer_workers", "Children with at most 3 social workers",
           "Share of children with no more than 3 social workers over their pathway from assessment.",
           "share", f"{S2}, Outcome 4: 80% of children (2017)", SL, needs="cases",
           threshold=0.80, direction=">=", date=SLOUGH_2017),
    Target("kent_caseload_children_in_care", "Caseload in children in care teams (Kent)",
           "Children per social worker in children in care teams.",
           "children", "S0 Priority 4: caseloads of 15 in children in care teams", KE, needs="cases",
           threshold=15.0, direction="<="),
    Target("kent_caseload_other", "Caseload in other teams (Kent)",
           "Children per social worker in other teams.",
           "children", "S0 Priority 4: caseloads of 20 in other teams", KE, needs="cases",
           threshold=20.0, direction="<="),
    Target("kent_nqsw_caseload", "NQSW caseload 10% lower (Kent)",
           "How much lower NQSWs' average caseload is than qualified social workers' (0.10 = 10% lower).",
           "share", "S0 Priority 4: NQSWs to have a 10% reduction in their caseload", KE, needs="cases",
           threshold=0.10, direction=">=", date=dt.date(2014, 6, 30),
           target_text="at least 10% below qualified social workers' caseload",
           note="assumption: measured in June 2014, while the autumn 2013 cohort is in its ASYE"),
    # ---------------------------------------------------------------- finance
    Target("spend_within_profile", "Spending within the investment profile",
           "Additional workforce spending by financial year against the investment profile.",
           "gbp", "S2 Appendix 1, 'Additional Investment'", SL, needs="finance",
           threshold=sum(SLOUGH_INVESTMENT_PROFILE_GBP.values()), direction="<=", date=dt.date(2018, 3, 31),
           target_text="within £3.2m (2014/15), £2.3m (2015/16), £1.2m (2016/17), £0.8m (2017/18)",
           needs_extra="baseline"),
    # ---------------------------------------------------------------- not modelled
    Target("students_on_placement", "Students on placement",
           "Social work students on placement each year.",
           "count", f"{S2}, Outcome 3: minimum 4 per year (from 2015/16)", SL, needs="none",
           target_text="at least 4 a year from 2015/16", note="the model has no student placements yet"),
    Target("casework_audits", "Casework quality audits",
           "Audited casework judged good or better, and inadequate.",
           "share", f"{S2}, Outcomes 1 and 6", SL, needs="none",
           target_text="80% good or better and no more than 5% inadequate (March 2016)",
           note="audit grades are qualitative judgements the model does not make"),
    Target("contact_audits", "Quality of contact in audited casework",
           "Contact element of audited casework judged good or better.",
           "share", f"{S2}, Outcome 5", SL, needs="none",
           target_text="60% good or better (March 2016); 80% (2017)",
           note="audit grades are qualitative judgements the model does not make"),
    Target("iro_midway_visits", "Independent Reviewing Officer mid-way visits",
           "Children with a mid-way review visit.",
           "share", f"{S2}, Outcome 4", SL, needs="none",
           target_text="95% of children (March 2015)", note="reviewing officers' visits are not part of the model"),
    Target("reasons_applied", "Reasons new recruits applied",
           "Survey of why recruits applied to the council.",
           "count", f"{S2}, Outcome 2", SL, needs="none",
           target_text="qualitative: high scores good, six-monthly", note="qualitative survey"),
    Target("reasons_left", "Reasons staff have left",
           "Exit survey: support, workload, career path.",
           "count", f"{S2}, Outcome 2", SL, needs="none",
           target_text="qualitative: low scores good, six-monthly",
           note="the model's leaving reasons are assumed shares (inputs), not results"),
    Target("children_experiences", "Experiences of children and families",
           "Children's and families' views of decisions, stability of worker and contact.",
           "count", f"{S2}, Outcomes 4 and 5", SL, needs="none",
           target_text="qualitative, six-monthly", note="qualitative feedback"),
    Target("staff_health_check", "Staff health check",
           "Staff views of space, office environment, supervision and senior managers.",
           "count", f"{S2}, Outcome 7", SL, needs="none",
           target_text="qualitative, twice a year from January 2015", note="qualitative survey"),
    Target("kent_supervision", "Supervision at least every 4 weeks (Kent)",
           "Frequency of supervision.",
           "count", "S0 Priority 1 and 4", KE, needs="none",
           target_text="at least every 4 weeks",
           note="an input, not a result: caseload.time_off.supervision_sessions_per_4_weeks sets it and the model honours it"),
)


# ---------------------------------------------------------------- measures
def _long(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame[["replication", "date", column]].rename(columns={column: "value"})


@measure("average_caseload")
def _average_caseload(results: Results, target: Target) -> pd.DataFrame:
    from workforce_sim.analysis.cases import caseloads

    return _long(caseloads(results), "social_worker")


@measure("nqsw_caseload")
def _nqsw_caseload(results: Results, target: Target) -> pd.DataFrame:
    from workforce_sim.analysis.cases import caseloads

    return _long(caseloads(results), "nqsw")


@measure("assessments_on_time")
def _assessments_on_time(results: Results, target: Target) -> pd.DataFrame:
    from workforce_sim.analysis.cases import monthly_measures

    return _long(monthly_measures(results), "assessments_on_time_share")


@measure("cp_lac_visits")
def _cp_lac_visits(results: Results, target: Target) -> pd.DataFrame:
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


def _caseload_in(results: Results, types: Optional[set[str]], exclude: bool) -> pd.DataFrame:
    from workforce_sim.analysis.cases import caseloads

    snap = results.case_snapshots
    keep = snap["team_type"].isin(types) if types else pd.Series(False, index=snap.index)
    view = snap[~keep] if exclude else snap[keep]
    return _long(caseloads(_with_case_snapshots(results, view)), "social_worker")


def _with_case_snapshots(results: Results, snapshots: pd.DataFrame) -> Results:
    from dataclasses import replace

    return replace(results, case_snapshots=snapshots)


def _children_in_care_types(results: Results) -> set[str]:
    """Team types whose name or description says they are children in care / looked after teams."""
    words = ("children in care", "children_in_care", "looked after", "lac")
    return {name for name, tt in results.scenario.team_types.items()
            if any(w in name.lower() or w in tt.description.lower() for w in words)}


@measure("kent_caseload_children_in_care")
def _kent_cic(results: Results, target: Target) -> pd.DataFrame:
    return _caseload_in(results, _children_in_care_types(results), exclude=False)


@measure("kent_caseload_other")
def _kent_other(results: Results, target: Target) -> pd.DataFrame:
    return _caseload_in(results, _children_in_care_types(results), exclude=True)


@measure("kent_nqsw_caseload")
def _kent_nqsw(results: Results, target: Target) -> pd.DataFrame:
    """NQSW caseload as a share below qualified social workers' (0.10 = 10% lower)."""
    from workforce_sim.analysis.cases import caseloads

    c = caseloads(results)
    return pd.DataFrame({"replication": c["replication"], "date": c["date"], "value": 1 - c["nqsw"] / c["social_worker"]})


@measure("spend_within_profile")
def _spend_within_profile(results: Results, target: Target) -> pd.Series:
    """Additional spend over the baseline (``results.extra['baseline']``, same seeds) summed over
    the profile's financial years, per replication; NaN without a baseline."""
    from workforce_sim.analysis.finance import additional_spend

    reps = pd.Index(range(results.replications), name="replication")
    base = results.extra.get("baseline")
    budget = results.scenario.finance.investment.gbp_by_financial_year
    if base is None or not budget:
        return pd.Series(np.nan, index=reps)
    per = additional_spend(results, base)
    per = per[per["financial_year"].isin(list(budget))]
    return per.groupby("replication")["additional_gbp"].sum().reindex(reps)


@measure("permanent_share")
def _permanent_share(results: Results, target: Target) -> pd.DataFrame:
    s = permanent_share(results.snapshots, results.scenario.targets.permanent_share_groups)
    return s.rename(columns={"permanent_share": "value"})[["replication", "date", "value"]]


@measure("vacancy_rate")
@measure("medway_vacancy_rate")
def _vacancy_rate(results: Results, target: Target) -> pd.DataFrame:
    return staffing.vacancy_rate(results.snapshots)


@measure("agency_share")
def _agency_share(results: Results, target: Target) -> pd.DataFrame:
    return staffing.agency_share(results.snapshots)


@measure("permanent_turnover")
def _permanent_turnover(results: Results, target: Target) -> pd.DataFrame:
    return staffing.permanent_turnover(results)


# ---------------------------------------------------------------- registry access
def targets_for(target_set: str, scenario: Optional[Scenario] = None) -> list[Target]:
    """The targets of a set, with the scenario's own permanence target and date applied."""
    if target_set not in TARGET_SETS:
        raise KeyError(target_set)
    out = []
    for t in REGISTRY:
        if target_set not in t.sets:
            continue
        if scenario is not None and t.needs == "workforce" and t.date == SLOUGH_2017:
            st = scenario.targets
            t = replace(t, date=st.permanent_share_date)
            if t.key == "permanent_share":
                t = replace(t, threshold=st.permanent_share)
        out.append(t)
    return out


def has_data(results: Results, needs: Needs) -> bool:
    """Whether ``results`` holds the data a kind of target needs (by attribute presence)."""
    if needs == "workforce":
        return True
    if needs == "none":
        return False
    return any(getattr(results, a, None) is not None for a in NEEDS_ATTRIBUTES[needs])


def status(target: Target, results: Results) -> str:
    """'modelled', one of AWAITING's values, 'needs a baseline run' or 'not modelled'."""
    if target.needs == "none":
        return "not modelled"
    if target.key in MEASURES and has_data(results, target.needs):
        if target.needs_extra and results.extra.get(target.needs_extra) is None:
            return NEEDS_EXTRA
        return "modelled"
    return AWAITING.get(target.needs, "not modelled")


def rag(p_meet: float) -> str:
    """Red/amber/green from the probability of meeting a target."""
    if p_meet is None or (isinstance(p_meet, float) and math.isnan(p_meet)):
        return "none"
    return "green" if p_meet >= GREEN_AT else "amber" if p_meet >= AMBER_AT else "red"


def meets(values: np.ndarray, threshold: float, direction: str) -> np.ndarray:
    """Whether each value meets the threshold (with a tolerance for rounding)."""
    if direction == ">=":
        return values >= threshold - 1e-12
    return values <= threshold + 1e-12


def series(target: Target, results: Results) -> Optional[pd.DataFrame]:
    """The target's per-replication series (replication, date, value), if it has one."""
    out = MEASURES[target.key](results, target)
    return out if isinstance(out, pd.DataFrame) else None


def _at_date(out: Union[pd.DataFrame, pd.Series], date: Optional[dt.date], results: Results) -> tuple[Optional[str], pd.Series, float]:
    """Values at the date, the snapshot date used, and the median 12 months earlier."""
    if isinstance(out, pd.Series):
        return None, out, float("nan")
    when = date or results.scenario.end_date
    at = nearest_date(out["date"], when)
    values = out.loc[out["date"] == at].set_index("replication")["value"]
    earlier = out[out["date"] <= at - pd.DateOffset(months=12)]
    before = float("nan")
    if len(earlier):
        ed = nearest_date(earlier["date"], (at - pd.DateOffset(months=12)).date())
        before = float(earlier.loc[earlier["date"] == ed, "value"].median())
    return at.date().isoformat(), values, before


def evaluate(target: Target, results: Results) -> dict:
    """One scorecard row: status, and when modelled the value at the date
    (median, 90% interval), probability of meeting it, RAG and 12-month trend."""
    row = {
        "key": target.key, "title": target.title, "unit": target.unit,
        "target": target.threshold, "direction": target.direction,
        "target_date": target.date.isoformat() if target.date else None,
        "target_text": target.describe_target(), "status": status(target, results),
        "snapshot_date": None, "median": np.nan, "low": np.nan, "high": np.nan,
        "p_meet": np.nan, "rag": "none", "change_12m": np.nan, "n": 0,
        "description": target.description, "source": target.source, "note": target.note,
    }
    if row["status"] != "modelled":
        return row
    snap_date, values, before = _at_date(MEASURES[target.key](results, target), target.date, results)
    if snap_date is None and target.date is not None:
        snap_date = target.date.isoformat()
    v = values.to_numpy(dtype=float)
    v = v[~np.isnan(v)]
    if len(v) == 0:
        return row
    row.update(snapshot_date=snap_date, median=float(np.median(v)), low=float(np.quantile(v, LOW_Q)),
               high=float(np.quantile(v, HIGH_Q)), n=int(len(v)))
    row["change_12m"] = row["median"] - before if not math.isnan(before) else np.nan
    if target.threshold is not None and target.direction is not None:
        row["p_meet"] = float(meets(v, target.threshold, target.direction).mean())
        row["rag"] = rag(row["p_meet"])
    return row


def scorecard(results: Results, target_set: str = "slough_2017") -> pd.DataFrame:
    """Every target of the set, one row each (modelled ones with their figures)."""
    return pd.DataFrame([evaluate(t, results) for t in targets_for(target_set, results.scenario)])


def per_replication(results: Results, target_set: str = "slough_2017") -> pd.DataFrame:
    """Values at the target date for every modelled target: replication x target key."""
    cols = {}
    for t in targets_for(target_set, results.scenario):
        if status(t, results) != "modelled":
            continue
        _, values, _ = _at_date(MEASURES[t.key](results, t), t.date, results)
        cols[t.key] = values
    return pd.DataFrame(cols).sort_index()


# ---------------------------------------------------------------- display helpers
def format_value(value: Optional[float], unit: str, signed: bool = False, compact: bool = False) -> str:
    """A figure in its unit for readers: 69.9%, 15.2 children, £3.2m (``compact``: 80%, 16 children)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    sign = "+" if signed and value > 0 else ""

    def num(x: float, digits: int) -> str:
        return f"{x:.{digits}f}".rstrip("0").rstrip(".") if compact else f"{x:.{digits}f}"

    if unit == "share":
        return f"{sign}{num(100 * value, 1)}%"
    if unit == "per_year":
        return f"{sign}{num(100 * value, 1)}% a year"
    if unit == "children":
        return f"{sign}{num(value, 1)} children"
    if unit == "gbp":
        return f"{sign}£{num(value / 1e6, 2)}m"
    return f"{sign}{num(value, 1)}"


def format_change(value: Optional[float], unit: str) -> str:
    """A change in its unit: percentage points for shares."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit in ("share", "per_year"):
        return f"{100 * value:+.1f} pts"
    return format_value(value, unit, signed=True)
