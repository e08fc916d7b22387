"""Parameter uncertainty told apart from run-to-run noise: the nested design (K parameter
draws x M replications), the variance-share estimator, `wfsim run/report --decompose K,M`."""
from __future__ import annotations

import json

import nbformat
import numpy as np
import pandas as pd
import pytest

from workforce_sim.analysis.uncertainty import decompose, variance_share
from workforce_sim.experiments.replications import run_replications, single_run
from workforce_sim.scenario.uncertain import Uniform

from .helpers import assert_one_line, permanent_only, run_cli, tiny, write_tiny

UNCERTAIN = {"attrition": {"role_multiplier": {"social_worker": [0.3, 2.5]}},
             "recruitment": {"pipeline": {"applicants_per_advert": {"social_worker": [0.1, 1.5]}}}}


def groups(k: int, m: int) -> np.ndarray:
    return np.repeat(np.arange(k), m)


# --------------------------------------------------------------------------- the estimator
def test_share_is_near_zero_when_the_parameters_do_nothing():
    rng = np.random.default_rng(1)
    s = variance_share(rng.normal(5, 2, 40 * 10), groups(40, 10))
    assert s.share < 0.05 and s.low == 0.0 and s.high < 0.15
    assert s.noise_var == pytest.approx(4, rel=0.15) and s.total_sd == pytest.approx(2, rel=0.1)


def test_share_is_near_one_when_the_noise_is_tiny():
    rng = np.random.default_rng(2)
    means = rng.normal(0, 3, 30)
    y = np.repeat(means, 5) + rng.normal(0, 0.01, 150)
    s = variance_share(y, groups(30, 5))
    assert s.share > 0.999 and s.low > 0.99 and s.high <= 1
    assert s.parameter_var == pytest.approx(means.var(ddof=1), rel=1e-3)


def test_share_recovers_a_known_mix():
    rng = np.random.default_rng(3)
    k, m = 200, 10
    y = np.repeat(rng.normal(0, np.sqrt(0.3), k), m) + rng.normal(0, np.sqrt(0.7), k * m)
    s = variance_share(y, groups(k, m))
    assert s.low < 0.3 < s.high and abs(s.share - 0.3) < 0.06
    assert s.parameter_var == pytest.approx(0.3, abs=0.08) and s.noise_var == pytest.approx(0.7, rel=0.05)


def test_between_variance_is_corrected_for_the_noise_in_group_means():
    # no parameter effect: the raw variance of group means is about noise / M, the estimate removes it
    rng = np.random.default_rng(4)
    k, m = 50, 4
    y = rng.normal(0, 1, k * m)
    raw = y.reshape(k, m).mean(axis=1).var(ddof=1)
    s = variance_share(y, groups(k, m))
    assert raw == pytest.approx(0.25, rel=0.4)
    assert s.parameter_var == pytest.approx(max(0.0, raw - y.reshape(k, m).var(axis=1, ddof=1).mean() / m))


def test_unbalanced_groups_and_missing_values():
    rng = np.random.default_rng(5)
    y = np.repeat(rng.normal(0, 1, 60), 6) + rng.normal(0, 1, 360)
    g = groups(60, 6)
    y[::7] = np.nan                     # a failed replication or a measure with no value
    s = variance_share(y, g)
    assert s.n == int(np.isfinite(y).sum()) and s.n0 < 6
    assert s.low < 0.5 < s.high


def test_nothing_varies_gives_no_share_and_too_few_draws_are_refused():
    s = variance_share(np.ones(12), groups(4, 3))
    assert np.isnan(s.share) and s.total_sd == 0
    with pytest.raises(ValueError, match="two parameter draws"):
        variance_share(np.arange(5.0), np.zeros(5))
    with pytest.raises(ValueError, match="two parameter draws"):
        variance_share(np.arange(3.0), np.arange(3))       # one value per draw: no noise estimate


@pytest.mark.slow
def test_interval_covers_the_true_share_nine_times_in_ten_with_few_draws():
    rng = np.random.default_rng(6)
    for k, m, share in [(5, 10, 0.5), (6, 6, 0.2), (10, 4, 0.8)]:
        hits = 0
        for _ in range(400):
            y = np.repeat(rng.normal(0, np.sqrt(share), k), m) + rng.normal(0, np.sqrt(1 - share), k * m)
            s = variance_share(y, groups(k, m))
            hits += s.low <= share <= s.high
        assert 0.85 <= hits / 400 <= 0.95, (k, m, share, hits / 400)


