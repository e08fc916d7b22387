"""Case measures derived from the monthly case tables, and their summary against targets.

Conventions: a row of ``case_monthly`` dated D holds the stocks on D and the
flows of the month before D (so "March 2015" is the row dated 1 April 2015,
the snapshot nearest 31 March). Caseloads are children per case-holding FTE;
a qualified social worker is a social worker not in their ASYE; NQSWs are
social workers in their ASYE. Children open on the start date are left out of
the pathway measures (their earlier workers are not known).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import numpy as np
import pandas as pd

from workforce_sim.analysis.measures import nearest_date, summarise
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


def _row(measure: str, label: str, values: pd.Series, target: Optional[float], direction: str,
         target_date: dt.date, when: str) -> dict[str, Any]:
    s = summarise(values)
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if target is None or not len(v):
        p = float("nan")
    elif direction == "<=":
        p = float((v <= target + 1e-12).mean())
    else:
        p = float((v >= target - 1e-12).mean())
    return {"measure": measure, "label": label, "target": target, "direction": direction,
            "target_date": target_date.isoformat(), "when": when, **s, "p_target": p}


def case_targets(results: Results) -> list[dict[str, Any]]:
    """Each case measure at its target date: median, 90% interval, probability of meeting the target."""
    t = results.scenario.caseload.targets
    rows = []
    cl = caseloads(results)
    at = nearest_date(cl["date"], t.caseload_date)
    now = cl[cl["date"] == at]
    when = f"snapshot {at.date().isoformat()}"
    rows.append(_row("average_caseload", "Average caseload, qualified social workers", now["social_worker"], t.average_caseload, "<=", t.caseload_date, when))
    rows.append(_row("consultant_practitioner_caseload", "Average caseload, consultant practitioners", now["consultant_practitioner"], t.consultant_practitioner_caseload, "<=", t.caseload_date, when))
    rows.append(_row("nqsw_caseload", "Average caseload, NQSWs in their ASYE", now["nqsw"], t.nqsw_caseload, "<=", t.caseload_date, when))
    m = monthly_measures(results)
    unalloc = m[m["date"] == at]
    rows.append(_row("unallocated", "Unallocated cases", unalloc["unallocated"], None, "<=", t.caseload_date, when))
    at_a = nearest_date(m["date"], t.assessments_date)
    month = m[m["date"] == at_a]
    rows.append(_row("assessments_on_time", "Assessments completed within the clock (working days)", month["assessments_on_time_share"],
                     t.assessments_on_time, ">=", t.assessments_date, f"month to {at_a.date().isoformat()}"))
    at_v = nearest_date(m["date"], t.visits_date)
    month = m[m["date"] == at_v]
    rows.append(_row("visits_on_time", "CP and LAC visits on time", month["visits_on_time_share"],
                     t.visits_on_time, ">=", t.visits_date, f"month to {at_v.date().isoformat()}"))
    at_w = nearest_date(m["date"], t.max_3_workers_date)
    year = _window(m, at_w, 12).groupby("replication")[["pathways_max_3_workers", "pathways_closed", "pathway_workers_sum"]].sum()
    when = f"pathways closed in the 12 months to {at_w.date().isoformat()}"
    rows.append(_row("max_3_workers", "Children with at most 3 social workers over their pathway",
                     _ratio(year["pathways_max_3_workers"], year["pathways_closed"]), t.max_3_workers_share, ">=", t.max_3_workers_date, when))
    rows.append(_row("workers_per_child", "Social workers per child over their pathway (mean)",
                     _ratio(year["pathway_workers_sum"], year["pathways_closed"]), None, "<=", t.max_3_workers_date, when))
    changes = _window(m, at_w, 12).groupby("replication")["changes_of_worker"].sum()
    rows.append(_row("changes_of_worker", "Changes of social worker in the year", changes, None, "<=", t.max_3_workers_date,
                     f"12 months to {at_w.date().isoformat()}"))
    return rows


def caseload_by_team_type(results: Results) -> list[dict[str, Any]]:
    """Average caseload of qualified social workers per team type at the caseload date, against that type's cap."""
    sc = results.scenario
    c = sc.caseload
    cl = caseloads(results, by_team_type=True)
    at = nearest_date(cl["date"], c.targets.caseload_date)
    now = cl[cl["date"] == at]
    rows = []
    for team_type, g in now.groupby("team_type", observed=True):
        cap = c.cap_by_team_type.get(team_type, c.cap)
        target = float(cap) if isinstance(cap, (int, float)) else None
        rows.append({"team_type": team_type, **_row("average_caseload", team_type, g["social_worker"], target, "<=",
                                                      c.targets.caseload_date, f"snapshot {at.date().isoformat()}")})
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
        "targets": case_targets(results),
        "caseload_by_team_type": caseload_by_team_type(results),
        "by_quarter": case_trend(results).to_dict(orient="records"),
    }
