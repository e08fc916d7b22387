"""``wfsim sweep SCENARIO --grid key=v1,v2,... [--grid key2=...]``: a thin client of ``sweep``.

Every grid point runs the same seeds (common random numbers). Writes CSV and
Parquet tables, an Excel workbook (one sheet per table) and a PNG of cost
against permanence into a new folder; prints the per-point table and spend by
financial year beside the investment profile.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from workforce_sim.defaults import DEFAULTS


def add_parser(subparsers) -> argparse.ArgumentParser:
    from workforce_sim.cli.common import add_cache_option, add_precision_option, positive_int, replications_value, seed_value

    p = subparsers.add_parser("sweep", help="run a grid of parameter values with common random numbers; cost against permanence")
    p.add_argument("scenario", help="scenario or region YAML file")
    p.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2,...", required=True,
                   help="scenario key and its values (read like --set values); repeat for a Cartesian grid")
    p.add_argument("--replications", "-n", type=replications_value, default=DEFAULTS.replications["sweep"],
                   help="per point: a number, or auto: batches until each point's paired difference from the first "
                        "is known within --precision")
    add_precision_option(p)
    p.add_argument("--seed", type=seed_value, default=DEFAULTS.seed)
    p.add_argument("--workers", type=positive_int("--workers"), default=None, help="processes (default: all cores)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help="override a scenario value at every point")
    p.add_argument("--out", type=Path, default=None, help="folder for the tables, workbook and plot (default outputs/<scenario>/<time>-sweep)")
    p.add_argument("--independent-seeds", action="store_true", help="give each point its own seed (for comparison; loses the pairing)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--allow-large", action="store_true", help="allow a grid or replication count above the ceilings")
    add_cache_option(p)
    return p


def run(args) -> int:
    from workforce_sim.cli.common import cache_option
    from workforce_sim.files import write_atomically
    from workforce_sim.reporting.sweep import sweep_output, write_sweep
    from workforce_sim.workflows import sweep
    from workforce_sim.workflows.common import run_model

    spec = sweep.prepare(args.scenario, args.grid, args.replications, args.seed, overrides=args.overrides,
                         workers=args.workers, common_random_numbers=not args.independent_seeds, out=args.out,
                         allow_large=args.allow_large, cache=cache_option(args), precision=args.precision)
    outcome = run_model(lambda update: sweep.execute(spec, update), spec.total_replications, not args.no_progress)
    sweep.check_spec_out(spec)   # nothing appeared there while it ran
    if not isinstance(outcome, sweep.SweepOutcome):   # a region's sweep
        from workforce_sim.reporting.region_compare import sweep_text
        from workforce_sim.reporting.region_compare import write_sweep as write_region_sweep

        print(sweep_text(outcome))
        write_atomically(spec.out, lambda folder: write_region_sweep(outcome, folder))
        print(f"\nsweep.html and the tables written to {spec.out}")
        return 0
    print(sweep_output(outcome))
    write_atomically(spec.out, lambda folder: write_sweep(outcome, folder))
    print(f"\nsweep.html, the tables, sweep.xlsx and cost_vs_permanence.png written to {spec.out}")
    return 0
