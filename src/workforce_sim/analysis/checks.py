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


COUNTS = ["posts_fte", "permanent_fte", "agency_fte", "start", "leave", "expected_leave"]


def year_before(day: dt.date) -> dt.date:
    """The same day a year earlier (29 February -> 28 February, as ``pandas.DateOffset(years=1)``)."""
    return day.replace(year=day.year - 1, day=min(day.day, 28 if day.month == 2 else day.day))


def indicator_counts(results: Results, month: int = 10) -> pd.DataFrame:
    """What the DfE indicators are made of, per replication and year end (``annual_indicators``): posts,
    permanent (FTE in post) and agency FTE on the 1 October snapshot, permanent starters and leavers over
    the twelve months before it (each flow counts towards the first year end on or after its date, if
    within a year of it), and the leavers the permanent staff's hazard over those months leads one to
    expect (``expected_leave``: NaN for records without it). Sums by NumPy over the few distinct dates (the calibration computes this for
    every one of its simulations)."""
    snap = results.snapshots
    dates, at = np.unique(snap["date"].to_numpy(), return_inverse=True)
    days = dates.astype("datetime64[D]").tolist()   # the few distinct dates, as datetime.date
    start = results.scenario.start_date
    # the year ends: snapshots in ``month`` a full year after the start
    is_end = np.array([d.month == month and year_before(d) >= start for d in days], dtype=bool)
    ends = dates[is_end]
    end_of_date = np.full(len(dates), -1)
    end_of_date[is_end] = np.arange(len(ends))
    e = end_of_date[at]
    rows = e >= 0
    reps, rep_at = np.unique(snap["replication"].to_numpy()[rows], return_inverse=True)
    key = rep_at * len(ends) + e[rows]
    size = len(reps) * len(ends)
    present = np.bincount(key, minlength=size) > 0
    sums = {c: np.bincount(key, weights=snap[c].to_numpy(float)[rows], minlength=size)[present]
            for c in ("posts_fte", "permanent_fte", "agency_fte")}
    previous = np.array([year_before(d) for d, end in zip(days, is_end) if end], dtype="datetime64[D]").astype(dates.dtype)

    def window(table: pd.DataFrame, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The (replication, year end) key of each of the table's ``rows`` dated within a year end's twelve
        months, and which rows those are."""
        fdates = table["date"].to_numpy()[rows].astype(dates.dtype)
        i = np.searchsorted(ends, fdates, side="left")
        inside = i < len(ends)
        inside[inside] &= previous[i[inside]] < fdates[inside]
        frep = table["replication"].to_numpy()[rows][inside]
        r = np.searchsorted(reps, frep)
        known = (r < len(reps)) & (reps[np.minimum(r, len(reps) - 1)] == frep) if len(reps) else np.zeros(len(frep), bool)
        return r[known] * len(ends) + i[inside][known], np.flatnonzero(rows)[inside][known]

    flows = results.flows
    perm = np.asarray(flows["contract"].to_numpy(dtype=object) == "permanent", dtype=bool)
    fkey, at_rows = window(flows, perm)
    kinds = flows["kind"].to_numpy(dtype=object)[at_rows]
    weights = flows["count"].to_numpy()[at_rows]
    counted = {k: np.bincount(fkey[kinds == k], weights=weights[kinds == k], minlength=size)[present].astype("int64")
               for k in ("start", "leave")}
    hazards = results.hazards
    if hazards is not None:
        hkey, h_rows = window(hazards, np.ones(len(hazards), dtype=bool))
        expected = np.bincount(hkey, weights=hazards["expected_leavers"].to_numpy(float)[h_rows], minlength=size)[present]
    else:   # records without the hazard spent (not a model run's)
        expected = np.full(int(present.sum()), np.nan)
    which = np.flatnonzero(present)
    return pd.DataFrame({"replication": reps[which // max(len(ends), 1)], "date": ends[which % max(len(ends), 1)],
                         **sums, **counted, "expected_leave": expected}, columns=["replication", "date", *COUNTS])


def indicator_rates(counts: pd.DataFrame) -> pd.DataFrame:
    """The DfE indicators from ``indicator_counts`` (one council's, or several councils' summed by replication
    and date): the one place their definitions are written."""
    starters = counts["start"].to_numpy(float)
    leavers = counts["leave"].to_numpy(float)
    in_post = counts["permanent_fte"].to_numpy(float)
    agency = counts["agency_fte"].to_numpy(float)
    vacancies = counts["posts_fte"].to_numpy(float) - in_post

    def pct(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(denominator != 0, 100 * numerator / np.where(denominator != 0, denominator, 1.0), np.nan)

    return pd.DataFrame({
        "replication": counts["replication"].to_numpy(),
        "year_to_30_sept": counts["date"].to_numpy().astype("datetime64[Y]").astype(np.int64) + 1970,
        "fte_in_post": in_post,
        "starters": starters,
        "leavers": leavers,
        # the leavers the hazard of the staff in post leads one to expect: those drawn less the chance of which
        # of them left, whose mean over replications is zero
        "expected_leavers": counts["expected_leave"].to_numpy(float),
        "turnover_rate_pct": pct(leavers, in_post),
        "agency_rate_pct": pct(agency, agency + in_post),
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
