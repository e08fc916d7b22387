"""One page style: money and chances written the same way, a warning below 100 replications, the
index listing every kind of run with its page and what changed since the previous run."""
from __future__ import annotations

import json

from workforce_sim.reporting import pages
from workforce_sim.reporting.runs import write_index


def test_money_puts_the_sign_before_the_pound():
    assert pages.money(-50_000) == "-£0.05m"
    assert pages.money(1_234_567) == "£1.23m"
    assert pages.money(400_000, signed=True) == "+£0.40m"
    assert pages.money(-1) == "£0.00m"
    assert pages.pounds(-1200) == "-£1,200"


def test_a_chance_carries_its_interval_and_few_replications_warn():
    assert pages.chance(0.0, 20) == "0% (90% interval 0% to 12%, 20 replications)"
    assert "0% to 0%" in pages.chance(0.0, 1000) or "0% to 1%" in pages.chance(0.0, 1000)
    lo, hi = pages.chance_interval(10, 20)
    assert lo < 0.5 < hi
    assert "Only 20 replications" in pages.few_replications_warning(20)
    assert pages.few_replications_warning(100) == ""


def test_page_opens_with_its_answer_and_has_a_glossary():
    html = pages.page("T", "The answer.", chart="<div class=chart></div>", body="<table></table>", words=["FTE", "DBS"])
    assert html.index('class="answer"') < html.index("class=chart") < html.index("<table>")
    assert "Disclosure and Barring Service" in html and "full-time equivalent" in html


def _run(folder, name, run_id, median):
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("<html></html>")
    (folder / "run.json").write_text(json.dumps({
        "run_id": run_id, "name": name, "scenario": name, "kind": "report", "status": "complete", "replications": 100,
        "started": "2026-12-06T10:00:00", "headline_text": f"share {median}",
        "headline": {"key": "permanent_share", "unit": "share", "median": median}}))


def test_index_lists_every_kind_of_run_with_its_page_and_what_changed(tmp_path):
    out = tmp_path / "outputs"
    _run(out / "slough" / "20261206-100000-aaaaaa", "slough", "20261206-100000-aaaaaa", 0.60)
    _run(out / "slough" / "20261206-110000-bbbbbb", "slough", "20261206-110000-bbbbbb", 0.625)
    sweep = out / "slough" / "20261206-120000-cccccc-sweep"
    sweep.mkdir()
    (sweep / "sweep.html").write_text("<html></html>")
    html = write_index(out).read_text()
    assert "<th>Changed</th>" in html and "+2.5 pts" in html and "first run" in html
    assert 'href="slough/20261206-120000-cccccc-sweep/sweep.html"' in html and "<td>sweep</td>" in html
    assert 'class="answer"' in html


def _answer(html: str) -> str:
    import re

    return re.search(r'<p class="answer">([^<]*)</p>', html).group(1)


def test_the_backtest_page_opens_with_its_answer_and_the_coverage_chart():
    import pandas as pd

    from workforce_sim.analysis.backtest import goals
    from workforce_sim.analysis.measures import wilson
    from workforce_sim.reporting.backtest import page

    base = {"variant": "calibrated", "coverage50": 0.5, "crps": 3.0, "persistence_crps": 3.5, "mean_reversion_mae": 4.0}
    s = pd.DataFrame([
        {**base, "measure": "agency_rate_pct", "horizon": 1, "cases": 100, "coverage90": 0.9, "mae": 5.0, "persistence_mae": 4.6},
        {**base, "measure": "vacancy_rate_pct", "horizon": 1, "cases": 100, "coverage90": 0.7, "mae": 4.1, "persistence_mae": 4.0}])
    for c in ("coverage50", "coverage90"):
        lo_hi = [wilson(p * n, n) for p, n in zip(s[c], s["cases"])]
        s[f"{c}_low"], s[f"{c}_high"] = [a for a, _ in lo_hi], [b for _, b in lo_hi]
    g = goals(s)
    missed = int((g["status"] == "missed").sum())
    tasks = pd.DataFrame({"council": ["A"], "origin": [2019], "skipped": [""], "failed": [""]})
    html = page({"councils": 2}, s, g, pd.DataFrame(columns=["council", "new_la_code", "cases", "crps", "persistence_crps", "coverage90"]),
                tasks)
    answer = _answer(html)
    assert missed > 0 and f"miss {missed} of {len(g)} goals beyond chance" in answer
    assert "90% intervals held 80% of 200 published outcomes" in answer          # (0.9 * 100 + 0.7 * 100) / 200
    assert 'class="wfsim-page"' in html and html.index('class="answer"') < html.index('src="coverage_by_horizon.png"') < html.index("Scores against the peers")
    assert "Words used here" in html and pages.PAGE_STYLE in html


def test_the_optimise_answer_names_levers_by_their_labels():
    from types import SimpleNamespace

    import pandas as pd

    from workforce_sim.experiments.levers import Lever
    from workforce_sim.reporting.optimise import optimise_answer

    hire = Lever("time_to_hire_days", 60, 120, label="Time to hire (days)", step=10)
    nqsw = Lever("nqsw_per_year", 12, 24, label="NQSWs a year", integer=True)
    raw = Lever("agency.conversion_per_year", 0.0, 0.15)
    row = pd.Series({"time_to_hire_days": 60.0, "nqsw_per_year": 13.0, "agency.conversion_per_year": 0.05, "cost_gbp": 1_234_000.0,
                     "chance": 0.85, "chance_low": 0.8, "chance_high": 0.9, "replications": 200})
    opt = SimpleNamespace(spec=SimpleNamespace(confidence=0.8, minimise="total_cost"), plan_row=row, levers=[hire, nqsw, raw])
    text = optimise_answer(opt)
    assert "costs £1.23m" in text and "85% of 200 fresh futures" in text
    assert "Time to hire: 60 days" in text and "NQSWs a year: 13;" in text and "agency.conversion_per_year: 0.05" in text
    assert "time_to_hire_days" not in text
