"""A sweep for a terminal (``sweep_output``) and on disk: CSV and Parquet per table, the Excel
workbook, the cost against permanence plot and ``sweep.html`` (finance's page: the answer first,
a chart of the paired differences, the table per level)."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from workforce_sim.analysis.targets import permanence
from workforce_sim.files import atomic_path, write_text
from workforce_sim.reporting.pages import chance_short, few_replications_warning, money, page, png_img, pounds, scenario_title, table
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


def plot_paired_differences(outcome: SweepOutcome) -> bytes:
    """PNG bytes: per level, the permanence gained and the net cost against the first level, paired
    per replication, each with its 90% interval (the chart of ``sweep.html``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from workforce_sim.reporting.plots import png

    pts = outcome.tables["points"]
    labels = [str(x) for x in pts["label"]]
    y = np.arange(len(pts))[::-1]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 0.6 * len(pts) + 1.8), sharey=True)
    for ax, mid, lo, hi, scale, xlabel, colour in (
        (a1, "permanent_share_change_vs_first_pp", "permanent_share_change_vs_first_p5_pp", "permanent_share_change_vs_first_p95_pp", 1,
         "Permanent share gained (percentage points)", "tab:green"),
        (a2, "net_cost_vs_first_gbp", "net_cost_vs_first_p5_gbp", "net_cost_vs_first_p95_gbp", 1e6, "Net cost (GBP m)", "tab:blue"),
    ):
        m = pts[mid].to_numpy() / scale
        err = np.vstack([m - pts[lo].to_numpy() / scale, pts[hi].to_numpy() / scale - m])
        ax.errorbar(m, y, xerr=err, fmt="o", capsize=4, color=colour, ecolor="0.5")
        ax.axvline(0, color="0.3", linewidth=1)
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", alpha=0.3)
    a1.set_yticks(y, labels)
    fig.suptitle(f"Against {labels[0]}, the same futures at every level (mean and 90% interval)", fontsize=10)
    fig.tight_layout()
    return png(fig, dpi=110, close=True)


def _beyond_chance(lo: float, hi: float) -> bool:
    return not (math.isnan(lo) or math.isnan(hi)) and (lo > 0 or hi < 0)


def sweep_answer(outcome: SweepOutcome) -> str:
    """The page's answer in one sentence: the level with the lowest pounds per point among those whose
    paired gain is beyond chance, or that none gains beyond chance."""
    pts = outcome.tables["points"]
    first = str(pts.loc[0, "label"])
    gains = pts.iloc[1:]
    good = gains[[_beyond_chance(r.permanent_share_change_vs_first_p5_pp, r.permanent_share_change_vs_first_p95_pp)
                  and r.permanent_share_change_vs_first_pp > 0 for r in gains.itertuples()]]
    if good.empty:
        text = (f"No level raises the permanent share beyond chance against {first} "
                f"({outcome.sweep.replications:,} paired replications per level)")
        if len(gains):
            r = gains.sort_values("permanent_share_change_vs_first_pp").iloc[-1]
            text += (f"; the largest gain, {r['permanent_share_change_vs_first_pp']:+.1f} points (90% interval "
                     f"{r['permanent_share_change_vs_first_p5_pp']:+.1f} to {r['permanent_share_change_vs_first_p95_pp']:+.1f}), "
                     f"is {r['label']} at {money(r['net_cost_vs_first_gbp'])} net")
        return text + "."
    by_value = good.assign(v=good["cost_per_pp_gbp"].where(good["cost_per_pp_gbp"] > 0, -1 / good["permanent_share_change_vs_first_pp"]))
    r = by_value.sort_values("v").iloc[0]
    per_pp = "" if math.isnan(r["cost_per_pp_gbp"]) else f", {pounds(r['cost_per_pp_gbp'])} a point"
    return (f"Best value: {r['label']} gains {r['permanent_share_change_vs_first_pp']:+.1f} points of permanent share "
            f"(90% interval {r['permanent_share_change_vs_first_p5_pp']:+.1f} to {r['permanent_share_change_vs_first_p95_pp']:+.1f}) "
            f"for {money(r['net_cost_vs_first_gbp'])} net against {first}, saving {money(r['agency_saved_vs_first_gbp'])} of agency spend{per_pp}.")


