"""Parameter sweeps: every point of a grid run with the same seeds.

Common random numbers: each grid point runs replications 0..n-1 with the same
seed, so each random element draws the same numbers at every point and the
differences between points are paired per replication. The per-point table
gives the permanent share at the target date (median, 90% interval,
probability of reaching the target), total and agency cost over the run, the
net cost against the first point and the cost per percentage point of
permanence gained.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np
import pandas as pd

from .errors import InputError
from .finance_summary import cost_by_replication, costs_by_year, investment_comparison
from .metrics import HIGH_Q, LOW_Q, share_by_replication
from .replications import Results, run_replications
from .scenario import Scenario, defining_file, load_scenario, parse_set


@dataclass(frozen=True)
class Axis:
    """One ``--grid key=v1,v2,...``: a scenario key and the values it takes."""

    key: str
    values: tuple[Any, ...]
    texts: tuple[str, ...]


@dataclass
class Point:
    label: str
    settings: dict[str, Any]
    overrides: list[str]
    scenario: Scenario


@dataclass
class SweepResult:
    scenario: Scenario
    axes: list[Axis]
    points: list[Point]
    results: list[Results]
    baseline: Optional[Results]
    seed: int
    replications: int
    common_random_numbers: bool
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def _split_values(raw: str) -> list[str]:
    """Split at commas outside brackets and quotes, so a value may be ``[0.1, 0.2]``."""
    out, depth, quote, cur = [], 0, "", []
    for ch in raw:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    out.append("".join(cur).strip())
    return out


def parse_grid(items: list[str]) -> list[Axis]:
    """Parse ``--grid`` options; values are read like ``--set`` values (YAML)."""
    axes: list[Axis] = []
    for item in items:
        if "=" not in item:
            raise InputError(f"expected key=value1,value2,..., got {item!r}", file="--grid")
        key, _, raw = item.partition("=")
        key = key.strip()
        texts = _split_values(raw)
        if any(not t for t in texts):
            raise InputError(f"empty value in {raw!r}", file="--grid", key=key or None)
        values = []
        for text in texts:
            try:
                parts, value = parse_set(f"{key}={text}")
            except InputError as exc:
                raise InputError(exc.message, file="--grid", key=exc.key or key or None) from None
            values.append(value)
        key = ".".join(parts)
        if any(a.key == key for a in axes):
            raise InputError("key given in two --grid options", file="--grid", key=key)
        if len(set(map(repr, values))) != len(values):
            raise InputError(f"a value is given twice in {raw!r}", file="--grid", key=key)
        axes.append(Axis(key, tuple(values), tuple(texts)))
    if not axes:
        raise InputError("give at least one --grid key=v1,v2,...", file="--grid")
    return axes


def grid_points(path: str | Path, axes: list[Axis], overrides: list[str] = ()) -> list[Point]:
    """Every combination of the axes' values, each resolved and validated before anything runs."""
    load_scenario(path, list(overrides))      # the scenario itself is good: later errors come from the grid
    points = []
    for combo in itertools.product(*[range(len(a.values)) for a in axes]):
        settings = {a.key: a.values[i] for a, i in zip(axes, combo)}
        grid_sets = [f"{a.key}={a.texts[i]}" for a, i in zip(axes, combo)]
        try:
            sc = load_scenario(path, [*overrides, *grid_sets])
        except InputError as exc:
            raise InputError(exc.message, file="--grid", key=exc.key) from None
        label = ", ".join(f"{a.key.rsplit('.', 1)[-1]}={a.texts[i]}" for a, i in zip(axes, combo))
        points.append(Point(label, settings, [*overrides, *grid_sets], sc))
    return points


def baseline_scenario(path: str | Path, scenario: Scenario, overrides: list[str] = ()) -> Optional[Scenario]:
    """The scenario named by ``finance.investment.baseline`` (relative to the file that names it), or None."""
    name = scenario.finance.investment.baseline
    if not name:
        return None
    owner = defining_file(path, "finance.investment.baseline")
    target = owner.parent / name
    if not target.exists():
        raise InputError(f"baseline scenario not found: {name}", file=str(owner), key="finance.investment.baseline")
    return load_scenario(target, list(overrides))


def run_sweep(
    path: str | Path,
    axes: list[Axis],
    overrides: list[str] = (),
    replications: int = 20,
    seed: int = 2014,
    workers: Optional[int] = 1,
    common_random_numbers: bool = True,
    progress: Optional[Callable[[int], None]] = None,
) -> SweepResult:
    """Run every grid point (and the investment baseline, if the scenario names one)."""
    points = grid_points(path, axes, list(overrides))
    base_sc = baseline_scenario(path, points[0].scenario, list(overrides))
    results = []
    for i, p in enumerate(points):
        s = seed if common_random_numbers else seed + 1 + i
        results.append(run_replications(p.scenario, replications, s, workers, progress=progress))
    baseline = run_replications(base_sc, replications, seed, workers, progress=progress) if base_sc is not None else None
    sweep = SweepResult(points[0].scenario, axes, points, results, baseline, seed, replications, common_random_numbers)
    sweep.tables = sweep_tables(sweep)
    return sweep


