"""`wfsim sweep`: grid parsing, common random numbers, tables, workbook, plot and bad input."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml

from workforce_sim.cli.main import main
from workforce_sim.experiments.sweep import parse_grid
from workforce_sim.workflows import sweep as sweep_workflow

from .helpers import SCENARIOS, tiny

INVESTMENT = SCENARIOS / "slough_2014_investment.yaml"
SUPP = "market_supplement.amount_gbp_per_year.social_worker"


def tiny_file(tmp_path: Path, **overrides) -> Path:
    sc = tiny(market_supplement={"enabled": True, "start_date": "2015-01-01", "amount_gbp_per_year": {"social_worker": 0}}, **overrides)
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(sc.model_dump(mode="json"), sort_keys=False))
    return path


def run_sweep(path: Path, axes, replications: int, seed: int, common_random_numbers: bool = True):
    spec = sweep_workflow.prepare(path, axes, replications, seed, workers=1, common_random_numbers=common_random_numbers,
                                  out=path.parent / "sweep-out")
    return sweep_workflow.execute(spec)


def test_grid_values_are_read_like_set_values():
    axes = parse_grid([f"{SUPP}=0,1500,3000", "agency.cover_probability=0.5,[0.2, 0.4]", "agency.enabled=true,false"])
    assert axes[0].values == (0, 1500, 3000)
    assert axes[1].values == (0.5, [0.2, 0.4])
    assert axes[2].values == (True, False)


def test_common_random_numbers_cut_the_variance_of_differences(tmp_path):
    path = tiny_file(tmp_path)
    axes = parse_grid([f"{SUPP}=0,4000"])
    crn = run_sweep(path, axes, replications=30, seed=7)
    ind = run_sweep(path, axes, replications=30, seed=7, common_random_numbers=False)

    def diffs(sweep, col):
        r = sweep.tables["replications"].pivot(index="replication", columns="point", values=col)
        return r[1] - r[0]

    for col in ("total_cost_gbp", "permanent_share_pct", "agency_cost_gbp"):
        v_crn, v_ind = diffs(crn, col).var(), diffs(ind, col).var()
        assert v_crn < 0.5 * v_ind, (col, v_crn, v_ind)
    pts = crn.tables["points"]
    assert pts.loc[0, "net_cost_vs_first_gbp"] == 0 and math.isnan(pts.loc[0, "cost_per_pp_gbp"])
    rep = crn.tables["replications"]
    assert np.allclose(pts["total_cost_gbp"], rep.groupby("point")["total_cost_gbp"].mean())
    gain = pts.loc[1, "permanent_share_change_vs_first_pp"]
    assert math.isclose(pts.loc[1, "cost_per_pp_gbp"], pts.loc[1, "net_cost_vs_first_gbp"] / gain)


def test_points_that_differ_only_in_a_cost_rate_share_the_workforce_path(tmp_path):
    path = tiny_file(tmp_path)
    outcome = run_sweep(path, parse_grid([f"{SUPP}=2000", "finance.on_cost_rate=0.2,0.3"]), replications=4, seed=3)
    a, b = outcome.sweep.results
    pd.testing.assert_frame_equal(a.snapshots, b.snapshots)        # common random numbers: the same workforce path
    ca, cb = (r.costs.groupby("component")["cost_gbp"].sum() for r in (a, b))
    assert ca["salaries"] == cb["salaries"]
    assert math.isclose(cb["employer_on_costs"] / ca["employer_on_costs"], 0.3 / 0.2)


def test_sweep_cli_writes_tables_workbook_and_plot(tmp_path, capsys):
    out = tmp_path / "sweep"
    code = main(["sweep", str(INVESTMENT), "--grid", f"{SUPP}=0,3000", "-n", "2", "--workers", "1", "--out", str(out), "--no-progress"])
    text = capsys.readouterr().out
    assert code == 0
    assert "social_worker=3000" in text and "investment £m" in text and "2014/15" in text
    wb = openpyxl.load_workbook(out / "sweep.xlsx")
    assert wb.sheetnames == ["points", "costs_by_year", "replications", "investment", "about"]
    headers = [c.value for c in wb["points"][1]]
    assert "Total cost (£)" in headers and "Permanent share median (%)" in headers and "Pounds per point of permanent share (£)" in headers
    assert "Agency saved against the first level (£)" in headers
    assert wb["points"].max_row == 3                                          # header + 2 points
    inv_headers = [c.value for c in wb["investment"][1]]
    assert {"Investment (£)", "Additional cost (£)", "Variance (£)"} <= set(inv_headers)
    html = (out / "sweep.html").read_text()
    assert "Agency spend saved" in html and "Permanence gained" in html and "data:image/png;base64," in html
    assert html.index('class="answer"') < html.index("<table")            # the answer before the detail
    for name in ("points", "costs_by_year", "replications", "investment", "about"):
        csv, pq = pd.read_csv(out / f"{name}.csv"), pd.read_parquet(out / f"{name}.parquet")
        assert len(csv) == len(pq) > 0
    inv = pd.read_parquet(out / "investment.parquet")
    budget = inv[inv["point"] == 0].set_index("financial_year")["investment_gbp"]
    assert budget["2014/15"] == 3.2e6 and budget["2015/16"] == 2.3e6 and budget["2016/17"] == 1.2e6 and budget["2017/18"] == 0.8e6
    assert (out / "cost_vs_permanence.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]      # no temporary folder left


@pytest.mark.parametrize("grid,needle", [
    (SUPP, "expected key=value1,value2"),
    (f"{SUPP}=1,,2", "empty value"),
    ("=1,2", "bad key"),
    ("market_supplement.amount_gbp_per_yeer.social_worker=1,2", "unknown key"),
    (f"{SUPP}=-5,10", "must be >= 0"),
    ("agency.cover_probability=0.5,[0.2", "not valid YAML"),
    ("finance.on_cost_rate=0.2,0.2", "given twice"),
    ("agency.cover_probability=0.5,1.5", "must be <= 1"),
])
def test_bad_grid_gives_one_line_and_exit_2(tmp_path, capsys, grid, needle):
    out = tmp_path / "never"
    code = main(["sweep", str(INVESTMENT), "--grid", grid, "-n", "2", "--workers", "1", "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert "--grid" in lines[0] and needle in lines[0], lines[0]
    assert not out.exists()


def test_same_key_in_two_grids_and_missing_grid_are_refused(tmp_path, capsys):
    assert main(["sweep", str(INVESTMENT), "--grid", f"{SUPP}=1,2", "--grid", f"{SUPP}=3"]) == 2
    assert "two --grid options" in capsys.readouterr().err
    assert main(["sweep", str(INVESTMENT)]) == 2
    assert "--grid" in capsys.readouterr().err


def test_sweep_never_overwrites_earlier_output(tmp_path, capsys):
    out = tmp_path / "earlier"
    out.mkdir()
    (out / "points.csv").write_text("earlier result\n")
    code = main(["sweep", str(INVESTMENT), "--grid", f"{SUPP}=0,1", "-n", "1", "--workers", "1", "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "would overwrite points.csv" in err
    assert (out / "points.csv").read_text() == "earlier result\n"


def test_missing_baseline_names_the_file_and_key(tmp_path, capsys):
    path = tmp_path / "child.yaml"
    path.write_text(f"extends: {INVESTMENT}\nfinance:\n  investment:\n    baseline: nowhere.yaml\n")
    code = main(["sweep", str(path), "--grid", f"{SUPP}=0,1", "-n", "1", "--workers", "1", "--out", str(tmp_path / "o"), "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0
    assert str(path) in err and "finance.investment.baseline" in err and "nowhere.yaml" in err


def test_baseline_is_found_beside_the_file_that_names_it(tmp_path):
    # a scenario elsewhere that extends the investment scenario still finds slough_2014_baseline.yaml
    path = tmp_path / "child.yaml"
    path.write_text(f"extends: {INVESTMENT}\nname: child\n")
    outcome = run_sweep(path, parse_grid([f"{SUPP}=0"]), replications=1, seed=1)
    assert outcome.investment_baseline is not None and outcome.investment_baseline.scenario.name == "slough_2014_baseline"


def test_sweep_without_a_permanent_share_target_says_n_a_not_nan(tmp_path, capsys):
    code = main(["sweep", str(tiny_file(tmp_path)), "--grid", f"{SUPP}=0,3000", "-n", "2", "--workers", "1",
                 "--set", "targets={}", "--out", str(tmp_path / "s"), "--no-progress"])
    text = capsys.readouterr().out
    assert code == 0
    assert "P(target)" in text and "nan" not in text.lower()
    rows = [line for line in text.splitlines() if line.startswith("market_supplement") or "social_worker=" in line]
    assert rows and all(" n/a " in line for line in rows)


def test_sweep_workbook_number_formats(tmp_path):
    """Pounds as pounds, shares as percentages (held as fractions), percentage points signed,
    a frozen header row: the workbook a finance officer can pass on."""
    out = tmp_path / "sweep"
    assert main(["sweep", str(INVESTMENT), "--grid", "market_supplement_gbp=0,3000", "-n", "2", "--workers", "1",
                 "--out", str(out), "--no-progress"]) == 0
    pts = pd.read_csv(out / "points.csv")
    ws = openpyxl.load_workbook(out / "sweep.xlsx")["points"]
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold
    col = {c.value: c.column_letter for c in ws[1]}
    total = ws[f"{col['Total cost (£)']}2"]
    assert "£" in total.number_format and total.value == pytest.approx(pts.loc[0, "total_cost_gbp"])
    share = ws[f"{col['Permanent share median (%)']}3"]
    assert share.number_format == "0.0%" and share.value == pytest.approx(pts.loc[1, "permanent_share_median_pct"] / 100)
    chance = ws[f"{col['Chance the permanent share reaches the target (%)']}2"]
    assert chance.number_format == "0.0%"
    gain = ws[f"{col['Permanence gained against the first level (percentage points)']}3"]
    assert gain.number_format.startswith("+0.0")
    saved = ws[f"{col['Agency saved against the first level (£)']}3"]
    assert saved.value == pytest.approx(pts.loc[0, "agency_cost_gbp"] - pts.loc[1, "agency_cost_gbp"], rel=1e-6, abs=1e-3)
    assert ws[f"{col['Point']}2"].number_format == "0"
    # the grid key is a named lever: the workbook and the page name it by its label, the CSV keeps the key
    from workforce_sim.scenario.named_levers import find

    lever = find("market_supplement_gbp")
    assert lever.title in col and "market_supplement_gbp" in pts.columns
    assert ws[f"{col['Label']}3"].value == f"{lever.label} = 3000"
    html = (out / "sweep.html").read_text()
    assert f"{lever.title} = 0, 3000" in html and f"<td>{lever.label} = 3000</td>" in html