def sweep_page(outcome: SweepOutcome) -> str:
    """``sweep.html``: finance's table per level (total cost, agency spend saved, net cost, permanence
    gained with its interval, pounds per point, years over the investment profile) under the answer
    and the chart of paired differences."""
    sweep, pts = outcome.sweep, outcome.tables["points"]
    sc = sweep.scenario
    n = sweep.replications
    target = permanence(sc).threshold
    rows = []
    for r in pts.itertuples():
        first = r.point == 0
        beyond = _beyond_chance(r.permanent_share_change_vs_first_p5_pp, r.permanent_share_change_vs_first_p95_pp)
        years = "" if math.isnan(r.years_over_profile) else f"{int(r.years_over_profile)}"
        rows.append([
            r.label, money(r.total_cost_gbp),
            "reference" if first else f"{money(r.agency_saved_vs_first_gbp)} ({money(r.agency_saved_vs_first_p5_gbp)} to {money(r.agency_saved_vs_first_p95_gbp)})",
            "reference" if first else f"{money(r.net_cost_vs_first_gbp)} ({money(r.net_cost_vs_first_p5_gbp)} to {money(r.net_cost_vs_first_p95_gbp)})",
            "reference" if first else (f"{r.permanent_share_change_vs_first_pp:+.1f} ({r.permanent_share_change_vs_first_p5_pp:+.1f} to "
                                       f"{r.permanent_share_change_vs_first_p95_pp:+.1f})" + (" beyond chance" if beyond else "")),
            "" if first or math.isnan(r.cost_per_pp_gbp) else pounds(r.cost_per_pp_gbp),
            f"{r.permanent_share_median_pct:.1f}%",
            "n/a" if target is None else chance_short(r.p_permanent_share_ge_target, n),
            years,
        ])
    headers = ["Level", "Total cost", "Agency spend saved (90% interval)", "Net cost (90% interval)",
               "Permanence gained, points (90% interval)", "Pounds per point", "Permanent share (median)",
               "Chance of reaching the target (90% interval)" if target is None else f"Chance of {100 * target:.0f}% or more (90% interval)", "Years over the investment profile"]
    body = "<h2>Per level, against the first (paired: the same futures at every level)</h2>" + table(headers, rows, numeric={1, 2, 3, 4, 5, 6})
    if "investment" in outcome.tables:
        inv = outcome.tables["investment"]
        spend = "additional_cost_gbp" if "additional_cost_gbp" in inv.columns else "total_cost_gbp"
        inv_rows = [[r["label"], r["financial_year"], money(r[spend]), money(r["investment_gbp"]), money(r["variance_gbp"], signed=True)]
                    for _, r in inv.iterrows()]
        body += ("<h2>Spend by financial year beside the investment profile</h2>"
                 + table(["Level", "Financial year", "Spend" + (" above the investment baseline" if spend != "total_cost_gbp" else ""),
                          "Investment", "Over (+) or under (-)"], inv_rows, numeric={2, 3, 4}))
    about = outcome.tables["about"]
    body += "<h2>How these figures were made</h2>" + table(["", ""], about.values.tolist())
    titles = lever_titles(outcome)
    grid = "; ".join(f"{titles.get(a.key, a.key)} = {', '.join(a.texts)}" for a in sweep.axes)
    return page(f"{scenario_title(sc)}: what each level buys", sweep_answer(outcome),
                chart=png_img(plot_paired_differences(outcome), "paired differences against the first level"),
                body=body, subtitle=f"{sc.council}; {grid}; {n:,} replications per level, seed {sweep.seed}",
                warning=few_replications_warning(n),
                words=["Paired difference", "Beyond chance", "Agency spend saved", "Pounds per point", "Permanent share",
                       "90% interval", "Replication", "Investment profile", "FTE", "Random seed"])


SWEEP_TABLES = TABLES
SWEEP_FILES = FILES


def lever_titles(outcome: SweepOutcome) -> dict[str, str]:
    """Grid keys that are named levers, each with the lever's title (``NQSWs a year (... a year)``)."""
    from workforce_sim.scenario.named_levers import find

    found = {a.key: find(a.key) for a in outcome.sweep.axes}
    return {k: lv.title for k, lv in found.items() if lv is not None}


def labelled(outcome: SweepOutcome) -> SweepOutcome:
    """The outcome for readers: when a grid key is a named lever, each level is labelled by the
    lever's label (``NQSWs a year = 10``) and its column headed by the lever's title (label and unit).
    The CSV and Parquet tables keep the keys as given."""
    from dataclasses import replace

    from workforce_sim.scenario.named_levers import find

    titles = lever_titles(outcome)
    if not titles:
        return outcome
    sweep = outcome.sweep
    names = {a.key: (find(a.key).label if a.key in titles else a.key.rsplit(".", 1)[-1]) for a in sweep.axes}
    new = {p.label: ", ".join(f"{names[a.key]} = {a.texts[a.values.index(p.settings[a.key])] if p.settings[a.key] in a.values else p.settings[a.key]}"
                              for a in sweep.axes) for p in sweep.points}
    tables = {}
    for name, df in outcome.tables.items():
        df = df.rename(columns=titles)
        if "label" in df.columns:
            df = df.assign(label=[new.get(x, x) for x in df["label"]])
        tables[name] = df
    return replace(outcome, tables=tables)


def write_sweep(outcome: SweepOutcome, folder: Path) -> list[Path]:
    """Write CSV and Parquet per table, the workbook and the plot into ``folder`` (the workbook,
    the plot and the page name levers by their labels)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = write_tables(outcome.tables, folder)
    readable = labelled(outcome)
    written.append(write_workbook(readable.tables, folder / "sweep.xlsx"))
    written.append(plot_cost_vs_permanence(readable, folder / "cost_vs_permanence.png"))
    written.append(write_text(folder / "sweep.html", sweep_page(readable)))
    return written


def _m(x: float, signed: bool = False) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    text = f"{x / 1e6:+.2f}" if signed else f"{x / 1e6:.2f}"
    return text.replace("-0.00", "0.00").replace("+0.00", "0.00") if abs(x) < 5e3 else text


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
    if outcome.precision is not None:
        from workforce_sim.reporting.text import precision_text

        lines += ["", precision_text(outcome.precision.as_dict(), outcome.precision.replications)]
    return "\n".join(lines)

