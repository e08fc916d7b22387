"""Reports: run the parameterised notebook with papermill into a run folder,
export it to HTML without code, record run.json and update outputs/index.html.
``workflows.report.prepare`` checks the options first; the notebook itself runs
``workflows.run`` (the one path to a run's figures) and renders them.

Bad input (scenario, notebook) is refused before anything is
written. A run is written in a hidden folder and renamed when complete; a run
that fails is moved, with its partly executed notebook, to
``outputs/<scenario>/failed/<run-id>/``. Earlier runs are never touched.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import sys
from pathlib import Path
from typing import Any, Optional

import pandas as pd

from workforce_sim.errors import InputError, WriteError
from workforce_sim.files import write_text
from workforce_sim.reporting.pages import scenario_title
from workforce_sim.reporting.report_tables import run_inputs
from workforce_sim.reporting.runs import RunFolder, new_run_id, now_iso, previous_complete, write_index, writer
from workforce_sim.reporting.text import headline
from workforce_sim.scenario.loading import resolved_yaml
from workforce_sim.workflows.report import ReportOutcome, ReportSpec
from workforce_sim.workflows.run import RunSpec

PACKAGE = Path(__file__).resolve().parent
DEFAULT_NOTEBOOK = PACKAGE / "report.ipynb"
TEMPLATES = PACKAGE / "templates"
KERNEL = "workforce_sim"
ANALYST_ONLY = "analyst-only"  # cells with this tag are left out of the HTML report
FALLBACK_KERNEL = "python3"
REQUIRED_FILES = ("report.ipynb", "report.html", "kpi.csv", "kpi.parquet", "timeseries.csv", "timeseries.parquet", "workbook.xlsx")
REGION_NOTEBOOK = PACKAGE / "region_report.ipynb"
REGION_FILES = ("report.ipynb", "report.html", "kpi.csv", "kpi.parquet", "region_staffing.csv", "market_flows.parquet", "workbook.xlsx")


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
    return write_text(out, body)


SCRATCH = ".scratch"
"""Inside the run's hidden folder: the kernel's connection file and every temporary file of the
kernel (Dask's scratch space, pyabc's database), so they go with the run folder, whatever happens."""
SCRATCH_ENV = ("JUPYTER_RUNTIME_DIR", "DASK_TEMPORARY_DIRECTORY", "TMPDIR")


@contextlib.contextmanager
def _scratch(folder: Path):
    """Point the kernel's runtime and temporary folders at ``folder`` (removed afterwards)."""
    folder.mkdir(exist_ok=True)
    before = {k: os.environ.get(k) for k in SCRATCH_ENV}
    os.environ.update({k: str(folder) for k in SCRATCH_ENV})
    try:
        yield folder
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(folder, ignore_errors=True)


def _papermill(notebook: Path, out: Path, parameters: dict[str, Any], cwd: Path, progress: bool) -> str:
    import papermill

    kernel = kernel_name()
    with _scratch(Path(cwd) / SCRATCH):
        papermill.execute_notebook(
            str(notebook), str(out), parameters=parameters, kernel_name=kernel, cwd=str(cwd),
            progress_bar=progress and sys.stderr.isatty(), log_output=False, request_save_on_cell_execute=True,
            extra_arguments=["--log-level=CRITICAL"],  # kernel start-up and shut-down chatter is not the reader's concern
        )
    return kernel


@contextlib.contextmanager
def _cache_for_kernel(folder: Optional[Path]):
    """The kernel (which runs in the run's folder) uses the run's replication cache: its absolute folder, or none."""
    from workforce_sim.experiments.cache import ENV

    before = os.environ.get(ENV)
    os.environ[ENV] = "off" if folder is None else str(folder)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = before


