"""Plain-text and JSON renderings of a run: what `wfsim run` prints (``run_output``) and
the headline (``headline``: a run's main figure, the line a report or schedule shows)."""
from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

from workforce_sim.analysis import neighbours, targets
from workforce_sim.analysis.cases import case_headline
from workforce_sim.analysis.formats import format_value
from workforce_sim.reporting.html import nice_date
from workforce_sim.workflows.run import RunOutcome


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()} for r in df.to_dict(orient="records")]


def run_summary(outcome: RunOutcome) -> dict[str, Any]:
    """The figures `wfsim run` prints, as plain data: every declared target judged as in the
    report (the outcome's scorecard), the permanent share and its trend by quarter."""
    results = outcome.results
    card = outcome.scorecard
    perm = targets.permanence(results.scenario)
    row = card[card["key"] == perm.key]
    main = _records(row)[0] if len(row) else targets.evaluate(perm, results, outcome.investment_baseline, outcome.recalibration)
    out = {
        "scenario": results.scenario.name,
        "council": results.scenario.council,
        "seed": results.seed,
        "replications": results.replications,
        "targets": _records(card),
        "permanent_share": main,
        "permanent_share_by_quarter": _records(targets.trend(perm, results, recalibration=outcome.recalibration)),
    }
    if outcome.recalibration is not None:
        out["recalibration"] = {"text": recalibration_text(outcome), **outcome.recalibration.as_dict()}
    if results.case_monthly is not None:
        out["cases"] = case_headline(results)
    cmp = neighbours.comparison(results)
    if cmp is not None:
        out["neighbours"] = cmp
    if results.failures:
        out["failures"] = [{"replication": f.replication, "seed": f.seed, "error": f.error, "where": f.where}
                           for f in results.failures]
    if getattr(outcome, "precision", None) is not None:
        out["precision"] = outcome.precision.as_dict()
    if outcome.decomposition is not None:
        k, m = outcome.spec.decompose
        out["decomposition"] = {"draws": k, "per_draw": m, "targets": _records(outcome.decomposition)}
    return out


def run_output(outcome: RunOutcome, as_json: bool = False) -> str:
    """What `wfsim run` prints on stdout: the summary as a table (or JSON); a region's its own."""
    if not isinstance(outcome, RunOutcome):
        from workforce_sim.reporting.region import region_summary, region_text

        return to_json(region_summary(outcome)) if as_json else region_text(outcome)
    h = run_summary(outcome)
    if as_json:
        return to_json(h)
    text = text_table(h)
    if "recalibration" in h:
        text += "\n\n" + h["recalibration"]["text"]
    if "precision" in h:
        text += "\n\n" + precision_text(h["precision"], h["replications"])
    if "decomposition" in h:
        d = h["decomposition"]
        text += "\n\n" + decomposition_text(d["targets"], d["draws"], d["per_draw"])
    return text


def recalibration_text(outcome: RunOutcome) -> str:
    """The line that says a run's forecast is recalibrated, with what, and what it moved."""
    rec = outcome.recalibration
    moved = [r["title"] for _, r in outcome.scorecard.iterrows() if str(r["note"]).startswith("recalibrated") or "; recalibrated" in str(r["note"])]
    what = f"moved: {', '.join(moved)}" if moved else "no judged target is a measure it moves"
    return (f"Forecast recalibrated with {rec.file} (bias and spread by measure and horizon, fitted on backtest forecasts "
            f"whose outcomes were published by {rec.origin}; the raw model is without --recalibrated); {what}.")


def precision_text(p: dict[str, Any], replications: int) -> str:
    """The line an automatic run ends with: the precision asked for and the one reached."""
    reached = "n/a" if p["reached"] is None or math.isnan(p["reached"]) else f"{p['reached']:.2f}"
    line = (f"Replications: {replications:,}, chosen for the precision: the {p['level']:.0%} interval of the mean "
            f"{p['measure'] or 'headline'} is within ±{reached} points (asked for ±{p['target']:g})")
    if not p["met"]:
        line += f"; stopped at the ceiling of {p['ceiling']:,} replications before reaching it"
    return line


def run_failures(outcome: RunOutcome) -> list[str]:
    """What `wfsim run` prints on stderr about replications that failed (with --continue-on-error)."""
    if not isinstance(outcome, RunOutcome):
        return []
    results = outcome.results
    lines = [f"wfsim: {f.describe()}" for f in results.failures]
    if results.failures:
        lines.append(f"wfsim: {len(results.failures)} of {outcome.spec.replications} replications failed; "
                     f"results are from the other {results.replications}")
    return lines


