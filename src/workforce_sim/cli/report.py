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

from workforce_sim.errors import InputError, RunError
from workforce_sim.workflows.common import check_decompose, check_memory, check_replications, check_writable

COMMANDS = ("report", "compare", "schedule")


def add_parser(sub) -> None:
    """Add the report, compare and schedule commands to ``wfsim``'s subparsers."""
    from workforce_sim.cli.common import add_decompose_option, add_run_options, positive_int, seed_value

    r = sub.add_parser("report", help="run the report notebook into a run folder under outputs/")
    add_run_options(r)
    add_decompose_option(r)
    for action in r._actions:
        if action.dest == "out":
            action.default, action.help = Path("outputs"), "outputs folder (default: outputs)"
        if action.dest == "json":
            action.help = "print the run's outcome as JSON"
    r.add_argument("--name", default=None, help="report name (default: the scenario's name)")
    r.add_argument("--notebook", type=Path, default=None, help="report notebook (default: the report notebook shipped in the package)")

    c = sub.add_parser("compare", help="compare scenarios run with the same seeds (paired differences)")
    c.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="two or more scenario files; the first is the baseline")
    c.add_argument("--replications", "-n", type=positive_int("--replications"), default=100)
    c.add_argument("--seed", type=seed_value, default=2014)
    c.add_argument("--workers", type=positive_int("--workers"), default=None, help="processes (default: all cores)")
    c.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a value in every scenario")
    c.add_argument("--out", type=Path, default=Path("outputs"), help="outputs folder (default: outputs)")
    c.add_argument("--json", action="store_true", help="print JSON on stdout instead of a table")
    c.add_argument("--no-progress", action="store_true", help="no progress bar")
    c.add_argument("--allow-large", action="store_true", help="allow a replication count above the ceiling")

    s = sub.add_parser("schedule", help="run every report of a manifest (YAML); continue past failures")
    s.add_argument("manifest", type=Path, help="manifest file, e.g. schedules/monthly.yaml")
    s.add_argument("--out", type=Path, default=Path("outputs"), help="outputs folder (default: outputs)")
    s.add_argument("--no-progress", action="store_true", help="no progress bar")


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
    from workforce_sim.reporting.notebook import ReportRequest, run_report

    check_writable(args.out, "--out")
    if args.decompose is not None:
        from workforce_sim.scenario.loading import load_scenario

        check_decompose(load_scenario(args.scenario, args.overrides), args.decompose, args.allow_large, args.scenario)
        args.replications = args.decompose[0] * args.decompose[1]
    check_replications(args.replications, args.allow_large)
    if args.replications >= 500:
        from workforce_sim.scenario.loading import load_scenario

        check_memory(load_scenario(args.scenario, args.overrides), args.seed, args.replications, args.keep_events)
    req = ReportRequest(scenario=Path(args.scenario), replications=args.replications, seed=args.seed,
                        workers=args.workers, overrides=list(args.overrides),
                        outputs=args.out, name=args.name, notebook=args.notebook, keep_events=args.keep_events,
                        progress=not args.no_progress, decompose=args.decompose)
    with _terminate_as_interrupt():
        out = run_report(req)
    if args.json:
        print(json.dumps({"run_id": out.run_id, "name": out.name, "status": out.status, "folder": str(out.folder),
                          "error": out.error, "headline": out.headline_text}, indent=2))
    if out.status != "complete":
        raise RunError(f"{out.error}; partly executed notebook kept in {out.folder}")
    if not args.json:
        print(f"{out.headline_text}\nreport written to {out.folder / 'report.html'}")
    return 0


