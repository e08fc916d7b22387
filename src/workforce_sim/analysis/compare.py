"""Comparing scenarios run with the same seeds (common random numbers).

Replication r of every scenario uses the same random streams, so the
difference between two scenarios is taken replication by replication (paired
differences): its median and 90% interval say how much one scenario changes a
measure, with the run-to-run noise shared by both largely cancelled.

Pure functions of results: ``workflows.compare`` runs the scenarios.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd

from workforce_sim.analysis import targets
from workforce_sim.analysis.measures import HIGH_Q, LOW_Q, ensemble_quantiles
from workforce_sim.experiments.replications import Results
from workforce_sim.scenario.schema import Scenario

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
    return {"diff_median": float(np.median(d)), "diff_low": float(ensemble_quantiles(d, LOW_Q)),
            "diff_high": float(ensemble_quantiles(d, HIGH_Q)), "p_better": p_better}


def compare_results(labels: list[str], results: list[Results]) -> Comparison:
    """Compare each scenario's results with the first's (all run with the same seed and replications)
    on the targets they all declare (by name), each judged against the first scenario's declaration."""
    cards, values = [], []
    for label, res in zip(labels, results):
        cards.append(targets.scorecard(res).assign(scenario=label))
        per = targets.per_replication(res)
        per.index.name = "replication"
        values.append(per.reset_index().melt(id_vars="replication", var_name="key").assign(scenario=label))
    long = pd.concat(values, ignore_index=True)[["scenario", "replication", "key", "value"]]
    by_key = {t.key: t for t in targets.targets_for(results[0].scenario)}
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
