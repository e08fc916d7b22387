"""Scheduled report sets: a YAML manifest of report runs, run one after another.

A run that fails (bad scenario, failing notebook) is recorded and the next
one runs; the summary names each run's outcome. Each report is judged against
its scenario's own targets. Scenario paths are relative
to the manifest's folder.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Union

from pydantic import Field, ValidationError, model_validator

from workforce_sim.errors import InputError
from workforce_sim.reporting.notebook import ReportRequest, run_report
from workforce_sim.scenario.loading import _read_yaml
from workforce_sim.scenario.schema import Strict

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class Defaults(Strict):
    replications: int = Field(100, ge=1, description="Simulated futures per report")
    seed: int = Field(2014, ge=0, description="Random seed")
    workers: Optional[int] = Field(None, ge=1, description="Processes per report (default: all cores)")


class Entry(Strict):
    name: str = Field(pattern=NAME_PATTERN, description="Report name; 'changed since the last run' compares runs of the same name")
    scenario: str = Field(min_length=1, description="Scenario file, relative to the manifest")
    replications: Optional[int] = Field(None, ge=1)
    seed: Optional[int] = Field(None, ge=0)
    workers: Optional[int] = Field(None, ge=1)
    overrides: Union[list[str], dict[str, Any]] = Field(default_factory=list, description="key=value strings, or a mapping of dotted keys to values")
    notebook: Optional[str] = Field(None, description="Report notebook, relative to the manifest (default: the report notebook shipped in the package)")

    def override_list(self) -> list[str]:
        if isinstance(self.overrides, dict):
            return [f"{k}={json.dumps(v)}" for k, v in self.overrides.items()]
        return list(self.overrides)


class Manifest(Strict):
    defaults: Defaults = Defaults()
    reports: list[Entry] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Manifest:
        seen = set()
        for i, e in enumerate(self.reports):
            if e.name in seen:
                raise ValueError(f"reports.{i}.name: {e.name!r} used twice")
            seen.add(e.name)
        return self


def load_manifest(path: Union[str, Path]) -> Manifest:
    """Read and validate a manifest; errors name the file and key."""
    path = Path(path)
    data = _read_yaml(path)
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])  # a misspelt key explains a missing one
        msg = err["msg"].removeprefix("Value error, ")
        key = ".".join(str(p) for p in err["loc"] if not str(p).startswith(("list[", "dict[")))
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        if not key and ": " in msg:
            key, _, msg = msg.partition(": ")
        raise InputError(msg, file=str(path), key=key or None) from None


@dataclass
class ScheduledRun:
    name: str
    status: str
    folder: Optional[Path]
    message: str


def requests(manifest: Manifest, manifest_path: Path, outputs: Path, progress: bool = False) -> list[ReportRequest]:
    d = manifest.defaults
    base = Path(manifest_path).resolve().parent
    return [
        ReportRequest(
            scenario=(base / e.scenario).resolve(), replications=e.replications or d.replications,
            seed=e.seed if e.seed is not None else d.seed, workers=e.workers or d.workers,
            overrides=e.override_list(), outputs=outputs, name=e.name,
            notebook=(base / e.notebook).resolve() if e.notebook else None, progress=progress,
        )
        for e in manifest.reports
    ]


def run_schedule(path: Union[str, Path], outputs: Path, progress: bool = False, echo=print) -> list[ScheduledRun]:
    """Run every report of the manifest, continuing past failures."""
    manifest = load_manifest(path)
    done = []
    for i, req in enumerate(requests(manifest, Path(path), outputs, progress), start=1):
        echo(f"[{i}/{len(manifest.reports)}] {req.name}: {req.scenario} ({req.replications} replications)")
        try:
            out = run_report(req)
            done.append(ScheduledRun(req.name, out.status, out.folder, out.headline_text if out.status == "complete" else out.error or ""))
        except InputError as exc:
            done.append(ScheduledRun(req.name, "failed", None, f"bad input: {exc.one_line()}"))
        echo(f"    {done[-1].status}: {done[-1].folder or done[-1].message}")
    return done


def summary(runs: list[ScheduledRun], manifest: Union[str, Path]) -> str:
    ok = sum(r.status == "complete" for r in runs)
    lines = [f"schedule {manifest}: {len(runs)} reports, {ok} complete, {len(runs) - ok} failed"]
    width = max(len(r.name) for r in runs)
    for r in runs:
        where = f"  {r.folder}" if r.folder else ""
        lines.append(f"  {r.status.upper() if r.status != 'complete' else r.status:<9} {r.name:<{width}}{where}")
        if r.message:
            lines.append(f"  {'':<9} {'':<{width}}  {r.message}")
    return "\n".join(lines)
