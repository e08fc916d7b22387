"""A sweep for a terminal (``sweep_output``) and on disk: CSV and Parquet per table, the Excel
workbook, the cost against permanence plot."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from workforce_sim.analysis.targets import permanence
from workforce_sim.files import atomic_path
from workforce_sim.reporting.tables import write_tables, write_workbook
from workforce_sim.workflows.sweep import FILES, TABLES, SweepOutcome


def plot_cost_vs_permanence(outcome: SweepOutcome, path: Path) -> Path:
    """PNG: mean total cost (GBP m) against the median permanent share, with 90% intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sweep = outcome.sweep
    pts = outcome.tables["points"]
    x = pts["permanent_share_median_pct"].to_numpy()
    y = pts["total_cost_gbp"].to_numpy() / 1e6
    xerr = np.vstack([x - pts["permanent_share_p5_pct"], pts["permanent_share_p95_pct"] - x])
    yerr = np.vstack([y - pts["total_cost_p5_gbp"] / 1e6, pts["total_cost_p95_gbp"] / 1e6 - y])
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.errorbar(x, y, xerr=xerr, yerr=yerr, fmt="o-", capsize=3, color="tab:blue", ecolor="0.6")
    for xi, yi, label in zip(x, y, pts["label"]):
        ax.annotate(label, (xi, yi), textcoords="offset points", xytext=(6, 6), fontsize=8)
    threshold = permanence(sweep.scenario).threshold
    if threshold is not None:
        ax.axvline(100 * threshold, color="tab:red", linestyle="--", linewidth=1, label=f"target {100 * threshold:.0f}%")
    ax.set_xlabel("Permanent share at the target date (%, median and 90% interval)")
    ax.set_ylabel("Total cost over the run (GBP m, mean and 90% interval)")
    seeds = "common seeds" if sweep.common_random_numbers else "independent seeds"
    ax.set_title(f"{sweep.scenario.name}: {sweep.replications} replications per point, {seeds}")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=120, format="png")
    finally:
        plt.close(fig)
    return path


SWEEP_TABLES = TABLES
SWEEP_FILES = FILES


def write_sweep(outcome: SweepOutcome, folder: Path) -> list[Path]:
    """Write CSV and Parquet per table, the workbook and the plot into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = write_tables(outcome.tables, folder)
    written.append(write_workbook(outcome.tables, folder / "sweep.xlsx"))
    written.append(plot_cost_vs_permanence(outcome, folder / "cost_vs_permanence.png"))
    return written


def _m(x: float, signed: bool = False) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x / 1e6:+.2f}" if signed else f"{x / 1e6:.2f}"


def points_text(points: pd.DataFrame, target: Optional[float]) -> str:
    chance = "P(target)" if target is None else f"P(>={target:.0%})"
    lines = [
        f"{'point':<28} {'permanent % (median, 90% int.)':>31} {chance:>9} {'total £m':>9} {'agency £m':>9} "
        f"{'net £m':>7} {'+pp':>6} {'£ per pp':>10}",
    ]
    for _, r in points.iterrows():
        perm = f"{r['permanent_share_median_pct']:.1f} ({r['permanent_share_p5_pct']:.1f}-{r['permanent_share_p95_pct']:.1f})"
        per_pp = "n/a" if math.isnan(r["cost_per_pp_gbp"]) else f"{r['cost_per_pp_gbp']:,.0f}"
        p = r["p_permanent_share_ge_target"]
        p = "n/a" if math.isnan(p) else f"{p:.2f}"    # no permanent-share target declared
        lines.append(
            f"{r['label'][:28]:<28} {perm:>31} {p:>9} {_m(r['total_cost_gbp']):>9} "
            f"{_m(r['agency_cost_gbp']):>9} {_m(r['net_cost_vs_first_gbp'], True):>7} {r['permanent_share_change_vs_first_pp']:>+6.1f} {per_pp:>10}"
        )
    return "\n".join(lines)


def investment_text(inv: pd.DataFrame) -> str:
    additional = "additional_cost_gbp" in inv.columns
    head = f"{'point':<28} {'year':<8} {'months':>6} {'total £m':>9}"
    if additional:
        head += f" {'baseline £m':>11} {'additional £m (90% int.)':>25}"
    head += f" {'investment £m':>13} {'variance £m':>11}"
    lines = [head]
    for _, r in inv.iterrows():
        line = f"{r['label'][:28]:<28} {r['financial_year']:<8} {r['months']:>6} {_m(r['total_cost_gbp']):>9}"
        if additional:
            rng = f"{_m(r['additional_cost_gbp'])} ({_m(r['additional_cost_p5_gbp'])}-{_m(r['additional_cost_p95_gbp'])})"
            line += f" {_m(r['baseline_cost_gbp']):>11} {rng:>25}"
        line += f" {_m(r['investment_gbp']):>13} {_m(r['variance_gbp'], True):>11}"
        lines.append(line)
    return "\n".join(lines)


def sweep_output(outcome: SweepOutcome) -> str:
    """What `wfsim sweep` prints on stdout before the files are written."""
    sweep, tables = outcome.sweep, outcome.tables
    sc = sweep.scenario
    seeds = "the same seeds at every point" if sweep.common_random_numbers else "independent seeds"
    lines = [f"{sc.name} ({sc.council}): {len(sweep.points)} points x {sweep.replications} replications, seed {sweep.seed}, {seeds}",
             f"Permanent share = {tables['about'].set_index('item').loc['permanent share', 'value']}",
             "Costs over the whole run; net cost and +pp are paired differences against the first point.\n",
             points_text(tables["points"], permanence(sc).threshold)]
    if "investment" in tables:
        lines += ["\nSpend by financial year beside the investment profile (variance = spend - investment)",
                  investment_text(tables["investment"])]
    return "\n".join(lines)

