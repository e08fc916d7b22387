"""``wfsim backtest``: forecasts from past origins scored against what was published later.

For every council and origin year Y: the baseline and the calibration from data up to Y
only, a forecast to Y + horizon, scores of the agency rate, turnover, vacancy rate and
caseload against the published values and against persistence. Writes a run folder
(tables as CSV and Parquet, plots, ``backtest.html``, ``run.json``); prints the scores.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

import pandas as pd

from workforce_sim.errors import InputError

OUT_FILES = ["backtest.html", "run.json", "forecast_vs_actual.png", "coverage_by_horizon.png", "pit_histogram.png"] + [
    f"{t}.{ext}" for t in ("scores", "cases", "goals", "worst_councils", "posteriors", "tasks") for ext in ("csv", "parquet")]


def add_parser(subparsers) -> argparse.ArgumentParser:
    from workforce_sim.cli.common import positive_int, seed_value
    from workforce_sim.experiments.calibrate import GENERATIONS, POPULATION
    from workforce_sim.experiments.executors import EXECUTORS

    p = subparsers.add_parser("backtest", help="forecast from past origins with the data of the time; score against what was published")
    p.add_argument("--councils", default="all", metavar="all|N|NAME,...",
                   help="every council with figures (default), a seeded random sample of N, or names and LA codes")
    p.add_argument("--origins", default=None, metavar="Y1,Y2,...",
                   help="origin years (default: the latest three that can be scored at every horizon)")
    p.add_argument("--horizon", type=positive_int("--horizon"), default=3, help="years ahead to forecast and score (default 3)")
    p.add_argument("--replications", "-n", type=positive_int("--replications"), default=30, help="replications per forecast (default 30)")
    p.add_argument("--seed", type=seed_value, default=2014)
    p.add_argument("--population", type=positive_int("--population"), default=POPULATION,
                   help=f"ABC-SMC particles per generation (default {POPULATION})")
    p.add_argument("--generations", type=positive_int("--generations"), default=GENERATIONS,
                   help=f"ABC-SMC generations (default {GENERATIONS})")
    p.add_argument("--no-calibrate", action="store_true", help="forecast with the baseline parameters only")
    p.add_argument("--workers", type=positive_int("--workers"), default=None, help="processes (default: all cores)")
    p.add_argument("--executor", choices=EXECUTORS, default="processes", help="processes (default), serial or dask")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler address (default: a local cluster)")
    p.add_argument("--out", type=Path, default=None, help="run folder (default outputs/backtest/<run-id>; must not hold a backtest already)")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def _origins(text, horizon: int, table: pd.DataFrame, calibrating: bool) -> list[int]:
    from workforce_sim.experiments.backtest import check_origins, default_origins

    if text is None:
        origins = default_origins(table, horizon)
        if not origins:
            raise InputError(f"no origin year can be scored {horizon} years ahead", file="--horizon")
    else:
        origins = []
        for part in str(text).split(","):
            part = part.strip()
            if not part:
                continue
            try:
                origins.append(int(part))
            except ValueError:
                raise InputError(f"expected years separated by commas, got {part!r}", file="--origins") from None
        if not origins:
            raise InputError("names no year", file="--origins")
    origins = sorted(set(origins))
    check_origins(origins, horizon, table, calibrating)
    return origins


def _check_out(out: Path) -> None:
    from workforce_sim.workflows.common import check_out_folder

    check_out_folder(out, OUT_FILES)


def _task_table(results) -> pd.DataFrame:
    return pd.DataFrame([{"new_la_code": r.new_la_code, "council": r.council, "origin": r.origin, "skipped": r.skipped, "failed": r.failed,
                          "calibrate_cpu_s": r.seconds.get("calibrate", 0.0), "forecast_cpu_s": r.seconds.get("forecast", 0.0),
                          "abc_simulations": r.simulations} for r in results],
                        columns=["new_la_code", "council", "origin", "skipped", "failed", "calibrate_cpu_s", "forecast_cpu_s", "abc_simulations"])


def _posteriors(results) -> pd.DataFrame:
    parts = [r.posterior.assign(new_la_code=r.new_la_code, council=r.council, origin=r.origin) for r in results if r.posterior is not None]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["parameter", "median", "p5", "p95"])


def scores_text(scores: pd.DataFrame) -> str:
    lines = [f"{'forecast':<11} {'measure':<18} {'h':>2} {'cases':>5} {'MAE':>6} {'pers.':>6} {'cov50':>6} {'cov90':>6} "
             f"{'p.cov90':>7} {'CRPS':>6} {'p.CRPS':>6}"]
    for r in scores.itertuples():
        lines.append(f"{r.variant:<11} {r.measure:<18} {r.horizon:>2} {r.cases:>5} {r.mae:>6.2f} {r.persistence_mae:>6.2f} "
                     f"{100 * r.coverage50:>5.0f}% {100 * r.coverage90:>5.0f}% {100 * r.persistence_coverage90:>6.0f}% "
                     f"{r.crps:>6.2f} {r.persistence_crps:>6.2f}")
    return "\n".join(lines)


def run(args) -> int:
    from workforce_sim import __version__
    from workforce_sim.analysis.backtest import forecast_indicators, goals, published, score_cases, scores, worst_councils
    from workforce_sim.experiments.backtest import BacktestSpec, run_backtest, select_councils
    from workforce_sim.files import write_atomically
    from workforce_sim.reporting.backtest import shortfalls, write_backtest
    from workforce_sim.reporting.runs import git_info, new_run_id, now_iso, write_index, write_json
    from workforce_sim.reporting.text import to_json
    from workforce_sim.scenario.councils import load_table
    from workforce_sim.workflows.common import run_model

    if args.scheduler is not None and args.executor != "dask":
        raise InputError("only with --executor dask", file="--scheduler")
    table = load_table()
    calibrating = not args.no_calibrate
    origins = _origins(args.origins, args.horizon, table, calibrating)
    codes = select_councils(args.councils, origins, table, args.seed)
    default_out = args.out is None
    out = args.out or Path("outputs") / "backtest" / new_run_id()
    _check_out(out)
    spec = BacktestSpec(indicators=forecast_indicators, replications=args.replications, horizon=args.horizon, seed=args.seed,
                        calibrate=calibrating, population=args.population, generations=args.generations)
    started, wall = now_iso(), time.perf_counter()
    results = run_model(lambda update: run_backtest(spec, codes, origins, executor=args.executor, workers=args.workers,
                                                    scheduler=args.scheduler, progress=update),
                        len(codes) * len(origins), not args.no_progress)
    seconds = time.perf_counter() - wall
    cases = score_cases(results, table)
    sc = scores(cases)
    variant = "calibrated" if calibrating else "baseline"
    gl = goals(sc, variant)
    tasks = _task_table(results)
    tables = {"scores": sc, "cases": cases, "goals": gl, "worst_councils": worst_councils(cases, variant), "posteriors": _posteriors(results),
              "tasks": tasks}
    meta = {
        "councils": f"{len(codes)} ({args.councils})", "origins": ", ".join(map(str, origins)), "horizon (years)": args.horizon,
        "replications per forecast": args.replications, "seed": args.seed,
        "calibration": (f"ABC-SMC (pyabc), {args.population} particles x {args.generations} generations" if calibrating else "none"),
        "tasks (council x origin)": len(results), "tasks without a forecast": int((tasks["skipped"] != "").sum()),
        "tasks that failed": int((tasks["failed"] != "").sum()),
        "executor": args.executor, "workers": args.workers or os.cpu_count(),
        "wall time (s)": round(seconds, 1), "CPU time of the tasks (s)": round(float(tasks["calibrate_cpu_s"].sum() + tasks["forecast_cpu_s"].sum()), 1),
        "started": started, "finished": now_iso(), "package version": __version__,
        "git commit": git_info().get("git_commit") or "none", "data": "data/dfe_councils.csv.gz (DfE children's social work workforce, 2015-2025)",
    }
    _check_out(out)
    pub = published(table, codes)
    failed = [f"{r.council} {r.origin}: {r.failed}" for r in results if r.failed]

    def write(folder: Path) -> list[Path]:
        written = write_backtest(folder, tables, pub, meta)
        record = {"kind": "backtest", "name": "backtest", "status": "complete" if not failed else "tasks failed",
                  "failed_tasks": failed, "run_id": out.name, "started": started,
                  "ended": now_iso(), "replications": args.replications, "seed": args.seed, "councils": codes, "origins": origins,
                  "horizon": args.horizon, "calibrate": calibrating, "population": args.population, "generations": args.generations,
                  "executor": args.executor, "wall_seconds": seconds, "package_version": __version__, **git_info(),
                  "headline_text": "; ".join(shortfalls(gl)[:2]) or "every goal met"}
        write_json(folder / "run.json", record)
        return [*written, folder / "run.json"]

    write_atomically(out, write)
    if default_out:
        write_index(Path("outputs"))
    if args.json:
        print(to_json({"origins": origins, "councils": len(codes), "horizon": args.horizon, "replications": args.replications,
                       "wall_seconds": round(seconds, 1), "scores": sc.to_dict("records"), "goals": gl.to_dict("records"),
                       "out": str(out)}))
    else:
        print(f"backtest: {len(codes)} councils x {len(origins)} origins ({', '.join(map(str, origins))}), horizon {args.horizon}, "
              f"{args.replications} replications, {seconds:.0f} s ({dt.timedelta(seconds=round(seconds))})")
        print(scores_text(sc))
        for s in shortfalls(gl):
            print(f"short of the goal: {s}")
        print(f"\nrun folder: {out} (open backtest.html)")
    for f in failed:
        print(f"wfsim: a backtest task failed: {f}", file=sys.stderr)
    return 1 if failed else 0
