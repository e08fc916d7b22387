"""Every shipped scenario's report runs and shows that scenario's own targets, with
nothing a reader should not see; `wfsim run` and `wfsim report` give the same verdicts."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from workforce_sim.analysis import targets
from workforce_sim.cli.main import main
from workforce_sim.scenario.loading import load_scenario

from .helpers import ROOT, SCENARIOS

SHIPPED = sorted(p.name for p in SCENARIOS.glob("*.yaml"))
PACKAGE = ROOT / "src" / "workforce_sim"


def page_text(page: str) -> str:
    """The words a reader sees: tags, styles and the resolved-YAML block left out."""
    body = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", page, flags=re.S)
    body = re.sub(r"<details>.*?</details>", " ", body, flags=re.S)   # the scenario as resolved, for analysts
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def report(tmp_path: Path, name: str) -> Path:
    outputs = tmp_path / "outputs"
    assert main(["report", str(SCENARIOS / name), "-n", "2", "--workers", "1", "--out", str(outputs), "--no-progress"]) == 0
    (folder,) = [p for p in (outputs / load_scenario(SCENARIOS / name).name).iterdir() if p.is_dir() and p.name[0].isdigit()]
    return folder


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_reports_its_own_targets(tmp_path, name, capsys):
    sc = load_scenario(SCENARIOS / name)
    folder = report(tmp_path, name)
    kpi = pd.read_csv(folder / "kpi.csv")
    declared = targets.targets_for(sc)
    assert kpi["key"].tolist() == [t.key for t in declared]
    page = (folder / "report.html").read_text(encoding="utf-8")
    text = page_text(page)
    for t in declared:
        assert html.escape(t.title, quote=False) in page, t.title
    for bad in (r"\bnan\b", r"-0\.0(?!\d)", r"n/a \(at", "still being built", "awaiting case model"):
        assert not re.search(bad, text), (bad, re.search(bad, text) and text[re.search(bad, text).start() - 80:][:160])
    # team types by their description, not their keys, outside the provenance tables
    scorecard_and_tables = text.split("Assumptions and provenance")[0]
    for key in sc.team_types:
        if "_" in key:
            assert key not in scorecard_and_tables, key
    if sc.finance.investment.gbp_by_financial_year:
        assert "Investment profile (£)" in text
    else:   # no investment bars, table or spend target
        assert "no investment profile" in text and "Investment profile (£)" not in text
        assert not any(t.measure == "spend_within_profile" for t in declared)


def test_only_the_scenario_with_an_investment_profile_shows_it_and_judges_each_year(tmp_path, capsys):
    name = "slough_2014_investment.yaml"
    folder = report(tmp_path, name)
    kpi = pd.read_csv(folder / "kpi.csv").set_index("key")
    years = ["2014/15", "2015/16", "2016/17", "2017/18"]
    spend = kpi[kpi["measure"] == "spend_within_profile"]
    assert spend["financial_year"].tolist() == years
    assert spend["target"].tolist() == [3.2e6, 2.3e6, 1.2e6, 0.8e6]
    assert set(spend["status"]) == {"modelled"}
    # the same verdicts from `wfsim run` (same seed and replications)
    capsys.readouterr()
    assert main(["run", str(SCENARIOS / name), "-n", "2", "--workers", "1", "--json"]) == 0
    run = {r["key"]: r for r in json.loads(capsys.readouterr().out)["targets"]}
    for key, row in kpi[kpi["status"] == "modelled"].iterrows():
        assert run[key]["rag"] == row["rag"], key
        assert run[key]["median"] == pytest.approx(row["median"]), key
        if row["target"] == row["target"]:
            assert run[key]["p_meet"] == pytest.approx(row["p_meet"]), key


def test_the_package_code_names_no_council():
    councils = re.compile(r"slough|kent|medway", re.I)
    found = [f"{p.relative_to(ROOT)}:{i}" for p in sorted(PACKAGE.rglob("*.py"))
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if councils.search(line)]
    assert found == []
    assert not [p.name for p in PACKAGE.rglob("*") if councils.search(p.name)]   # nor a shipped file's name
