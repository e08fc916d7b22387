"""Command line for reports: ``wfsim report``, ``wfsim compare``, ``wfsim schedule``.

Registered in cli.py with ``add_parser(subparsers)``; ``run(args)`` runs one.
Exit codes as for ``wfsim run``: 0 success, 2 bad input (nothing written),
1 a failed run (kept under ``outputs/<scenario>/failed/<run-id>/``).
"""
from __future__ import annotations

import json
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from workforce_sim.cli.common import cache_option
from workforce_sim.defaults import DEFAULTS
from workforce_sim.errors import RunError
from workforce_sim.workflows.common import run_model

COMMANDS = ("report", "compare", "schedule")


def add_parser(sub) -> None:
    """Add the report, compare and schedule commands to ``wfsim``'s subparsers."""
    from workforce_sim.cli.common import (
        add_cache_option,
        add_decompose_option,
        add_precision_option,
        add_recalibrated_option,
        add_run_options,
        positive_int,
        replications_value,
        seed_value,
    )

    r = sub.add_parser("report", help="run the report notebook into a run folder under outputs/")
    add_run_options(r)
    add_decompose_option(r)
    add_recalibrated_option(r)
    for action in r._actions:
        if action.dest == "out":
            action.default, action.help = Path("outputs"), "outputs folder (default: outputs)"
        if action.dest == "json":
            action.help = "print the run's outcome as JSON"
        if action.dest == "replications":
            action.default = DEFAULTS.replications["report"]
    r.add_argument("--name", default=None, help="report name (default: the scenario's name)")
    r.add_argument("--notebook", type=Path, default=None, help="report notebook (default: the report notebook shipped in the package)")

    c = sub.add_parser("compare", help="compare scenarios run with the same seeds (paired differences)")
    c.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="two or more scenario files, or region files with the same members; the first is the baseline")
    c.add_argument("--replications", "-n", type=replications_value, default=DEFAULTS.replications["compare"],
                   help="a number, or auto: batches until the paired differences are known within --precision")
    add_precision_option(c)
    c.add_argument("--seed", type=seed_value, default=DEFAULTS.seed)
    c.add_argument("--workers", type=positive_int("--workers"), default=None, help="processes (default: all cores)")
    c.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a value in every scenario")
    c.add_argument("--out", type=Path, default=Path("outputs"), help="outputs folder (default: outputs)")
    c.add_argument("--json", action="store_true", help="print JSON on stdout instead of a table")
    c.add_argument("--no-progress", action="store_true", help="no progress bar")
    c.add_argument("--allow-large", action="store_true", help="allow a replication count above the ceiling")
    add_cache_option(c)

    s = sub.add_parser("schedule", help="run every report of a manifest (YAML); continue past failures")
    s.add_argument("manifest", type=Path, help="manifest file, e.g. schedules/monthly.yaml")
    s.add_argument("--out", type=Path, default=Path("outputs"), help="outputs folder (default: outputs)")
    s.add_argument("--replications", "-n", type=positive_int("--replications"), default=None,
                   help="replications of every report, in place of the manifest's (e.g. a quick trial with 10)")
    s.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_cache_option(s)


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C, so a stopped run is moved to failed/ with its notebook."""
    def handler(signum, frame):
        raise KeyboardInterrupt("terminated")

    try:
        old = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def cmd_report(args) -> int:
    from workforce_sim.reporting.notebook import run_report
    from workforce_sim.workflows import report

    spec = report.prepare(args.scenario, args.replications, args.seed, overrides=args.overrides, workers=args.workers,
                          keep_events=args.keep_events, decompose=args.decompose, outputs=args.out, name=args.name,
                          notebook=args.notebook, allow_large=args.allow_large, progress=not args.no_progress,
                          cache=cache_option(args), recalibrated=args.recalibrated)
    with _terminate_as_interrupt():
        out = report.execute(spec, run_report)
    if args.json:
        print(json.dumps({"run_id": out.run_id, "name": out.name, "status": out.status, "folder": str(out.folder),
                          "error": out.error, "headline": out.headline_text}, indent=2))
    if out.status != "complete":
        raise RunError(f"{out.error}; partly executed notebook kept in {out.folder}")
    if not args.json:
        print(f"{out.headline_text}\nreport written to {out.folder / 'report.html'}")
    return 0


def cmd_compare(args) -> int:
    from workforce_sim.reporting.compare import compare_output, write_comparison
    from workforce_sim.workflows import compare

    spec = compare.prepare(args.scenarios, args.replications, args.seed, overrides=args.overrides, workers=args.workers,
                           out=args.out, allow_large=args.allow_large, cache=cache_option(args), precision=args.precision)
    outcome = run_model(lambda update: compare.execute(spec, update), spec.total_replications, not args.no_progress)
    if not isinstance(outcome, compare.CompareOutcome):   # regions
        from workforce_sim.reporting import region_compare

        print(region_compare.compare_output(outcome, region_compare.write_comparison(outcome), as_json=args.json))
        return 0
    print(compare_output(outcome, write_comparison(outcome), as_json=args.json))
    return 0


def cmd_schedule(args) -> int:
    from workforce_sim.reporting.notebook import run_report
    from workforce_sim.reporting.schedule import summary
    from workforce_sim.workflows import schedule

    cache_option(args)   # --no-cache: the reports' kernels follow WFSIM_CACHE
    # a bad manifest: exit 2 before anything runs
    spec = schedule.prepare(args.manifest, args.out, progress=not args.no_progress, replications=args.replications)
    with _terminate_as_interrupt():
        outcome = schedule.execute(spec, run_report, echo=lambda line: print(line, file=sys.stderr))
    print(summary(outcome, args.manifest))
    return 0 if outcome.all_complete else 1


def run(args) -> int:
    """Run the command ``args.command`` (one of COMMANDS)."""
    return {"report": cmd_report, "compare": cmd_compare, "schedule": cmd_schedule}[args.command](args)
