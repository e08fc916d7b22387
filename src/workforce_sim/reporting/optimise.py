"""Writing an optimisation: the plan as a scenario file, the Pareto front (plot and table), every
evaluation (CSV, Parquet, Excel) and a page for finance officers."""
from __future__ import annotations

import contextlib
import html
import math
import os
import socket
from pathlib import Path
from typing import Any, Optional

import pandas as pd
import yaml

from workforce_sim.analysis.formats import format_value
from workforce_sim.analysis.optimise import COST_WORDS, Optimisation, closest
from workforce_sim.errors import InputError
from workforce_sim.experiments.levers import is_region_lever, plan_data, region_plan_data
from workforce_sim.files import write_bytes, write_text
from workforce_sim.reporting.html import table
from workforce_sim.reporting.plots import _figure, png
from workforce_sim.reporting.tables import write_tables, write_workbook

PLAN_FILE = "plan.yaml"
PAGE_FILE = "optimise.html"
FRONT_PNG = "pareto_front.png"
WORKBOOK = "optimise.xlsx"
TABLES = ("evaluations", "pareto_front", "confirmed", "confidence_cost", "plan_requirements", "plan_costs_by_year", "about")
INCOMPLETE = ".incomplete-"
OUT_FILES = (PLAN_FILE, PAGE_FILE, FRONT_PNG, WORKBOOK, *[f"{t}.{e}" for t in TABLES for e in ("csv", "parquet")])


def _m(x) -> str:
    if x is None or pd.isna(x):
        return "n/a"
    m = round(x / 1e6, 2) + 0.0                                # + 0.0: no "-£0.00m"
    return f"{'-' if m < 0 else ''}£{abs(m):,.2f}m"            # -£1.61m, not £-1.61m


def _pct(x) -> str:
    return "n/a" if x is None or pd.isna(x) else f"{100 * x:.0f}%"


def plan_yaml(opt: Optimisation, folder: Path, run_name: str) -> Optional[str]:
    """The recommended plan as a scenario file that ``extends:`` the input (relative to ``folder``)."""
    settings = opt.plan_settings
    if settings is None:
        return None
    row = opt.plan_row
    if opt.region is not None:
        data = region_plan_data(opt.path, opt.region, opt.member, opt.levers, settings, folder)
    else:
        data = plan_data(opt.scenario, opt.levers, settings)
    extends = os.path.relpath(Path(opt.path).resolve(), Path(folder).resolve())
    chance = f"confirmed chance {_pct(row['chance'])} (95% interval {_pct(row['chance_low'])}-{_pct(row['chance_high'])}) " \
             f"over {int(row['replications'])} replications, seed {opt.spec.confirm_seed}"
    sources = {}
    n_changes = len(opt.scenario.establishment_changes)
    for lever in opt.levers:
        if opt.region is not None:
            where = lever.name if is_region_lever(lever.name) else f"members.{opt.member}.{lever.name}"
            sources[where] = f"wfsim optimise {run_name}: chosen within {lever.describe().split(': ', 1)[1]}; {chance}"
        elif lever.adds_teams:
            if settings[lever.name] > 0:
                sources[f"establishment_changes.{n_changes}"] = f"wfsim optimise {run_name}: {lever.describe()}; {chance}"
                n_changes += 1
        else:
            sources[lever.name] = f"wfsim optimise {run_name}: chosen within {lever.describe().split(': ', 1)[1]}; {chance}"
    head = {"extends": extends, "name": f"{opt.region.name if opt.region is not None else opt.scenario.name}_plan",
            "description": (f"The cheapest plan found by wfsim optimise ({run_name}) "
                            + (f"{opt.for_whom} " if opt.region is not None else "") + "meeting "
                            + "; ".join(f"{r.title} {r.describe_target()}" for r in opt.requirements)
                            + f" with a chance of at least {_pct(opt.spec.confidence)}: {chance}.")}
    body = {**head, **data, "sources": {**sources}}
    text = yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=120)
    what = f"the input region with {opt.member}'s plan" if opt.region is not None else "the input scenario with the plan's lever values"
    return f"# Written by wfsim optimise ({run_name}); extends {what}.\n{text}"


