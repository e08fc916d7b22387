"""Reports: run the parameterised notebook with papermill into a run folder,
export it to HTML without code, record run.json and update outputs/index.html.

Bad input (scenario, notebook) is refused before anything is
written. A run is written in a hidden folder and renamed when complete; a run
that fails is moved, with its partly executed notebook, to
``outputs/<scenario>/failed/<run-id>/``. Earlier runs are never touched.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Optional

import pandas as pd

from workforce_sim.analysis import targets
from workforce_sim.errors import InputError
from workforce_sim.reporting.html import nice_date
from workforce_sim.reporting.report_tables import run_inputs
from workforce_sim.reporting.runs import RunFolder, new_run_id, now_iso, previous_complete, write_index, writer
from workforce_sim.scenario.loading import load_scenario, resolved_yaml
from workforce_sim.scenario.schema import Scenario

PACKAGE = Path(__file__).resolve().parent
DEFAULT_NOTEBOOK = PACKAGE / "report.ipynb"
TEMPLATES = PACKAGE / "templates"
KERNEL = "workforce_sim"
ANALYST_ONLY = "analyst-only"  # cells with this tag are left out of the HTML report
FALLBACK_KERNEL = "python3"
REQUIRED_FILES = ("report.ipynb", "report.html", "kpi.csv", "kpi.parquet", "timeseries.csv", "timeseries.parquet", "workbook.xlsx")


@dataclass
class ReportRequest:
    """What to report on (the options of ``wfsim report``)."""

    scenario: Path
    replications: int = 100
    seed: int = 2014
    workers: Optional[int] = None
    overrides: list[str] = field(default_factory=list)
    outputs: Path = Path("outputs")
    name: Optional[str] = None
    notebook: Optional[Path] = None
    keep_events: bool = False
    progress: bool = True
    decompose: Optional[tuple[int, int]] = None  # (K, M): K parameter draws x M replications, in place of replications


@dataclass
class ReportOutcome:
    run_id: str
    name: str
    scenario: str
    status: str
    folder: Path
    error: Optional[str] = None
    headline_text: str = ""


def kernel_name() -> str:
    """The ``workforce_sim`` kernel if it runs this Python, else ``python3`` (this environment)."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        return FALLBACK_KERNEL
    exe = spec.argv[0] if spec.argv else ""
    if exe in ("python", "python3", "{python}") or os.path.abspath(exe) == os.path.abspath(sys.executable):
        return KERNEL
    return FALLBACK_KERNEL  # a kernel of that name from another environment


def check(req: ReportRequest) -> Scenario:
    """Refuse bad input before anything is written (InputError naming file and key)."""
    notebook = req.notebook or DEFAULT_NOTEBOOK
    if not Path(notebook).is_file():
        raise InputError("report notebook not found", file=str(notebook))
    if Path(req.outputs).exists() and not Path(req.outputs).is_dir():
        raise InputError("exists and is not a folder", file="--out", key=str(req.outputs))
    scenario = load_scenario(req.scenario, req.overrides)
    if req.decompose is not None:
        from workforce_sim.scenario.uncertain import uncertain_paths

        k, m = req.decompose
        if k < 2 or m < 2:
            raise InputError(f"needs at least 2 parameter draws and 2 replications per draw, got {k},{m}", key="decompose",
                             file=str(req.scenario))
        if not uncertain_paths(scenario):
            raise InputError("the scenario gives no parameter a range or distribution: nothing to decompose",
                             file=str(req.scenario), key="decompose")
    return scenario


def headline(kpi: pd.DataFrame) -> tuple[dict[str, Any], str]:
    """The main figure of a run (permanent share, else the first modelled target) and a line of text."""
    rows = kpi[(kpi["status"] == "modelled") & kpi["target"].notna()]
    main = rows[rows["key"] == "permanent_share"]
    row = (main if len(main) else rows).head(1)
    if row.empty:
        return {}, ""
    r = row.iloc[0]
    data = {k: (None if pd.isna(r[k]) else r[k]) for k in ("key", "title", "unit", "target", "target_text", "snapshot_date", "median", "low", "high", "p_meet", "rag")}
    u = r["unit"]
    text = (f"{r['title']} at {nice_date(r['snapshot_date'])}: {targets.format_value(r['median'], u)} "
            f"({targets.format_value(r['low'], u)} to {targets.format_value(r['high'], u)}); "
            f"chance of {r['target_text']}: {100 * r['p_meet']:.0f}%")
    return data, text


