"""``wfsim backtest --level region``: each DfE region (and England, their sum) forecast from an origin
year with what was published by then, with the 2024 DfE agency rules on and off, scored against the
regions' published agency rates, turnover and vacancy rates after it (the DfE definitions of
``analysis.checks.indicator_rates`` applied to the members' summed counts).

Every region is one market of its councils with figures at the origin (their published state on 30
September of the origin year, ``table_through(origin)``: nothing later is read). Both forecasts carry
the regional agreements in force before the rules (London Pledge, June 2022: a 6-month bar; West
Midlands since 2015: 12 months); *rules on* adds, from 31 October 2024, the DfE rules as their text
sets them: the 3-month bar, 3 years' post-qualifying experience and a price cap. The cap's level is not
published per region (``market_evidence.md``): it is taken 5% below the scenarios' assumed charge, an
assumption named in the outputs. No parameter is fitted to 2024-2025: those years are for scoring only.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd

from workforce_sim.analysis.measures import ensemble_quantiles
from workforce_sim.errors import InputError
from workforce_sim.scenario.schema.region import Policies, Region
from workforce_sim.workflows.common import check_replications, replications_or_default, seed_or_default

REGIONS = ("North East", "North West", "Yorkshire and The Humber", "East Midlands", "West Midlands", "East of England", "London",
           "South East", "South West")
PLEDGES = {"London": ("2022-06-01", 6.0), "West Midlands": ("2015-01-01", 12.0)}
RULES_DATE = "2024-10-31"
RULES_SOURCE = ("DfE statutory guidance on agency child and family social workers (in force for new assignments from 31 October "
                "2024): no agency work in the region within 3 months of leaving a permanent post there; 3 years' post-qualifying "
                "experience; regional price caps (levels not published: assumption, 5% below the scenarios' assumed charge)")
CAP_BELOW_CHARGE = 0.95
MEASURES = ("agency_rate_pct", "turnover_rate_pct", "vacancy_rate_pct")     # scored against the published regional rows
TITLES = {"agency_rate_pct": "agency rate (%)", "turnover_rate_pct": "turnover (%)", "vacancy_rate_pct": "vacancy rate (%)"}


@dataclass(frozen=True)
class RegionBacktestSpec:
    origin: int
    years: tuple[int, ...]
    replications: int
    seed: int
    regions: dict[str, Region]          # rules off (the agreements in force at the origin)
    workers: Optional[int] = None

    @property
    def task_count(self) -> int:
        return 2 * self.replications * len(self.regions)


@dataclass(frozen=True)
class RegionBacktestOutcome:
    spec: RegionBacktestSpec
    forecasts: pd.DataFrame    # region, variant, year, replication, the counts, every measure
    scores: pd.DataFrame       # region, measure, year, published, persistence, per variant: median, p5, p95, error, covered
    summary: pd.DataFrame      # measure, forecast, year: MAE over regions, mean error, 90% coverage and its Wilson interval


def _policies(region: str, rules: bool, charge: dict[str, float]) -> dict:
    """The agreements in force at the origin (a regional bar), and with ``rules`` the DfE rules from their date
    (a regional bar of 3 months or more stays as it was)."""
    pol: dict = {}
    bar = PLEDGES.get(region)
    if bar is not None:
        pol["cooling_off"] = {"date": bar[0], "months": bar[1]}
    if rules:
        if bar is None or bar[1] < 3.0:
            pol["cooling_off"] = {"date": RULES_DATE, "months": 3.0}
        pol["experience"] = {"date": RULES_DATE, "years": 3.0}
        pol["price_cap"] = {"date": RULES_DATE, "day_rate_gbp": {r: round(CAP_BELOW_CHARGE * v, 2) for r, v in charge.items()}}
    return pol


def build_region(name: str, origin: int, years: tuple[int, ...], table: pd.DataFrame) -> Region:
    """The region's councils with figures at ``origin``, from the table as published by then, in one market."""
    from workforce_sim.scenario.region_start import region_members, region_start_state
    from workforce_sim.scenario.schema import Scenario
    from workforce_sim.scenario.start_state import start_state

    members = region_members(name, origin, table)
    end = dt.date(max(years), 10, 2)
    scenarios = []
    for c in members:
        _, data = start_state(c.new_la_code, origin, table=table)
        data.pop("targets", None)
        data["end_date"] = end.isoformat()
        data.pop("demand", None)
        data.pop("caseload", None)
        scenarios.append(Scenario.model_validate(data))
    starts = {s.start_date for s in scenarios}
    if len(starts) != 1:
        raise InputError(f"{name}: members start on different dates", file="--origins")
    market = region_start_state(name, members, origin, table)["market"]
    return Region.model_validate({
        "name": f"{name} {origin}", "title": f"{name}, from 30 September {origin}", "start_date": scenarios[0].start_date,
        "end_date": end, "cases": False, "market": market, "policies": _policies(name, False, {}),
        "members": [{"name": c.name, "scenario": s} for c, s in zip(members, scenarios)],
    })


