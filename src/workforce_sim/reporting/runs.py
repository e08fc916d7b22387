"""Run folders: ``outputs/<scenario>/<YYYYmmdd-HHMMSS>-<id>/``, complete or absent.

A run is written into a hidden ``.incomplete-<run-id>`` folder beside its
final place and renamed when complete (a rename within one file system is
atomic), so a run folder either holds everything or does not exist. A run
that fails is moved to ``outputs/<scenario>/failed/<run-id>/`` with what it
had written. ``run.json`` records what ran (and, while it runs, the process
and host writing it); ``outputs/index.html`` lists every run with links. A
run whose process ended without finishing (killed, machine stopped) is found
by its hidden folder and moved to ``failed/`` as interrupted the next time the
index is written.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import math
import os
import re
import shutil
import socket
import subprocess
from pathlib import Path
from typing import Any, Optional

from workforce_sim.errors import WriteError
from workforce_sim.files import new_run_id, now_iso, safe_name, write_text  # noqa: F401  (run folders are named with these)
from workforce_sim.reporting.pages import PAGE_STYLE

RUN_ID_RE = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")
OTHER_RUN_RE = re.compile(r"^(\d{8}-\d{6}-[0-9a-f]{6})-([a-z]+)$")   # a sweep's, optimiser's or backtest's folder
PAGES = (("report.html", "report"), ("comparison.html", "comparison"), ("sweep.html", "sweep"), ("optimise.html", "optimise"),
         ("backtest.html", "backtest"), ("calibration.html", "calibration"))
INCOMPLETE = ".incomplete-"
FAILED = "failed"
RUN_JSON = "run.json"
INDEX = "index.html"


def git_info(path: Optional[Path] = None) -> dict[str, Any]:
    """The git commit of the code (and whether the work tree has changes), if it is in git."""
    where = str(path or Path(__file__).resolve().parents[1])
    try:
        commit = subprocess.run(["git", "-C", where, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        if commit.returncode != 0:
            return {"git_commit": None, "git_dirty": None}
        dirty = subprocess.run(["git", "-C", where, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10)
        return {"git_commit": commit.stdout.strip(), "git_dirty": bool(dirty.stdout.strip()) if dirty.returncode == 0 else None}
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": None, "git_dirty": None}


def _clean(o: Any) -> Any:
    if isinstance(o, float) and (math.isnan(o) or math.isinf(o)):
        return None
    if isinstance(o, dict):
        return {str(k): _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    if isinstance(o, Path):
        return str(o)
    if isinstance(o, (dt.date, dt.datetime)):
        return o.isoformat()
    if hasattr(o, "item") and callable(o.item):  # numpy scalars
        return _clean(o.item())
    return o


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON atomically (temporary file, then replace)."""
    write_text(path, json.dumps(_clean(data), indent=2, allow_nan=False) + "\n", replace=True)


