"""`wfsim report` end to end: papermill run folder, HTML without code, run.json,
changed-since-last-run, index, failures, kills, bad input; `wfsim compare`."""
from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from workforce_sim import __version__
from workforce_sim.analysis.measures import permanent_share, snapshot_at
from workforce_sim.cli.main import main
from workforce_sim.reporting.notebook import DEFAULT_NOTEBOOK, REQUIRED_FILES
from workforce_sim.reporting.pages import scenario_title
from workforce_sim.reporting.runs import list_runs
from workforce_sim.scenario.loading import load_scenario

from .helpers import notebook_with, write_tiny

TABLES = ("kpi", "kpi_by_replication", "timeseries", "starters_by_route", "post_changes", "capacity_at_caps",
          "investment_profile")
RAW = ("snapshots", "flows", "parameters")


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run_dirs(outputs: Path, scenario: str) -> list[Path]:
    return sorted(p for p in (outputs / scenario).iterdir() if p.is_dir() and re.match(r"^\d{8}-\d{6}-", p.name))


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Two complete reports of the same name (different seeds) in one outputs folder."""
    base = tmp_path_factory.mktemp("reports")
    scenario = write_tiny(base, targets={"casework_audits": {
        "modelled": False, "title": "Casework quality audits", "target_text": "80% good or better", "source": "test",
        "note": "audit grades are qualitative judgements the model does not make"}})
    outputs = base / "outputs"
    for seed in ("3", "4"):
        assert main(["report", str(scenario), "-n", "4", "--seed", seed, "--workers", "1", "--out", str(outputs)]) == 0
    first, second = run_dirs(outputs, "tiny")
    return {"scenario": scenario, "outputs": outputs, "first": first, "second": second}


def test_report_run_folder_has_every_file_and_run_json(two_runs):
    folder = two_runs["first"]
    names = {p.name for p in folder.iterdir()}
    assert set(REQUIRED_FILES) <= names
    assert {f"{t}.{ext}" for t in TABLES for ext in ("csv", "parquet")} <= names
    assert {f"{t}.parquet" for t in RAW} <= names
    assert "scenario.yaml" in names and not any(n.startswith(".") for n in names)
    run = json.loads((folder / "run.json").read_text())
    assert run["status"] == "complete" and run["kind"] == "report"
    assert run["run_id"] == folder.name and run["name"] == "tiny" and run["scenario"] == "tiny"
    assert run["seed"] == 3 and run["replications"] == 4 and run["package_version"] == __version__
    assert "git_commit" in run and "git_dirty" in run
    assert run["started"] <= run["finished"]
    assert run["scenario_resolved"] == load_scenario(two_runs["scenario"]).model_dump(mode="json")
    assert load_scenario(folder / "scenario.yaml") == load_scenario(two_runs["scenario"])
    assert run["previous_run"] is None
    assert run["headline"]["key"] == "permanent_share"
    xl = pd.read_excel(folder / "workbook.xlsx", sheet_name=None)
    assert {"kpi", "timeseries", "starters_by_route", "investment_profile", "parameters"} <= set(xl)


def test_report_kpis_match_the_written_snapshots(two_runs):
    folder = two_runs["first"]
    kpi = pd.read_csv(folder / "kpi.csv").set_index("key")
    snaps = pd.read_parquet(folder / "snapshots.parquet")
    assert snaps["replication"].nunique() == 4
    share = permanent_share(snaps)
    sc = load_scenario(two_runs["scenario"])
    at = snapshot_at(share["date"], sc.targets["permanent_share"].date)
    v = share.loc[share["date"] == at, "permanent_share"].to_numpy()
    assert kpi.loc["permanent_share", "median"] == pytest.approx(np.median(v))
    assert kpi.loc["permanent_share", "p_meet"] == pytest.approx((v >= 0.8).mean())
    per = pd.read_parquet(folder / "kpi_by_replication.parquet")
    assert np.allclose(np.sort(per["permanent_share"].to_numpy()), np.sort(v))


def test_report_html_has_no_code_and_shows_the_scorecard(two_runs):
    folder = two_runs["first"]
    page = (folder / "report.html").read_text()
    nb = nbformat.read(str(folder / "report.ipynb"), as_version=4)
    code_lines = {line.strip() for c in nb.cells if c.cell_type == "code" for line in c.source.splitlines()
                  if len(line.strip()) > 20 and not line.strip().startswith("#")}
    assert code_lines and not [line for line in code_lines if line in page]
    assert 'class="jp-CodeMirrorEditor' not in page and 'class="highlight' not in page and "hl-ipython3" not in page
    assert "Analysts" not in page and "Set the values in the next cell" not in page  # analyst-only cell left out
    assert 'id="scorecard"' in page and "Permanent social work staff" in page
    kpi = pd.read_csv(folder / "kpi.csv").set_index("key")
    assert f"{100 * kpi.loc['permanent_share', 'median']:.1f}%" in page
    assert "Targets not modelled" in page and "Casework quality audits" in page and "qualitative judgements" in page
    title = html.escape(scenario_title(load_scenario(two_runs["scenario"])))   # titled by the scenario, not the file
    assert f"<title>{title}</title>" in page and f"<h1>{title}</h1>" in page
    assert "Words used in this report" in page and "Disclosure and Barring Service" in page and "Assessed and Supported Year" in page
    assert "names no council with published DfE figures" in page   # no la_code: the neighbours section says why it is empty
    assert page.count("<img") >= 4 and "<script src=" not in page  # readable offline (no investment chart: tiny has no profile)
    # under papermill the replication progress bar stays quiet
    streams = [o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "stream"]
    assert not any("rep/s" in s or "replications:" in s for s in streams)


def test_second_run_reports_changes_since_the_first(two_runs):
    first, second = two_runs["first"], two_runs["second"]
    run = json.loads((second / "run.json").read_text())
    assert run["previous_run"] == first.name
    page = (second / "report.html").read_text()
    assert f"Previous run: {first.name}" in page
    a = pd.read_csv(first / "kpi.csv").set_index("key").loc["permanent_share", "median"]
    b = pd.read_csv(second / "kpi.csv").set_index("key").loc["permanent_share", "median"]
    assert f"{100 * (b - a):+.1f} pts" in page
    assert re.search(r"<td>seed</td><td>3</td><td>4</td>", page)


def _per_rep(folder: Path) -> pd.Series:
    return pd.read_parquet(folder / "kpi_by_replication.parquet").set_index("replication")["permanent_share"]


def test_the_change_sits_under_the_headline_unpaired_when_seeds_differ(two_runs):
    first, second = two_runs["first"], two_runs["second"]
    changed = json.loads((second / "run.json").read_text())["changed"]
    assert changed["method"] == "unpaired" and changed["previous_run"] == first.name
    assert changed["difference"] == pytest.approx(_per_rep(second).mean() - _per_rep(first).mean())
    assert changed["short"].endswith("(unpaired)")
    page = (second / "report.html").read_text()
    text = re.sub(r"\s+", " ", page)
    assert "the runs do not pair (seed 3 then 4)" in text and "(Welch)" in text
    # directly under the headline: after the answer, before the overrides
    assert text.index("Chance of meeting it") < text.index("Changed since the last run") < text.index("Changed from the scenario file")
    assert json.loads((first / "run.json").read_text())["changed"]["short"] == "first run"
    assert "first run" in (two_runs["outputs"] / "index.html").read_text()


def test_a_rerun_on_the_same_seed_is_paired_replication_by_replication(two_runs, tmp_path, capsys):
    outputs = tmp_path / "outputs"
    shutil.copytree(two_runs["outputs"], outputs)
    manifest = tmp_path / "m.yaml"
    manifest.write_text(f"reports:\n  - {{name: tiny, scenario: {two_runs['scenario']}, replications: 4, seed: 4, workers: 1, "
                        "overrides: {recruitment.pipeline.advert_days: 90}}\n")
    assert main(["schedule", str(manifest), "--out", str(outputs)]) == 0
    out = capsys.readouterr().out
    third = run_dirs(outputs, "tiny")[-1]
    run = json.loads((third / "run.json").read_text())
    changed = run["changed"]
    d = (_per_rep(third) - _per_rep(two_runs["second"])).to_numpy()
    assert changed["method"] == "paired" and changed["n_current"] == 4
    assert changed["difference"] == pytest.approx(d.mean())
    assert changed["beyond_chance"] == (changed["low"] > 0 or changed["high"] < 0)
    text = re.sub(r"\s+", " ", (third / "report.html").read_text())
    assert "paired replication by replication over the 4 replications both runs share (same seed 4)" in text
    assert "recruitment.pipeline.advert_days" in text
    assert f"changed since the last run: {changed['short']}" in out
    assert changed["short"] in (outputs / "index.html").read_text()


def test_index_lists_both_runs_with_links(two_runs):
    page = (two_runs["outputs"] / "index.html").read_text()
    for folder in (two_runs["first"], two_runs["second"]):
        assert f"tiny/{folder.name}/report.html" in page
    assert page.count(">complete<") == 2


def test_failing_run_is_kept_aside_and_earlier_runs_are_untouched(two_runs, tmp_path, capsys):
    outputs = tmp_path / "outputs"
    shutil.copytree(two_runs["outputs"], outputs)
    before = {p.name: tree_digest(p) for p in run_dirs(outputs, "tiny")}
    broken = notebook_with(tmp_path, 'raise RuntimeError("deliberate failure")', after="run.execute(")
    rc = main(["report", str(two_runs["scenario"]), "-n", "2", "--workers", "1", "--out", str(outputs), "--notebook", str(broken)])
    err = capsys.readouterr().err
    assert rc == 1
    assert "deliberate failure" in err and len(err.strip().splitlines()) == 1
    assert {p.name: tree_digest(p) for p in run_dirs(outputs, "tiny")} == before
    (failed,) = list((outputs / "tiny" / "failed").iterdir())
    run = json.loads((failed / "run.json").read_text())
    assert run["status"] == "failed" and "RuntimeError: deliberate failure" in run["error"]
    nb = nbformat.read(str(failed / "report.ipynb"), as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors and errors[0]["evalue"] == "deliberate failure"
    assert not (failed / "report.html").exists()
    assert not [p for p in (outputs / "tiny").iterdir() if p.name.startswith(".incomplete-")]
    assert "failed/" + failed.name in (outputs / "index.html").read_text()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_run_leaves_no_run_folder(two_runs, tmp_path, sig):
    outputs = tmp_path / "outputs"
    slow = notebook_with(tmp_path, "import time\ntime.sleep(300)", after="report_data.write_report(")
    proc = subprocess.Popen([sys.executable, "-m", "workforce_sim", "report", str(two_runs["scenario"]), "-n", "2",
                             "--workers", "1", "--out", str(outputs), "--notebook", str(slow)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while not list(outputs.glob("tiny/.incomplete-*/kpi.parquet")) and time.time() < deadline:
            time.sleep(0.2)
        assert list(outputs.glob("tiny/.incomplete-*/kpi.parquet")), "the run never reached its tables"
        time.sleep(0.5)
        os.kill(proc.pid, sig)
        rc = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert rc != 0
    assert run_dirs(outputs, "tiny") == []  # no complete-looking run folder
    assert [r["status"] for r in list_runs(outputs) if r["status"] == "complete"] == []
    if sig == signal.SIGTERM:  # treated like Ctrl-C: moved to failed/ with its notebook
        assert rc == 130
        (failed,) = list((outputs / "tiny" / "failed").iterdir())
        assert json.loads((failed / "run.json").read_text())["status"] == "interrupted"
        assert (failed / "report.ipynb").exists()
        assert ">interrupted<" in (outputs / "index.html").read_text()
    else:  # no chance to tidy up: the half-written run stays hidden and unlisted
        assert len(list(outputs.glob("tiny/.incomplete-*"))) == 1
        assert not (outputs / "index.html").exists()


@pytest.mark.parametrize("argv, where", [
    (["report", "{dir}/missing.yaml"], "missing.yaml: file not found"),
    (["report", "{scenario}", "--targets", "nope"], "unrecognized arguments: --targets"),
    (["report", "{scenario}", "--set", "agency.no_such_key=1"], "--set: agency.no_such_key: unknown key"),
    (["report", "{scenario}", "--notebook", "{dir}/none.ipynb"], "none.ipynb: report notebook not found"),
    (["report", "{scenario}", "-n", "0"], "--replications: must be at least 1"),
    (["compare", "{scenario}"], "command line: SCENARIO: give at least two scenarios to compare"),
    (["compare", "{scenario}", "{scenario}", "--targets", "x"], "unrecognized arguments: --targets"),
    (["report", "{scenario}", "--set", "targets.permanent_share.measure=permanence"], "targets.permanent_share.measure: unknown measure"),
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, argv, where):
    scenario = write_tiny(tmp_path)
    outputs = tmp_path / "outputs"
    args = [a.format(dir=tmp_path, scenario=scenario) for a in argv] + ["--out", str(outputs)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and where in err and "Traceback" not in err
    assert not outputs.exists()


def test_compare_writes_a_paired_comparison_and_lists_it(tmp_path, capsys):
    a = write_tiny(tmp_path, "calm", attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": 0.05}]})
    b = write_tiny(tmp_path, "churn", attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": 0.6}]})
    outputs = tmp_path / "outputs"
    assert main(["compare", str(a), str(b), "-n", "5", "--workers", "1", "--out", str(outputs), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    folder = Path(out["folder"])
    assert folder.parent == outputs / "comparisons"
    assert {"comparison.html", "comparison.csv", "comparison.parquet", "per_replication.parquet", "run.json"} <= {p.name for p in folder.iterdir()}
    rows = {(r["key"], r["scenario"]): r for r in out["comparison"]}
    churn = rows[("permanent_share", "churn")]
    assert churn["diff_high"] < 0 and churn["p_better"] == 0.0
    per = pd.read_parquet(folder / "per_replication.parquet")
    p = per[per["key"] == "permanent_share"].pivot(index="replication", columns="scenario", values="value")
    assert churn["diff_median"] == pytest.approx(float(np.median(p["churn"] - p["calm"])))
    run = json.loads((folder / "run.json").read_text())
    assert run["kind"] == "comparison" and run["scenarios"] == ["calm", "churn"] and run["seed"] == 2014
    assert "comparisons/" + folder.name + "/comparison.html" in (outputs / "index.html").read_text()
    # the page in the shared style: its answer in one sentence (the paired difference), then one chart, then the tables
    page = (folder / "comparison.html").read_text()
    answer = re.search(r'<p class="answer">([^<]*)</p>', page).group(1)
    assert "churn against calm" in answer and f"{100 * churn['diff_median']:+.1f} pts" in answer
    assert 'class="wfsim-page"' in page and page.index('class="answer"') < page.index('<div class="chart"><img') < page.index("<table")
    assert "Only 5 replications" in page and "Words used here" in page


def test_the_report_notebook_is_committed_without_outputs():
    nb = nbformat.read(str(DEFAULT_NOTEBOOK), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for name in ("scenario", "replications", "seed", "overrides", "output_dir"):
        assert re.search(rf"^{name} = ", tagged[0].source, re.M)