def cmd_compare(args) -> int:
    from workforce_sim.analysis import targets
    from workforce_sim.analysis.compare import compare
    from workforce_sim.progress import replication_bar
    from workforce_sim.reporting.compare import html_page, text_table
    from workforce_sim.reporting.report_tables import run_inputs
    from workforce_sim.reporting.runs import RunFolder, new_run_id, now_iso, write_index
    from workforce_sim.reporting.tables import write_tables
    from workforce_sim.scenario.loading import load_scenario

    if len(args.scenarios) < 2:
        raise InputError("give at least two scenarios to compare", file="command line", key="SCENARIO")
    if args.out.exists() and not args.out.is_dir():
        raise InputError("exists and is not a folder", file="--out", key=str(args.out))
    check_writable(args.out, "--out")
    check_replications(args.replications, args.allow_large)
    scenarios = [load_scenario(p, args.overrides) for p in args.scenarios]
    first = scenarios[0]
    for path, sc in zip(args.scenarios[1:], scenarios[1:]):
        if (sc.start_date, sc.end_date) != (first.start_date, first.end_date):
            raise InputError(f"runs {sc.start_date} to {sc.end_date} but {args.scenarios[0]} runs {first.start_date} to "
                             f"{first.end_date}: paired differences need scenarios on the same dates", file=str(path),
                             key="start_date" if sc.start_date != first.start_date else "end_date")
        if sc.council != first.council:
            print(f"wfsim: warning: {path}: council: {sc.council!r}, not {first.council!r}: the differences compare "
                  "two councils, not two policies", file=sys.stderr)
    check_memory(scenarios[0], args.seed, args.replications * len(scenarios))
    run_id = new_run_id()
    started = now_iso()
    total = args.replications * len(scenarios)
    try:
        with replication_bar(total, enabled=not args.no_progress) as tick:
            cmp = compare(scenarios, args.replications, args.seed, args.workers, progress=tick)
    except (InputError, RunError):
        raise
    except Exception as exc:  # a failure inside the model
        raise RunError(f"{type(exc).__name__}: {exc}") from exc
    title = "Comparison: " + " vs ".join(cmp.labels)
    rf = RunFolder(args.out, "comparisons", run_id)
    tmp = rf.create()
    write_tables({"comparison": cmp.table, "per_replication": cmp.per_replication}, tmp)
    (tmp / "comparison.html").write_text(html_page(cmp, args.replications, args.seed, title), encoding="utf-8")
    headline = ""
    main = cmp.table[(cmp.table["key"] == "permanent_share") & (cmp.table["scenario"] != cmp.labels[0])]
    if len(main):
        r = main.iloc[0]
        headline = (f"permanent share {r['scenario']} vs {cmp.labels[0]}: "
                    f"{targets.format_change(r['diff_median'], 'share')} "
                    f"({targets.format_change(r['diff_low'], 'share')} to {targets.format_change(r['diff_high'], 'share')})")
    record = {
        "kind": "comparison", "run_id": run_id, "name": " vs ".join(cmp.labels), "scenarios": cmp.labels,
        "scenario_files": [str(Path(p).resolve()) for p in args.scenarios],
        "scenarios_resolved": [sc.model_dump(mode="json") for sc in scenarios],
        **{k: v for k, v in run_inputs(scenarios[0], args.seed, args.replications, args.overrides).items()
           if k not in ("scenario", "council", "scenario_resolved")},
        "workers": args.workers, "started": started, "finished": now_iso(), "headline_text": headline,
    }
    folder = rf.complete(record)
    write_index(args.out)
    if args.json:
        print(json.dumps({"run_id": run_id, "folder": str(folder),
                          "comparison": json.loads(cmp.table.to_json(orient="records"))}, indent=2))
    else:
        print(text_table(cmp, args.replications, args.seed))
        print(f"\ncomparison written to {folder / 'comparison.html'}")
    return 0


def cmd_schedule(args) -> int:
    from workforce_sim.reporting.schedule import load_manifest, run_schedule, summary

    load_manifest(args.manifest)  # bad manifest: exit 2 before anything runs
    if args.out.exists() and not args.out.is_dir():
        raise InputError("exists and is not a folder", file="--out", key=str(args.out))
    check_writable(args.out, "--out")
    with _terminate_as_interrupt():
        runs = run_schedule(args.manifest, args.out, progress=not args.no_progress,
                            echo=lambda line: print(line, file=sys.stderr))
    print(summary(runs, args.manifest))
    return 0 if all(r.status == "complete" for r in runs) else 1


def run(args) -> int:
    """Run the command ``args.command`` (one of COMMANDS)."""
    return {"report": cmd_report, "compare": cmd_compare, "schedule": cmd_schedule}[args.command](args)