def plot_front(opt: Optimisation):
    """Cost (GBP m) against the chance of meeting every requirement: every evaluation, the front, the confirmed and the plan."""
    fig, ax = _figure(8.0, 4.6)
    ev = opt.evaluations
    u = ev[ev["same_as"].isna()] if len(ev) else ev
    if len(u):
        ax.scatter(100 * u["chance"], u["cost_gbp"] / 1e6, s=14, color="#9a9a9a", label=f"evaluated ({opt.spec.replications} replications, common seeds)")
    if len(opt.front):
        ax.step(100 * opt.front["chance"], opt.front["cost_gbp"] / 1e6, where="pre", color="#1f5f9f", label="Pareto front (search): the cheapest reaching each chance")
    c = opt.confirmed
    if len(c):
        ax.errorbar(100 * c["chance"], c["cost_gbp"] / 1e6, xerr=[100 * (c["chance"] - c["chance_low"]), 100 * (c["chance_high"] - c["chance"])],
                    fmt="s", color="#e08a00", ms=5, capsize=2, label="confirmed (fresh replications, 95% interval)" if opt.spec.confirm_auto
                    else f"confirmed ({opt.spec.confirm_replications} fresh replications, 95% interval)")
    row = opt.plan_row
    if row is not None:
        ax.scatter([100 * row["chance"]], [row["cost_gbp"] / 1e6], s=120, marker="*", color="#b22222", zorder=5, label="recommended plan")
    ax.axvline(100 * opt.spec.confidence, color="#b22222", linestyle="--", linewidth=1, label=f"confidence {_pct(opt.spec.confidence)}")
    ax.set_xlabel("Chance of meeting every requirement (%)")
    ax.set_ylabel(f"{opt.spec.minimise.replace('_', ' ')} (£m, mean)")
    ax.set_title(f"{opt.member + ' in ' + opt.region.name if opt.region is not None else opt.scenario.name}: cost against the chance of meeting the requirements", loc="left", fontsize=11)
    ax.legend(fontsize=7, frameon=False, loc="best")
    return fig


def optimise_answer(opt: Optimisation) -> str:
    """The page's answer in one sentence: the plan, its cost and its confirmed chance (with the levers by
    their labels), or the finding that no plan reaches the confidence and how close the nearest comes."""
    spec = opt.spec
    row = opt.plan_row
    if row is None:
        near = closest(opt.confirmed, 1)
        best = ("" if near.empty else f"; the closest confirmed candidate reaches {_pct(near['chance'].iloc[0])} "
                f"for {_m(near['cost_gbp'].iloc[0])}")
        return (f"No plan reaches the requirements with a chance of at least {_pct(spec.confidence)}{best}: widen the "
                f"lever ranges, add levers or accept a lower confidence.")
    settings = "; ".join(_lever_setting(lv, row[lv.name]) for lv in opt.levers)
    return (f"The cheapest plan meeting every requirement with a chance of at least {_pct(spec.confidence)} costs "
            f"{_m(row['cost_gbp'])} ({COST_WORDS[spec.minimise]}, mean) and meets them in {_pct(row['chance'])} of "
            f"{int(row['replications'])} fresh futures (95% interval {_pct(row['chance_low'])} to {_pct(row['chance_high'])}): {settings}.")


def _lever_label(lever) -> str:
    """A lever's plain label (its description for team levers)."""
    return lever.describe().split(": ", 1)[0] if lever.adds_teams else lever.title


def _lever_setting(lever, value) -> str:
    """``Time to hire: 60 days``: a lever's plain label, its value and unit (the unit left out when the
    label already ends with it, as in "NQSWs a year"); a raw key when the lever has no label."""
    from workforce_sim.scenario.named_levers import find

    named = None if lever.adds_teams else find(lever.name)
    if named is None:
        return f"{_lever_label(lever)}: {_num(value)}"
    label, unit = named.label, named.unit
    same_end = unit and label.split()[-2:] == unit.split()[-2:]
    return f"{label}: {_num(value)}" + ("" if same_end or not unit else f" {unit}")


