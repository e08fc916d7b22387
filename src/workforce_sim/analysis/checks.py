"""Checks of a run against what is known: the starting staff profile and the
national DfE workforce statistics (turnover, agency rate, vacancy rate), and how
many replications a stable answer needs.

DfE definitions (children's social work workforce, year to 30 September):
turnover = leavers / FTE in post; agency rate = agency FTE / (agency FTE + FTE in
post); vacancy rate = vacancies / (vacancies + FTE in post), where a vacancy is a
post without a permanent holder, whether or not an agency worker covers it.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from workforce_sim.analysis.measures import summarise
from workforce_sim.experiments.replications import Results
from workforce_sim.scenario.councils import load_indicators


def profile_at(results: Results, date: Optional[dt.date] = None) -> pd.DataFrame:
    """Posts, permanent, agency and vacant FTE by group at a date (replication 0 and all-replication medians)."""
    snap = results.snapshots
    when = pd.Timestamp(date or results.scenario.start_date)
    at = snap[snap["date"] == when]
    g = at.groupby(["replication", "group"], observed=True)[["posts_fte", "permanent_fte", "agency_fte", "vacant_fte"]].sum()
    total = g.groupby("replication").sum().assign(group="all").set_index("group", append=True)
    g = pd.concat([g, total])
    g["permanent_share_of_staff"] = g["permanent_fte"] / (g["permanent_fte"] + g["agency_fte"])
    g["agency_share_of_posts"] = g["agency_fte"] / g["posts_fte"]
    return g.groupby("group").median()


def annual_indicators(results: Results, month: int = 10) -> pd.DataFrame:
    """DfE-style indicators per replication for each year to 30 September.

    FTE in post, agency and vacancies are read from the snapshot on 1 October
    (the state at the end of 30 September); starters and leavers of permanent
    staff are counted over the twelve months before it (flows dated after the
    snapshot a year earlier, up to and including this one). Years that start
    before the run are left out. The counts (``indicator_counts``) and the rates
    from them (``indicator_rates``): a region sums its members' counts and takes
    the same rates.
    """
    return indicator_rates(indicator_counts(results, month))


COUNTS = ["posts_fte", "permanent_fte", "agency_fte", "start", "leave"]


def indicator_counts(results: Results, month: int = 10) -> pd.DataFrame:
    """What the DfE indicators are made of, per replication and year end (``annual_indicators``): posts,
    permanent (FTE in post) and agency FTE on the 1 October snapshot, permanent starters and leavers over
    the twelve months before it."""
    snap = results.snapshots
    snap = snap[snap["date"].dt.month == month]
    tot = snap.groupby(["replication", "date"], observed=True)[["posts_fte", "permanent_fte", "agency_fte"]].sum().reset_index()
    tot = tot[tot["date"] - pd.DateOffset(years=1) >= pd.Timestamp(results.scenario.start_date)].reset_index(drop=True)
    # each permanent flow counts towards the first year end on or after its date, if within a year of it
    ends = np.sort(tot["date"].unique())
    flows = results.flows[results.flows["contract"] == "permanent"]
    flow_dates = pd.to_datetime(flows["date"]).to_numpy()
    i = np.searchsorted(ends, flow_dates, side="left")
    inside = i < len(ends)
    year_end = pd.Series(ends[np.minimum(i, len(ends) - 1)] if len(ends) else flow_dates, index=flows.index)
    inside &= (year_end - pd.DateOffset(years=1)).to_numpy() < flow_dates
    counted = flows[inside].assign(date=year_end[inside])
    counts = (counted.groupby(["replication", "date", "kind"], observed=True)["count"].sum()
              .unstack("kind").reindex(columns=["start", "leave"]).fillna(0).astype("int64"))
    tot = tot.merge(counts, left_on=["replication", "date"], right_index=True, how="left")
    tot["start"] = tot["start"].fillna(0).astype("int64")
    tot["leave"] = tot["leave"].fillna(0).astype("int64")
    return tot[["replication", "date", *COUNTS]]


def indicator_rates(counts: pd.DataFrame) -> pd.DataFrame:
    """The DfE indicators from ``indicator_counts`` (one council's, or several councils' summed by replication
    and date): the one place their definitions are written."""
    starters = counts["start"]
    leavers = counts["leave"]
    in_post = counts["permanent_fte"]
    vacancies = counts["posts_fte"] - in_post
    staffed = counts["agency_fte"] + in_post

    def pct(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
        return (100 * numerator / denominator.where(denominator != 0)).astype(float)

    return pd.DataFrame({
        "replication": counts["replication"],
        "year_to_30_sept": counts["date"].dt.year,
        "fte_in_post": in_post,
        "starters": starters,
        "leavers": leavers,
        "turnover_rate_pct": pct(leavers, in_post),
        "agency_rate_pct": pct(counts["agency_fte"], staffed),
        "vacancy_rate_pct": pct(vacancies, vacancies + in_post),
        "starters_per_100_fte": pct(starters, in_post),
    })


def summarise_indicators(indicators: pd.DataFrame) -> pd.DataFrame:
    """Median and 90% interval of each indicator by year."""
    rows = []
    for year, g in indicators.groupby("year_to_30_sept"):
        for col in ["turnover_rate_pct", "agency_rate_pct", "vacancy_rate_pct", "starters_per_100_fte"]:
            s = summarise(g[col])
            rows.append({"year_to_30_sept": year, "indicator": col, "median": s["median"], "low": s["low"], "high": s["high"]})
    return pd.DataFrame(rows)


def dfe_indicators(area: str = "England", path: Optional[Path] = None) -> pd.DataFrame:
    """The national (or regional) DfE indicators from the shipped reference table."""
    table = load_indicators(path)
    table = table[table["area"] == area].copy()
    table["starters_per_100_fte"] = 100 * table["starters_fte"] / table["fte_in_post"]
    return table.rename(columns={"year": "year_to_30_sept"})[
        ["area", "year_to_30_sept", "turnover_rate_pct", "agency_rate_pct", "vacancy_rate_pct", "starters_per_100_fte", "source"]
    ]


def compare_with_dfe(results: Results, area: str = "England", path: Optional[Path] = None) -> pd.DataFrame:
    """Simulated indicators (median, 90% interval) beside the DfE figure for the same year."""
    sim = summarise_indicators(annual_indicators(results))
    dfe = dfe_indicators(area, path).melt(id_vars=["area", "year_to_30_sept", "source"], var_name="indicator", value_name="dfe")
    out = sim.merge(dfe[["year_to_30_sept", "indicator", "dfe"]], on=["year_to_30_sept", "indicator"], how="left")
    return out


def interval_by_replications(values: np.ndarray, counts: Optional[list[int]] = None, z: float = 1.96) -> pd.DataFrame:
    """Half-width of the 95% confidence interval of the mean against the number of replications.

    ``values`` holds one figure per replication (in replication order); the
    first n are used for each n, as a user adding replications would see.
    """
    v = np.asarray(values, dtype=float)
    if counts is None:
        counts = sorted({n for n in (2, 5, 10, 20, 40, 80, 160, 320, 640, 1280) if n < len(v)} | {len(v)})
    rows = []
    for n in counts:
        x = v[:n]
        sd = x.std(ddof=1) if n > 1 else np.nan
        rows.append({"replications": n, "mean": x.mean(), "sd": sd, "half_width": z * sd / np.sqrt(n)})
    return pd.DataFrame(rows)


def replications_for(half_width: float, sd: float, z: float = 1.96) -> int:
    """Replications needed for a 95% half-width of ``half_width`` given a standard deviation."""
    if half_width <= 0:
        raise ValueError("half_width must be > 0")
    return int(np.ceil((z * sd / half_width) ** 2))


def per_replication(results: Results, measure: Callable[[Results], pd.Series]) -> np.ndarray:
    """A measure's value per replication, in replication order."""
    return measure(results).sort_index().to_numpy()
