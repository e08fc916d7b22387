"""Cost summaries over replications: by financial year and component, and
spend against an investment profile (budget by financial year). Pure functions
of results; the investment baseline's results are passed in (``workflows`` runs them)."""
from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from workforce_sim.analysis.measures import HIGH_Q, LOW_Q
from workforce_sim.experiments.replications import Results
from workforce_sim.finance.costs import COMPONENTS


def _costs(results: Results) -> pd.DataFrame:
    if results.costs is None:
        raise ValueError("these results carry no cost table")
    return results.costs


def cost_by_replication(results: Results, component: Optional[str] = None,
                        financial_year: Optional[str] = None) -> pd.Series:
    """Cost in GBP per replication over the whole run (or one component / financial year)."""
    c = _costs(results)
    if component is not None:
        c = c[c["component"] == component]
    if financial_year is not None:
        c = c[c["financial_year"] == financial_year]
    reps = pd.Index(range(results.replications), name="replication")
    return c.groupby("replication")["cost_gbp"].sum().reindex(reps, fill_value=0.0)


def yearly_costs(results: Results) -> pd.DataFrame:
    """Cost per replication, financial year and component (wide: one column per component, plus total), GBP."""
    c = _costs(results)
    wide = c.pivot_table(index=["replication", "financial_year"], columns="component", values="cost_gbp",
                         aggfunc="sum", fill_value=0.0, observed=True)
    wide = wide.reindex(columns=list(COMPONENTS), fill_value=0.0)
    wide["total"] = wide[list(COMPONENTS)].sum(axis=1)
    return wide


def costs_by_year(results: Results) -> pd.DataFrame:
    """Mean cost by financial year and component over replications, GBP, with the total's 90% interval."""
    c = _costs(results)
    wide = yearly_costs(results)
    g = wide.groupby("financial_year")
    out = g.mean().add_suffix("_gbp")
    out.insert(0, "months", c.groupby("financial_year")["period"].nunique())
    out["total_p5_gbp"] = g["total"].quantile(LOW_Q)
    out["total_p95_gbp"] = g["total"].quantile(HIGH_Q)
    return out.reset_index()


def investment_comparison(results: Results, baseline: Optional[Results] = None,
                          budget: Optional[dict[str, float]] = None) -> pd.DataFrame:
    """Spend by financial year beside the investment profile, and the variance (spend - budget), GBP.

    With a baseline (run with the same seed, so replications pair up) the spend
    is the additional cost over the baseline; without one it is the total cost.
    """
    budget = dict(results.scenario.finance.investment.gbp_by_financial_year if budget is None else budget)
    total = yearly_costs(results)["total"]
    months = _costs(results).groupby("financial_year")["period"].nunique()
    years = sorted(set(total.index.get_level_values("financial_year")) | set(budget))
    bt = yearly_costs(baseline)["total"] if baseline is not None else None
    rows = []
    for fy in years:
        t = total.xs(fy, level="financial_year") if fy in total.index.get_level_values("financial_year") else pd.Series(dtype=float)
        row = {"financial_year": fy, "months": int(months.get(fy, 0)), "total_cost_gbp": float(t.mean()) if len(t) else np.nan}
        if bt is not None:
            b = bt.xs(fy, level="financial_year") if fy in bt.index.get_level_values("financial_year") else pd.Series(dtype=float)
            diff = (t - b).dropna()
            row.update({
                "baseline_cost_gbp": float(b.mean()) if len(b) else np.nan,
                "additional_cost_gbp": float(diff.mean()) if len(diff) else np.nan,
                "additional_cost_p5_gbp": float(diff.quantile(LOW_Q)) if len(diff) else np.nan,
                "additional_cost_p95_gbp": float(diff.quantile(HIGH_Q)) if len(diff) else np.nan,
            })
            spend = row["additional_cost_gbp"]
        else:
            spend = row["total_cost_gbp"]
        row["investment_gbp"] = budget.get(fy, np.nan)
        row["variance_gbp"] = spend - row["investment_gbp"]
        rows.append(row)
    out = pd.DataFrame(rows)
    out.insert(1, "spend_basis", "additional over baseline" if bt is not None else "total")
    return out


def additional_spend(results: Results, baseline: Results) -> pd.DataFrame:
    """Cost above the baseline per replication and financial year (same seeds, so paired), GBP."""
    t = yearly_costs(results)["total"]
    b = yearly_costs(baseline)["total"]
    diff = (t - b).dropna().rename("additional_gbp").reset_index()
    return diff


def spend_against_profile(results: Results, baseline: Optional[Results]) -> pd.DataFrame:
    """Additional spend (with a baseline) or total spend by financial year: median and 90% interval,
    beside the investment profile, GBP."""
    budget = results.scenario.finance.investment.gbp_by_financial_year
    if baseline is not None:
        per = additional_spend(results, baseline).rename(columns={"additional_gbp": "value"})
        basis = "additional over baseline"
    else:
        per = yearly_costs(results)["total"].rename("value").reset_index()
        basis = "total"
    g = per.groupby("financial_year")["value"]
    out = pd.DataFrame({"median": g.median(), "low": g.quantile(LOW_Q), "high": g.quantile(HIGH_Q)}).reset_index()
    out.insert(1, "spend_basis", basis)
    out["investment_gbp"] = out["financial_year"].map(budget).astype(float)
    out["variance_median_gbp"] = out["median"] - out["investment_gbp"]
    return out