def page(opt: Optimisation, run_name: str, front_png: bytes) -> str:
    """The page a finance officer reads, in the pages' one style: the answer (the plan, or that there is
    none), the chart of cost against chance, then the plan, its cost by financial year against the
    investment profile, its chance of meeting each requirement with an interval, the cost of confidence."""
    from workforce_sim.reporting.pages import page as shared_page
    from workforce_sim.reporting.pages import png_img, scenario_title

    sc, spec = opt.scenario, opt.spec
    e = html.escape
    parts = []
    reqs = "".join(f"<li>{e(r.title)}: {e(r.describe_target())}</li>" for r in opt.requirements)
    if opt.region is not None:
        parts.append(f"<p>A plan <b>{e(opt.for_whom)}</b>: every member and the region's market run together on one clock in "
                     f"each replication ({e(opt.path)}); the requirements and the cost are {e(opt.member)}'s, and a neighbour "
                     "that matches its supplement follows each candidate.</p>")
    parts.append(f"<p>Scenario <b>{e(sc.name)}</b> ({e(opt.path)}). The question: the lowest {e(COST_WORDS[spec.minimise])} "
                 f"for which every requirement below is met together with a chance of at least <b>{_pct(spec.confidence)}</b>:</p><ul>{reqs}</ul>")
    row = opt.plan_row
    if row is None:
        parts.append("<h2>No plan meets the requirements</h2><p>No confirmed candidate reached the confidence. "
                     "The closest confirmed candidates and what they reach:</p>")
        near = closest(opt.confirmed)
        parts.append(_candidates(opt, near))
        if len(near):
            parts.append("<h2>The closest candidate's cost by financial year against the investment profile</h2>")
            parts.append(_by_year(opt.plan_by_year(near.iloc[0])))
    else:
        parts.append(f"<h2>The plan</h2><p>Mean {e(spec.minimise.replace('_', ' '))} <b>{_m(row['cost_gbp'])}</b> "
                     f"(90% interval {_m(row['cost_p5_gbp'])} to {_m(row['cost_p95_gbp'])}); chance of meeting every requirement "
                     f"<b>{_pct(row['chance'])}</b> (95% interval {_pct(row['chance_low'])} to {_pct(row['chance_high'])}), confirmed on "
                     f"{int(row['replications'])} replications with a seed the search never used. Ready to run as "
                     f"<code>{PLAN_FILE}</code> in this folder.</p>")
        lv = pd.DataFrame([{"lever": _lever_text(lv), "plan": _num(row[lv.name])} for lv in opt.levers])
        parts.append(table(lv, {"lever": "Lever (range searched)", "plan": "Plan"}, numeric=("plan",)))
        parts.append("<h2>Cost by financial year against the investment profile</h2>")
        parts.append(_by_year(opt.plan_by_year()))
        parts.append("<h2>Chance of meeting each requirement</h2>")
        req = opt.plan_requirements().copy()
        req["value"] = [format_value(m, u) if not pd.isna(m) else "" for m, u in zip(req["median"], req["unit"])]
        req["chance_s"] = [_pct(p) for p in req["chance"]]
        req["interval"] = [f"{_pct(lo)} to {_pct(hi)}" for lo, hi in zip(req["chance_low"], req["chance_high"])]
        parts.append(table(req, {"title": "Requirement", "target": "Target", "value": "Value reached (median)",
                                 "chance_s": "Chance of meeting it", "interval": "95% interval"}, numeric=("value", "chance_s", "interval")))
    parts.append("<h2>What each extra 5 points of confidence costs</h2>")
    lad = opt.ladder.copy()
    lad["level"] = [_pct(x) for x in lad["confidence"]]
    lad["cost"] = [_m(x) if r else "not reached by any confirmed candidate" for x, r in zip(lad["cost_gbp"], lad["reached"])]
    lad["extra"] = [_m(x) for x in lad["extra_cost_gbp"]]
    lad["chance_s"] = [f"{_pct(c)} ({_pct(lo)} to {_pct(hi)})" if r else "" for c, lo, hi, r in
                       zip(lad["chance"], lad["chance_low"], lad["chance_high"], lad["reached"])]
    parts.append(table(lad, {"level": "Confidence at least", "cost": "Cheapest confirmed plan", "chance_s": "Its confirmed chance (95% interval)",
                             "extra": "Extra over the level before"}, numeric=("cost", "extra")))
    parts.append("<p class=\"wfsim-caption\">The cheapest confirmed candidate reaching each level; confirmed candidates are the cheapest "
                 "near the required confidence and the cheapest reaching each level in the search. A level no confirmed candidate "
                 "reaches needs a wider lever range or more candidates.</p>")
    parts.append("<h2>The cheapest candidates of the search</h2>")
    parts.append(_candidates(opt, opt.front, search=True))
    secs = ", ".join(f"{k} {v:.0f} s" for k, v in opt.seconds.items())
    parts.append(f"<h2>How the plan was found</h2><p>{len(opt.evaluations[opt.evaluations['same_as'].isna()]) if len(opt.evaluations) else 0} "
                 f"distinct candidates searched by Optuna's TPE sampler (two objectives: cost and chance; constraint: chance at least "
                 f"{_pct(spec.confidence)}), each on the same {spec.replications} replications (seed {spec.seed}: common random numbers); "
                 f"{len(opt.confirmed)} confirmed on {e(spec.confirm_words)} replications with seed {spec.confirm_seed}. "
                 f"Time: {e(secs)}. Every evaluation is in <code>evaluations.csv</code> and <code>{WORKBOOK}</code>; the study itself in "
                 f"<code>study.db</code> (Optuna). Run {e(run_name)}.</p>")
    return shared_page(f"{scenario_title(sc)}: the cheapest plan", optimise_answer(opt),
                       chart=png_img(front_png, "cost against the chance of meeting the requirements"), body="".join(parts),
                       subtitle=f"Scenario {sc.name} ({opt.path}); run {run_name}",
                       words=["Replication", "90% interval", "Random seed", "Permanent share", "Investment profile", "FTE", "NQSW"]) + "\n"


