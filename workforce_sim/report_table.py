"""Plain-text and JSON renderings of the headline figures of a run."""
from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

from .metrics import permanence_at_target, permanence_trend
from .replications import Results


def headline(results: Results) -> dict[str, Any]:
    """The figures `wfsim run` prints, as plain data."""
    return {
        "scenario": results.scenario.name,
        "council": results.scenario.council,
        "seed": results.seed,
        "replications": results.replications,
        "permanent_share": permanence_at_target(results),
        "permanent_share_by_quarter": permanence_trend(results).to_dict(orient="records"),
    }


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
