"""``wfsim bench``: measure engine and replication performance (see workforce_sim.bench)."""
from __future__ import annotations

import argparse
import json
import sys


def _count(name: str):
    from .cli_common import positive_int

    return positive_int(name)


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``bench`` command (imports nothing heavy: every wfsim command builds this parser)."""
    b = subparsers.add_parser("bench", help="measure events/s, seconds per replication, parallel efficiency and memory")
    b.add_argument("--json", action="store_true", help="print the figures as JSON (keys in docs/performance.md)")
    b.add_argument("--scenario", default=None, help="council scenario (default scenarios/slough_2014_investment.yaml)")
    b.add_argument("--large-scenario", default=None, help="large council (default scenarios/large_council_10x.yaml)")
    b.add_argument("--samples", type=_count("--samples"), default=None, help="single replications timed (default 10)")
    b.add_argument("--replications", type=_count("--replications"), default=None,
                   help="replications of the memory run on 2 workers (default 1000)")
    b.add_argument("--large-replications", type=_count("--large-replications"), default=None,
                   help="replications of the large council's memory run (default 100)")
    b.add_argument("--quick", action="store_true", help="tiny sizes, to check the command works (figures not meaningful)")
    return b


def run(args) -> int:
    from dataclasses import replace

    from .bench import DEFAULT_LARGE_SCENARIO, DEFAULT_SCENARIO, BenchOptions, run_bench, text_report

    opts = BenchOptions.quick() if args.quick else BenchOptions()
    changes = {k: v for k, v in (("samples", args.samples), ("memory_replications", args.replications),
                                  ("large_memory_replications", args.large_replications)) if v is not None}
    opts = replace(opts, **changes)
    note = (lambda msg: print(f"bench: {msg}", file=sys.stderr, flush=True)) if sys.stderr.isatty() else None
    report = run_bench(opts, args.scenario or DEFAULT_SCENARIO, args.large_scenario or DEFAULT_LARGE_SCENARIO, note=note)
    print(json.dumps(report, indent=2) if args.json else text_report(report))
    return 0
