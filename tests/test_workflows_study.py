"""The optimise workflow loads its scenario once, and the plan it writes runs."""
from __future__ import annotations

from pathlib import Path

import pytest

from workforce_sim.scenario import loading

from .helpers import run_cli, write_tiny

SW = "market_supplement.amount_gbp_per_year.social_worker"
REQ = "permanent_share>=0.6@2016-12-01"


def invest_file(folder: Path) -> Path:
    """A tiny scenario whose investment baseline is another tiny scenario beside it."""
    write_tiny(folder, name="tiny_base", market_supplement={"enabled": True, "start_date": "2015-01-01",
                                                            "amount_gbp_per_year": {"social_worker": 0, "practice_manager": 0}})
    path = folder / "invest.yaml"
    path.write_text("extends: tiny_base.yaml\nname: invest\nfinance:\n  investment:\n    baseline: tiny_base.yaml\n", encoding="utf-8")
    return path


def _optimise(path: Path, out: Path, *extra) -> list:
    return ["optimise", path, "--lever", f"{SW}=0..2000:2000", "--require", REQ, "--confidence", "0.5", "--trials", "2", "-n", "2",
            "--confirm-replications", "2", "--confirm-top", "1", "--workers", "1", "--no-progress", "--out", out, *extra]


def test_optimise_loads_the_scenario_once_and_prepares_once(tmp_path, capsys, monkeypatch):
    from workforce_sim.workflows import optimise as workflow

    path = invest_file(tmp_path)
    loads: list[Path] = []
    prepares: list[int] = []
    real_load, real_prepare = loading.load_scenario, workflow.prepare

    def counting_load(p, *args, **kwargs):
        loads.append(Path(p).resolve())
        return real_load(p, *args, **kwargs)

    def counting_prepare(*args, **kwargs):
        prepares.append(1)
        return real_prepare(*args, **kwargs)

    monkeypatch.setattr(loading, "load_scenario", counting_load)
    monkeypatch.setattr(workflow, "load_scenario", counting_load)
    monkeypatch.setattr(workflow, "prepare", counting_prepare)
    code, _, err = run_cli(capsys, *_optimise(path, tmp_path / "run", "--set", "end_date=2017-01-01"))
    assert code in (0, 2), err
    assert loads.count(path.resolve()) == 1, loads            # the scenario file: once
    assert len(prepares) == 1
    assert (tmp_path / "run" / "run.json").exists()


def test_the_plan_written_by_optimise_runs(tmp_path, capsys):
    path = invest_file(tmp_path)
    out = tmp_path / "run"
    code, text, err = run_cli(capsys, *_optimise(path, out, "--set", "end_date=2017-01-01"))
    assert code == 0, err
    plan = out / "plan.yaml"
    assert plan.exists() and "extends:" in plan.read_text()
    code, text, err = run_cli(capsys, "run", plan, "-n", "2", "--workers", "1", "--no-progress", "--set", "end_date=2017-01-01",
                              "--out", tmp_path / "plan_run")
    assert code == 0, err


@pytest.mark.slow
def test_the_slough_plan_runs_from_its_run_folder(tmp_path, capsys):
    """The optimiser's plan for Slough extends the investment scenario, which names its investment baseline
    beside it: the plan runs from the run folder it was written to, its baseline found where the scenario named it."""
    from .helpers import SCENARIOS

    out = tmp_path / "run"
    code, _, err = run_cli(capsys, "optimise", SCENARIOS / "slough_2014_investment.yaml", "--lever", f"{SW}=0..2000:2000",
                           "--require", "permanent_share>=0.5@2016-03-31", "--confidence", "0.5", "--trials", "2", "-n", "2",
                           "--confirm-replications", "2", "--confirm-top", "1", "--workers", "1", "--no-progress", "--out", out)
    assert code == 0, err
    plan = out / "plan.yaml"
    assert "extends:" in plan.read_text()
    code, text, err = run_cli(capsys, "run", plan, "-n", "2", "--workers", "1", "--no-progress", "--json")
    assert code == 0, err
    import json

    spend = [t for t in json.loads(text)["targets"] if t["measure"] == "spend_within_profile"]
    assert len(spend) == 4 and all(t["status"] == "modelled" and t["median"] > 0 for t in spend)   # judged against the baseline