def read_run(folder: Path) -> Optional[dict[str, Any]]:
    """The run.json of a folder, or None if it has none or it cannot be read."""
    try:
        return json.loads((Path(folder) / RUN_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class RunFolder:
    """Where one run is written: a hidden temporary folder, renamed when complete."""

    def __init__(self, outputs: Path, scenario: str, run_id: str):
        self.outputs = Path(outputs)
        self.run_id = run_id
        parent = self.outputs / safe_name(scenario)
        self.final = parent / run_id
        self.tmp = parent / f"{INCOMPLETE}{run_id}"
        self.failed = parent / FAILED / run_id

    def create(self) -> Path:
        if self.final.exists() or self.tmp.exists() or self.failed.exists():
            raise FileExistsError(f"run folder {self.final} already exists")
        self.tmp.mkdir(parents=True)
        return self.tmp

    def write_record(self, record: dict[str, Any]) -> None:
        write_json(self.tmp / RUN_JSON, record)

    def complete(self, record: dict[str, Any]) -> Path:
        """Write run.json and move the folder into place."""
        self.write_record({**record, "status": "complete"})
        os.rename(self.tmp, self.final)  # fails rather than overwrite
        return self.final

    def not_written(self, exc: WriteError) -> WriteError:
        """A run whose files could not all be written (disk full): what it wrote is moved, as it is,
        to ``failed/<run-id>/`` (a rename needs no space) and the one-line error says so."""
        kept = [p for p in self.tmp.iterdir() if not p.name.startswith(".")] if self.tmp.is_dir() else []
        where = self.tmp
        try:
            if not kept:
                shutil.rmtree(self.tmp, ignore_errors=True)
            else:
                self.failed.parent.mkdir(parents=True, exist_ok=True)
                os.rename(self.tmp, self.failed)
                where = self.failed
        except OSError:
            pass
        text = str(exc).split("; ")[0].replace(str(self.tmp), str(self.final))
        return WriteError(f"{text}; {len(kept)} files written so far are kept in {where}" if kept else
                          f"{text}; nothing of the run was kept")

    def fail(self, record: dict[str, Any]) -> Path:
        """Write run.json and move what was written to ``failed/<run-id>/``."""
        self.write_record(record)
        self.failed.parent.mkdir(parents=True, exist_ok=True)
        os.rename(self.tmp, self.failed)
        return self.failed


def writer() -> dict[str, Any]:
    """The process and host writing a run (recorded while it runs)."""
    return {"pid": os.getpid(), "host": socket.gethostname()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process: it exists
        return True
    return True


def recover_interrupted(outputs: Path) -> list[Path]:
    """Move runs whose process has ended without finishing to ``failed/<run-id>/``, marked interrupted.

    Only hidden run folders whose ``run.json`` names a process on this host
    that no longer exists are moved, with everything they hold; runs still
    going, runs of other hosts and folders without that record are left alone.
    """
    outputs = Path(outputs)
    moved: list[Path] = []
    if not outputs.is_dir():
        return moved
    host = socket.gethostname()
    for scen in (p for p in outputs.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for tmp in scen.glob(f"{INCOMPLETE}*"):
            run_id = tmp.name[len(INCOMPLETE):]
            record = read_run(tmp)
            if not tmp.is_dir() or not RUN_ID_RE.match(run_id) or record is None:
                continue
            pid = record.get("pid")
            if record.get("host") != host or not isinstance(pid, int) or _alive(pid):
                continue
            target = scen / FAILED / run_id
            if target.exists():
                continue
            record.update(status="interrupted", error="the run's process ended before the run finished (killed or stopped)")
            write_json(tmp / RUN_JSON, record)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(tmp, target)
            moved.append(target)
    return moved


def list_runs(outputs: Path) -> list[dict[str, Any]]:
    """Every complete and failed run under ``outputs`` (newest first), each with its folder."""
    outputs = Path(outputs)
    found = []
    if not outputs.is_dir():
        return found
    for scen in sorted(p for p in outputs.iterdir() if p.is_dir() and not p.name.startswith(".")):
        candidates = [p for p in scen.iterdir() if p.is_dir() and RUN_ID_RE.match(p.name)]
        failed = scen / FAILED
        if failed.is_dir():
            candidates += [p for p in failed.iterdir() if p.is_dir() and RUN_ID_RE.match(p.name)]
        for folder in candidates:
            record = read_run(folder)
            if record is None:
                continue
            found.append({**record, "folder": folder})
        for folder in (p for p in scen.iterdir() if p.is_dir() and OTHER_RUN_RE.match(p.name)):
            record = read_run(folder) if (folder / RUN_JSON).is_file() else None
            run_id, kind = OTHER_RUN_RE.match(folder.name).groups()
            if record is None:
                if not any((folder / page).is_file() for page, _ in PAGES):
                    continue
                record = {"run_id": run_id, "kind": kind, "name": scen.name, "scenario": scen.name, "status": "complete",
                          "started": f"{run_id[:4]}-{run_id[4:6]}-{run_id[6:8]}T{run_id[9:11]}:{run_id[11:13]}:{run_id[13:15]}"}
            found.append({"kind": kind, **record, "folder": folder})
    found.sort(key=lambda r: (str(r.get("run_id", "")), str(r["folder"])), reverse=True)
    return found


def previous_complete(outputs: Path, name: str, before: Optional[str] = None) -> Optional[Path]:
    """Folder of the latest complete run named ``name`` (started before run id ``before``)."""
    for run in list_runs(outputs):
        if run.get("status") != "complete" or run.get("name") != name or run.get("kind", "report") != "report":
            continue
        if before is not None and str(run.get("run_id", "")) >= before:
            continue
        return Path(run["folder"])
    return None


def _link(outputs: Path, target: Path, label: str) -> str:
    if not target.exists():
        return ""
    rel = os.path.relpath(target, outputs).replace(os.sep, "/")
    return f'<a href="{html.escape(rel)}">{html.escape(label)}</a>'


INDEX_STYLE = """
body {font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em; color: #222;}
table {border-collapse: collapse; font-size: 0.92em;}
th {text-align: left; border-bottom: 2px solid #444; padding: 5px 10px; background: #f4f4f4;}
td {border-bottom: 1px solid #ddd; padding: 5px 10px; vertical-align: top;}
td.complete {color: #155724;} td.failed, td.interrupted {color: #a00; font-weight: 600;}
"""


def changed_text(run: dict[str, Any], runs: list[dict[str, Any]]) -> str:
    """The headline's move since the previous complete run of the same name and kind: a report's verdict
    (``+2.1 pts, beyond chance``, see ``history.headline_change``), else the move of the median (``+2.1 pts``), or ""."""
    head = run.get("headline") or {}
    tested = run.get("changed")
    if run.get("status") == "complete" and isinstance(tested, dict) and tested.get("short"):
        return str(tested["short"])   # the report's own verdict: paired (or Welch) test of the headline's move
    if run.get("status") != "complete" or not isinstance(head, dict) or head.get("median") is None:
        return ""
    for other in runs:
        if (other is run or other.get("status") != "complete" or other.get("name") != run.get("name")
                or other.get("kind", "report") != run.get("kind", "report") or str(other.get("run_id", "")) >= str(run.get("run_id", ""))):
            continue
        prev = other.get("headline") or {}
        if not isinstance(prev, dict) or prev.get("median") is None or prev.get("key") != head.get("key"):
            return ""
        delta = float(head["median"]) - float(prev["median"])
        if head.get("unit") in ("share", "%", "percent"):
            return f"{100 * delta:+.1f} pts"
        return f"{delta:+.3g}"
    return "first run"


def write_index(outputs: Path) -> Path:
    """Rewrite ``outputs/index.html``: every run of every kind, newest first, with its page and what changed."""
    outputs = Path(outputs)
    outputs.mkdir(parents=True, exist_ok=True)
    recover_interrupted(outputs)
    rows = []
    runs = list_runs(outputs)
    for run in runs:
        folder = Path(run["folder"])
        started = str(run.get("started") or "")[:19].replace("T", " ")
        links = " · ".join(x for x in (
            *(_link(outputs, folder / page, label) for page, label in PAGES),
            _link(outputs, folder / "report.ipynb", "notebook"),
            _link(outputs, folder / RUN_JSON, "run.json"),
            _link(outputs, folder, "folder"),
        ) if x)
        status = str(run.get("status", ""))
        scen = run.get("scenario") or ", ".join(run.get("scenarios", []) or [])
        headline = run.get("headline_text") or ""
        if status != "complete" and run.get("error"):
            headline = f"{headline} {run['error']}".strip()
        rows.append(
            "<tr>"
            f"<td>{html.escape(started)}</td><td>{html.escape(str(scen))}</td>"
            f"<td>{html.escape(str(run.get('name', '')))}</td><td>{html.escape(str(run.get('kind', 'report')))}</td>"
            f'<td class="{html.escape(status)}">{html.escape(status)}</td>'
            f"<td>{html.escape(str(run.get('replications', '')))}</td>"
            f"<td>{html.escape(headline)}</td><td>{html.escape(changed_text(run, runs))}</td><td>{links}</td>"
            "</tr>"
        )
    body = "".join(rows) or '<tr><td colspan="9">No runs yet.</td></tr>'
    kinds = sorted({str(r.get("kind", "report")) for r in runs})
    answer = (f"{len(runs)} runs under this folder ({', '.join(kinds)}), newest first; the latest: "
              f"{runs[0].get('name', '')} ({runs[0].get('kind', 'report')}, {runs[0].get('status', '')})." if runs else "No runs yet.")
    page = (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>workforce_sim runs</title>"
        f"{PAGE_STYLE}<style>{INDEX_STYLE}</style></head><body class=\"wfsim-page\">"
        "<h1>Workforce simulation runs</h1>"
        f'<p class="answer">{html.escape(answer)}</p>'
        f"<p>Every report, comparison, sweep, optimiser run and backtest under this folder, with its page. "
        f"Changed: the headline's move since the previous complete run of the same name; for reports, whether it is "
        f"beyond chance (its 90% interval, paired replication by replication when the runs share seed and replications, "
        f"leaves out zero). Updated {html.escape(now_iso())}.</p>"
        "<table class=\"wfsim\"><thead><tr><th>Started</th><th>Scenario</th><th>Name</th><th>Kind</th><th>Status</th>"
        "<th>Replications</th><th>Headline</th><th>Changed</th><th>Links</th></tr></thead>"
        f"<tbody>{body}</tbody></table></body></html>\n"
    )
    return write_text(outputs / INDEX, page, replace=True)
