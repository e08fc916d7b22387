"""``wfsim calibrate SCENARIO --council NAME --through YEAR``: ABC-SMC on the council's history.

Fits the attrition level, applicants per advert, agency cover delay and conversion to the
council's published agency rate, turnover and vacancy rate in the years up to YEAR (data
published by 30 September of YEAR only) and writes a scenario that ``extends:`` SCENARIO with
those parameters as the posterior's particles (``experiments.calibrate``). Never overwrites.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

import yaml

from workforce_sim.errors import InputError


def add_parser(subparsers) -> argparse.ArgumentParser:
    from workforce_sim.cli.common import positive_int, seed_value
    from workforce_sim.experiments.calibrate import GENERATIONS, POPULATION

    p = subparsers.add_parser("calibrate", help="fit uncertain parameters to a council's published history (ABC-SMC); write a scenario")
    p.add_argument("scenario", help="scenario YAML file whose parameters are calibrated (e.g. written by wfsim init)")
    p.add_argument("--council", default=None, help="council name or LA code (default: the scenario's council)")
    p.add_argument("--through", type=int, required=True, help="last year of history used (data published by 30 September of it)")
    p.add_argument("--population", type=positive_int("--population"), default=2 * POPULATION,
                   help=f"ABC-SMC particles per generation (default {2 * POPULATION})")
    p.add_argument("--generations", type=positive_int("--generations"), default=2 * GENERATIONS,
                   help=f"ABC-SMC generations (default {2 * GENERATIONS})")
    p.add_argument("--seed", type=seed_value, default=2014)
    p.add_argument("--out", type=Path, default=None, help="scenario file to write (default <scenario>_calibrated_<YEAR>.yaml beside it)")
    p.add_argument("--json", action="store_true", help="print the posterior summary as JSON")
    return p


def overlay(scenario, post, extends: str) -> dict:
    """The calibrated keys only, in a scenario that extends the original."""
    from workforce_sim.experiments.calibrate import posterior_scenario, targets_of

    full = posterior_scenario(scenario.model_dump(mode="json"), post)
    keys = list(targets_of(full))
    out: dict = {"extends": extends, "name": f"{scenario.name}_calibrated_{post.through}",
                 "description": f"{scenario.name} with parameters calibrated to {post.council}'s published history "
                                f"{post.window[0] + 1}-{post.window[1]} (wfsim calibrate, ABC-SMC)",
                 "attrition": {"tenure_bands": full["attrition"]["tenure_bands"]},
                 "recruitment": {"pipeline": {"applicants_per_advert": full["recruitment"]["pipeline"]["applicants_per_advert"]}}}
    agency = {k: full["agency"][k] for k in ("cover_lag_days", "conversion_per_year") if f"agency.{k}" in keys}
    if agency:
        out["agency"] = agency
    out["sources"] = {k: full["sources"][k] for k in keys}
    return out


def run(args) -> int:
    from workforce_sim.analysis.calibration import annual_indicators
    from workforce_sim.experiments.calibrate import calibrate
    from workforce_sim.reporting.text import to_json
    from workforce_sim.scenario.loading import load_scenario

    path = Path(args.scenario)
    scenario = load_scenario(path)
    council = args.council or scenario.council
    if not council:
        raise InputError("the scenario names no council; give --council", file=str(path), key="council")
    out = args.out or path.with_name(f"{path.stem}_calibrated_{args.through}.yaml")
    if out.exists():
        raise InputError("exists; choose another file (calibrate never overwrites)", file="--out", key=str(out))
    from workforce_sim.workflows.common import check_writable

    check_writable(out.parent, "--out")
    post = calibrate(council, args.through, annual_indicators, seed=args.seed, population=args.population, generations=args.generations)
    data = overlay(scenario, post, os.path.relpath(path.resolve(), out.resolve().parent))
    header = (f"# {post.council}: parameters calibrated by 'wfsim calibrate' (ABC-SMC, pyabc) to the published history "
              f"{post.window[0] + 1}-{post.window[1]};\n# each replication takes one particle of the posterior (group "
              f"'calibration'). Seed {args.seed}, {args.population} particles x {args.generations} generations.\n")
    text = header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    try:
        load_scenario(tmp)          # the written scenario must load
        os.link(tmp, out)           # fails rather than overwrite
    except FileExistsError:
        raise InputError("exists; choose another file (calibrate never overwrites)", file="--out", key=str(out)) from None
    finally:
        tmp.unlink(missing_ok=True)
    summary = post.summary()
    if args.json:
        print(to_json({"council": post.council, "through": post.through, "window": list(post.window), "simulations": post.simulations,
                       "epsilons": post.epsilons, "parameters": summary.to_dict("records"), "out": str(out)}))
    else:
        print(f"{post.council}: history {post.window[0] + 1}-{post.window[1]} ({len(post.observed)} published figures), "
              f"{post.simulations} simulations, distance {post.epsilons[-1]:.2f} points at the last generation" if post.epsilons else "")
        print(f"{'parameter':<22} {'median':>8} {'90% interval':>20} {'prior':>16}")
        for r in summary.itertuples():
            print(f"{r.parameter:<22} {r.median:>8.3f} {r.p5:>9.3f} - {r.p95:<8.3f} {r.prior_low:>7.3f} - {r.prior_high:<7.3f}")
        print(f"wrote {out}")
    return 0