def headline(card: pd.DataFrame) -> tuple[dict[str, Any], str]:
    """The headline of a run: its main figure (the permanent share, else the first modelled target
    with a threshold) as data and as a line of text."""
    rows = card[(card["status"] == "modelled") & card["target"].notna()]
    main = rows[rows["key"] == "permanent_share"]
    row = (main if len(main) else rows).head(1)
    if row.empty:
        return {}, ""
    r = row.iloc[0]
    data = {k: (None if pd.isna(r[k]) else r[k]) for k in ("key", "title", "unit", "target", "target_text", "snapshot_date", "median", "low", "high", "p_meet", "rag")}
    u = r["unit"]
    text = (f"{r['title']} at {nice_date(r['snapshot_date'])}: {format_value(r['median'], u)} "
            f"({format_value(r['low'], u)} to {format_value(r['high'], u)}); "
            f"chance of {r['target_text']}: {100 * r['p_meet']:.0f}%")
    return data, text


def _pct(x: float) -> str:
    return "   n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:5.1f}%"


def _chance(p: Any) -> str:
    return "" if p is None or (isinstance(p, float) and math.isnan(p)) else f"{p:.2f}"


def targets_text(rows: list[dict[str, Any]]) -> list[str]:
    """The declared targets, each at its date: median, 90% interval, chance of meeting it, rating."""
    fv = format_value
    w = max([len(r["title"]) for r in rows] + [20])
    t = max([len(r["target_text"]) for r in rows] + [6])
    lines = ["Targets declared by the scenario (median and 90% interval over replications, at each target's date)",
             f"  {'target':<{w}} {'median':>16}  {'90% interval':>33}  {'target':<{t}} {'P(meet)':>7}  {'rating':<6}  read at"]
    for r in rows:
        if r["status"] != "modelled":
            lines.append(f"  {r['title']:<{w}} {'':>16}  {'':>33}  {r['target_text']:<{t}} {'':>7}  {'':<6}  {r['status']}")
            continue
        u = r["unit"]
        interval = f"{fv(r['low'], u)} to {fv(r['high'], u)}"
        when = r["snapshot_date"] or r.get("financial_year") or ""
        lines.append(f"  {r['title']:<{w}} {fv(r['median'], u):>16}  {interval:>33}  {r['target_text']:<{t}} "
                     f"{_chance(r['p_meet']):>7}  {r['rag'] if r['rag'] != 'none' else '':<6}  {when}")
    return lines


def text_table(h: dict[str, Any]) -> str:
    p = h["permanent_share"]
    lines = [f"{h['scenario']} ({h['council']}): {h['replications']} replications, seed {h['seed']}", ""]
    lines += targets_text(h["targets"])
    lines += [
        "",
        f"Permanent share of qualified staff (permanent FTE / filled FTE), target: {p['target_text']}",
        f"  at {p['snapshot_date']}: median {_pct(p['median'])}   90% interval {_pct(p['low'])} - {_pct(p['high'])}   P(meet) {_chance(p['p_meet']) or 'n/a'}",
        "",
        "Trend by quarter",
        f"  {'date':<10}  {'median':>6}  {'5%':>6}  {'95%':>6}  {'P(meet)':>7}",
    ]
    for row in h["permanent_share_by_quarter"]:
        lines.append(f"  {row['date']:<10}  {_pct(row['median'])}  {_pct(row['low'])}  {_pct(row['high'])}  {_chance(row['p_meet']):>7}")
    if "cases" in h:
        lines += ["", *case_text(h["cases"])]
    if "neighbours" in h:
        lines += ["", *neighbours_text(h["neighbours"])]
    return "\n".join(lines)


def _fig(x: Any, unit: str) -> str:
    return "n/a" if neighbours.is_missing(x) else (f"{x:.1f}%" if unit == "%" else f"{x:.1f}")


