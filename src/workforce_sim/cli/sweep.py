"""``wfsim sweep SCENARIO --grid key=v1,v2,... [--grid key2=...]``: a thin client of ``sweep``.

Every grid point runs the same seeds (common random numbers). Writes CSV and
Parquet tables, an Excel workbook (one sheet per table) and a PNG of cost
against permanence into a new folder; prints the per-point table and spend by
financial year beside the investment profile.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Optional

import pandas as pd

from workforce_sim.errors import InputError

OUT_NAMES = [f"{t}.{ext}" for t in ("points", "costs_by_year", "investment", "replications", "about") for ext in ("csv", "parquet")]


def add_parser(subparsers) -> argparse.ArgumentParser:
    from workforce_sim.cli.common import positive_int, seed_value

    p = subparsers.add_parser("sweep", help="run a grid of parameter values with common random numbers; cost against permanence")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2,...", required=True,
                   help="scenario key and its values (read like --set values); repeat for a Cartesian grid")
    p.add_argument("--replications", "-n", type=positive_int("--replications"), default=50)
    p.add_argument("--seed", type=seed_value, default=2014)
    p.add_argument("--workers", type=positive_int("--workers"), default=None, help="processes (default: all cores)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help="override a scenario value at every point")
    p.add_argument("--out", type=Path, default=None, help="folder for the tables, workbook and plot (default outputs/<scenario>/<time>-sweep)")
    p.add_argument("--independent-seeds", action="store_true", help="give each point its own seed (for comparison; loses the pairing)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--allow-large", action="store_true", help="allow a grid or replication count above the ceilings")
    return p


def _check_out(out: Path) -> None:
    from workforce_sim.workflows.common import check_out_folder

    check_out_folder(out, [*OUT_NAMES, "sweep.xlsx", "cost_vs_permanence.png"])


def _write(sweep, out: Path) -> None:
    """Write into a temporary folder beside ``out``, then move the files in."""
    from workforce_sim.files import write_atomically
    from workforce_sim.reporting.sweep import write_sweep

    write_atomically(out, lambda folder: write_sweep(sweep, folder))


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


def run(args) -> int:
    from workforce_sim.analysis.sweep import tabulate
    from workforce_sim.defaults import CEILINGS
    from workforce_sim.experiments.sweep import parse_grid, run_sweep
    from workforce_sim.reporting.runs import new_run_id, safe_name
    from workforce_sim.scenario import load_scenario
    from workforce_sim.workflows.common import check_memory, check_replications, run_model

    axes = parse_grid(args.grid)
    # the folder is named and checked before anything is simulated (a unique run id: parallel sweeps never share one)
    out = args.out or Path("outputs") / safe_name(load_scenario(args.scenario, args.overrides).name) / f"{new_run_id()}-sweep"
    n_points = math.prod(len(a.values) for a in axes)
    if n_points > CEILINGS.grid_points and not args.allow_large:
        raise InputError(f"{n_points:,} grid points is more than the ceiling of {CEILINGS.grid_points:,}; "
                         "add --allow-large to run it anyway", file="--grid")
    check_replications(args.replications, args.allow_large)
    _check_out(out)
    check_memory(load_scenario(args.scenario, args.overrides), args.seed, args.replications * (n_points + 1))
    sweep = run_model(
        lambda update: tabulate(run_sweep(args.scenario, axes, args.overrides, args.replications, args.seed, args.workers,
                                          common_random_numbers=not args.independent_seeds, progress=update)),
        args.replications * (n_points + 1), not args.no_progress)
    sc = sweep.scenario
    _check_out(out)
    seeds = "the same seeds at every point" if sweep.common_random_numbers else "independent seeds"
    print(f"{sc.name} ({sc.council}): {len(sweep.points)} points x {sweep.replications} replications, seed {sweep.seed}, {seeds}")
    print(f"Permanent share = {sweep.tables['about'].set_index('item').loc['permanent share', 'value']}")
    print("Costs over the whole run; net cost and +pp are paired differences against the first point.\n")
    from workforce_sim.analysis.targets import permanence

    print(points_text(sweep.tables["points"], permanence(sc).threshold))
    if "investment" in sweep.tables:
        print("\nSpend by financial year beside the investment profile (variance = spend - investment)")
        print(investment_text(sweep.tables["investment"]))
    _write(sweep, out)
    print(f"\ntables, sweep.xlsx and cost_vs_permanence.png written to {out}")
    return 0
