"""``wfsim optimise SCENARIO --lever KEY=LOW..HIGH --require 'MEASURE>=VALUE@DATE' ...``: a thin
client of ``workflows.optimise`` (prepare, execute) and ``reporting.optimise`` (the run folder, the text).

While it runs, the study lives in a hidden folder ``.incomplete-<name>`` beside the run folder; a
killed run is continued with ``--resume`` (same options).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workforce_sim.defaults import DEFAULTS
from workforce_sim.errors import InputError, RunError


def _fraction(text: str) -> float:
    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        raise InputError(f"expected a number such as 0.9, got {text!r}", file="--confidence") from None
    if not (0 < value < 1):
        raise InputError(f"must be above 0 and below 1 (0.9 = 90%), got {text}", file="--confidence")
    return value


def add_parser(subparsers) -> argparse.ArgumentParser:
    from workforce_sim.cli.common import add_cache_option, positive_int, precision_value, replications_value, seed_value

    p = subparsers.add_parser("optimise", help="the cheapest plan meeting requirements with a stated confidence (Optuna search, confirmed on fresh seeds)")
    p.add_argument("scenario", help="scenario YAML file, or a region file (the plan is then for one member, --member)")
    p.add_argument("--member", default=None, metavar="NAME",
                   help="a region's member the plan is for (default: the region's first); its neighbours keep their response rules")
    p.add_argument("--study", type=Path, default=None, help="YAML study file: levers, require, confidence, minimise, trials, replications, ...")
    p.add_argument("--lever", dest="levers", action="append", default=None, metavar="KEY=LOW..HIGH[:STEP]",
                   help="a numeric scenario key and its range (teams: teams.add.TYPE@YYYY-MM-DD=0..3); repeatable")
    p.add_argument("--require", action="append", default=None, metavar="'MEASURE>=VALUE@DATE'",
                   help="a requirement (or the name of a target the scenario declares); repeatable")
    p.add_argument("--confidence", type=_fraction, default=None, help="chance of meeting every requirement the plan must have (default 0.9)")
    p.add_argument("--minimise", "--minimize", default=None, help="cost measure to minimise (default total_cost)")
    p.add_argument("--trials", type=positive_int("--trials"), default=None, help="distinct candidates to evaluate (default 40)")
    p.add_argument("--replications", "-n", type=positive_int("--replications"), default=None, help=f"replications per candidate (default {DEFAULTS.replications['optimise']})")
    p.add_argument("--confirm-replications", type=replications_value, default=None,
                   help=f"replications per confirmed candidate, on a fresh seed (default {DEFAULTS.replications['confirm']}); "
                        "auto: doubling until the chance is clear of the confidence or known within --precision")
    p.add_argument("--precision", type=precision_value, default=None, metavar="POINTS",
                   help="with --confirm-replications auto: points either side of a chance that settle it (default 5)")
    p.add_argument("--confirm-top", type=positive_int("--confirm-top"), default=None, help="cheapest candidates near the confidence to confirm (default 5)")
    p.add_argument("--seed", type=seed_value, default=None, help=f"search seed (default {DEFAULTS.seed}); confirmation uses seed + 1")
    p.add_argument("--workers", type=positive_int("--workers"), default=None, help="processes (default: all cores)")
    p.add_argument("--set", dest="overrides", action="append", default=None, metavar="KEY=VALUE", help="override a scenario value for every candidate")
    p.add_argument("--out", type=Path, default=None, help="run folder (default outputs/<scenario>/<time>-optimise); must not exist")
    p.add_argument("--resume", action="store_true", help="continue the killed or interrupted study of --out (default: the latest of the scenario)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--allow-large", action="store_true", help="allow replications above the ceiling")
    add_cache_option(p)
    return p


def run(args) -> int:
    from workforce_sim.cli.common import cache_option
    from workforce_sim.reporting import optimise as report
    from workforce_sim.workflows import optimise as workflow
    from workforce_sim.workflows.common import run_model

    spec = workflow.prepare(args.scenario, args.levers, args.require, study_file=args.study, overrides=args.overrides,
                            confidence=args.confidence, minimise=args.minimise, trials=args.trials, replications=args.replications,
                            confirm_replications=args.confirm_replications, confirm_top=args.confirm_top, seed=args.seed,
                            workers=args.workers, allow_large=args.allow_large, cache=cache_option(args),
                            member=args.member, precision=args.precision)
    out = report.run_folder(spec, args.out, args.resume)
    spec = spec.stored_in(report.hidden(out) / "study.db", args.resume)
    with report.study_lock(out):     # a second wfsim on the same study is refused at once (exit 2)
        if args.resume:
            report.check_resumable(out)   # it may have finished while we waited for nothing
        record = report.start_run(spec, out)
        print(report.start_text(spec, out))
        try:
            opt = run_model(lambda update: workflow.execute(spec, update), spec.total_replications, not args.no_progress)
        except (KeyboardInterrupt, RunError):
            hint = report.resume_text(spec, out)
            if hint:
                print(hint, file=sys.stderr)
            raise
        report.finish_run(opt, out, record)
    print(report.summary_text(opt))
    print(report.written_text(opt, out))
    if opt.plan is None:
        from workforce_sim.errors import EXIT_NO_PLAN
        print(report.no_plan_text(opt, out))
        return EXIT_NO_PLAN
    return 0
