"""A region's figures, pure functions of its results: each member's staffing at a date and the
region's totals (median and 90% interval over replications), and the flows between members."""
from __future__ import annotations

import datetime as dt
from typing import Optional

import numpy as np
import pandas as pd

from workforce_sim.analysis.measures import snapshot_at, summarise
from workforce_sim.calendar import DAYS_PER_YEAR

MEASURES = (("permanent_share", "permanent share of filled posts"), ("agency_rate", "agency share of filled posts"),
            ("vacancy_rate", "vacancy rate of posts"), ("permanent_fte", "permanent FTE"))


def _staffing(snapshots: pd.DataFrame, date: pd.Timestamp) -> pd.DataFrame:
    at = snapshots[snapshots["date"] == date]
    g = at.groupby("replication", observed=True)[["permanent_fte", "agency_fte", "vacant_fte", "posts_fte"]].sum()
    filled = g["permanent_fte"] + g["agency_fte"]
    return pd.DataFrame({"permanent_share": g["permanent_fte"] / filled.where(filled > 0), "agency_rate": g["agency_fte"] / filled.where(filled > 0),
                         "vacancy_rate": g["vacant_fte"] / g["posts_fte"].where(g["posts_fte"] > 0), "permanent_fte": g["permanent_fte"],
                         "agency_fte": g["agency_fte"], "vacant_fte": g["vacant_fte"], "posts_fte": g["posts_fte"]})


def staffing_at(members: dict, date: Optional[dt.date] = None) -> pd.DataFrame:
    """Per member and for the region (the members' FTE summed per replication): each measure's median,
    90% interval and mean at ``date`` (default the last snapshot)."""
    frames = {}
    for name, res in members.items():
        dates = res.snapshots["date"]
        when = snapshot_at(dates, date) if date is not None else pd.Timestamp(dates.max())
        frames[name] = _staffing(res.snapshots, when)
    total = sum(f[["permanent_fte", "agency_fte", "vacant_fte", "posts_fte"]] for f in frames.values())
    filled = total["permanent_fte"] + total["agency_fte"]
    frames["region"] = pd.DataFrame({"permanent_share": total["permanent_fte"] / filled, "agency_rate": total["agency_fte"] / filled,
                                     "vacancy_rate": total["vacant_fte"] / total["posts_fte"], "permanent_fte": total["permanent_fte"]})
    rows = []
    for name, f in frames.items():
        for key, title in MEASURES:
            rows.append({"member": name, "measure": key, "title": title, **summarise(f[key])})
    return pd.DataFrame(rows)


def paired_change(members: dict, against: dict, date: Optional[dt.date] = None) -> pd.DataFrame:
    """Each member's and the region's change against another run of the same region on the same seeds
    (paired by replication): median and 90% interval of the difference, per measure."""
    rows = []
    names = list(members)
    for name in [*names, "region"]:
        a = _frame(members, name, date)
        b = _frame(against, name, date)
        for key, title in MEASURES:
            d = (a[key] - b[key]).dropna()
            rows.append({"member": name, "measure": key, "title": title, **summarise(d)})
    return pd.DataFrame(rows)


def _frame(members: dict, name: str, date: Optional[dt.date]) -> pd.DataFrame:
    if name != "region":
        res = members[name]
        dates = res.snapshots["date"]
        return _staffing(res.snapshots, snapshot_at(dates, date) if date is not None else pd.Timestamp(dates.max()))
    parts = [_frame(members, n, date)[["permanent_fte", "agency_fte", "vacant_fte", "posts_fte"]] for n in members]
    total = sum(parts)
    filled = total["permanent_fte"] + total["agency_fte"]
    return pd.DataFrame({"permanent_share": total["permanent_fte"] / filled, "agency_rate": total["agency_fte"] / filled,
                         "vacancy_rate": total["vacant_fte"] / total["posts_fte"], "permanent_fte": total["permanent_fte"]})


def flows_per_year(market_flows: Optional[pd.DataFrame], replications: int, days: float) -> pd.DataFrame:
    """The market's moves a year, mean over replications: kind, from (origin), to (member)."""
    if market_flows is None or market_flows.empty:
        return pd.DataFrame(columns=["kind", "origin", "member", "per_year"])
    years = days / DAYS_PER_YEAR
    g = market_flows.groupby(["kind", "origin", "member"], observed=True).size().rename("count").reset_index()
    g["per_year"] = g["count"] / replications / years
    return g.drop(columns="count").sort_values(["kind", "per_year"], ascending=[True, False], ignore_index=True)


def hires_matrix(market_flows: Optional[pd.DataFrame], replications: int, days: float) -> pd.DataFrame:
    """Who hired whom, a year (mean over replications): rows where the hire came from, columns the hiring member."""
    f = flows_per_year(market_flows, replications, days)
    hires = f[f["kind"] == "hire"]
    if hires.empty:
        return pd.DataFrame()
    return hires.pivot_table(index="origin", columns="member", values="per_year", aggfunc="sum", fill_value=0.0)


def conserved(market: Optional[pd.DataFrame]) -> bool:
    """Whether, at every month start of every replication, the people in posts, pools, the bar and offers
    equal the inflows less the outflows (nothing created or lost)."""
    if market is None or market.empty:
        return True
    held = market["in_posts"] + market["seekers"] + market["agency_pool"] + market["barred"] + market["in_offer"]
    return bool(np.array_equal(held.to_numpy(), (market["inflow_total"] - market["outflow_total"]).to_numpy()))
