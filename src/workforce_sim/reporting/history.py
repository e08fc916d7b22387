"""What changed since the previous complete run of the same name: the figures
(scorecard medians and chances), the inputs (scenario, seed, replications), and
whether the headline moved beyond chance (``analysis.change``: paired replication
by replication when the two runs share seed and replications, else Welch's
interval), in words for the report, the index and the schedule's summary."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pandas as pd

from workforce_sim.analysis.change import Change, change_between
from workforce_sim.analysis.formats import format_change
from workforce_sim.reporting.runs import read_run

PER_REPLICATION = "kpi_by_replication.parquet"


@dataclass
class PreviousRun:
    folder: Path
    record: dict[str, Any]
    kpi: pd.DataFrame
    per_replication: Optional[pd.DataFrame] = None


def load_previous(folder: Optional[str | Path]) -> Optional[PreviousRun]:
    """The previous run's record and KPI table, or None if there is none to read."""
    if not folder:
        return None
    folder = Path(folder)
    record = read_run(folder)
    kpi_path = folder / "kpi.parquet"
    if record is None or not kpi_path.exists():
        return None
    per_rep = folder / PER_REPLICATION
    return PreviousRun(folder, record, pd.read_parquet(kpi_path), pd.read_parquet(per_rep) if per_rep.exists() else None)


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


def values_of(per_replication: Optional[pd.DataFrame], key: str) -> Optional[pd.Series]:
    """One measure's values by replication from a run's ``kpi_by_replication`` table (None if absent)."""
    if per_replication is None or key not in per_replication:
        return None
    df = per_replication.set_index("replication") if "replication" in per_replication else per_replication
    return df[key].astype(float)


def pairs_with(current: dict[str, Any], previous: dict[str, Any]) -> bool:
    """Two runs simulate the same futures replication by replication: same seed, same
    replications, and the same split into parameter draws (or none)."""
    return (current.get("seed") is not None and current.get("seed") == previous.get("seed")
            and current.get("replications") == previous.get("replications")
            and (current.get("decompose") or None) == (previous.get("decompose") or None))


def _why_unpaired(current: dict[str, Any], previous: dict[str, Any]) -> str:
    why = []
    if current.get("seed") != previous.get("seed"):
        why.append(f"seed {previous.get('seed')} then {current.get('seed')}")
    if current.get("replications") != previous.get("replications"):
        why.append(f"{previous.get('replications')} then {current.get('replications')} replications")
    if (current.get("decompose") or None) != (previous.get("decompose") or None):
        why.append("a different split into parameter draws")
    return ", ".join(why) or "different runs"


def _inputs_named(previous: dict[str, Any], current: dict[str, Any], most: int = 4) -> str:
    changed = list(input_changes(previous, current)["input"])
    if any(c.startswith("scenario: ") for c in changed):
        changed = [c for c in changed if c != "overrides"]   # the scenario keys they changed say more
    changed = [c for c in changed if c not in ("git_commit", "package_version")] + [c for c in changed if c in ("git_commit", "package_version")]
    if not changed:
        return "no input changed"
    shown = ", ".join(c.replace("scenario: ", "") for c in changed[:most])
    return f"inputs changed: {shown}" + (f" and {len(changed) - most} more" if len(changed) > most else "")


def headline_change(headline: dict[str, Any], values: Optional[pd.Series], current: dict[str, Any],
                    previous: Optional[PreviousRun]) -> dict[str, Any]:
    """The headline's change since the previous run, as data (kept in run.json as ``changed``):
    ``short`` for the index and the schedule ("+2.1 pts, beyond chance"), ``text`` for the report.

    ``headline``: the run's headline (``reporting.text.headline``); ``values``: its measure by
    replication; ``current``: this run's inputs (seed, replications, decompose, scenario)."""
    key, unit = headline.get("key"), headline.get("unit") or ""
    if previous is None:
        return {"status": "first", "short": "first run", "text": "This is the first complete run of this name: nothing to compare with yet."}
    when = str(previous.record.get("started") or "")[:16].replace("T", " ")
    run = f"the last run ({previous.record.get('run_id')}, {when})"
    before = values_of(previous.per_replication, key) if key else None
    if key is None or values is None or before is None or before.dropna().empty:
        return {"status": "not_comparable", "short": "not comparable", "previous_run": previous.record.get("run_id"),
                "text": f"Changed since {run}: cannot say, as the two runs do not share a headline measure with values by replication."}
    paired = pairs_with(current, previous.record)
    ch: Change = change_between(values, before, paired=paired)
    inputs = _inputs_named(previous.record, current)
    out = {"status": "compared", "key": key, "unit": unit, "previous_run": previous.record.get("run_id"), "method": ch.method,
           "difference": ch.difference, "low": ch.low, "high": ch.high, "n_current": ch.n_current, "n_previous": ch.n_previous,
           "beyond_chance": ch.beyond_chance}
    title = str(headline.get("title") or key)
    if ch.same:
        out.update(short="no change (the same figures)",
                   text=f"Changed since {run}: nothing. {title} is the same in every one of the {ch.n_current} replications "
                        f"(same seed, same replications; {inputs}).")
        return out
    d, lo, hi = (format_change(x, unit) for x in (ch.difference, ch.low, ch.high))
    verdict = "beyond chance" if ch.beyond_chance else "within chance"
    if ch.low != ch.low:
        verdict = "too few replications to judge"
    out["short"] = f"{d}, {verdict}" + ("" if paired else " (unpaired)")
    if paired:
        how = (f"paired replication by replication over the {ch.n_current} replications both runs share (same seed "
               f"{current.get('seed')}), the {ch.level:.0%} interval of the average change is {lo} to {hi}")
    else:
        how = (f"the runs do not pair ({_why_unpaired(current, previous.record)}), so the two sets of futures are compared "
               f"as independent samples: the {ch.level:.0%} interval of the difference of the means (Welch) is {lo} to {hi}")
    tail = {"beyond chance": "which leaves out zero", "within chance": "which includes zero"}.get(verdict, "")
    out["text"] = (f"Changed since {run}: {title} {d} on average, {verdict}: {how}"
                   + (f", {tail}" if tail else "") + f". {inputs[0].upper()}{inputs[1:]}.")
    return out


def headline_values(key: Optional[str], results: Any, baseline: Any = None) -> Optional[pd.Series]:
    """The headline measure's values by replication at its date (None when it has no key)."""
    from workforce_sim.analysis import targets

    found = next((t for t in targets.targets_for(results.scenario) if t.key == key), None) if key else None
    return None if found is None else targets.values_at(found, results, baseline)[1]