def neighbours_text(c: dict[str, Any]) -> list[str]:
    """The council's published figures beside its statistical neighbours' and the simulated ones."""
    lines = [f"{c['council']} beside its {len(c['neighbours'])} statistical neighbours: DfE figures at 30 September {c['year']} "
             f"(neighbours: median, lowest-highest); simulated: median and 90% interval at {c['simulated_at']}",
             f"  {'measure':<13} {'council':>8}  {'neighbours':>10}  {'range':>13}  {'simulated':>9}  {'90% interval':>15}"]
    for r in c["rows"]:
        u = r["unit"]
        rng = f"{_fig(r['neighbours_min'], u)}-{_fig(r['neighbours_max'], u)}" if r["neighbours_n"] else "n/a"
        sim = (f"{_fig(r['simulated_low'], u)}-{_fig(r['simulated_high'], u)}" if not neighbours.is_missing(r["simulated_median"])
               else "not simulated" if r["model_measure"] == "average_caseload" else "n/a")
        lines.append(f"  {r['title']:<13} {_fig(r['council'], u):>8}  {_fig(r['neighbours_median'], u):>10}  {rng:>13}  "
                     f"{_fig(r['simulated_median'], u):>9}  {sim:>15}")
    return lines


_SHARES = {"max_3_workers"}


def _num(x: Any, measure: str) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "   n/a"
    return _pct(x) if measure in _SHARES else f"{x:6.1f}"


def case_text(c: dict[str, Any]) -> list[str]:
    """The children's cases part of the table: indicators, caseload by team type, then the trend."""
    lines = [
        "Children's cases: other figures (median, 90% interval over replications)",
        f"  {'measure':<58} {'median':>6}  {'90% interval':>15}  when",
    ]
    for r in c["indicators"]:
        m = r["measure"]
        lines.append(f"  {r['label']:<58} {_num(r['median'], m)}  {_num(r['low'], m)} - {_num(r['high'], m)}  {r['when']}")
    lines += ["", "Average caseload of qualified social workers by team type (against the team type's cap)"]
    for r in c["caseload_by_team_type"]:
        cap = "" if r["cap"] is None else f"cap {r['cap']:g}"
        lines.append(f"  {r['team_label'][:40]:<40} {_num(r['median'], 'x')}  {_num(r['low'], 'x')} - {_num(r['high'], 'x')}  {cap:>7}  "
                     f"P(within cap) {_chance(r['p_within_cap'])}")
    lines += ["", "Case trend by quarter (medians; shares over the quarter)",
              f"  {'date':<10}  {'SW load':>7}  {'NQSW':>6}  {'open':>6}  {'unalloc':>7}  {'assess':>6}  {'visits':>6}"]
    for r in c["by_quarter"]:
        lines.append(f"  {r['date']:<10}  {_num(r['caseload_social_worker'], 'x'):>7}  {_num(r['caseload_nqsw'], 'x')}  "
                     f"{r['open_cases']:6.0f}  {r['unallocated']:7.0f}  {_pct(r['assessments_on_time'])}  {_pct(r['visits_on_time'])}")
    return lines


def decomposition_text(rows: list[dict[str, Any]], draws: int, per_draw: int) -> str:
    """The variance of each target's value at its date split between parameter uncertainty and noise."""
    fv = format_value
    w = max([len(r["title"]) for r in rows] + [20])
    lines = [f"Where the uncertainty comes from: {draws} parameter draws x {per_draw} replications each",
             f"  {'target':<{w}} {'read at':<10}  {'from parameters':>15}  {'90% interval':>13}  {'total sd':>16}"]
    for r in rows:
        u = r["unit"]
        sd = f"{100 * r['total_sd']:.1f} pts" if u in ("share", "per_year") else fv(r["total_sd"], u)
        when = r["snapshot_date"] or r.get("financial_year") or ""
        lines.append(f"  {r['title']:<{w}} {when:<10}  {_pct(r['share_from_parameters']):>15}  "
                     f"{_pct(r['low']).strip() + ' - ' + _pct(r['high']).strip():>13}  {sd:>16}")
    lines.append("  (share of each measure's variance from the uncertain parameters; the rest is run-to-run noise)")
    return "\n".join(lines)


def to_json(h: dict[str, Any]) -> str:
    def clean(o: Any) -> Any:
        if isinstance(o, float) and math.isnan(o):
            return None
        if isinstance(o, dict):
            return {k: clean(v) for k, v in o.items()}
        if isinstance(o, list):
            return [clean(v) for v in o]
        if isinstance(o, pd.Timestamp):
            return o.isoformat()
        return o

    return json.dumps(clean(h), indent=2)
