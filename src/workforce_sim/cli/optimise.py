"""``wfsim optimise SCENARIO --lever KEY=LOW..HIGH --require 'MEASURE>=VALUE@DATE' ...``: a thin
client of ``analysis.optimise`` (the search and confirmation) and ``reporting.optimise`` (the outputs).

While it runs, the study lives in a hidden folder ``.incomplete-<name>`` beside the run folder
(``study.db``, Optuna's SQLite storage, and ``run.json``); when it ends the outputs are written there
and the folder is renamed into place. A killed run is continued with ``--resume`` (same options).
"""
from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path
from typing import Any

from workforce_sim.errors import InputError, RunError

STUDY_KEYS = {"levers": list, "require": list, "confidence": float, "minimise": str, "trials": int, "replications": int,
              "confirm_replications": int, "confirm_top": int, "seed": int, "set": list}
INCOMPLETE = ".incomplete-"
DEFAULTS = {"confidence": 0.9, "minimise": "total_cost", "trials": 40, "replications": 20, "confirm_replications": 100,
            "confirm_top": 5, "seed": 2014}


def _fraction(text: str) -> float:
    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        raise InputError(f"expected a number such as 0.9, got {text!r}", file="--confidence") from None
    if not (0 < value < 1):
        raise InputError(f"must be above 0 and below 1 (0.9 = 90%), got {text}", file="--confidence")
    return value


def add_parser(subparsers) -> argparse.ArgumentParser:
    from workforce_sim.cli.common import positive_int, seed_value

    p = subparsers.add_parser("optimise", help="the cheapest plan meeting requirements with a stated confidence (Optuna search, confirmed on fresh seeds)")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--study", type=Path, default=None, help="YAML study file: levers, require, confidence, minimise, trials, replications, ...")
    p.add_argument("--lever", dest="levers", action="append", default=None, metavar="KEY=LOW..HIGH[:STEP]",
                   help="a numeric scenario key and its range (teams: teams.add.TYPE@YYYY-MM-DD=0..3); repeatable")
    p.add_argument("--require", action="append", default=None, metavar="'MEASURE>=VALUE@DATE'",
                   help="a requirement (or the name of a target the scenario declares); repeatable")
    p.add_argument("--confidence", type=_fraction, default=None, help="chance of meeting every requirement the plan must have (default 0.9)")
    p.add_argument("--minimise", "--minimize", default=None, help="cost measure to minimise (default total_cost)")
    p.add_argument("--trials", type=positive_int("--trials"), default=None, help="distinct candidates to evaluate (default 40)")
    p.add_argument("--replications", "-n", type=positive_int("--replications"), default=None, help="replications per candidate (default 20)")
    p.add_argument("--confirm-replications", type=positive_int("--confirm-replications"), default=None,
                   help="replications per confirmed candidate, on a fresh seed (default 100)")
    p.add_argument("--confirm-top", type=positive_int("--confirm-top"), default=None, help="cheapest candidates near the confidence to confirm (default 5)")
    p.add_argument("--seed", type=seed_value, default=None, help="search seed (default 2014); confirmation uses seed + 1")
    p.add_argument("--workers", type=positive_int("--workers"), default=None, help="processes (default: all cores)")
    p.add_argument("--set", dest="overrides", action="append", default=None, metavar="KEY=VALUE", help="override a scenario value for every candidate")
    p.add_argument("--out", type=Path, default=None, help="run folder (default outputs/<scenario>/<time>-optimise); must not exist")
    p.add_argument("--resume", action="store_true", help="continue the killed or interrupted study of --out (default: the latest of the scenario)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--allow-large", action="store_true", help="allow replications above the ceiling")
    return p


def read_study(path: Path) -> dict[str, Any]:
    """A study file: a mapping of STUDY_KEYS (lists of strings for levers, require and set)."""
    from workforce_sim.scenario.loading import _read_yaml

    data = _read_yaml(path)
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key not in STUDY_KEYS:
            raise InputError(f"unknown key; known: {', '.join(STUDY_KEYS)}", file=str(path), key=str(key))
        kind = STUDY_KEYS[key]
        if kind is list:
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InputError("expected a list of texts such as 'KEY=LOW..HIGH'", file=str(path), key=key)
        elif kind is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0 < value < 1):
                raise InputError("expected a number above 0 and below 1", file=str(path), key=key)
            value = float(value)
        elif kind is int:
            if isinstance(value, bool) or not isinstance(value, int) or value < (0 if key == "seed" else 1):
                raise InputError("expected a whole number" + (" >= 0" if key == "seed" else " >= 1"), file=str(path), key=key)
        elif not isinstance(value, str):
            raise InputError("expected a text", file=str(path), key=key)
        out[key] = value
    return out


