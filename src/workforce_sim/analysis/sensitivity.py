"""One-at-a-time sensitivity with common random numbers (tornado data): each lever
(``experiments.levers.Lever``: a key, a low and a high value, a label) set low and high."""
from __future__ import annotations

from collections.abc import Callable
from typing import Optional

import pandas as pd

from workforce_sim.analysis import targets
from workforce_sim.defaults import DEFAULTS
from workforce_sim.experiments.levers import Lever
from workforce_sim.experiments.replications import Results, run_replications
from workforce_sim.scenario.loading import with_overrides
from workforce_sim.scenario.schema import Scenario


def permanence_by_replication(results: Results) -> pd.Series:
    """Permanent share at the date of the scenario's permanent share target, one value per replication."""
    return targets.values_at(targets.permanence(results.scenario), results)[1].reindex(range(results.replications))


def tornado(
    scenario: Scenario,
    levers: list[Lever],
    replications: int = DEFAULTS.replications["library"],
    seed: int = DEFAULTS.seed,
    workers: Optional[int] = 1,
    measure: Callable[[Results], pd.Series] = permanence_by_replication,
) -> pd.DataFrame:
    """Mean change in ``measure`` against the scenario when each lever is set low and high.

    Every run uses the same seeds, so the differences are paired per replication.
    """
    base = measure(run_replications(scenario, replications, seed, workers))
    rows = []
    for lever in levers:
        row = {"key": lever.key, "label": lever.title, "base": float(base.mean())}
        for side in ("low", "high"):
            value = getattr(lever, side)
            res = run_replications(with_overrides(scenario, {lever.key: value}), replications, seed, workers)
            diff = measure(res) - base
            row[f"{side}_value"] = value
            row[f"{side}_change"] = float(diff.mean())
            row[f"{side}_change_sd"] = float(diff.std(ddof=1)) if len(diff) > 1 else float("nan")
        row["swing"] = abs(row["high_change"] - row["low_change"])
        rows.append(row)
    return pd.DataFrame(rows).sort_values("swing", ascending=False, ignore_index=True)
