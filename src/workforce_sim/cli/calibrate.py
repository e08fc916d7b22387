"""``wfsim calibrate SCENARIO --council NAME --through YEAR``: ABC-SMC on the council's history.

Fits the attrition level, applicants per advert, agency cover delay and conversion to the
council's published agency rate, turnover and vacancy rate in the years up to YEAR (data
published by 30 September of YEAR only) and writes a scenario that ``extends:`` SCENARIO with
those parameters as the posterior's particles. Never overwrites. A thin client of
``workflows.calibrate`` and ``reporting.calibrate``.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from workforce_sim.defaults import DEFAULTS


def add_parser(subparsers) -> argparse.ArgumentParser:
    from workforce_sim.cli.common import positive_int, seed_value
    from workforce_sim.workflows.calibrate import GENERATIONS_DEFAULT, POPULATION_DEFAULT

    p = subparsers.add_parser("calibrate", help="fit uncertain parameters to a council's published history (ABC-SMC); write a scenario")
    p.add_argument("scenario", help="scenario YAML file whose parameters are calibrated (e.g. written by wfsim init)")
    p.add_argument("--council", default=None, help="council name or LA code (default: the scenario's council)")
    p.add_argument("--through", type=int, required=True, help="last year of history used (data published by 30 September of it)")
    p.add_argument("--population", type=positive_int("--population"), default=POPULATION_DEFAULT,
                   help=f"ABC-SMC particles per generation (default {POPULATION_DEFAULT})")
    p.add_argument("--generations", type=positive_int("--generations"), default=GENERATIONS_DEFAULT,
                   help=f"ABC-SMC generations (default {GENERATIONS_DEFAULT})")
    p.add_argument("--seed", type=seed_value, default=DEFAULTS.seed)
    p.add_argument("--out", type=Path, default=None, help="scenario file to write (default <scenario>_calibrated_<YEAR>.yaml beside it)")
    p.add_argument("--json", action="store_true", help="print the posterior summary as JSON")
    p.add_argument("--allow-large", action="store_true", help="allow a population or generations above the ceilings")
    return p


def run(args) -> int:
    from workforce_sim.reporting import calibrate as report
    from workforce_sim.workflows import calibrate as workflow

    spec = workflow.prepare(args.scenario, args.through, council=args.council, out=args.out, seed=args.seed,
                            population=args.population, generations=args.generations, allow_large=args.allow_large)
    outcome = workflow.execute(spec)
    report.write_scenario(outcome)
    print(report.summary_json(outcome) if args.json else report.summary_text(outcome))
    return 0