def _q(x: pd.Series, q: float) -> float:
    x = x.dropna()
    return float(x.quantile(q)) if len(x) else float("nan")


def sweep_tables(sweep: SweepResult) -> dict[str, pd.DataFrame]:
    """The sweep's tables: points, costs by year, investment, replications, about."""
    target = sweep.scenario.targets.permanent_share
    per_rep, by_year, invest, rows = [], [], [], []
    first_share = first_cost = None
    snapshot_date = None
    for i, (p, res) in enumerate(zip(sweep.points, sweep.results)):
        share, snapshot_date = share_by_replication(res)
        total = cost_by_replication(res)
        agency = cost_by_replication(res, "agency")
        if i == 0:
            first_share, first_cost = share, total
        d_cost = total - first_cost
        d_pp = 100 * (share - first_share)
        row = {"point": i, "label": p.label, **{a.key: _cell(p.settings[a.key], a) for a in sweep.axes}}
        row.update({
            "permanent_share_median_pct": 100 * float(share.median()),
            "permanent_share_p5_pct": 100 * _q(share, LOW_Q),
            "permanent_share_p95_pct": 100 * _q(share, HIGH_Q),
            "p_permanent_share_ge_target": float((share >= target - 1e-12).mean()),
            "total_cost_gbp": float(total.mean()),
            "total_cost_p5_gbp": _q(total, LOW_Q),
            "total_cost_p95_gbp": _q(total, HIGH_Q),
            "agency_cost_gbp": float(agency.mean()),
            "net_cost_vs_first_gbp": float(d_cost.mean()),
            "net_cost_vs_first_p5_gbp": _q(d_cost, LOW_Q),
            "net_cost_vs_first_p95_gbp": _q(d_cost, HIGH_Q),
            "permanent_share_change_vs_first_pp": float(d_pp.mean()),
        })
        gain = row["permanent_share_change_vs_first_pp"]
        row["cost_per_pp_gbp"] = row["net_cost_vs_first_gbp"] / gain if i > 0 and abs(gain) > 1e-9 else float("nan")
        rows.append(row)
        per_rep.append(pd.DataFrame({"point": i, "label": p.label, "replication": share.index,
                                     "permanent_share_pct": 100 * share.to_numpy(), "total_cost_gbp": total.to_numpy(),
                                     "agency_cost_gbp": agency.to_numpy()}))
        by_year.append(costs_by_year(res).assign(point=i, label=p.label))
        if sweep.baseline is not None or res.scenario.finance.investment.gbp_by_financial_year:
            invest.append(investment_comparison(res, sweep.baseline).assign(point=i, label=p.label))
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
                           f"(target {target:.0%} by {sc.targets.permanent_share_date.isoformat()})",
        "costs": f"GBP, from {sc.start_date.isoformat()} to the last month start before {sc.end_date.isoformat()}; "
                 "mean over replications unless the column says p5/p95 (90% interval)",
        "net cost vs first point": "mean of paired differences per replication against point 0",
        "cost per pp": "net cost vs first point / change in permanent share (percentage points)",
        "investment": ("additional cost over the baseline scenario " + str(sc.finance.investment.baseline)) if sweep.baseline is not None
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
    target = 100 * sweep.scenario.targets.permanent_share
    ax.axvline(target, color="tab:red", linestyle="--", linewidth=1, label=f"target {target:.0f}%")
    ax.set_xlabel("Permanent share at the target date (%, median and 90% interval)")
    ax.set_ylabel("Total cost over the run (GBP m, mean and 90% interval)")
    seeds = "common seeds" if sweep.common_random_numbers else "independent seeds"
    ax.set_title(f"{sweep.scenario.name}: {sweep.replications} replications per point, {seeds}")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_workbook(tables: dict[str, pd.DataFrame], path: Path) -> Path:
    """Excel workbook, one sheet per table (column names carry the units)."""
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for name, df in tables.items():
            df.to_excel(xl, sheet_name=name[:31], index=False)
            ws = xl.sheets[name[:31]]
            for col in ws.columns:
                width = max(len(str(c.value)) if c.value is not None else 0 for c in col[:50])
                ws.column_dimensions[col[0].column_letter].width = min(60, max(10, width + 2))
            ws.freeze_panes = "A2"
    return path


SWEEP_TABLES = ("points", "costs_by_year", "investment", "replications", "about")
SWEEP_FILES = ("sweep.xlsx", "cost_vs_permanence.png")


def write_sweep(sweep: SweepResult, folder: Path) -> list[Path]:
    """Write CSV and Parquet per table, the workbook and the plot into ``folder``."""
    from .tables import write_tables

    folder.mkdir(parents=True, exist_ok=True)
    written = write_tables(sweep.tables, folder)
    written.append(write_workbook(sweep.tables, folder / "sweep.xlsx"))
    written.append(plot_cost_vs_permanence(sweep, folder / "cost_vs_permanence.png"))
    return written