def run_report(spec: ReportSpec) -> ReportOutcome:
    """Run one report into its run folder; return how it went (bad input raises InputError)."""
    from papermill.exceptions import PapermillExecutionError

    run = spec.run
    is_region = not isinstance(run, RunSpec)
    notebook = spec.notebook or (REGION_NOTEBOOK if is_region else DEFAULT_NOTEBOOK)
    required = REGION_FILES if is_region else REQUIRED_FILES
    if not Path(notebook).is_file():
        raise InputError("report notebook not found", file=str(notebook))
    run = spec.run
    scenario = run.scenario
    name = spec.report_name
    outputs = Path(spec.outputs)
    run_id = new_run_id()
    rf = RunFolder(outputs, scenario.name, run_id)
    previous = previous_complete(outputs, name, before=run_id)
    tmp = rf.create()
    record: dict[str, Any] = {
        "kind": "report", "run_id": run_id, "name": name, "status": "running",
        "scenario_file": str(Path(run.scenario_file).resolve()),
        **run_inputs(scenario, run.seed, run.replications, list(run.overrides)),
        "workers": run.workers, "keep_events": run.keep_events,
        "notebook": str(Path(notebook).resolve()),
        "previous_run": previous.name if previous else None,
        "started": now_iso(), "finished": None, "error": None, **writer(),
    }
    if run.decompose is not None:
        record["decompose"] = {"draws": run.decompose[0], "per_draw": run.decompose[1]}
    if getattr(run, "recalibration", None) is not None:
        record["recalibrated"] = {"file": str(Path(run.recalibration.file).resolve()), "origin": run.recalibration.origin}
    try:
        rf.write_record(record)
        write_text(tmp / "scenario.yaml", resolved_yaml(scenario))
    except WriteError as exc:
        raise rf.not_written(exc) from None
    parameters = {
        "scenario": str(Path(run.scenario_file).resolve()), "replications": run.replications, "seed": run.seed,
        "overrides": list(run.overrides), "output_dir": ".",
        "workers": run.workers, "run_name": name, "run_id": run_id,
        "previous_run": str(previous.resolve()) if previous else None,
        "keep_events": run.keep_events, "progress": False,
    }
    if run.decompose is not None:  # only when asked: the default report runs as it always did
        parameters["decompose"] = list(run.decompose)
    if getattr(run, "recalibration", None) is not None:
        parameters["recalibrated"] = record["recalibrated"]["file"]
    try:
        with _cache_for_kernel(getattr(run, "cache", None)):
            record["kernel"] = _papermill(Path(notebook), tmp / "report.ipynb", parameters, tmp, spec.progress)
        title = scenario_title(scenario) if name == scenario.name else f"{scenario.council or 'Workforce'}: {name}"
        export_html(tmp / "report.ipynb", tmp / "report.html", title)
        missing = [f for f in required if not (tmp / f).exists()]
        if missing:
            raise RuntimeError(f"the notebook did not write {', '.join(missing)}")
        record["headline"], record["headline_text"] = headline(pd.read_parquet(tmp / "kpi.parquet"))
        record["changed"] = _changed(record, tmp, previous) if not is_region else None
    except KeyboardInterrupt:
        record.update(status="interrupted", finished=now_iso(), error="interrupted")
        rf.fail(record)
        write_index(outputs)
        raise
    except WriteError as exc:
        raise rf.not_written(exc) from None
    except OSError as exc:  # papermill saving the notebook on a full disk
        raise rf.not_written(WriteError(f"could not write {exc.filename or tmp / 'report.ipynb'}: {exc.strerror or exc}")) from None
    except PapermillExecutionError as exc:
        if exc.ename in ("WriteError", "OSError", "PermissionError"):   # the notebook could not write its tables
            text = str(exc.evalue) if exc.ename == "WriteError" else f"could not write the report's tables in {tmp}: {exc.evalue}"
            raise rf.not_written(WriteError(text)) from None
        return _failed(rf, record, outputs, f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}")
    except Exception as exc:  # kernel died, export failed, tables missing
        return _failed(rf, record, outputs, f"{type(exc).__name__}: {exc}")
    record.update(finished=now_iso(), files=sorted(p.name for p in tmp.iterdir() if not p.name.startswith(".")))
    try:
        folder = rf.complete(record)
    except WriteError as exc:
        raise rf.not_written(exc) from None
    write_index(outputs)
    return ReportOutcome(run_id, name, scenario.name, "complete", folder, None, record["headline_text"])


def _changed(record: dict[str, Any], folder: Path, previous: Optional[Path]) -> dict[str, Any]:
    """The headline's change since the previous run and whether beyond chance (as the report's first screen says)."""
    from workforce_sim.reporting import history

    per_rep = folder / history.PER_REPLICATION
    values = history.values_of(pd.read_parquet(per_rep), record["headline"].get("key")) if per_rep.exists() else None
    return history.headline_change(record["headline"], values, record, history.load_previous(previous))


def _failed(rf: RunFolder, record: dict[str, Any], outputs: Path, error: str) -> ReportOutcome:
    record.update(status="failed", finished=now_iso(), error=" ".join(error.split())[:2000])
    folder = rf.fail(record)
    write_index(outputs)
    return ReportOutcome(record["run_id"], record["name"], record["scenario"], "failed", folder, record["error"])
