"""``wfsim backtest``: forecasts from past origins scored against what was published later.

For every council and origin year Y: the baseline and the calibration from data up to Y
only, a forecast to Y + horizon, scores of the agency rate, turnover, vacancy rate and
caseload against the published values and against persistence. Writes a run folder
(tables as CSV and Parquet, plots, ``backtest.html``, ``run.json``); prints the scores.
A thin client of ``workflows.backtest`` and ``reporting.backtest``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workforce_sim.defaults import DEFAULTS
from workforce_sim.errors import InputError


def add_parser(subparsers) -> argparse.ArgumentParser:
    from workforce_sim.cli.common import add_precision_option, positive_int, replications_value, seed_value
    from workforce_sim.experiments.calibrate import GENERATIONS, POPULATION
    from workforce_sim.experiments.executors import EXECUTORS
    from workforce_sim.workflows.backtest import HORIZON

    p = subparsers.add_parser("backtest", help="forecast from past origins with the data of the time; score against what was published")
    p.add_argument("--councils", default="all", metavar="all|N|NAME,...",
                   help="every council with figures (default), a seeded random sample of N, or names and LA codes")
    p.add_argument("--origins", default=None, metavar="Y1,Y2,...",
                   help="origin years (default: the latest three that can be scored at every horizon)")
    p.add_argument("--horizon", type=positive_int("--horizon"), default=HORIZON, help=f"years ahead to forecast and score (default {HORIZON})")
    p.add_argument("--replications", "-n", type=replications_value, default=DEFAULTS.replications["backtest"],
                   help=f"replications per forecast (default {DEFAULTS.replications['backtest']}), or auto: batches until every "
                        "indicator's mean is known within --precision")
    add_precision_option(p)
    p.add_argument("--seed", type=seed_value, default=DEFAULTS.seed)
    p.add_argument("--population", type=positive_int("--population"), default=POPULATION,
                   help=f"ABC-SMC particles per generation (default {POPULATION})")
    p.add_argument("--generations", type=positive_int("--generations"), default=GENERATIONS,
                   help=f"ABC-SMC generations (default {GENERATIONS})")
    p.add_argument("--calibrate-parameters", default=None, metavar="all|NAME,...",
                   help="the parameters the calibration fits: all, or names of attrition_factor, applicants_factor, "
                        "cover_lag_factor, conversion_per_year, shock_scale (default shock_scale: docs/validation.md)")
    p.add_argument("--no-calibrate", action="store_true", help="forecast with the baseline parameters only")
    p.add_argument("--no-shocks", action="store_true", help="without the councils' own yearly shocks (council_shocks)")
    p.add_argument("--before", type=Path, default=None, metavar="RUN_FOLDER",
                   help="an earlier backtest's run folder: its scores beside this one's on the cases both scored")
    p.add_argument("--workers", type=positive_int("--workers"), default=None, help="processes (default: all cores)")
    p.add_argument("--executor", choices=EXECUTORS, default="processes", help="processes (default), serial or dask")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler address (default: a local cluster)")
    p.add_argument("--out", type=Path, default=None, help="run folder (default outputs/backtest/<run-id>; must not hold a backtest already)")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--allow-large", action="store_true", help="allow replications, population or generations above the ceilings")
    p.add_argument("--level", choices=("council", "region"), default="council",
                   help="council (default): each council's forecast; region: each DfE region and England as one market, "
                        "the 2024 DfE agency rules on and off, scored against the published regional agency rates")
    return p


def run_region(args) -> int:
    from workforce_sim.files import new_run_id, now_iso
    from workforce_sim.reporting.region import write_region_backtest
    from workforce_sim.reporting.text import to_json
    from workforce_sim.workflows import region_backtest as workflow
    from workforce_sim.workflows.common import run_model

    origins = [int(x) for x in str(args.origins).split(",") if x.strip()] if args.origins else [2023]
    if args.replications == "auto" or args.precision is not None:
        raise InputError("a regional backtest runs a given number of replications", file="--replications", key="auto")
    if len(origins) != 1:
        raise InputError("a regional backtest takes one origin year", file="--origins")
    started = now_iso()
    regions = None if args.councils == "all" else [x.strip() for x in args.councils.split(",") if x.strip()]
    spec = workflow.prepare(origins[0], args.horizon if args.horizon != 3 else 2, args.replications, args.seed, regions, args.workers,
                            args.allow_large)
    outcome = run_model(lambda update: workflow.execute(spec, update), spec.task_count, not args.no_progress)
    out = args.out or Path("outputs") / "backtest" / f"{new_run_id()}-region"
    write_region_backtest(out, outcome, started)
    if args.json:
        print(to_json({"scores": outcome.scores.to_dict("records"), "summary": outcome.summary.to_dict("records"), "out": str(out)}))
    else:
        from workforce_sim.reporting.region import region_backtest_text

        print(region_backtest_text(outcome))
        print(f"\nrun folder: {out}")
    return 0


def run(args) -> int:
    if args.level == "region":
        return run_region(args)
    from workforce_sim.reporting import backtest as report
    from workforce_sim.reporting.runs import write_index
    from workforce_sim.workflows import backtest as workflow
    from workforce_sim.workflows.common import run_model

    spec = workflow.prepare(args.out or report.default_folder(), councils=args.councils, origins=args.origins, horizon=args.horizon,
                            replications=args.replications, seed=args.seed, population=args.population, generations=args.generations,
                            calibrate=not args.no_calibrate, shocks=not args.no_shocks, before=args.before, executor=args.executor,
                            workers=args.workers, scheduler=args.scheduler, allow_large=args.allow_large, precision=args.precision,
                            calibrate_parameters=args.calibrate_parameters)
    outcome = run_model(lambda update: workflow.execute(spec, update), spec.task_count, not args.no_progress)
    report.write_run(outcome)
    if args.out is None:
        write_index(Path("outputs"))
    print(report.summary_json(outcome) if args.json else report.summary_text(outcome))
    for f in outcome.failed:
        print(f"wfsim: a backtest task failed: {f}", file=sys.stderr)
    return 1 if outcome.failed else 0
