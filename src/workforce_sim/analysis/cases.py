"""Case measures derived from the monthly case tables (the targets are judged in ``targets``).

Conventions: a row of ``case_monthly`` dated D holds the stocks on D and the
flows of the month before D (so the flows of March 2015 are in the row dated
1 April 2015). A date is read from the row at or before it. Caseloads are children per case-holding FTE;
a qualified social worker is a social worker not in their ASYE; NQSWs are
social workers in their ASYE. Children open on the start date are left out of
the pathway measures (their earlier workers are not known).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from workforce_sim.analysis.measures import meets, snapshot_at, summarise
from workforce_sim.experiments.replications import Results


def _sum_by(snap: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    cols = ["holders_fte", "cases", "asye_fte", "asye_cases"]
    return snap.groupby(keys, observed=True)[cols].sum()


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den > 0)).astype(float)


def caseloads(results: Results, by_team_type: bool = False) -> pd.DataFrame:
    """Average caseload per replication and date: qualified social workers, NQSWs, consultant practitioners, all holders."""
    snap = results.case_snapshots
    keys = ["replication", "date"] + (["team_type"] if by_team_type else [])
    sw = _sum_by(snap[snap["role"] == "social_worker"], keys)
    cp = _sum_by(snap[snap["role"] == "consultant_practitioner"], keys)
    allh = _sum_by(snap, keys)
    out = pd.DataFrame({
        "social_worker": _ratio(sw["cases"] - sw["asye_cases"], sw["holders_fte"] - sw["asye_fte"]),
        "nqsw": _ratio(sw["asye_cases"], sw["asye_fte"]),
        "all_holders": _ratio(allh["cases"], allh["holders_fte"]),
    })
    out["consultant_practitioner"] = _ratio(cp["cases"], cp["holders_fte"]).reindex(out.index)
    return out.reset_index()


def monthly_measures(results: Results) -> pd.DataFrame:
    """Per replication and month: shares on time, unallocated cases, changes of worker."""
    m = results.case_monthly.copy()
    m["assessments_on_time_share"] = _ratio(m["assessments_on_time"], m["assessments_completed"])
    visits_due = m["cp_visits_due"] + m["lac_visits_due"]
    m["visits_on_time_share"] = _ratio(m["cp_visits_on_time"] + m["lac_visits_on_time"], visits_due)
    m["max_3_workers_share"] = _ratio(m["pathways_max_3_workers"], m["pathways_closed"])
    m["open_cases"] = m["open_allocated"] + m["unallocated"]
    return m


def _window(m: pd.DataFrame, end: pd.Timestamp, months: int) -> pd.DataFrame:
    return m[(m["date"] > end - pd.DateOffset(months=months)) & (m["date"] <= end)]


def _row(measure: str, label: str, values: pd.Series, when: str) -> dict[str, Any]:
    return {"measure": measure, "label": label, "when": when, **summarise(values)}


def case_indicators(results: Results) -> list[dict[str, Any]]:
    """Case figures reported beside the targets (no threshold): unallocated cases at the
    caseload date, and over the 12 months to the pathway date the share of children with at
    most 3 social workers, the mean workers per child and the changes of worker. The dates are
    those of the scenario's average_caseload and three_or_fewer_workers targets (else the end
    of the run), read from the snapshot at or before them."""
    sc = results.scenario
    m = monthly_measures(results)
    at = snapshot_at(m["date"], sc.target_date("average_caseload"))
    rows = [_row("unallocated", "Unallocated cases", m.loc[m["date"] == at, "unallocated"], f"snapshot {at.date().isoformat()}")]
    at_w = snapshot_at(m["date"], sc.target_date("three_or_fewer_workers"))
    year = _window(m, at_w, 12).groupby("replication")[["pathways_max_3_workers", "pathways_closed", "pathway_workers_sum", "changes_of_worker"]].sum()
    when = f"pathways closed in the 12 months to {at_w.date().isoformat()}"
    rows.append(_row("max_3_workers", "Children with at most 3 social workers over their pathway",
                     _ratio(year["pathways_max_3_workers"], year["pathways_closed"]), when))
    rows.append(_row("workers_per_child", "Social workers per child over their pathway (mean)",
                     _ratio(year["pathway_workers_sum"], year["pathways_closed"]), when))
    rows.append(_row("changes_of_worker", "Changes of social worker in the year", year["changes_of_worker"],
                     f"12 months to {at_w.date().isoformat()}"))
    return rows


def team_type_label(scenario, team_type: str) -> str:
    """A team type as readers know it: its description up to any bracket, else its key."""
    tt = scenario.team_types.get(team_type)
    text = tt.description.split("(")[0].strip(" -") if tt is not None else ""
    return text or team_type.replace("_", " ")


def caseload_by_team_type(results: Results) -> list[dict[str, Any]]:
    """Average caseload of qualified social workers per team type at the caseload date (that of
    the scenario's average_caseload target, else the end of the run), against that type's cap."""
    sc = results.scenario
    c = sc.caseload
    cl = caseloads(results, by_team_type=True)
    at = snapshot_at(cl["date"], sc.target_date("average_caseload"))
    now = cl[cl["date"] == at]
    rows = []
    for team_type, g in now.groupby("team_type", observed=True):
        cap = c.cap_by_team_type.get(team_type, c.cap)
        cap = float(cap) if isinstance(cap, (int, float)) else None
        v = g["social_worker"].to_numpy(dtype=float)
        v = v[~np.isnan(v)]
        p = float(meets(v, cap, "at_most").mean()) if cap is not None and len(v) else float("nan")
        rows.append({"team_type": str(team_type), "team_label": team_type_label(sc, str(team_type)),
                     **_row("average_caseload", str(team_type), g["social_worker"], f"snapshot {at.date().isoformat()}"),
                     "cap": cap, "p_within_cap": p})
    return rows


def case_trend(results: Results, freq_months: int = 3) -> pd.DataFrame:
    """By quarter: medians of caseload, unallocated cases, and the shares on time over the quarter."""
    cl = caseloads(results)
    m = monthly_measures(results)
    m = m.sort_values(["replication", "date"])
    g = m.groupby("replication")
    sums = {}
    for col in ["assessments_on_time", "assessments_completed", "cp_visits_on_time", "lac_visits_on_time", "cp_visits_due", "lac_visits_due"]:
        sums[col] = g[col].transform(lambda s: s.rolling(freq_months, min_periods=1).sum())
    m["assessments_q"] = _ratio(sums["assessments_on_time"], sums["assessments_completed"])
    m["visits_q"] = _ratio(sums["cp_visits_on_time"] + sums["lac_visits_on_time"], sums["cp_visits_due"] + sums["lac_visits_due"])
    m = m.merge(cl[["replication", "date", "social_worker", "nqsw"]], on=["replication", "date"], how="left")
    dates = sorted(m["date"].unique())
    keep = [d for d in dates if (pd.Timestamp(d).month - 1) % freq_months == 0 and d != dates[0]]
    rows = []
    for d in keep:
        x = m[m["date"] == d]
        rows.append({
            "date": pd.Timestamp(d).date().isoformat(),
            "caseload_social_worker": float(x["social_worker"].median()),
            "caseload_nqsw": float(x["nqsw"].median()),
            "unallocated": float(x["unallocated"].median()),
            "open_cases": float(x["open_cases"].median()),
            "assessments_on_time": float(x["assessments_q"].median()),
            "visits_on_time": float(x["visits_q"].median()),
        })
    return pd.DataFrame(rows)


def case_headline(results: Results) -> dict[str, Any]:
    """The case figures `wfsim run` prints, as plain data."""
    return {
        "indicators": case_indicators(results),
        "caseload_by_team_type": caseload_by_team_type(results),
        "by_quarter": case_trend(results).to_dict(orient="records"),
    }