def options(args) -> dict[str, Any]:
    """The study's options: the command line's, else the study file's, else the defaults."""
    study = read_study(args.study) if args.study is not None else {}
    given = {"levers": args.levers, "require": args.require, "confidence": args.confidence, "minimise": args.minimise,
             "trials": args.trials, "replications": args.replications, "confirm_replications": args.confirm_replications,
             "confirm_top": args.confirm_top, "seed": args.seed, "set": args.overrides}
    out = {}
    for key, value in given.items():
        out[key] = value if value is not None else study.get(key, DEFAULTS.get(key, []))
    return out


def hidden(out: Path) -> Path:
    return out.parent / f"{INCOMPLETE}{out.name}"


def _latest(scenario_name: str) -> Path:
    from workforce_sim.reporting.runs import safe_name

    parent = Path("outputs") / safe_name(scenario_name)
    found = sorted(parent.glob(f"{INCOMPLETE}*-optimise")) if parent.is_dir() else []
    if not found:
        raise InputError(f"no unfinished study of this scenario under {parent}; name it with --out", file="--resume")
    return parent / found[-1].name[len(INCOMPLETE):]


def _check_resumable(out: Path) -> None:
    from workforce_sim.reporting.runs import _alive, read_run

    tmp = hidden(out)
    if out.exists():
        raise InputError(f"{out} is a finished run; start a new study with another --out", file="--resume")
    if not (tmp / "study.db").is_file():
        raise InputError(f"no unfinished study at {tmp}", file="--resume", key=str(out))
    record = read_run(tmp) or {}
    import socket

    pid = record.get("pid")
    if record.get("host") == socket.gethostname() and isinstance(pid, int) and pid != os.getpid() and _alive(pid):
        raise InputError(f"the study is still running (process {pid})", file="--resume", key=str(out))


