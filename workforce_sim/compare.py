"""Comparing scenarios run with the same seeds (common random numbers).

Replication r of every scenario uses the same random streams, so the
difference between two scenarios is taken replication by replication (paired
differences): its median and 90% interval say how much one scenario changes a
measure, with the run-to-run noise shared by both largely cancelled.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
import pandas as pd

from . import targets
from .metrics import HIGH_Q, LOW_Q
from .render import STYLE
from .replications import run_replications
from .scenario import Scenario

COLUMNS = ["key", "title", "unit", "better", "target_text", "scenario", "snapshot_date", "median", "low", "high",
           "p_meet", "diff_median", "diff_low", "diff_high", "p_better"]


@dataclass
class Comparison:
    labels: list[str]
    table: pd.DataFrame            # one row per measure and scenario (COLUMNS)
    per_replication: pd.DataFrame  # scenario, replication, key, value


def labels_for(scenarios: list[Scenario]) -> list[str]:
    """Scenario names, made unique (name, name#2, ...)."""
    seen: dict[str, int] = {}
    out = []
    for sc in scenarios:
        seen[sc.name] = seen.get(sc.name, 0) + 1
        out.append(sc.name if seen[sc.name] == 1 else f"{sc.name}#{seen[sc.name]}")
    return out


def paired(base: pd.Series, other: pd.Series, better: Optional[str]) -> dict[str, float]:
    """Median and 90% interval of other - base over replications present in both,
    and the share of replications in which ``other`` is better."""
    both = pd.concat([base.rename("a"), other.rename("b")], axis=1, join="inner").dropna()
    d = (both["b"] - both["a"]).to_numpy(dtype=float)
    if len(d) == 0:
        return {"diff_median": np.nan, "diff_low": np.nan, "diff_high": np.nan, "p_better": np.nan}
    p_better = np.nan
    if better == "higher":
        p_better = float((d > 0).mean())
    elif better == "lower":
        p_better = float((d < 0).mean())
    return {"diff_median": float(np.median(d)), "diff_low": float(np.quantile(d, LOW_Q)),
            "diff_high": float(np.quantile(d, HIGH_Q)), "p_better": p_better}


def compare(scenarios: list[Scenario], replications: int, seed: int, workers: Optional[int] = 1,
            target_set: str = "slough_2017", progress: Optional[Callable[[int], None]] = None) -> Comparison:
    """Run every scenario with the same seed and replications; compare each with the first."""
    labels = labels_for(scenarios)
    cards, values = [], []
    for label, sc in zip(labels, scenarios):
        res = run_replications(sc, replications, seed, workers, progress=progress)
        cards.append(targets.scorecard(res, target_set).assign(scenario=label))
        per = targets.per_replication(res, target_set)
        per.index.name = "replication"
        values.append(per.reset_index().melt(id_vars="replication", var_name="key").assign(scenario=label))
    long = pd.concat(values, ignore_index=True)[["scenario", "replication", "key", "value"]]
    by_key = {t.key: t for sc in scenarios for t in targets.targets_for(target_set, sc)}
    common = [k for k in cards[0].loc[cards[0]["status"] == "modelled", "key"]
              if all(k in set(c.loc[c["status"] == "modelled", "key"]) for c in cards)]
    rows = []
    for key in common:
        t = by_key[key]
        base = long[(long["scenario"] == labels[0]) & (long["key"] == key)].set_index("replication")["value"]
        for label, card in zip(labels, cards):
            r = card.set_index("key").loc[key]
            row = {"key": key, "title": t.title, "unit": t.unit, "better": t.better_when, "target_text": r["target_text"],
                   "scenario": label, "snapshot_date": r["snapshot_date"], "median": r["median"], "low": r["low"],
                   "high": r["high"], "p_meet": r["p_meet"],
                   "diff_median": np.nan, "diff_low": np.nan, "diff_high": np.nan, "p_better": np.nan}
            if label != labels[0]:
                other = long[(long["scenario"] == label) & (long["key"] == key)].set_index("replication")["value"]
                row.update(paired(base, other, t.better_when))
            rows.append(row)
    return Comparison(labels, pd.DataFrame(rows, columns=COLUMNS), long)


def _pct(p: float) -> str:
    return "n/a" if p is None or (isinstance(p, float) and math.isnan(p)) else f"{100 * p:.0f}%"


def text_table(cmp: Comparison, replications: int, seed: int) -> str:
    """The comparison for a terminal."""
    fv, fc = targets.format_value, targets.format_change
    base = cmp.labels[0]
    width = max(12, *(len(x) for x in cmp.labels))
    lines = [f"Comparison of {len(cmp.labels)} scenarios, {replications} replications each, seed {seed} "
             f"(same seeds: differences are paired by replication); baseline {base}", ""]
    for key, block in cmp.table.groupby("key", sort=False):
        first = block.iloc[0]
        lines.append(f"{first['title']} (target: {first['target_text']}; better when {first['better'] or 'n/a'})")
        lines.append(f"  {'scenario':<{width}}  {'median':>16}  {'90% interval':>33}  {'P(meet)':>7}  "
                     f"{'difference vs ' + base + ' (90% interval)':>44}  {'P(better)':>9}")
        for _, r in block.iterrows():
            u = r["unit"]
            interval = f"{fv(r['low'], u)} to {fv(r['high'], u)}"
            diff = "" if r["scenario"] == base else f"{fc(r['diff_median'], u)} ({fc(r['diff_low'], u)} to {fc(r['diff_high'], u)})"
            pb = "" if r["scenario"] == base else _pct(r["p_better"])
            lines.append(f"  {r['scenario']:<{width}}  {fv(r['median'], u):>16}  {interval:>33}  {_pct(r['p_meet']):>7}  {diff:>44}  {pb:>9}")
        lines.append("")
    return "\n".join(lines).rstrip()


def html_page(cmp: Comparison, replications: int, seed: int, title: str) -> str:
    """The comparison as a standalone HTML page."""
    fv, fc = targets.format_value, targets.format_change
    e = html.escape
    base = cmp.labels[0]
    parts = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{e(title)}</title>{STYLE}"
             "<style>body{font-family: system-ui, sans-serif; margin: 2em; max-width: 72em;}</style></head><body>",
             f"<h1>{e(title)}</h1>",
             f"<p>{len(cmp.labels)} scenarios, {replications} simulated futures each, with the same random seed ({seed}). "
             f"Replication <i>r</i> of every scenario shares its chance events, so each difference is taken future by future "
             f"(paired) against the baseline, <b>{e(base)}</b>: the median difference and the range holding 90% of the "
             f"paired differences. <i>Chance better</i> is the share of futures in which the scenario does better than the baseline.</p>"]
    for key, block in cmp.table.groupby("key", sort=False):
        first = block.iloc[0]
        parts.append(f"<h2>{e(first['title'])}</h2><p>Target: {e(str(first['target_text']))}; better when {e(str(first['better'] or 'n/a'))}.</p>")
        parts.append('<table class="wfsim"><thead><tr><th>Scenario</th><th>Date</th><th>Median</th><th>90% interval</th>'
                     f"<th>Chance of meeting the target</th><th>Difference vs {e(base)}</th><th>90% interval of the difference</th>"
                     "<th>Chance better</th></tr></thead><tbody>")
        for _, r in block.iterrows():
            u = r["unit"]
            is_base = r["scenario"] == base
            parts.append(
                f"<tr><td>{e(r['scenario'])}</td><td>{e(str(r['snapshot_date']))}</td>"
                f'<td class="num">{e(fv(r["median"], u))}</td><td class="num">{e(fv(r["low"], u))} to {e(fv(r["high"], u))}</td>'
                f'<td class="num">{e(_pct(r["p_meet"]))}</td>'
                f'<td class="num">{"baseline" if is_base else e(fc(r["diff_median"], u))}</td>'
                f'<td class="num">{"" if is_base else e(fc(r["diff_low"], u)) + " to " + e(fc(r["diff_high"], u))}</td>'
                f'<td class="num">{"" if is_base else e(_pct(r["p_better"]))}</td></tr>')
        parts.append("</tbody></table>")
    parts.append("</body></html>\n")
    return "".join(parts)
