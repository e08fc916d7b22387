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


HEADLINES = ("permanent_share", "agency_rate")     # what a region's compare and sweep tabulate per member


def per_replication(members: dict, date: Optional[dt.date] = None) -> pd.DataFrame:
    """Each member's and the region's measures per replication: member, replication and one column a measure."""
    frames = []
    for name in [*members, "region"]:
        f = _frame(members, name, date)[[k for k, _ in MEASURES]]
        frames.append(f.rename_axis("replication").reset_index().assign(member=name))
    out = pd.concat(frames, ignore_index=True)
    return out[["member", "replication", *[k for k, _ in MEASURES]]]


def compare_runs(labels: list[str], runs: list[dict], date: Optional[dt.date] = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Runs of regions with the same members on the same seeds, each against the first: per run, member (and
    the region) and measure, the median and 90% interval, and the paired difference against the first run
    (median, 90% interval, mean, and the share of replications in which it is above 0). Also the values per
    replication."""
    reps = [per_replication(members, date).assign(scenario=label) for label, members in zip(labels, runs)]
    first = reps[0].set_index(["member", "replication"])
    rows = []
    titles = dict(MEASURES)
    for label, rep in zip(labels, reps):
        this = rep.set_index(["member", "replication"])
        for name in rep["member"].unique():
            for key in HEADLINES + tuple(k for k, _ in MEASURES if k not in HEADLINES):
                values = this.loc[name, key]
                d = (values - first.loc[name, key]).dropna()
                s, ds = summarise(values), summarise(d)
                rows.append({"scenario": label, "member": name, "measure": key, "title": titles[key],
                             "median": s["median"], "low": s["low"], "high": s["high"], "mean": s["mean"],
                             "diff_median": ds["median"], "diff_low": ds["low"], "diff_high": ds["high"], "diff_mean": ds["mean"],
                             "p_above": float((d > 0).mean()) if len(d) else float("nan"), "n": s["n"]})
    per_rep = pd.concat(reps, ignore_index=True)
    return pd.DataFrame(rows), per_rep[["scenario", *[c for c in per_rep.columns if c != "scenario"]]]


def sweep_tables(labels: list[str], settings: list[dict], runs: list[dict], about: dict[str, str],
                 date: Optional[dt.date] = None) -> dict[str, pd.DataFrame]:
    """A region's sweep: ``points`` (per grid point, member and the region, measure: median, 90% interval and the
    paired difference against point 0), ``replications`` (the values per replication) and ``about``."""
    table, per_rep = compare_runs(labels, runs, date)
    index = {label: i for i, label in enumerate(labels)}
    table = table.rename(columns={"scenario": "label"})
    table.insert(0, "point", table["label"].map(index))
    for key in (settings[0] if settings else {}):
        table.insert(2, key, table["label"].map({label: s[key] for label, s in zip(labels, settings)}))
    per_rep = per_rep.rename(columns={"scenario": "label"})
    per_rep.insert(0, "point", per_rep["label"].map(index))
    return {"points": table, "replications": per_rep,
            "about": pd.DataFrame({"item": list(about), "value": [str(v) for v in about.values()]})}