def export_html(notebook: Path, out: Path, title: str) -> Path:
    """The executed notebook as an HTML page without code cells, prompts, stderr
    or cells tagged ``analyst-only``."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import Preprocessor

    class DropStderr(Preprocessor):
        def preprocess_cell(self, cell, resources, index):
            if cell.get("outputs"):
                cell.outputs = [o for o in cell.outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
            return cell, resources

    from traitlets.config import Config

    nb = nbformat.read(str(notebook), as_version=4)
    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = {ANALYST_ONLY}
    config.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(config=config, template_name="wfsim_report", extra_template_basedirs=[str(TEMPLATES)])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.register_preprocessor(DropStderr(), enabled=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    out.write_text(body, encoding="utf-8")
    return out


def _papermill(notebook: Path, out: Path, parameters: dict[str, Any], cwd: Path, progress: bool) -> str:
    import papermill

    kernel = kernel_name()
    papermill.execute_notebook(
        str(notebook), str(out), parameters=parameters, kernel_name=kernel, cwd=str(cwd),
        progress_bar=progress and sys.stderr.isatty(), log_output=False, request_save_on_cell_execute=True,
        extra_arguments=["--log-level=CRITICAL"],  # kernel start-up and shut-down chatter is not the reader's concern
    )
    return kernel


def run_report(req: ReportRequest) -> ReportOutcome:
    """Run one report into its run folder; return how it went (bad input raises InputError)."""
    from papermill.exceptions import PapermillExecutionError

    scenario = check(req)
    if req.decompose is not None:
        req = replace(req, replications=req.decompose[0] * req.decompose[1])
    name = req.name or scenario.name
    outputs = Path(req.outputs)
    run_id = new_run_id()
    rf = RunFolder(outputs, scenario.name, run_id)
    previous = previous_complete(outputs, name, before=run_id)
    tmp = rf.create()
    record: dict[str, Any] = {
        "kind": "report", "run_id": run_id, "name": name, "status": "running",
        "scenario_file": str(Path(req.scenario).resolve()),
        **run_inputs(scenario, req.seed, req.replications, req.overrides),
        "workers": req.workers, "keep_events": req.keep_events,
        "notebook": str(Path(req.notebook or DEFAULT_NOTEBOOK).resolve()),
        "previous_run": previous.name if previous else None,
        "started": now_iso(), "finished": None, "error": None, **writer(),
    }
    if req.decompose is not None:
        record["decompose"] = {"draws": req.decompose[0], "per_draw": req.decompose[1]}
    rf.write_record(record)
    (tmp / "scenario.yaml").write_text(resolved_yaml(scenario), encoding="utf-8")
    parameters = {
        "scenario": str(Path(req.scenario).resolve()), "replications": req.replications, "seed": req.seed,
        "overrides": list(req.overrides), "output_dir": ".",
        "workers": req.workers, "run_name": name, "run_id": run_id,
        "previous_run": str(previous.resolve()) if previous else None,
        "keep_events": req.keep_events, "progress": False,
    }
    if req.decompose is not None:  # only when asked: the default report runs as it always did
        parameters["decompose"] = list(req.decompose)
    try:
        record["kernel"] = _papermill(Path(req.notebook or DEFAULT_NOTEBOOK), tmp / "report.ipynb", parameters, tmp, req.progress)
        export_html(tmp / "report.ipynb", tmp / "report.html", f"{scenario.council or 'Workforce'}: {name}")
        missing = [f for f in REQUIRED_FILES if not (tmp / f).exists()]
        if missing:
            raise RuntimeError(f"the notebook did not write {', '.join(missing)}")
        record["headline"], record["headline_text"] = headline(pd.read_parquet(tmp / "kpi.parquet"))
    except KeyboardInterrupt:
        record.update(status="interrupted", finished=now_iso(), error="interrupted")
        rf.fail(record)
        write_index(outputs)
        raise
    except PapermillExecutionError as exc:
        return _failed(rf, record, outputs, f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}")
    except Exception as exc:  # kernel died, export failed, tables missing
        return _failed(rf, record, outputs, f"{type(exc).__name__}: {exc}")
    record.update(finished=now_iso(), files=sorted(p.name for p in tmp.iterdir() if not p.name.startswith(".")))
    folder = rf.complete(record)
    write_index(outputs)
    return ReportOutcome(run_id, name, scenario.name, "complete", folder, None, record["headline_text"])


def _failed(rf: RunFolder, record: dict[str, Any], outputs: Path, error: str) -> ReportOutcome:
    record.update(status="failed", finished=now_iso(), error=" ".join(error.split())[:2000])
    folder = rf.fail(record)
    write_index(outputs)
    return ReportOutcome(record["run_id"], record["name"], record["scenario"], "failed", folder, record["error"])
