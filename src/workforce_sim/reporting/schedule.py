"""A schedule's summary for a terminal (see ``workflows.schedule``)."""
from __future__ import annotations

from pathlib import Path
from typing import Union

from workforce_sim.reporting.runs import read_run
from workforce_sim.workflows.schedule import ScheduleOutcome


def _changed(folder: Union[str, Path, None]) -> str:
    """A report's verdict on its headline's move since the last run (from its run.json), or ""."""
    record = read_run(Path(folder)) if folder else None
    tested = (record or {}).get("changed")
    return str(tested.get("short") or "") if isinstance(tested, dict) else ""


def summary(outcome: ScheduleOutcome, manifest: Union[str, Path, None] = None) -> str:
    runs = outcome.runs
    ok = sum(r.status == "complete" for r in runs)
    lines = [f"schedule {manifest or outcome.spec.manifest_file}: {len(runs)} reports, {ok} complete, {len(runs) - ok} failed"]
    width = max(len(r.name) for r in runs)
    for r in runs:
        where = f"  {r.folder}" if r.folder else ""
        lines.append(f"  {r.status.upper() if r.status != 'complete' else r.status:<9} {r.name:<{width}}{where}")
        changed = _changed(r.folder) if r.status == "complete" else ""
        if changed:
            lines.append(f"  {'':<9} {'':<{width}}  changed since the last run: {changed}")
        if r.message:
            lines.append(f"  {'':<9} {'':<{width}}  {r.message}")
    return "\n".join(lines)