# --------------------------------------------------------------------------- the nested design
def test_groups_hold_the_parameters_fixed_and_vary_the_noise():
    sc = tiny(**UNCERTAIN)
    res = run_replications(sc, 3 * 4, seed=11, per_draw=4)
    p = res.parameters.set_index("replication")
    assert (p["parameter_draw"] == p.index // 4).all()
    cols = ["attrition.role_multiplier.social_worker", "recruitment.pipeline.applicants_per_advert.social_worker"]
    by_group = p.groupby("parameter_draw")[cols]
    assert (by_group.nunique() == 1).all().all()                 # one draw within a group
    assert by_group.first().drop_duplicates().shape[0] == 3      # different draws across groups
    # ... and the group's draw is the one an ordinary run gives that index
    ordinary = run_replications(sc, 3, seed=11).parameters.set_index("replication")[cols]
    pd.testing.assert_frame_equal(by_group.first().rename_axis("replication"), ordinary)
    # within a group the noise differs: no two replications have the same staffing path
    perm = res.snapshots.groupby(["replication", "date"])["permanent_fte"].sum().unstack()
    assert perm.loc[0:3].drop_duplicates().shape[0] == 4


def test_a_replication_of_a_group_is_the_ordinary_replication_with_the_groups_draw():
    sc = tiny(**UNCERTAIN)
    nested = single_run(sc, 5, replication=6, parameter_draw=1)
    plain = single_run(sc, 5, replication=6)
    assert nested.parameters == single_run(sc, 5, replication=1).parameters != plain.parameters
    assert single_run(sc, 5, replication=6, parameter_draw=6).parameters == plain.parameters
    pd.testing.assert_frame_equal(single_run(sc, 5, replication=6, parameter_draw=6).snapshots, plain.snapshots)


def test_ordinary_runs_have_no_parameter_draw_column_and_nested_runs_repeat_for_any_worker_count():
    sc = tiny(**UNCERTAIN)
    assert "parameter_draw" not in run_replications(sc, 2, seed=3).parameters.columns
    one = run_replications(sc, 6, seed=3, workers=1, per_draw=3)
    two = run_replications(sc, 6, seed=3, workers=2, per_draw=3)
    pd.testing.assert_frame_equal(one.snapshots, two.snapshots)
    pd.testing.assert_frame_equal(one.parameters, two.parameters)


def test_decompose_finds_the_parameters_when_they_dominate_and_not_when_they_do_nothing():
    # 400 permanent social workers, nobody joining: after two years the vacancy rate is about
    # 1 - exp(-2 x 0.18 x multiplier); a multiplier from 0.1 to 3 moves it by tens of points,
    # the noise of 400 workers' leaving by 2 to 3
    sc = permanent_only({"role_multiplier": {"social_worker": [0.1, 3.0]}})
    parts = decompose(run_replications(sc, 8 * 3, seed=2, per_draw=3)).set_index("key")
    assert {"vacancy_rate", "permanent_turnover"} <= set(parts.index)
    row = parts.loc["vacancy_rate"]
    assert row["draws"] == 8 and row["per_draw"] == 3 and row["n"] == 24
    assert 0 <= row["low"] <= row["share_from_parameters"] <= row["high"] <= 1
    assert row["share_from_parameters"] > 0.85 and row["low"] > 0.7
    assert 0.01 < row["noise_sd"] < 0.04
    assert row["total_sd"] == pytest.approx(np.hypot(row["parameter_sd"], row["noise_sd"]))
    # a parameter that moves only costs explains none of the spread of the vacancy rate
    idle = permanent_only({}).model_copy(update={"finance": permanent_only({}).finance.model_copy(update={"on_cost_rate": Uniform(low=0.2, high=0.3)})})
    quiet = decompose(run_replications(idle, 8 * 3, seed=2, per_draw=3)).set_index("key").loc["vacancy_rate"]
    assert quiet["low"] == 0.0 and quiet["share_from_parameters"] < 0.3
    with pytest.raises(ValueError, match="nested design"):
        decompose(run_replications(sc, 2, seed=2))


# --------------------------------------------------------------------------- the command line
def test_run_decompose_prints_the_table_and_writes_it(tmp_path, capsys):
    path = write_tiny(tmp_path, **UNCERTAIN)
    out = tmp_path / "out"
    code, stdout, _ = run_cli(capsys, "run", path, "--decompose", "3,2", "--workers", "1", "--no-progress", "--out", out)
    assert code == 0
    assert "Where the uncertainty comes from: 3 parameter draws x 2 replications each" in stdout
    assert "tiny (): 6 replications" in stdout
    table = pd.read_csv(out / "decomposition.csv")
    assert (out / "decomposition.parquet").exists()
    assert set(table["key"]) >= {"permanent_share", "vacancy_rate"} and (table["n"] == 6).all()
    assert pd.read_parquet(out / "parameters.parquet")["parameter_draw"].tolist() == [0, 0, 1, 1, 2, 2]
    code, stdout, _ = run_cli(capsys, "run", path, "--decompose", "3,2", "--workers", "1", "--no-progress", "--json")
    data = json.loads(stdout)
    assert data["replications"] == 6 and data["decomposition"]["draws"] == 3 and data["decomposition"]["per_draw"] == 2
    rows = {r["key"]: r for r in data["decomposition"]["targets"]}
    perm = table.set_index("key").loc["permanent_share"]
    assert rows["permanent_share"]["share_from_parameters"] == pytest.approx(perm["share_from_parameters"])


@pytest.mark.parametrize("value,needle", [
    ("1,5", "at least 2 parameter draws"),
    ("5,1", "at least 2 parameter draws"),
    ("5", "expected K,M"),
    ("a,b", "expected K,M"),
    ("2,3,4", "expected K,M"),
    ("200,60", "K x M = 12,000 is more than the ceiling"),
])
def test_run_decompose_bad_values_are_one_line_errors(tmp_path, capsys, value, needle):
    path = write_tiny(tmp_path, **UNCERTAIN)
    code, stdout, err = run_cli(capsys, "run", path, "--decompose", value, "--no-progress")
    assert_one_line(code, err, "--decompose", needle)
    assert stdout == ""


def test_decompose_needs_an_uncertain_parameter(tmp_path, capsys):
    path = write_tiny(tmp_path)
    out = tmp_path / "out"
    code, _, err = run_cli(capsys, "run", path, "--decompose", "3,2", "--no-progress", "--out", out)
    assert_one_line(code, err, str(path), "--decompose", "no parameter a range", "nothing to decompose")
    assert not out.exists()
    code, _, err = run_cli(capsys, "report", path, "--decompose", "3,2", "--no-progress", "--out", out)
    assert_one_line(code, err, str(path), "nothing to decompose")
    assert not out.exists()


def test_report_shows_where_the_uncertainty_comes_from_only_when_asked(tmp_path, capsys):
    path = write_tiny(tmp_path, **UNCERTAIN)
    outputs = tmp_path / "outputs"
    code, _, _ = run_cli(capsys, "report", path, "--decompose", "3,2", "--workers", "1", "--no-progress", "--out", outputs)
    assert code == 0
    (folder,) = [p for p in (outputs / "tiny").iterdir() if p.is_dir() and p.name[0].isdigit()]
    page = (folder / "report.html").read_text()
    assert "Where the uncertainty comes from" in page and "Share of the spread from the parameters" in page
    assert "of the spread (somewhere between" in page
    run = json.loads((folder / "run.json").read_text())
    assert run["replications"] == 6 and run["decompose"] == {"draws": 3, "per_draw": 2}
    table = pd.read_parquet(folder / "decomposition.parquet")
    assert (table["n"] == 6).all() and (table["draws"] == 3).all()
    nb = nbformat.read(str(folder / "report.ipynb"), as_version=4)
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.get("output_type") == "error"]


