"""A sweep's tables: per point, the permanent share at the target date (median,
90% interval, probability of reaching the target), total and agency cost over
the run, the net cost against the first point and the cost per percentage
point of permanence gained; costs by financial year; spend against the
investment profile; per replication; and what the columns mean."""
from __future__ import annotations

from typing import Any, Optional

import pandas as pd

from workforce_sim.analysis import targets
from workforce_sim.analysis.finance import cost_by_replication, costs_by_year, investment_comparison
from workforce_sim.analysis.measures import HIGH_Q, LOW_Q, meets
from workforce_sim.experiments.replications import Results
from workforce_sim.experiments.sweep import Axis, SweepResult


def _q(x: pd.Series, q: float) -> float:
    x = x.dropna()
    return float(x.quantile(q)) if len(x) else float("nan")


def sweep_tables(sweep: SweepResult, investment_baseline: Optional[Results] = None) -> dict[str, pd.DataFrame]:
    """The sweep's tables: points, costs by year, investment, replications, about. With the investment
    baseline's results (same seed), spend by financial year is the cost above it."""
    perm = targets.permanence(sweep.scenario)
    target = perm.threshold
    per_rep, by_year, invest, rows = [], [], [], []
    first_share = first_cost = first_agency = None
    snapshot_date = None
    for i, (p, res) in enumerate(zip(sweep.points, sweep.results)):
        snap, share = targets.values_at(perm, res)
        share = share.reindex(range(res.replications))
        snapshot_date = pd.Timestamp(snap)
        total = cost_by_replication(res)
        agency = cost_by_replication(res, "agency")
        if i == 0:
            first_share, first_cost, first_agency = share, total, agency
        d_cost = total - first_cost
        d_pp = 100 * (share - first_share)
        saved = first_agency - agency
        row = {"point": i, "label": p.label, **{a.key: _cell(p.settings[a.key], a) for a in sweep.axes}}
        row.update({
            "permanent_share_median_pct": 100 * float(share.median()),
            "permanent_share_p5_pct": 100 * _q(share, LOW_Q),
            "permanent_share_p95_pct": 100 * _q(share, HIGH_Q),
            "p_permanent_share_ge_target": float(meets(share.dropna(), target, perm.direction).mean()) if target is not None else float("nan"),
            "total_cost_gbp": float(total.mean()),
            "total_cost_p5_gbp": _q(total, LOW_Q),
            "total_cost_p95_gbp": _q(total, HIGH_Q),
            "agency_cost_gbp": float(agency.mean()),
            "agency_saved_vs_first_gbp": float(saved.mean()),
            "agency_saved_vs_first_p5_gbp": _q(saved, LOW_Q),
            "agency_saved_vs_first_p95_gbp": _q(saved, HIGH_Q),
            "net_cost_vs_first_gbp": float(d_cost.mean()),
            "net_cost_vs_first_p5_gbp": _q(d_cost, LOW_Q),
            "net_cost_vs_first_p95_gbp": _q(d_cost, HIGH_Q),
            "permanent_share_change_vs_first_pp": float(d_pp.mean()),
            "permanent_share_change_vs_first_p5_pp": _q(d_pp, LOW_Q),
            "permanent_share_change_vs_first_p95_pp": _q(d_pp, HIGH_Q),
        })
        gain = row["permanent_share_change_vs_first_pp"]
        row["cost_per_pp_gbp"] = row["net_cost_vs_first_gbp"] / gain if i > 0 and abs(gain) > 1e-9 else float("nan")
        rows.append(row)
        per_rep.append(pd.DataFrame({"point": i, "label": p.label, "replication": share.index,
                                     "permanent_share_pct": 100 * share.to_numpy(), "total_cost_gbp": total.to_numpy(),
                                     "agency_cost_gbp": agency.to_numpy()}))
        by_year.append(costs_by_year(res).assign(point=i, label=p.label))
        row["years_over_profile"] = float("nan")
        if investment_baseline is not None or res.scenario.finance.investment.gbp_by_financial_year:
            inv = investment_comparison(res, investment_baseline)
            invest.append(inv.assign(point=i, label=p.label))
            if "variance_gbp" in inv.columns and "investment_gbp" in inv.columns:
                profiled = inv[inv["investment_gbp"].notna()]
                row["years_over_profile"] = int((profiled["variance_gbp"] > 0).sum())
    front = ["point", "label"]
    tables = {
        "points": pd.DataFrame(rows),
        "costs_by_year": _front(pd.concat(by_year, ignore_index=True), front),
        "replications": pd.concat(per_rep, ignore_index=True),
    }
    if invest:
        tables["investment"] = _front(pd.concat(invest, ignore_index=True), front)
    sc = sweep.scenario
    about = {
        "scenario": sc.name,
        "council": sc.council,
        "grid": "; ".join(f"{a.key} = {', '.join(a.texts)}" for a in sweep.axes),
        "replications per point": sweep.replications,
        "seed": sweep.seed,
        "common random numbers": "yes: every point runs the same seeds" if sweep.common_random_numbers else "no: independent seeds per point",
        "permanent share": f"permanent FTE / (permanent + agency FTE) at {snapshot_date.date().isoformat() if snapshot_date is not None else ''} "
                           f"(target: {perm.describe_target()})",
        "costs": f"GBP, from {sc.start_date.isoformat()} to the last month start before {sc.end_date.isoformat()}; "
                 "mean over replications unless the column says p5/p95 (90% interval)",
        "net cost vs first point": "mean of paired differences per replication against point 0",
        "cost per pp": "net cost vs first point / change in permanent share (percentage points)",
        "agency saved vs first point": "agency spend of point 0 minus this point's, paired per replication (mean and 90% interval)",
        "permanence gained": "change in permanent share against point 0, paired per replication (mean and 90% interval)",
        "years over profile": "financial years of the investment profile in which spend is above the year's investment",
        "investment": ("additional cost over the baseline scenario " + str(sc.finance.investment.baseline)) if investment_baseline is not None
                      else "total cost against the investment profile",
    }
    tables["about"] = pd.DataFrame({"item": list(about), "value": [str(v) for v in about.values()]})
    return tables


def _cell(value: Any, axis: Axis) -> Any:
    """A grid value as a table cell: numbers when every value of the axis is a number, else the text given."""
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in axis.values):
        return value
    return axis.texts[axis.values.index(value)]


def _front(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    return df[cols + [c for c in df.columns if c not in cols]]
