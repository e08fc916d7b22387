"""Staffing measures for reports, per replication: vacancy, turnover, NQSWs,
starters by route, changes of post holder and caseload capacity at the caps.

Everything is derived from the monthly snapshots and flows of ``Results``.
A series is a tidy frame ``replication, date, value``; summaries give the
median and the 90% interval over replications.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Optional

import numpy as np
import pandas as pd

from workforce_sim.analysis.measures import HIGH_Q, LOW_Q, snapshot_at
from workforce_sim.calendar import financial_year
from workforce_sim.experiments.replications import Results
from workforce_sim.scenario.schema import Scenario

FAN_QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)



def _mid(value: object) -> float:
    """A number, or the middle of a distribution's support."""
    if isinstance(value, (int, float)):
        return float(value)
    lo, hi = value.support()
    return (lo + hi) / 2


def caps_children(scenario: Scenario) -> dict[str, float]:
    """Children a full-time worker can hold at the caps, by role (and ``nqsw`` for an NQSW in the
    ASYE): the scenario's caseload section, or the caseload defaults when it simulates no cases."""
    from workforce_sim.scenario.schema import Caseload

    if scenario.caseload is not None:
        c = scenario.caseload
        cap, role_share, asye_share, asye_max = _mid(c.cap), c.role_share, c.asye_share, c.asye_max_cases
    else:
        f = Caseload.model_fields
        cap, role_share = float(f["cap"].default), f["role_share"].default_factory()
        asye_share, asye_max = f["asye_share"].default, f["asye_max_cases"].default
    out = {role: cap * share for role, share in role_share.items()}
    nqsw = cap * asye_share
    out["nqsw"] = min(nqsw, asye_max) if asye_max is not None else nqsw
    return out


ROUTE_LABELS = {
    "advert": "Advert (one post)",
    "conversion": "Agency worker took the post",
    "nqsw_cohort": "NQSW cohort",
    "agency_cover": "Agency cover",
}


def route_label(route: str) -> str:
    """Plain-English name of a starter route."""
    if route.startswith("campaign:"):
        return f"Campaign ({route.split(':', 1)[1].replace('_', ' ')})"
    return ROUTE_LABELS.get(route, route.replace("_", " "))


def _groups(frame: pd.DataFrame, groups: Optional[Iterable[str]]) -> pd.DataFrame:
    return frame if groups is None else frame[frame["group"].isin(list(groups))]


def _series(values: pd.Series) -> pd.DataFrame:
    out = values.rename("value").reset_index()
    return out[["replication", "date", "value"]]


def vacancy_rate(snapshots: pd.DataFrame, groups: Optional[Iterable[str]] = None) -> pd.DataFrame:
    """Posts without a permanent holder / all posts (FTE): the DfE definition,
    in which a post covered by an agency worker is still a vacancy."""
    g = _groups(snapshots, groups).groupby(["replication", "date"], observed=True)[["posts_fte", "permanent_fte"]].sum()
    return _series(1.0 - g["permanent_fte"] / g["posts_fte"])


def agency_share(snapshots: pd.DataFrame, groups: Optional[Iterable[str]] = None) -> pd.DataFrame:
    """Agency FTE / filled FTE."""
    g = _groups(snapshots, groups).groupby(["replication", "date"], observed=True)[["permanent_fte", "agency_fte"]].sum()
    filled = g["permanent_fte"] + g["agency_fte"]
    return _series((g["agency_fte"] / filled.where(filled > 0)).astype(float))


def asye_fte(snapshots: pd.DataFrame) -> pd.DataFrame:
    """FTE of NQSWs in their assessed and supported year, by replication and month."""
    return _series(snapshots.groupby(["replication", "date"], observed=True)["asye_fte"].sum())


def permanent_turnover(results: Results, months: int = 12) -> pd.DataFrame:
    """Permanent leavers in the ``months`` to each date / average permanent headcount
    over the same months (the DfE turnover rate, per year when months=12).

    Dates earlier than ``months`` after the start are left out.
    """
    snap = results.snapshots
    stock = snap.groupby(["replication", "date"], observed=True)["permanent_n"].sum()
    f = results.flows
    leave = f[(f["kind"] == "leave") & (f["contract"] == "permanent")]
    leavers = leave.groupby(["replication", "date"], observed=True)["count"].sum()
    leavers = leavers.reindex(stock.index, fill_value=0)
    by_rep_l = leavers.unstack("date").sort_index(axis=1)
    by_rep_s = stock.unstack("date").sort_index(axis=1)
    total = by_rep_l.T.rolling(months).sum().T
    mean_stock = by_rep_s.T.rolling(months + 1).mean().T
    rate = (total / mean_stock.where(mean_stock > 0)) * (12.0 / months)
    out = rate.stack().rename("value").reset_index()
    return out.dropna(subset=["value"])[["replication", "date", "value"]]


def fan_table(series: pd.DataFrame, quantiles: tuple[float, ...] = FAN_QUANTILES) -> pd.DataFrame:
    """Quantiles over replications of a series, by date (columns q05, q25, ...)."""
    q = series.groupby("date")["value"].quantile(list(quantiles)).unstack()
    q.columns = [f"q{int(round(100 * c)):02d}" for c in q.columns]
    return q.reset_index()


def summary_table(series: pd.DataFrame) -> pd.DataFrame:
    """Median and 90% interval over replications by date (columns median, low, high)."""
    g = series.groupby("date")["value"]
    return pd.DataFrame({"median": g.median(), "low": g.quantile(LOW_Q), "high": g.quantile(HIGH_Q)}).reset_index()