def with_rules(region: Region, name: str) -> Region:
    charge = dict(region.members[0].scenario.finance.agency.day_rate_gbp)
    charge = {r: float(v) if isinstance(v, (int, float)) else float(v.support()[0]) for r, v in charge.items()}
    return region.model_copy(update={"policies": Policies.model_validate(_policies(name, True, charge))})


def prepare(origin: int = 2023, horizon: int = 2, replications: Optional[int] = None, seed: Optional[int] = None,
            regions: Optional[list[str]] = None, workers: Optional[int] = None, allow_large: bool = False) -> RegionBacktestSpec:
    from workforce_sim.scenario.councils import load_table, table_through

    replications = replications_or_default(replications, "backtest")
    check_replications(replications, allow_large)
    names = list(regions or REGIONS)
    unknown = [n for n in names if n not in REGIONS]
    if unknown:
        raise InputError(f"unknown region {unknown[0]!r} (regions: {', '.join(REGIONS)})", file="--councils")
    years = tuple(origin + h for h in range(1, horizon + 1))
    full = load_table()
    published = full[(full["measure"] == "agency_rate_pct") & (full["level"].isin(["regional", "national"]))]
    if not all(((published["year"] == y) & (published["name"] == "England")).any() for y in years):
        raise InputError(f"no published England agency rate for every year {years[0]}-{years[-1]} to score", file="--origins")
    table = table_through(origin, full)
    built = {n: build_region(n, origin, years, table) for n in names}
    return RegionBacktestSpec(origin, years, replications, seed_or_default(seed), built, workers)


def region_counts(results_members: dict) -> pd.DataFrame:
    """The members' indicator counts (``analysis.checks.indicator_counts``) summed by replication and year end."""
    from workforce_sim.analysis.checks import COUNTS, indicator_counts

    parts = [indicator_counts(res) for res in results_members.values()]
    return pd.concat(parts).groupby(["replication", "date"], as_index=False)[COUNTS].sum()


def forecast_table(counts: pd.DataFrame, england: bool = True) -> pd.DataFrame:
    """Region, variant, year, replication, the counts and the scored measures (DfE definitions: ``indicator_rates``)
    of each region and, with ``england`` (every region forecast), of England: the sum of the regions' counts."""
    from workforce_sim.analysis.checks import COUNTS, indicator_rates

    fc = counts
    if england:
        total = counts.groupby(["variant", "replication", "date"], as_index=False)[COUNTS].sum().assign(region="England")
        fc = pd.concat([counts, total], ignore_index=True)
    fc = fc.reset_index(drop=True)
    rates = indicator_rates(fc)
    fc["year"] = rates["year_to_30_sept"]
    for m in MEASURES:
        fc[m] = rates[m]
    return fc[["region", "variant", "year", "replication", *COUNTS, *MEASURES]]


