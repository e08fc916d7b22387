"""``wfsim report``: a run rendered by the report notebook into a run folder under outputs/.

``prepare`` checks the options and prepares the run the notebook makes (``workflows.run``: the
scenario and its investment baseline loaded once, defaults filled). The notebook is executed by
``reporting.notebook.run_report`` (a renderer: it writes the run folder, its HTML and the index);
inside it, the notebook runs ``workflows.run.prepare`` and ``execute`` with the same options, so
``wfsim run`` and ``wfsim report`` reach their figures by one path. ``execute`` takes that
renderer as an argument, so the command path stays one way (cli -> reporting -> workflows).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

from workforce_sim.errors import InputError
from workforce_sim.workflows import run
from workforce_sim.workflows.common import check_writable


@dataclass(frozen=True)
class ReportSpec:
    run: run.RunSpec                   # what the notebook simulates (its scenario file, seed, replications, ...)
    outputs: Path = Path("outputs")
    name: Optional[str] = None         # report name (default: the scenario's name)
    notebook: Optional[Path] = None    # report notebook (default: the one shipped in reporting/)
    progress: bool = True

    @property
    def report_name(self) -> str:
        return self.name or self.run.scenario.name


@dataclass(frozen=True)
class ReportOutcome:
    run_id: str
    name: str
    scenario: str
    status: str                        # complete, failed
    folder: Path
    error: Optional[str] = None
    headline_text: str = ""


def prepare(
    scenario_file: Union[str, Path],
    replications: Optional[int] = None,
    seed: Optional[int] = None,
    *,
    overrides: Union[list[str], tuple[str, ...]] = (),
    workers: Optional[int] = None,
    keep_events: bool = False,
    decompose: Optional[tuple[int, int]] = None,
    outputs: Path = Path("outputs"),
    name: Optional[str] = None,
    notebook: Optional[Path] = None,
    allow_large: bool = False,
    progress: bool = True,
    cache=None,
    recalibrated: Union[str, Path, None] = None,
) -> ReportSpec:
    """Refuse bad input before anything is written (InputError naming file and key)."""
    outputs = Path(outputs)
    if outputs.exists() and not outputs.is_dir():
        raise InputError("exists and is not a folder", file="--out", key=str(outputs))
    check_writable(outputs, "--out")
    if notebook is not None:
        check_notebook(Path(notebook))
    spec = run.prepare(scenario_file, replications, seed, overrides=overrides, workers=workers, keep_events=keep_events,
                       decompose=decompose, allow_large=allow_large, investment_baseline="when named", command="report",
                       cache=cache, recalibrated=recalibrated)
    return ReportSpec(spec, outputs, name, Path(notebook) if notebook is not None else None, progress)


def check_notebook(path: Path) -> None:
    """Before anything runs: ``path`` is a Jupyter notebook (a JSON document with cells), not a scenario."""
    import json

    if not path.is_file():
        raise InputError("report notebook not found", file=str(path))
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, UnicodeDecodeError, ValueError):
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list) or "nbformat" not in data:
        hint = " (a scenario goes first, before the options)" if path.suffix.lower() in (".yaml", ".yml") else ""
        raise InputError(f"not a notebook: --notebook takes a Jupyter notebook (.ipynb){hint}", file=str(path), key="--notebook")


def execute(spec: ReportSpec, render: Callable[[ReportSpec], ReportOutcome]) -> ReportOutcome:
    """Run the report: ``render`` is ``reporting.notebook.run_report`` (papermill into a run folder)."""
    return render(spec)