def test_the_report_section_follows_the_permanent_staff_chart():
    from workforce_sim.reporting.notebook import DEFAULT_NOTEBOOK

    nb = nbformat.read(str(DEFAULT_NOTEBOOK), as_version=4)
    i = next(k for k, c in enumerate(nb.cells) if c.source.startswith("## Permanent staff over time"))
    assert nb.cells[i + 2].source.startswith("## Where the uncertainty comes from")
    assert "if decompose:" in nb.cells[i + 3].source and nb.cells[i + 3].cell_type == "code"
    assert nb.cells[i + 4].source.startswith("## Caseloads by team and role")


# --------------------------------------------------------------------------- counts and the shipped scenarios
def test_a_count_given_as_a_range_is_drawn_as_a_whole_number(tmp_path, capsys):
    # a cohort of up to 6 finds open social worker posts (12 of the 24 posts start permanent); 8 can outnumber them
    sc = tiny(nqsw={"cohorts": [{"date": "2015-09-01", "count": [2, 6]}, {"date": "2016-09-01", "count": 3}]})
    assert sc.nqsw.cohorts[1].count == 3 and isinstance(sc.nqsw.cohorts[1].count, int)
    res = run_replications(sc, 8, seed=1)
    drawn = res.parameters.set_index("replication")["nqsw.cohorts.0.count"]
    assert set(drawn) <= set(range(2, 7)) and drawn.nunique() > 2 and "nqsw.cohorts.1.count" not in res.parameters
    joined = res.snapshots[res.snapshots["date"] == "2015-09-01"].groupby("replication")["asye_fte"].sum()
    assert (joined == drawn).all()                       # that many NQSWs start
    for bad, needle in [("2.5", "whole number"), ("[-1, 3]", "must be >= 0")]:
        path = write_tiny(tmp_path)
        code, _, err = run_cli(capsys, "validate", path, "--set", f"nqsw.cohorts=[{{date: 2015-09-01, count: {bad}}}]")
        assert_one_line(code, err, "nqsw.cohorts.0.count", needle)


