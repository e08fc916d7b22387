"""Writing a sweep: CSV and Parquet per table, the Excel workbook, the cost against permanence plot."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from workforce_sim.experiments.sweep import SweepResult
from workforce_sim.reporting.tables import write_tables, write_workbook


def plot_cost_vs_permanence(sweep: SweepResult, path: Path) -> Path:
    """PNG: mean total cost (GBP m) against the median permanent share, with 90% intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pts = sweep.tables["points"]
    x = pts["permanent_share_median_pct"].to_numpy()
    y = pts["total_cost_gbp"].to_numpy() / 1e6
    xerr = np.vstack([x - pts["permanent_share_p5_pct"], pts["permanent_share_p95_pct"] - x])
    yerr = np.vstack([y - pts["total_cost_p5_gbp"] / 1e6, pts["total_cost_p95_gbp"] / 1e6 - y])
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.errorbar(x, y, xerr=xerr, yerr=yerr, fmt="o-", capsize=3, color="tab:blue", ecolor="0.6")
    for xi, yi, label in zip(x, y, pts["label"]):
        ax.annotate(label, (xi, yi), textcoords="offset points", xytext=(6, 6), fontsize=8)
    from workforce_sim.analysis.targets import permanence

    threshold = permanence(sweep.scenario).threshold
    if threshold is not None:
        ax.axvline(100 * threshold, color="tab:red", linestyle="--", linewidth=1, label=f"target {100 * threshold:.0f}%")
    ax.set_xlabel("Permanent share at the target date (%, median and 90% interval)")
    ax.set_ylabel("Total cost over the run (GBP m, mean and 90% interval)")
    seeds = "common seeds" if sweep.common_random_numbers else "independent seeds"
    ax.set_title(f"{sweep.scenario.name}: {sweep.replications} replications per point, {seeds}")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


SWEEP_TABLES = ("points", "costs_by_year", "investment", "replications", "about")
SWEEP_FILES = ("sweep.xlsx", "cost_vs_permanence.png")


def write_sweep(sweep: SweepResult, folder: Path) -> list[Path]:
    """Write CSV and Parquet per table, the workbook and the plot into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = write_tables(sweep.tables, folder)
    written.append(write_workbook(sweep.tables, folder / "sweep.xlsx"))
    written.append(plot_cost_vs_permanence(sweep, folder / "cost_vs_permanence.png"))
    return written