def _flow_fy(flows: pd.DataFrame) -> pd.Series:
    # a flow dated at a month start happened in the month before it
    before = pd.to_datetime(flows["date"]) - pd.Timedelta(days=1)
    return before.map(lambda d: financial_year(d.date()))


def months_by_fy(results: Results) -> pd.Series:
    """Months of flows the run covers in each financial year."""
    dates = pd.Series(sorted(results.snapshots["date"].unique())[1:])
    return _flow_fy(pd.DataFrame({"date": dates})).value_counts().sort_index().rename("months")


def starters_by_route(results: Results) -> pd.DataFrame:
    """Starters per financial year by route: mean per replication, with the months covered."""
    f = results.flows
    s = f[f["kind"] == "start"].copy()
    cols = ["financial_year", "route", "contract", "mean_per_replication", "months_covered"]
    if s.empty:
        return pd.DataFrame(columns=cols)
    s["financial_year"] = _flow_fy(s).to_numpy()
    g = s.groupby(["financial_year", "detail", "contract"], observed=True)["count"].sum() / results.replications
    out = g.rename("mean_per_replication").reset_index().rename(columns={"detail": "route"})
    out["route"] = out["route"].map(route_label)
    out["months_covered"] = out["financial_year"].map(months_by_fy(results)).fillna(0).astype(int)
    return out[cols]


def post_changes(results: Results) -> pd.DataFrame:
    """Changes of post holder per post per year, by financial year and team group.

    A change is a worker leaving a post (permanent leaver, agency assignment
    ending, agency worker replaced by a permanent starter); an agency worker
    taking the same post permanently is not a change. Median and 90% interval
    over replications, annualised for part years.
    """
    f = results.flows
    ch = f[(f["kind"] == "leave") & (f["detail"] != "converted_to_permanent")].copy()
    ch["financial_year"] = _flow_fy(ch).to_numpy()
    snap = results.snapshots.copy()
    snap = snap[snap["tick"] > 0]
    snap["financial_year"] = _flow_fy(snap).to_numpy()
    posts = snap.groupby(["replication", "financial_year", "group", "date"], observed=True)["posts_fte"].sum()
    posts = posts.groupby(["replication", "financial_year", "group"], observed=True).mean()
    changes = ch.groupby(["replication", "financial_year", "group"], observed=True)["count"].sum()
    changes = changes.reindex(posts.index, fill_value=0)
    months = months_by_fy(results)
    fy = posts.index.get_level_values("financial_year")
    rate = changes / posts * (12.0 / fy.map(months).to_numpy())
    g = rate.groupby(["financial_year", "group"], observed=True)
    out = pd.DataFrame({"median": g.median(), "low": g.quantile(LOW_Q), "high": g.quantile(HIGH_Q)}).reset_index()
    out["months_covered"] = out["financial_year"].map(months).astype(int)
    return out


def _capacity(frame: pd.DataFrame, caps: dict[str, float], staffed: bool) -> pd.Series:
    role = frame["role"].astype(str)
    cap = role.map(lambda r: caps.get(r, 0.0)).astype(float)
    if not staffed:
        return frame["posts_fte"] * cap
    fte = frame["permanent_fte"] + frame["agency_fte"]
    asye = np.where(role == "social_worker", frame["asye_fte"], 0.0)
    return (fte - asye) * cap + asye * caps.get("nqsw", caps.get("social_worker", 0.0))


def capacity_at_caps(results: Results, date: dt.date, caps: Optional[dict[str, float]] = None,
                     groups: Optional[Iterable[str]] = ("social_work_teams",)) -> pd.DataFrame:
    """Children the staff in post could hold at the caps, per team, by team type and role.

    Returns, for each team type and role (and "all roles"), the median and 90% interval over
    replications of the capacity per team at the snapshot at or before ``date``,
    and the capacity per team if every post were filled. Only case-holding
    team groups count (default: social_work_teams). ``caps`` default to ``caps_children``.
    """
    caps = caps or caps_children(results.scenario)
    snap = _groups(results.snapshots, groups)
    at = snapshot_at(snap["date"], date)
    s = snap[snap["date"] == at].copy()
    s["role"] = s["role"].astype(str)
    s["staffed"] = _capacity(s, caps, staffed=True)
    s["full"] = _capacity(s, caps, staffed=False)
    teams = s[s["replication"] == s["replication"].min()].groupby("team_type")["team"].nunique()
    per = s.groupby(["replication", "team_type", "role"], observed=True)[["staffed", "full"]].sum().reset_index()
    total = per.groupby(["replication", "team_type"], observed=True)[["staffed", "full"]].sum().reset_index()
    per = pd.concat([per, total.assign(role="all roles")], ignore_index=True)
    teams.index = teams.index.astype(str)
    per["team_type"] = per["team_type"].astype(str)
    per["n_teams"] = per["team_type"].map(teams).astype(float)
    per["staffed"] /= per["n_teams"]
    per["full"] /= per["n_teams"]
    g = per.groupby(["team_type", "role"], observed=True)
    out = pd.DataFrame({
        "median": g["staffed"].median(),
        "low": g["staffed"].quantile(LOW_Q),
        "high": g["staffed"].quantile(HIGH_Q),
        "all_posts_filled": g["full"].first(),
        "teams": g["n_teams"].first(),
    }).reset_index()
    labels = {k: (v.description.split("(")[0].strip(" -") or k.replace("_", " ")) for k, v in results.scenario.team_types.items()}
    out.insert(2, "team_label", out["team_type"].map(labels))
    out.insert(0, "date", at.date().isoformat())
    return out