SHIPPED_WITH_RANGES = ["slough_2014_baseline", "slough_2014_investment", "kent_2013_contract", "kent_2013_contract_rising_lac",
                       "medway_2010_career_framework"]


@pytest.mark.parametrize("name", SHIPPED_WITH_RANGES)
def test_shipped_scenarios_give_ranges_each_with_its_reasoning(name):
    from workforce_sim.scenario.loading import load_scenario
    from workforce_sim.scenario.uncertain import uncertain_paths

    from .helpers import SCENARIOS

    sc = load_scenario(SCENARIOS / f"{name}.yaml")
    paths = uncertain_paths(sc)
    for key in ("attrition.role_multiplier.social_worker", "attrition.nqsw_multiplier", "agency.cover_probability",
                "agency.conversion_per_year", "recruitment.pipeline.applicants_per_advert.social_worker", "recruitment.pipeline.p_accept"):
        assert key in paths, key
    unsourced = [p for p in paths if not any(p == k or p.startswith(k + ".") for k in sc.sources)]
    assert not unsourced
    if name.startswith("kent"):   # graduates keep coming after the 2013 cohort of 48
        later = [c for c in sc.nqsw.cohorts if c.date.year > 2013]
        assert [c.date.year for c in later] == [2014, 2015] and all(not isinstance(c.count, int) for c in later)


def test_scaled_multiplies_numbers_and_distributions():
    from workforce_sim.scenario.uncertain import Triangular, scaled

    assert scaled(6, 2) == 12 and isinstance(scaled(6, 2), int) and scaled(0.5, 3) == 1.5
    assert scaled(Uniform(low=3, high=9), 2) == {"dist": "uniform", "low": 6, "high": 18}
    assert scaled(Triangular(dist="triangular", low=1, mode=2, high=4), 10) == {"dist": "triangular", "low": 10, "mode": 20, "high": 40}
    doubled = tiny(nqsw={"cohorts": [{"date": "2015-09-01", "count": scaled(Uniform(low=3, high=9), 2)}]})
    assert doubled.nqsw.cohorts[0].count.support() == (6, 18)


def test_a_block_of_replications_takes_each_particle_of_a_group_once():
    """A group's particle is stratified across replications (docs/model.md "Stratified draws"): a block of
    replications (20) of as many equally weighted particles take each once (independent draws repeat some)."""
    from workforce_sim.streams import STRATA

    values = [round(0.01 * k, 6) for k in range(1, STRATA + 1)]
    sc = tiny(end_date="2015-06-01", agency={"conversion_per_year": {"dist": "empirical", "values": values, "group": "posterior"}})
    res = run_replications(sc, STRATA, seed=3)
    assert sorted(res.parameters["agency.conversion_per_year"].round(6)) == values
