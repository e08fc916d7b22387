"""What changed since the previous complete run of the same name: the figures
(scorecard medians and chances) and the inputs (scenario, seed, replications)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pandas as pd

from workforce_sim.reporting.runs import read_run


@dataclass
class PreviousRun:
    folder: Path
    record: dict[str, Any]
    kpi: pd.DataFrame


def load_previous(folder: Optional[str | Path]) -> Optional[PreviousRun]:
    """The previous run's record and KPI table, or None if there is none to read."""
    if not folder:
        return None
    folder = Path(folder)
    record = read_run(folder)
    kpi_path = folder / "kpi.parquet"
    if record is None or not kpi_path.exists():
        return None
    return PreviousRun(folder, record, pd.read_parquet(kpi_path))


def figure_changes(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Measures modelled in both runs: previous and current median and chance, and the change."""
    cols = ["key", "title", "unit", "previous_median", "median", "change", "previous_p_meet", "p_meet"]
    cur = current[current["status"] == "modelled"]
    prev = previous[previous["status"] == "modelled"] if "status" in previous else previous
    if cur.empty or prev.empty:
        return pd.DataFrame(columns=cols)
    m = cur[["key", "title", "unit", "median", "p_meet"]].merge(
        prev[["key", "median", "p_meet"]].rename(columns={"median": "previous_median", "p_meet": "previous_p_meet"}),
        on="key", how="inner")
    m["change"] = m["median"] - m["previous_median"]
    return m[cols].reset_index(drop=True)


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Nested mappings and lists as dotted keys (list items by index)."""
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        for k, v in data.items():
            out.update(flatten(v, f"{prefix}{k}."))
    elif isinstance(data, list) and data and any(isinstance(v, (dict, list)) for v in data):
        for i, v in enumerate(data):
            out.update(flatten(v, f"{prefix}{i}."))
    else:
        out[prefix[:-1]] = data
    return out


def input_changes(previous: dict[str, Any], current: dict[str, Any]) -> pd.DataFrame:
    """Inputs that differ between two run records: seed, replications, overrides,
    package version, commit and every scenario value (dotted keys)."""
    rows = []
    for key in ("seed", "replications", "overrides", "package_version", "git_commit"):
        if previous.get(key) != current.get(key):
            rows.append({"input": key, "previous": previous.get(key), "now": current.get(key)})
    a = flatten(previous.get("scenario_resolved") or {})
    b = flatten(current.get("scenario_resolved") or {})
    for key in sorted(set(a) | set(b)):
        if key.startswith("sources.") or key == "description":
            continue
        if a.get(key) != b.get(key):
            rows.append({"input": f"scenario: {key}", "previous": a.get(key, "(absent)"), "now": b.get(key, "(absent)")})
    return pd.DataFrame(rows, columns=["input", "previous", "now"])
