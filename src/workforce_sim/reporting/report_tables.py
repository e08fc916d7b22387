"""The tables a report writes: KPIs, time series and flows as CSV and Parquet,
the raw per-replication records as Parquet, and an Excel workbook of the
summary tables for finance."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Optional

import pandas as pd

from workforce_sim import __version__
from workforce_sim.analysis import staffing, targets
from workforce_sim.experiments.replications import Results
from workforce_sim.reporting.runs import git_info
from workforce_sim.reporting.tables import result_tables, write_tables, write_workbook
from workforce_sim.scenario.schema import Scenario
from workforce_sim.workflows.run import RunOutcome

WORKBOOK = "workbook.xlsx"


def run_inputs(scenario: Scenario, seed: int, replications: int,
               overrides: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """What a run was made from (the inputs part of run.json)."""
    return {
        "scenario": scenario.name,
        "council": scenario.council,
        "scenario_resolved": scenario.model_dump(mode="json"),
        "seed": int(seed),
        "replications": int(replications),
        "overrides": list(overrides),
        "package_version": __version__,
        **git_info(),
    }


def timeseries(results: Results) -> pd.DataFrame:
    """Monthly median and 90% interval of every modelled target with a series, and NQSWs in ASYE."""
    frames = []
    for t in targets.targets_for(results.scenario):
        if targets.status(t, results) != "modelled":
            continue
        s = targets.series(t, results)
        if s is None:
            continue
        frames.append(staffing.summary_table(s).assign(measure=t.key, unit=t.unit))
    frames.append(staffing.summary_table(staffing.asye_fte(results.snapshots)).assign(measure="nqsw_in_asye_fte", unit="fte"))
    out = pd.concat(frames, ignore_index=True)
    out["date"] = pd.to_datetime(out["date"]).dt.date.astype(str)
    return out[["measure", "unit", "date", "median", "low", "high"]]


def investment_profile(scenario: Scenario) -> pd.DataFrame:
    """The scenario's investment profile by financial year (empty when it has none), with its source."""
    budget = scenario.finance.investment.gbp_by_financial_year
    source = scenario.sources.get("finance.investment.gbp_by_financial_year", "the scenario (finance.investment)")
    return pd.DataFrame({"financial_year": list(budget), "investment_gbp": [float(v) for v in budget.values()],
                         "source": [source] * len(budget)}, columns=["financial_year", "investment_gbp", "source"])


def report_tables(results: Results, card: pd.DataFrame, capacity_date: Optional[dt.date] = None,
                  baseline: Optional[Results] = None) -> dict[str, pd.DataFrame]:
    """Summary tables of a report (also the Excel workbook's sheets); ``baseline``: the investment
    baseline's results on the same seeds."""
    when = capacity_date or results.scenario.target_date("permanent_share")
    per_rep = targets.per_replication(results, baseline)
    finance = {}
    if results.costs is not None:
        from workforce_sim.analysis.finance import costs_by_year, spend_against_profile

        finance = {"costs_by_year": costs_by_year(results),
                   "spend_vs_profile": spend_against_profile(results, baseline)}
    cases = {}
    if results.case_monthly is not None:
        from workforce_sim.analysis.cases import case_indicators, case_trend, caseload_by_team_type

        cases = {"case_measures": pd.DataFrame(case_indicators(results)),
                 "caseload_by_team_type": pd.DataFrame(caseload_by_team_type(results)),
                 "case_trend": case_trend(results)}
    return {
        "kpi": card,
        "kpi_by_replication": per_rep.reset_index().rename(columns={"index": "replication"}),
        "timeseries": timeseries(results),
        "starters_by_route": staffing.starters_by_route(results),
        "post_changes": staffing.post_changes(results),
        "capacity_at_caps": staffing.capacity_at_caps(results, when),
        "investment_profile": investment_profile(results.scenario),
        **finance,
        **cases,
    }


def write_report(folder: str | Path, outcome: RunOutcome) -> list[Path]:
    """Write the summary tables (CSV and Parquet), the raw per-replication records
    (Parquet only: as CSV they run to tens of MB) and the workbook into ``folder``."""
    folder = Path(folder)
    results = outcome.results
    summary = report_tables(results, outcome.scorecard, baseline=outcome.investment_baseline)
    written = write_tables(summary, folder) + write_tables(result_tables(results), folder, formats=("parquet",))
    book = folder / WORKBOOK
    write_workbook({**summary, "parameters": results.parameters}, book)
    return [*written, book]
