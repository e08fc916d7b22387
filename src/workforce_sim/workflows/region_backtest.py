"""``wfsim backtest --level region``: each DfE region (and England, their sum) forecast from an origin
year with what was published by then, with the 2024 DfE agency rules on and off, scored against the
regions' published agency rates after it.

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
    forecasts: pd.DataFrame    # region, variant, year, replication, agency_rate_pct
    scores: pd.DataFrame       # region, year, published, persistence, per variant: median, p5, p95, error, covered
    summary: pd.DataFrame      # variant, year: MAE over regions, 90% coverage, mean error


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


def _agency_rate(results_members: dict, when: dt.date) -> pd.Series:
    from workforce_sim.analysis.measures import snapshot_at

    total = None
    for res in results_members.values():
        snap = res.snapshots
        at = snap[snap["date"] == snapshot_at(snap["date"], when)]
        g = at.groupby("replication", observed=True)[["permanent_fte", "agency_fte"]].sum()
        total = g if total is None else total + g
    return total


def execute(spec: RegionBacktestSpec, progress: Optional[Callable[[int], None]] = None) -> RegionBacktestOutcome:
    from workforce_sim.experiments.regions import run_region_replications
    from workforce_sim.scenario.councils import load_table

    rows = []
    for name, region in spec.regions.items():
        for variant, reg in (("rules off", region), ("rules on", with_rules(region, name))):
            res = run_region_replications(reg, spec.replications, spec.seed, spec.workers, progress=progress)
            for year in spec.years:
                g = _agency_rate(res.members, dt.date(year, 10, 1))
                for rep, r in g.iterrows():
                    rows.append({"region": name, "variant": variant, "year": year, "replication": rep,
                                 "permanent_fte": r["permanent_fte"], "agency_fte": r["agency_fte"]})
    fc = pd.DataFrame(rows)
    england = fc.groupby(["variant", "year", "replication"], as_index=False)[["permanent_fte", "agency_fte"]].sum().assign(region="England")
    fc = pd.concat([fc, england], ignore_index=True)
    fc["agency_rate_pct"] = 100 * fc["agency_fte"] / (fc["agency_fte"] + fc["permanent_fte"])
    table = load_table()
    pub = table[(table["measure"] == "agency_rate_pct") & (table["level"].isin(["regional", "national"]))]
    value = {(r.name, int(r.year)): float(r.value) for r in pub.itertuples()}
    scores = []
    for (region, year), part in fc.groupby(["region", "year"]):
        actual = value.get((region, year), np.nan)
        row = {"region": region, "year": int(year), "published": actual, "persistence": value.get((region, spec.origin), np.nan)}
        for variant, v in part.groupby("variant"):
            x = v["agency_rate_pct"].to_numpy()
            med, lo, hi = np.median(x), np.quantile(x, 0.05), np.quantile(x, 0.95)
            key = variant.replace(" ", "_")
            row.update({f"{key}_median": med, f"{key}_p5": lo, f"{key}_p95": hi, f"{key}_error": med - actual,
                        f"{key}_covered": bool(lo <= actual <= hi)})
        row["persistence_error"] = row["persistence"] - actual
        scores.append(row)
    scores = pd.DataFrame(scores)
    summary = []
    regional = scores[scores["region"] != "England"]
    for year, s in regional.groupby("year"):
        for key, label in (("rules_off", "rules off"), ("rules_on", "rules on"), ("persistence", "persistence")):
            err = s[f"{key}_error"]
            summary.append({"forecast": label, "year": int(year), "regions": len(s), "mae_points": float(err.abs().mean()),
                            "mean_error_points": float(err.mean()),
                            "coverage90": float(s[f"{key}_covered"].mean()) if f"{key}_covered" in s else np.nan})
    return RegionBacktestOutcome(spec, fc, scores, pd.DataFrame(summary))
