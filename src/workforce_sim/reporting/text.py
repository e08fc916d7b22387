"""Plain-text and JSON renderings of the headline figures of a run."""
from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

from workforce_sim.analysis.cases import case_headline
from workforce_sim.analysis.measures import permanence_at_target, permanence_trend
from workforce_sim.experiments.replications import Results


def headline(results: Results) -> dict[str, Any]:
    """The figures `wfsim run` prints, as plain data."""
    out = {
        "scenario": results.scenario.name,
        "council": results.scenario.council,
        "seed": results.seed,
        "replications": results.replications,
        "permanent_share": permanence_at_target(results),
        "permanent_share_by_quarter": permanence_trend(results).to_dict(orient="records"),
    }
    if results.case_monthly is not None:
        out["cases"] = case_headline(results)
    return out


def _pct(x: float) -> str:
    return "   n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:5.1f}%"


def text_table(h: dict[str, Any]) -> str:
    p = h["permanent_share"]
    lines = [
        f"{h['scenario']} ({h['council']}): {h['replications']} replications, seed {h['seed']}",
        "",
        f"Permanent share of qualified staff (permanent FTE / filled FTE), target >= {_pct(p['target']).strip()} by {p['target_date']}",
        f"  at {p['snapshot_date']}: median {_pct(p['median'])}   90% interval {_pct(p['low'])} - {_pct(p['high'])}   P(>= target) {p['p_target']:.2f}",
        "",
        "Trend by quarter",
        f"  {'date':<10}  {'median':>6}  {'5%':>6}  {'95%':>6}  {'P(>=target)':>11}",
    ]
    for row in h["permanent_share_by_quarter"]:
        lines.append(f"  {row['date']:<10}  {_pct(row['median'])}  {_pct(row['low'])}  {_pct(row['high'])}  {row['p_target']:11.2f}")
    if "cases" in h:
        lines += ["", *case_text(h["cases"])]
    return "\n".join(lines)


_SHARES = {"assessments_on_time", "visits_on_time", "max_3_workers"}


def _num(x: Any, measure: str) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "   n/a"
    return _pct(x) if measure in _SHARES else f"{x:6.1f}"


def case_text(c: dict[str, Any]) -> list[str]:
    """The children's cases part of the table: each measure against its target, then the trend."""
    lines = [
        "Children's cases against targets (median, 90% interval over replications)",
        f"  {'measure':<58} {'median':>6}  {'90% interval':>15}  {'target':>9}  {'P(meet)':>7}  when",
    ]
    for r in c["targets"]:
        m = r["measure"]
        target = "" if r["target"] is None else f"{r['direction']} {_num(r['target'], m).strip()}"
        p = "" if r["target"] is None else f"{r['p_target']:.2f}"
        lines.append(f"  {r['label']:<58} {_num(r['median'], m)}  {_num(r['low'], m)} - {_num(r['high'], m)}  {target:>9}  {p:>7}  {r['when']}")
    lines += ["", "Average caseload of qualified social workers by team type (target: the team type's cap)"]
    for r in c["caseload_by_team_type"]:
        target = "" if r["target"] is None else f"<= {r['target']:g}"
        lines.append(f"  {r['team_type']:<24} {_num(r['median'], 'x')}  {_num(r['low'], 'x')} - {_num(r['high'], 'x')}  {target:>9}  {r['p_target']:7.2f}")
    lines += ["", "Case trend by quarter (medians; shares over the quarter)",
              f"  {'date':<10}  {'SW load':>7}  {'NQSW':>6}  {'open':>6}  {'unalloc':>7}  {'assess':>6}  {'visits':>6}"]
    for r in c["by_quarter"]:
        lines.append(f"  {r['date']:<10}  {_num(r['caseload_social_worker'], 'x'):>7}  {_num(r['caseload_nqsw'], 'x')}  "
                     f"{r['open_cases']:6.0f}  {r['unallocated']:7.0f}  {_pct(r['assessments_on_time'])}  {_pct(r['visits_on_time'])}")
    return lines


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
