"""``wfsim schedule``: a YAML manifest of report runs, run one after another.

A run that fails (bad scenario, failing notebook) is recorded and the next
one runs. Each report is judged against its scenario's own targets. Scenario
paths are relative to the manifest's folder; seed and replications default to
``DEFAULTS`` (``replications["schedule"]``).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Union

from pydantic import Field, ValidationError, model_validator

from workforce_sim.defaults import CEILINGS, DEFAULTS
from workforce_sim.errors import InputError
from workforce_sim.scenario.loading import _read_yaml
from workforce_sim.scenario.schema import Strict
from workforce_sim.workflows import report
from workforce_sim.workflows.common import check_writable

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class Defaults(Strict):
    replications: int = Field(DEFAULTS.replications["schedule"], ge=1, description="Simulated futures per report")
    seed: int = Field(DEFAULTS.seed, ge=0, description="Random seed")
    workers: Optional[int] = Field(None, ge=1, description="Processes per report (default: all cores)")
    allow_large: bool = Field(False, description="Allow replications above the ceiling (as --allow-large)")


class Entry(Strict):
    name: str = Field(pattern=NAME_PATTERN, description="Report name; 'changed since the last run' compares runs of the same name")
    scenario: str = Field(min_length=1, description="Scenario file, relative to the manifest")
    replications: Optional[int] = Field(None, ge=1)
    seed: Optional[int] = Field(None, ge=0)
    workers: Optional[int] = Field(None, ge=1)
    allow_large: Optional[bool] = Field(None, description="Allow replications above the ceiling (as --allow-large)")
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


@dataclass(frozen=True)
class ScheduledReport:
    """One entry of the manifest with the defaults applied and paths resolved (not yet loaded:
    a bad scenario fails that report only)."""

    name: str
    scenario: Path
    replications: int
    seed: int
    workers: Optional[int]
    overrides: tuple[str, ...]
    notebook: Optional[Path]
    allow_large: bool = False


@dataclass(frozen=True)
class ScheduleSpec:
    manifest_file: Path
    manifest: Manifest
    reports: tuple[ScheduledReport, ...]
    outputs: Path
    progress: bool = False


@dataclass(frozen=True)
class ScheduledRun:
    name: str
    status: str
    folder: Optional[Path]
    message: str


@dataclass(frozen=True)
class ScheduleOutcome:
    spec: ScheduleSpec
    runs: tuple[ScheduledRun, ...]

    @property
    def all_complete(self) -> bool:
        return all(r.status == "complete" for r in self.runs)


def prepare(manifest_file: Union[str, Path], outputs: Path = Path("outputs"), progress: bool = False,
            replications: Optional[int] = None) -> ScheduleSpec:
    """Read the manifest (a bad one: InputError before anything runs) and check the outputs folder.
    ``replications`` (``--replications``) replaces every report's count (a quick trial of a manifest)."""
    manifest = load_manifest(manifest_file)
    outputs = Path(outputs)
    if outputs.exists() and not outputs.is_dir():
        raise InputError("exists and is not a folder", file="--out", key=str(outputs))
    check_writable(outputs, "--out")
    d = manifest.defaults
    base = Path(manifest_file).resolve().parent
    reports = tuple(
        ScheduledReport(name=e.name, scenario=(base / e.scenario).resolve(),
                        replications=replications or e.replications or d.replications,
                        seed=e.seed if e.seed is not None else d.seed, workers=e.workers or d.workers,
                        overrides=tuple(e.override_list()), notebook=(base / e.notebook).resolve() if e.notebook else None,
                        allow_large=d.allow_large if e.allow_large is None else e.allow_large)
        for e in manifest.reports)
    for i, (e, r) in enumerate(zip(manifest.reports, reports)):
        if r.replications > CEILINGS.replications and not r.allow_large:
            if replications:
                raise InputError(f"{r.replications:,} is more than the ceiling of {CEILINGS.replications:,} replications",
                                 file="--replications")
            key = f"reports.{i}.replications" if e.replications is not None else "defaults.replications"
            raise InputError(f"{r.replications:,} is more than the ceiling of {CEILINGS.replications:,} replications; "
                             "add allow_large: true to run it anyway", file=str(manifest_file), key=key)
    return ScheduleSpec(Path(manifest_file), manifest, reports, outputs, progress)


def execute(spec: ScheduleSpec, render: Callable[[report.ReportSpec], report.ReportOutcome],
            echo: Callable[[str], None] = print) -> ScheduleOutcome:
    """Run every report of the manifest (``render``: ``reporting.notebook.run_report``), continuing past failures."""
    done: list[ScheduledRun] = []
    for i, r in enumerate(spec.reports, start=1):
        echo(f"[{i}/{len(spec.reports)}] {r.name}: {r.scenario} ({r.replications} replications)")
        try:
            rs = report.prepare(r.scenario, r.replications, r.seed, overrides=r.overrides, workers=r.workers,
                                outputs=spec.outputs, name=r.name, notebook=r.notebook, progress=spec.progress,
                                allow_large=r.allow_large)
            out = report.execute(rs, render)
            done.append(ScheduledRun(r.name, out.status, out.folder, out.headline_text if out.status == "complete" else out.error or ""))
        except InputError as exc:
            done.append(ScheduledRun(r.name, "failed", None, f"bad input: {exc.one_line()}"))
        echo(f"    {done[-1].status}: {done[-1].folder or done[-1].message}")
    return ScheduleOutcome(spec, tuple(done))