def run(args) -> int:
    from workforce_sim.analysis.optimise import closest, prepare, run_optimisation
    from workforce_sim.experiments.optimise import space_size
    from workforce_sim.reporting.optimise import write_optimisation
    from workforce_sim.reporting.runs import git_info, new_run_id, now_iso, safe_name, write_json, writer
    from workforce_sim.scenario import load_scenario
    from workforce_sim.workflows.common import check_replications, check_writable, run_model

    o = options(args)
    base = load_scenario(args.scenario, o["set"])
    spec, levers, reqs, judge = prepare(args.scenario, o["levers"], o["require"], overrides=o["set"], confidence=o["confidence"],
                                        minimise=o["minimise"], replications=o["replications"], seed=o["seed"],
                                        confirm_replications=o["confirm_replications"], confirm_top=o["confirm_top"],
                                        trials=o["trials"], base=base)
    check_replications(o["replications"], args.allow_large)
    check_replications(o["confirm_replications"], args.allow_large, "--confirm-replications")
    if args.resume:
        out = args.out or _latest(base.name)
        _check_resumable(out)
        from workforce_sim.experiments.optimise import check_stored

        check_stored(hidden(out) / "study.db", spec)
    else:
        out = args.out or Path("outputs") / safe_name(base.name) / f"{new_run_id()}-optimise"
        check_writable(out, "--out")
        if out.exists() or hidden(out).exists():
            raise InputError(f"{out if out.exists() else hidden(out)} exists; choose a new folder (or --resume a killed study)", file="--out")
    tmp = hidden(out)
    tmp.mkdir(parents=True, exist_ok=True)
    record = {"kind": "optimise", "name": out.name, "scenario": base.name, "scenario_file": str(args.scenario),
              "spec": spec.to_json(), "trials": o["trials"], "started": now_iso(), "status": "running", **writer(), **git_info()}
    write_json(tmp / "run.json", record)
    size = space_size(levers)
    goal = min(o["trials"], size) if size else o["trials"]
    base_reps = 1 if judge.needs_baseline or base.finance.investment.baseline else 0
    total = (goal + base_reps) * spec.replications + (spec.confirm_top + 5 + base_reps) * spec.confirm_replications
    resume_hint = f"wfsim optimise {args.scenario} ... --resume --out {out}"
    print(f"{base.name}: searching {goal} candidates x {spec.replications} replications, then confirming on "
          f"{spec.confirm_replications} fresh replications; study in {tmp / 'study.db'}")
    try:
        opt = run_model(lambda update: run_optimisation(
            args.scenario, o["levers"], o["require"], overrides=o["set"], confidence=o["confidence"], minimise=o["minimise"],
            trials=o["trials"], replications=o["replications"], seed=o["seed"], confirm_replications=o["confirm_replications"],
            confirm_top=o["confirm_top"], workers=args.workers, db=tmp / "study.db", resume=args.resume, progress=update),
            total, not args.no_progress)
    except (KeyboardInterrupt, RunError):
        print(f"wfsim: every finished evaluation is kept in {tmp / 'study.db'}; continue with: {resume_hint}", file=sys.stderr)
        raise
    write_optimisation(opt, tmp, out.name)
    record.update(status="complete", ended=now_iso(), seconds=opt.seconds, plan=opt.plan_settings,
                  headline_text=_headline(opt))
    write_json(tmp / "run.json", record)
    os.rename(tmp, out)
    print(_summary(opt))
    print(f"\n{'plan.yaml, ' if opt.plan is not None else ''}optimise.html, pareto_front.png, the tables and optimise.xlsx written to {out}")
    if opt.plan is None:
        near = closest(opt.confirmed, 1)
        best = "" if near.empty else f"; the closest confirmed candidate reaches {100 * near['chance'].iloc[0]:.0f}%"
        raise InputError(f"no candidate meets every requirement with a chance of at least {100 * spec.confidence:.0f}%{best} "
                         f"(see {out / 'optimise.html'}); widen the lever ranges, add levers or lower --confidence", file="--require")
    return 0


def _headline(opt) -> str:
    row = opt.plan_row
    if row is None:
        return "no plan meets the requirements"
    return f"plan: £{row['cost_gbp'] / 1e6:.2f}m, chance {100 * row['chance']:.0f}%"


def _summary(opt) -> str:
    sc, spec = opt.scenario, opt.spec
    lines = [f"\n{sc.name}: {len(opt.evaluations)} evaluations, {len(opt.confirmed)} confirmed "
             f"(search {opt.seconds['search']:.0f} s, confirmation {opt.seconds['confirmation']:.0f} s)"]
    lines += [f"  require {r.title}: {r.describe_target()}" for r in opt.requirements]
    lines.append(f"  with a chance of at least {100 * spec.confidence:.0f}%, minimising {spec.minimise}\n")
    head = "  ".join(f"{lv.name.rsplit('.', 1)[-1][:14]:>14}" for lv in opt.levers)
    lines.append(f"{head}  {'cost £m':>8}  {'chance (95% int.)':>18}")
    for i, r in opt.confirmed.iterrows():
        vals = "  ".join(f"{_n(r[lv.name]):>14}" for lv in opt.levers)
        mark = "  <- plan" if i == opt.plan else ""
        lines.append(f"{vals}  {r['cost_gbp'] / 1e6:>8.3f}  {100 * r['chance']:>5.0f}% ({100 * r['chance_low']:.0f}-{100 * r['chance_high']:.0f}%){mark}")
    lines.append("\nCost of confidence (cheapest confirmed plan reaching each level):")
    for _, r in opt.ladder.iterrows():
        cost = f"£{r['cost_gbp'] / 1e6:.3f}m" if r["reached"] else "not reached"
        extra = "" if not r["reached"] or math.isnan(r["extra_cost_gbp"]) else f"  (+£{r['extra_cost_gbp'] / 1e6:.3f}m)"
        lines.append(f"  >= {100 * r['confidence']:.0f}%: {cost}{extra}")
    return "\n".join(lines)


def _n(v) -> str:
    v = float(v)
    return f"{v:.0f}" if v.is_integer() else f"{v:.4g}"