def _num(v) -> str:
    v = float(v)
    return f"{v:,.0f}" if v.is_integer() else f"{v:,.4g}"


def _by_year(by: pd.DataFrame) -> str:
    if by.empty:
        return "<p>No costs.</p>"
    by = by.copy()
    add = "additional_cost_gbp" in by.columns
    cols = {"financial_year": "Financial year", "months": "Months simulated", "total": "Total cost"}
    by["total"] = [_m(x) for x in by["total_cost_gbp"]]
    if add:
        by["baseline"] = [_m(x) for x in by["baseline_cost_gbp"]]
        by["additional"] = [f"{_m(a)} ({_m(lo)} to {_m(hi)})" for a, lo, hi in
                            zip(by["additional_cost_gbp"], by["additional_cost_p5_gbp"], by["additional_cost_p95_gbp"])]
        cols.update({"baseline": "Baseline (same seeds)", "additional": "Additional over the baseline (90% interval)"})
    by["investment"] = [_m(x) for x in by["investment_gbp"]]
    by["variance"] = [_m(x) for x in by["variance_gbp"]]
    cols.update({"investment": "Investment profile", "variance": "Spend minus profile"})
    note = ("<p class=\"wfsim-caption\">Spend is the " + ("cost above the investment baseline scenario, paired replication by replication"
            if add else "total cost") + "; mean over the confirmation replications; a year the run covers only in part is marked by its months.</p>")
    return table(by, cols, numeric=tuple(c for c in cols if c != "financial_year")) + note


def _lever_text(lever) -> str:
    """A lever by its plain label (its key when it has none) and the range searched."""
    text = lever.describe()
    return text if lever.adds_teams or not lever.label else f"{lever.title}: {text.split(': ', 1)[1]}"


