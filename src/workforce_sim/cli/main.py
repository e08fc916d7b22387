"""Command line: ``wfsim`` (also ``python -m workforce_sim``).

Exit codes: 0 success; 2 bad input (one line naming the file and key, no
traceback); 1 a failure inside a run; 3 an output that could not be written (one
line: what, and what was kept); 130 stopped by Ctrl-C or SIGTERM.
"""
from __future__ import annotations

import argparse
import signal
import sys
import warnings
from collections.abc import Sequence
from typing import Optional

from workforce_sim import __version__
from workforce_sim.cli import backtest as cli_backtest
from workforce_sim.cli import calibrate as cli_calibrate
from workforce_sim.cli import optimise as cli_optimise
from workforce_sim.cli import report as cli_report
from workforce_sim.cli import sweep as cli_sweep
from workforce_sim.cli.common import (
    OPTION_FLAGS,
    add_decompose_option,
    add_recalibrated_option,
    add_run_options,
    cache_option,
    cap_workers,
)
from workforce_sim.errors import InputError, LockedError, RunError, WriteError
from workforce_sim.files import write_atomically
from workforce_sim.workflows.common import run_model


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        raise InputError(message, file="command line")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="wfsim", description="Workforce simulation for children's social care.")
    parser.add_argument("--version", action="version", version=f"workforce_sim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    v = sub.add_parser("validate", help="resolve and check a scenario; print it as resolved")
    v.add_argument("scenario")
    v.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    r = sub.add_parser("run", help="simulate and print the scenario's targets: value at each date, chance of meeting it")
    add_run_options(r)
    add_decompose_option(r)
    add_recalibrated_option(r)
    i = sub.add_parser("init", help="write a scenario with a council's published DfE state on 30 September of a year "
                                    "(or a region of councils sharing one labour market)")
    i.add_argument("council", nargs="?", default=None, help="council name (any case) or new (E06000039) or old (3-digit) LA code")
    i.add_argument("--region", default=None, help="a region file of every council of a DfE region with figures in --year "
                                                  "(names as in the DfE table, e.g. 'South East'; 'London' is Inner and Outer London)")
    i.add_argument("--councils", default=None, metavar="A,B,...", help="a region file of these councils")
    i.add_argument("--year", type=int, default=None, help="year (default: the latest with DfE workforce figures)")
    i.add_argument("--out", default=None, help="scenario file to write (default scenarios/<council>_<year>.yaml; a folder, existing or "
                                             "ending in /: the file inside it; never overwritten)")
    cli_report.add_parser(sub)
    cli_sweep.add_parser(sub)
    cli_calibrate.add_parser(sub)
    cli_backtest.add_parser(sub)
    cli_optimise.add_parser(sub)
    return parser


def cmd_validate(args) -> int:
    from workforce_sim.scenario.loading import load_scenario, resolved_yaml
    from workforce_sim.scenario.regions import is_region, load_region

    load = load_region if is_region(args.scenario) else load_scenario
    print(resolved_yaml(load(args.scenario, args.overrides)), end="")
    return 0


def cmd_run(args) -> int:
    from workforce_sim.reporting.tables import result_tables, write_tables
    from workforce_sim.reporting.text import run_failures, run_output
    from workforce_sim.workflows import run

    spec = run.prepare(args.scenario, args.replications, args.seed, overrides=args.overrides, workers=args.workers,
                       executor=args.executor, scheduler=args.scheduler, keep_events=args.keep_events,
                       continue_on_error=args.continue_on_error, decompose=getattr(args, "decompose", None),
                       out=args.out, allow_large=args.allow_large, cache=cache_option(args), precision=args.precision,
                       recalibrated=args.recalibrated)
    outcome = run_model(lambda update: run.execute(spec, update), spec.total_replications, not args.no_progress)
    print(run_output(outcome, as_json=args.json))
    for line in run_failures(outcome):
        print(line, file=sys.stderr)
    if args.out is not None:
        if isinstance(outcome, run.RunOutcome):
            tables = result_tables(outcome.results)
            if outcome.decomposition is not None:
                tables["decomposition"] = outcome.decomposition
        else:
            from workforce_sim.workflows.region import tables as region_tables

            tables = region_tables(outcome)
        write_atomically(args.out, lambda folder: write_tables(tables, folder))
        if not args.json:
            print(f"\ntables written to {args.out}")
    return 0


def cmd_init(args) -> int:
    from workforce_sim.scenario.start_state import write_start_state

    if args.region is not None or args.councils is not None:
        from workforce_sim.scenario.region_start import write_region

        if args.council is not None:
            raise InputError("give a council, or --region / --councils, not both", file="command line", key="COUNCIL")
        if args.year is None:
            raise InputError("a region needs the year of its members' published state", file="--year")
        path = write_region(args.year, args.region, args.councils, args.out)
        print(f"wrote {path}")
        return 0
    if args.council is None:
        raise InputError("name a council (or give --region NAME or --councils A,B,...)", file="command line", key="COUNCIL")
    path = write_start_state(args.council, args.year, args.out)
    print(f"wrote {path}")
    return 0


COMMANDS = {"init": cmd_init, "validate": cmd_validate, "run": cmd_run, "sweep": cli_sweep.run, "calibrate": cli_calibrate.run,
            "backtest": cli_backtest.run, "optimise": cli_optimise.run}


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"wfsim: warning: {message}", file=sys.stderr)


def _terminated(signum, frame) -> None:
    raise KeyboardInterrupt("terminated")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run one command; SIGTERM is treated as Ctrl-C: the run stops, keeps what it keeps, and exits 130 with one line."""
    warnings.showwarning = _show_warning
    try:
        previous = signal.signal(signal.SIGTERM, _terminated)
    except ValueError:  # not the main thread
        previous = None
    try:
        return _main(argv)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(argv: Optional[Sequence[str]]) -> int:
    try:
        args = build_parser().parse_args(argv)
        cap_workers(args)
        if args.command in cli_report.COMMANDS:
            return cli_report.run(args)
        return COMMANDS[args.command](args)
    except InputError as exc:
        print(f"wfsim: error: {exc.one_line(OPTION_FLAGS)}", file=sys.stderr)
        return 2
    except LockedError as exc:
        print(f"wfsim: error: {exc}", file=sys.stderr)
        return 2
    except RunError as exc:
        print(f"wfsim: run failed: {exc}", file=sys.stderr)
        return 1
    except WriteError as exc:
        print(f"wfsim: {exc}", file=sys.stderr)
        return 3
    except OSError as exc:  # the file system failed outside workforce_sim.files: still one line
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"wfsim: {where}{exc.strerror or type(exc).__name__}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("wfsim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
