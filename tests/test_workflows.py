"""The one path per command: each scenario file loaded once, and `wfsim run` and `wfsim report`
reaching the same figures for the same seed and replications."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from workforce_sim.scenario import loading
from workforce_sim.workflows import run as run_workflow

from .helpers import SCENARIOS, run_cli

INVESTMENT = SCENARIOS / "slough_2014_investment.yaml"
BASELINE = SCENARIOS / "slough_2014_baseline.yaml"


@pytest.fixture
def loads(monkeypatch) -> Counter:
    """Count load_scenario calls by resolved file."""
    counts: Counter = Counter()
    real = loading.load_scenario

    def counting(path, overrides=()):
        counts[Path(path).resolve()] += 1
        return real(path, overrides)

    monkeypatch.setattr(loading, "load_scenario", counting)
    return counts


def test_run_loads_the_scenario_and_its_investment_baseline_once_each(loads, capsys):
    code, out, err = run_cli(capsys, "run", str(INVESTMENT), "-n", "2", "--workers", "1", "--no-progress", "--json")
    assert code == 0, err
    assert loads == Counter({INVESTMENT.resolve(): 1, BASELINE.resolve(): 1})
    spend = [t for t in json.loads(out)["targets"] if t["measure"] == "spend_within_profile"]
    assert spend and all(t["status"] == "modelled" for t in spend)   # judged above the investment baseline


def test_prepare_holds_the_defaults_and_the_investment_baseline(loads):
    from workforce_sim.defaults import DEFAULTS

    spec = run_workflow.prepare(INVESTMENT)
    assert (spec.seed, spec.replications) == (DEFAULTS.seed, DEFAULTS.replications["run"])
    assert spec.investment_baseline is not None and spec.investment_baseline.name == "slough_2014_baseline"
    assert spec.run_investment_baseline
    assert sum(loads.values()) == 2


def test_execute_does_not_change_the_results_it_judges():
    spec = run_workflow.prepare(INVESTMENT, 2, 3, workers=1)
    outcome = run_workflow.execute(spec)
    assert not hasattr(outcome.results, "extra")
    assert outcome.investment_baseline is not None and outcome.investment_baseline.seed == 3
    from workforce_sim.analysis import targets

    card = targets.scorecard(outcome.results, outcome.investment_baseline)
    pd.testing.assert_frame_equal(card, outcome.scorecard)
    without = targets.scorecard(outcome.results).set_index("key")
    spend = [k for k in without.index if without.loc[k, "measure"] == "spend_within_profile"]
    assert spend and (without.loc[spend, "status"] == targets.NEEDS_EXTRA).all()


def test_run_and_report_give_the_same_figures(tmp_path, capsys):
    code, out, err = run_cli(capsys, "run", str(INVESTMENT), "-n", "2", "--seed", "9", "--workers", "1", "--no-progress", "--json")
    assert code == 0, err
    ran = {t["key"]: t for t in json.loads(out)["targets"] if t["status"] == "modelled"}
    code, out, err = run_cli(capsys, "report", str(INVESTMENT), "-n", "2", "--seed", "9", "--workers", "1",
                             "--out", str(tmp_path), "--no-progress", "--json")
    assert code == 0, err
    done = json.loads(out)
    kpi = pd.read_parquet(Path(done["folder"]) / "kpi.parquet").set_index("key")
    reported = kpi[kpi["status"] == "modelled"]
    assert set(reported.index) == set(ran)
    assert any(ran[k]["measure"] == "spend_within_profile" for k in ran)
    for key, row in reported.iterrows():
        for col in ("median", "low", "high", "p_meet"):
            a, b = ran[key][col], row[col]
            assert (a is None and pd.isna(b)) or a == pytest.approx(b), (key, col)
    from workforce_sim.reporting.text import headline

    assert done["headline"] == headline(pd.DataFrame(list(ran.values())))[1]


def test_an_override_the_investment_baseline_lacks_changes_the_scenario_only():
    """``--set nqsw.cohorts.0.count=12`` on the investment scenario: the baseline has no cohorts, so the
    override changes the scenario only (with a warning naming it), while one both have changes both."""
    from workforce_sim.scenario.loading import ScenarioWarning

    with pytest.warns(ScenarioWarning, match=r"nqsw.cohorts.0.count=12: not a key of the investment baseline"):
        spec = run_workflow.prepare(INVESTMENT, 2, overrides=["nqsw.cohorts.0.count=12", "agency.cover_lag_days=9"])
    assert spec.scenario.nqsw.cohorts[0].count == 12 and not spec.investment_baseline.nqsw.cohorts
    assert spec.scenario.agency.cover_lag_days == spec.investment_baseline.agency.cover_lag_days == 9
    with pytest.raises(loading.InputError, match="cover_lag_days"):   # a bad value is still an error, not dropped
        run_workflow.prepare(INVESTMENT, 2, overrides=["nqsw.cohorts.0.count=12", "agency.cover_lag_days=-1"])
