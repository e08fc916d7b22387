"""Command line: ``wfsim`` (also ``python -m workforce_sim``).

Exit codes: 0 success; 2 bad input (one line naming the file and key, no
traceback); 1 a failure inside a run.
"""
from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

from workforce_sim import __version__
from workforce_sim.cli import backtest as cli_backtest
from workforce_sim.cli import calibrate as cli_calibrate
from workforce_sim.cli import optimise as cli_optimise
from workforce_sim.cli import report as cli_report
from workforce_sim.cli import sweep as cli_sweep
from workforce_sim.cli.common import OPTION_FLAGS, add_decompose_option, add_run_options, cap_workers
from workforce_sim.errors import InputError, RunError
from workforce_sim.files import write_atomically
from workforce_sim.workflows.common import check_decompose, check_memory, check_out_folder, check_replications, run_model


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
    i = sub.add_parser("init", help="write a scenario with a council's published DfE state on 30 September of a year")
    i.add_argument("council", help="council name (any case) or new (E06000039) or old (3-digit) LA code")
    i.add_argument("--year", type=int, default=None, help="year (default: the latest with DfE workforce figures)")
    i.add_argument("--out", default=None, help="scenario file to write (default scenarios/<council>_<year>.yaml; a folder, existing or "
                                             "ending in /: the file inside it; never overwritten)")
    cli_report.add_parser(sub)
    cli_sweep.add_parser(sub)
    cli_calibrate.add_parser(sub)
    cli_backtest.add_parser(sub)
    cli_optimise.add_parser(sub)
    return parser


def _write_out(out: Path, tables) -> None:
    """Write tables into a temporary folder beside ``out``, then move them in."""
    from workforce_sim.reporting.tables import write_tables

    write_atomically(out, lambda folder: write_tables(tables, folder))


def cmd_validate(args) -> int:
    from workforce_sim.scenario.loading import load_scenario, resolved_yaml

    scenario = load_scenario(args.scenario, args.overrides)
    print(resolved_yaml(scenario), end="")
    return 0


def cmd_run(args) -> int:
    from workforce_sim.experiments.replications import run_replications
    from workforce_sim.reporting.tables import result_tables
    from workforce_sim.reporting.text import headline, text_table, to_json
    from workforce_sim.scenario.loading import load_scenario
    from workforce_sim.scenario.schema.targets import SPEND

    if args.scheduler is not None and args.executor != "dask":
        raise InputError("only with --executor dask", file="--scheduler")
    decompose = getattr(args, "decompose", None)
    if decompose is None:
        check_replications(args.replications, args.allow_large)
    scenario = load_scenario(args.scenario, args.overrides)
    per_draw = None
    if decompose is not None:
        check_decompose(scenario, decompose, args.allow_large, args.scenario)
        args.replications, per_draw = decompose[0] * decompose[1], decompose[1]
    names = (["snapshots", "flows", "parameters", "costs", "pay_levels", "failures"]
             + (["case_monthly", "case_snapshots"] if scenario.demand is not None else [])
             + (["decomposition"] if decompose is not None else []))
    table_names = [f"{n}.{ext}" for n in names for ext in ("csv", "parquet")]
    if args.out is not None:
        check_out_folder(args.out, table_names)
    check_memory(scenario, args.seed, args.replications, args.keep_events)
    results = run_model(
        lambda update: run_replications(scenario, args.replications, args.seed, args.workers,
                                        keep_events=args.keep_events, progress=update, executor=args.executor,
                                        scheduler=args.scheduler, continue_on_error=args.continue_on_error,
                                        per_draw=per_draw),
        args.replications, not args.no_progress)
    if scenario.finance.investment.baseline and any(t.measure == SPEND for t in scenario.targets.values()):
        # spend is judged as the cost above the named baseline, on the same seeds (as in the report)
        from workforce_sim.analysis.finance import baseline_results

        results.extra["baseline"] = run_model(
            lambda update: baseline_results(results, args.scenario, args.workers, progress=update),
            results.replications, not args.no_progress)
    h = headline(results)
    if results.failures:
        h["failures"] = [{"replication": f.replication, "seed": f.seed, "error": f.error, "where": f.where}
                         for f in results.failures]
    tables = result_tables(results)
    text = text_table(h)
    if decompose is not None:
        from workforce_sim.analysis.uncertainty import decompose as split_variance
        from workforce_sim.reporting.text import decomposition_text

        parts = split_variance(results)
        tables["decomposition"] = parts
        records = [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in parts.to_dict(orient="records")]
        h["decomposition"] = {"draws": decompose[0], "per_draw": decompose[1], "targets": records}
        text += "\n\n" + decomposition_text(records, *decompose)
    print(to_json(h) if args.json else text)
    for f in results.failures:
        print(f"wfsim: {f.describe()}", file=sys.stderr)
    if results.failures:
        print(f"wfsim: {len(results.failures)} of {args.replications} replications failed; "
              f"results are from the other {results.replications}", file=sys.stderr)
    if args.out is not None:
        _write_out(args.out, tables)
        if not args.json:
            print(f"\ntables written to {args.out}")
    return 0


def cmd_init(args) -> int:
    from workforce_sim.scenario.start_state import write_start_state

    path = write_start_state(args.council, args.year, args.out)
    print(f"wrote {path}")
    return 0


COMMANDS = {"init": cmd_init, "validate": cmd_validate, "run": cmd_run, "sweep": cli_sweep.run, "calibrate": cli_calibrate.run,
            "backtest": cli_backtest.run, "optimise": cli_optimise.run}


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"wfsim: warning: {message}", file=sys.stderr)


def main(argv: Optional[Sequence[str]] = None) -> int:
    warnings.showwarning = _show_warning
    try:
        args = build_parser().parse_args(argv)
        cap_workers(args)
        if args.command in cli_report.COMMANDS:
            return cli_report.run(args)
        return COMMANDS[args.command](args)
    except InputError as exc:
        print(f"wfsim: error: {exc.one_line(OPTION_FLAGS)}", file=sys.stderr)
        return 2
    except RunError as exc:
        print(f"wfsim: run failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("wfsim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