def score(fc: pd.DataFrame, published: pd.DataFrame, origin: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(scores, summary): each region's and England's forecast median and 90% interval of every measure against the
    published value, and persistence (the origin's published value); the summary over the regions (England apart):
    mean absolute error, mean error and the 90% intervals' coverage with its Wilson interval, by measure and year."""
    from workforce_sim.analysis.backtest import turnover_members
    from workforce_sim.analysis.measures import wilson

    value = {(r.name, r.measure, int(r.year)): float(r.value) for r in published.itertuples()}
    scores = []
    for (region, year), part in fc.groupby(["region", "year"]):
        for m in MEASURES:
            actual = value.get((region, m, int(year)), np.nan)
            row = {"region": region, "measure": m, "year": int(year), "published": actual,
                   "persistence": value.get((region, m, origin), np.nan)}
            for variant, v in part.groupby("variant"):
                # turnover from the expected leavers, as for a council (analysis.backtest.turnover_members)
                x = (turnover_members(v["expected_leave"].to_numpy(float), v["permanent_fte"].to_numpy(float))
                     if m == "turnover_rate_pct" and "expected_leave" in v and v["expected_leave"].notna().all() else v[m].to_numpy(float))
                x = x[np.isfinite(x)]
                med, (lo, hi) = np.median(x), ensemble_quantiles(x, (0.05, 0.95))
                key = variant.replace(" ", "_")
                row.update({f"{key}_median": med, f"{key}_p5": lo, f"{key}_p95": hi, f"{key}_error": med - actual,
                            f"{key}_covered": bool(lo <= actual <= hi)})
            row["persistence_error"] = row["persistence"] - actual
            scores.append(row)
    scores = pd.DataFrame(scores)
    summary = []
    regional = scores[(scores["region"] != "England") & scores["published"].notna()]
    for (m, year), s in regional.groupby(["measure", "year"], sort=False):
        for key, label in (("rules_off", "rules off"), ("rules_on", "rules on"), ("persistence", "persistence")):
            err = s[f"{key}_error"]
            row = {"measure": m, "forecast": label, "year": int(year), "regions": len(s), "mae_points": float(err.abs().mean()),
                   "mean_error_points": float(err.mean()), "coverage90": np.nan, "coverage90_low": np.nan, "coverage90_high": np.nan}
            if f"{key}_covered" in s:
                k = float(s[f"{key}_covered"].sum())
                lo, hi = wilson(k, len(s))
                row.update({"coverage90": k / len(s), "coverage90_low": lo, "coverage90_high": hi})
            summary.append(row)
    order = {m: i for i, m in enumerate(MEASURES)}
    summary = pd.DataFrame(summary)
    summary = summary.sort_values(["measure", "year"], key=lambda c: c.map(order) if c.name == "measure" else c, kind="stable")
    return scores, summary.reset_index(drop=True)


def execute(spec: RegionBacktestSpec, progress: Optional[Callable[[int], None]] = None) -> RegionBacktestOutcome:
    from workforce_sim.experiments.regions import run_region_replications
    from workforce_sim.scenario.councils import load_table

    parts = []
    for name, region in spec.regions.items():
        for variant, reg in (("rules off", region), ("rules on", with_rules(region, name))):
            res = run_region_replications(reg, spec.replications, spec.seed, spec.workers, progress=progress)
            parts.append(region_counts(res.members).assign(region=name, variant=variant))
    fc = forecast_table(pd.concat(parts, ignore_index=True), england=set(spec.regions) == set(REGIONS))
    fc = fc[fc["year"].isin(spec.years)].reset_index(drop=True)
    table = load_table()
    pub = table[table["measure"].isin(MEASURES) & table["level"].isin(["regional", "national"]) & table["value"].notna()]
    scores, summary = score(fc, pub, spec.origin)
    return RegionBacktestOutcome(spec, fc, scores, summary)