def _candidates(opt: Optimisation, df: pd.DataFrame, search: bool = False) -> str:
    if df is None or df.empty:
        return "<p>No candidates.</p>"
    d = df.copy()
    cols = {lv.name: lv.title for lv in opt.levers}
    for lv in opt.levers:
        d[lv.name] = [_num(v) for v in d[lv.name]]
    d["cost"] = [_m(x) for x in d["cost_gbp"]]
    d["chance_s"] = [_pct(x) for x in d["chance"]]
    cols.update({"cost": "Cost (mean)", "chance_s": "Chance (search)" if search else "Chance (confirmed)"})
    for r in opt.requirements:
        d[f"v_{r.key}"] = [format_value(v, r.unit) if v is not None and not pd.isna(v) else "" for v in d[f"median_{r.key}"]]
        cols[f"v_{r.key}"] = f"{r.title} (median)"
    return table(d, cols, numeric=tuple(cols))


def write_optimisation(opt: Optimisation, folder: Path, run_name: str) -> list[Path]:
    """Every output into ``folder``: tables (CSV, Parquet), workbook, plot, page and the plan file."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = opt.tables()
    written = write_tables(tables, folder)
    written.append(write_workbook(tables, folder / WORKBOOK))
    fig_png = png(plot_front(opt))
    written.append(write_bytes(folder / FRONT_PNG, fig_png))
    written.append(write_text(folder / PAGE_FILE, page(opt, run_name, fig_png)))
    text = plan_yaml(opt, folder, run_name)
    if text is not None:
        written.append(write_text(folder / PLAN_FILE, text))
    return written


# ------------------------------------------------------------------ the run folder
# While it runs, the study lives in a hidden folder ``.incomplete-<name>`` beside the run folder
# (``study.db``, Optuna's SQLite storage, and ``run.json``); when it ends the outputs are written
# there and the folder is renamed into place. A killed run is continued with ``--resume``.
def hidden(out: Path) -> Path:
    return out.parent / f"{INCOMPLETE}{out.name}"


def latest_unfinished(scenario_name: str) -> Path:
    from workforce_sim.reporting.runs import safe_name

    parent = Path("outputs") / safe_name(scenario_name)
    found = sorted(parent.glob(f"{INCOMPLETE}*-optimise")) if parent.is_dir() else []
    if not found:
        raise InputError(f"no unfinished study of this scenario under {parent}; name it with --out", file="--resume")
    return parent / found[-1].name[len(INCOMPLETE):]


def check_resumable(out: Path) -> None:
    from workforce_sim.reporting.runs import _alive, read_run

    tmp = hidden(out)
    if out.exists():
        raise InputError(f"{out} is a finished run; start a new study with another --out", file="--resume")
    if not (tmp / "study.db").is_file():
        raise InputError(f"no unfinished study at {tmp}", file="--resume", key=str(out))
    record = read_run(tmp) or {}
    pid = record.get("pid")
    if record.get("host") == socket.gethostname() and isinstance(pid, int) and pid != os.getpid() and _alive(pid):
        raise InputError(f"the study is still running (process {pid})", file="--resume", key=str(out))


def run_folder(spec, out: Optional[Path], resume: bool) -> Path:
    """The run folder of ``spec`` (a ``workflows.optimise.OptimiseSpec``): ``out``, else a new one under
    outputs/ (the latest unfinished one when resuming); checked before anything is written."""
    from workforce_sim.experiments.optimise import check_stored
    from workforce_sim.reporting.runs import new_run_id, safe_name
    from workforce_sim.workflows.common import check_writable

    if resume:
        out = out or latest_unfinished(spec.label)
        check_resumable(out)
        check_stored(hidden(out) / "study.db", spec.study)
        return out
    out = out or Path("outputs") / safe_name(spec.label) / f"{new_run_id()}-optimise"
    check_writable(out, "--out")
    if out.exists() or hidden(out).exists():
        raise InputError(f"{out if out.exists() else hidden(out)} exists; choose a new folder (or --resume a killed study)", file="--out")
    return out


LOCK_FILE = ".study.lock"


@contextlib.contextmanager
def study_lock(out: Path):
    """Hold the study of ``out`` for this process: a second wfsim working on it (two ``--resume`` at once)
    is refused at once with a ``LockedError`` naming the study. The lock lives in the hidden folder."""
    from workforce_sim.files import exclusive

    tmp = hidden(out)
    tmp.mkdir(parents=True, exist_ok=True)
    with exclusive(tmp / LOCK_FILE, f"the study {out}"):
        try:
            yield
        finally:
            (out / LOCK_FILE).unlink(missing_ok=True)      # finished: the run folder keeps no lock file
            if tmp.is_dir() and [p.name for p in tmp.iterdir()] == [LOCK_FILE]:   # refused before it started
                (tmp / LOCK_FILE).unlink(missing_ok=True)
                tmp.rmdir()


def start_run(spec, out: Path) -> dict[str, Any]:
    """Create the hidden folder of ``out`` and its ``run.json`` (status running); the record."""
    from workforce_sim.reporting.runs import git_info, now_iso, write_json, writer

    tmp = hidden(out)
    tmp.mkdir(parents=True, exist_ok=True)
    record = {"kind": "optimise", "name": out.name, "scenario": spec.label, **({"member": spec.member} if spec.region is not None else {}), "scenario_file": spec.study.scenario,
              "spec": spec.study.to_json(), "trials": spec.trials, "started": now_iso(), "status": "running", **writer(), **git_info()}
    write_json(tmp / "run.json", record)
    return record


def finish_run(opt: Optimisation, out: Path, record: dict[str, Any]) -> None:
    """Write every output into the hidden folder, complete its ``run.json`` and rename it into place."""
    from workforce_sim.errors import WriteError
    from workforce_sim.reporting.runs import now_iso, write_json

    tmp = hidden(out)
    try:
        write_optimisation(opt, tmp, out.name)
        record.update(status="complete", ended=now_iso(), seconds=opt.seconds, plan=opt.plan_settings, headline_text=headline(opt))
        write_json(tmp / "run.json", record)
        os.rename(tmp, out)
    except (WriteError, OSError) as exc:
        what = str(exc).split("; ")[0] if isinstance(exc, WriteError) else f"could not write {out}: {exc.strerror or exc}"
        raise WriteError(f"{what}; the study and the files written so far are kept in {tmp}") from None


# ------------------------------------------------------------------ terminal text
def start_text(spec, out: Path) -> str:
    s = spec.study
    who = f"{spec.member} in {spec.region.name}" if spec.region is not None else spec.scenario.name
    return (f"{who}: searching {spec.goal} candidates x {s.replications} replications, then confirming on "
            f"{s.confirm_words} fresh replications; study in {hidden(out) / 'study.db'}")


def resume_text(spec, out: Path) -> str:
    """How to continue a stopped study; empty when there is nothing to continue (no study kept)."""
    if not (hidden(out) / "study.db").is_file():
        return ""
    return (f"wfsim: every finished evaluation is kept in {hidden(out) / 'study.db'}; continue with: "
            f"wfsim optimise {spec.study.scenario}{' --member ' + repr(spec.member) if spec.region is not None else ''} ... --resume --out {out}")


def written_text(opt: Optimisation, out: Path) -> str:
    return f"\n{'plan.yaml, ' if opt.plan is not None else ''}optimise.html, pareto_front.png, the tables and optimise.xlsx written to {out}"


def no_plan_text(opt: Optimisation, out: Path) -> str:
    """The finding of a run whose confirmed candidates all miss the confidence (a result, not an error:
    the command exits with ``EXIT_NO_PLAN``)."""
    near = closest(opt.confirmed, 1)
    best = "" if near.empty else f"; the closest confirmed candidate reaches {100 * near['chance'].iloc[0]:.0f}%"
    return (f"Finding: no plan reaches the confidence. No candidate meets every requirement with a chance of at least "
            f"{100 * opt.spec.confidence:.0f}%{best} (see {out / PAGE_FILE}). To search further: widen the lever ranges, "
            "add levers or lower --confidence.")


def headline(opt: Optimisation) -> str:
    row = opt.plan_row
    if row is None:
        return "no plan meets the requirements"
    return f"plan: £{row['cost_gbp'] / 1e6:.2f}m, chance {100 * row['chance']:.0f}%"


def summary_text(opt: Optimisation) -> str:
    sc, spec = opt.scenario, opt.spec
    lines = [f"\n{sc.name}{' ' + opt.for_whom if opt.region is not None else ''}: {len(opt.evaluations)} evaluations, {len(opt.confirmed)} confirmed "
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

