"""Backtest and calibration: scores on known cases, no look-ahead, the command line, bad input."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from workforce_sim.analysis import recalibration as recal
from workforce_sim.analysis.backtest import (
    before_after,
    change_quantiles,
    crps_ensemble,
    forecast_indicators,
    goals,
    pit,
    score_cases,
    scores,
    wilson,
)
from workforce_sim.analysis.checks import annual_indicators
from workforce_sim.analysis.peers import mean_reversion_peer, persistence_peer
from workforce_sim.cli.main import main
from workforce_sim.errors import InputError
from workforce_sim.experiments.backtest import TaskResult, origin_scenario, select_councils
from workforce_sim.experiments.calibrate import (
    PRIORS,
    Posterior,
    calibrate,
    history_runs,
    history_scenario,
    history_window,
    posterior_scenario,
    targets_of,
    with_parameters,
)
from workforce_sim.experiments.replications import run_replications
from workforce_sim.scenario.councils import find_council, load_table, table_through
from workforce_sim.scenario.schema import Scenario


# ------------------------------------------------------------------ scores on known cases
def _table(rows):
    return pd.DataFrame([{"level": "local_authority", "new_la_code": code, "old_la_code": "", "name": code, "region": "R",
                          "year": y, "measure": m, "value": v, "source_id": "test"} for code, y, m, v in rows])


def _task(code, origin, years_values, variant="baseline", staffed=10.0):
    """A task whose forecast of the agency rate is the given ensembles by year (staffing constant)."""
    rows = []
    for year, values in years_values.items():
        for r, v in enumerate(values):
            rows.append({"variant": variant, "replication": r, "year_to_30_sept": year, "staffed_sw_fte": staffed,
                         "agency_rate_pct": v, "turnover_rate_pct": np.nan, "vacancy_rate_pct": np.nan})
    n = len(next(iter(years_values.values())))
    rows += [{"variant": variant, "replication": r, "year_to_30_sept": origin, "staffed_sw_fte": staffed, "agency_rate_pct": np.nan,
              "turnover_rate_pct": np.nan, "vacancy_rate_pct": np.nan} for r in range(n)]
    return TaskResult(new_la_code=code, council=code, origin=origin, forecasts=pd.DataFrame(rows))


def test_scores_of_a_hand_computed_case():
    # published agency rate: council A 15 in 2019 (origin) and 13 in 2020; councils B-E give the 1-year changes
    # up to 2019: B +1 (2018->2019), C -1, D +3, E -3, and A itself 2018->2019: 14 -> 15 (+1)
    rows = [("A", 2018, "agency_rate_pct", 14.0), ("A", 2019, "agency_rate_pct", 15.0), ("A", 2020, "agency_rate_pct", 13.0)]
    for code, a, b in (("B", 10, 11), ("C", 10, 9), ("D", 10, 13), ("E", 10, 7)):
        rows += [(code, 2018, "agency_rate_pct", a), (code, 2019, "agency_rate_pct", b), (code, 2020, "agency_rate_pct", 99.0)]
    table = _table(rows)
    all_cases = score_cases([_task("A", 2019, {2020: [10.0, 12.0, 14.0, 16.0]})], table)
    # the forecast and its recalibration, which has no past forecast to learn from: the raw ensemble
    assert all_cases["variant"].tolist() == ["baseline", "recalibrated"]
    cases = all_cases[all_cases["variant"] == "baseline"]
    raw, rec = all_cases.iloc[0], all_cases.iloc[1]
    assert rec["recalibration_cases"] == 0 and rec["crps"] == raw["crps"] and rec["q05"] == raw["q05"]
    c = cases.iloc[0]
    assert (c["horizon"], c["actual"], c["origin_value"]) == (1, 13.0, 15.0)
    # median of 10, 12, 14, 16 (linear interpolation) is 13: no error
    assert c["q50"] == 13.0 and c["abs_error"] == 0.0
    # quantiles at the plotting positions p(n + 1) = p x 5: 5% and 95% at 0.25 and 4.75, past the ends: 10 and 16;
    # 25% and 75% at 1.25 and 3.75: 10.5 and 15.5; 13 is inside both
    assert c["q05"] == 10.0 and c["q95"] == 16.0 and c["in90"] and c["in50"]
    assert (c["q25"], c["q75"]) == (pytest.approx(10.5), pytest.approx(15.5))
    # CRPS of the ensemble: mean |x - 13| = 2, minus half the mean |x - x'| over the 12 pairs of two different
    # members (40 / 12; the fair estimator: 1/3) or over all 16 pairs (40 / 16; the plain one: 3/4); their mean
    assert c["crps"] == pytest.approx((1 / 3 + 3 / 4) / 2)
    assert c["pit"] == 0.5  # two of four below 13
    # persistence: 15, off by 2; its interval adds the 1-year changes up to 2019 (+1, -1, +3, -3, +1)
    assert c["persistence_abs_error"] == 2.0 and c["persistence_point_crps"] == 2.0
    # probabilistic persistence: the ensemble 16, 14, 18, 12, 16; mean |x - 13| = 2.6, half the mean |x - x'| over
    # the 20 pairs of different members (56 / 20 / 2) = 1.4 (fair: 1.2) or over all 25 (56 / 25 / 2; plain: 1.48)
    assert c["persistence_crps"] == pytest.approx((1.2 + 1.48) / 2)
    ch = np.array([1.0, -1.0, 3.0, -3.0, 1.0])
    lo90, hi90 = 15 + np.quantile(ch, 0.05, method="weibull"), 15 + np.quantile(ch, 0.95, method="weibull")
    assert bool(c["persistence_in90"]) == (lo90 <= 13 <= hi90)
    lo50, hi50 = 15 + np.quantile(ch, 0.25, method="weibull"), 15 + np.quantile(ch, 0.75, method="weibull")
    assert (lo50, hi50) == (13.0, 17.0)   # sorted changes -3, -1, 1, 1, 3 at positions 1.5 and 4.5
    assert c["persistence_in50"]          # 13 on the interval's lower end
    s = scores(cases).iloc[0]
    assert (s["cases"], s["mae"], s["persistence_mae"], s["coverage90"], s["crps"]) == (1, 0.0, 2.0, 1.0, pytest.approx((1 / 3 + 3 / 4) / 2))


def test_persistence_spread_reads_nothing_after_the_origin():
    rows = [("A", y, "agency_rate_pct", float(v)) for y, v in ((2017, 10), (2018, 12), (2019, 13), (2020, 40))]
    q = change_quantiles(_table(rows), 2019, 1)
    assert q.at["agency_rate_pct", "changes"] == 2          # 2017->2018, 2018->2019; not 2019->2020
    assert q.at["agency_rate_pct", "q50"] == 1.5


@pytest.mark.slow
def test_coverage_of_a_known_distribution():
    rng = np.random.default_rng(7)
    tasks, rows = [], []
    for i in range(300):
        code, mu = f"C{i:03d}", rng.uniform(5, 30)
        rows += [(code, 2018, "agency_rate_pct", mu), (code, 2019, "agency_rate_pct", mu + rng.normal())]
        tasks.append(_task(code, 2018, {2019: list(mu + rng.normal(size=400))}))
        tasks.append(_task(code, 2018, {2019: list(mu + 0.3 * rng.normal(size=400))}, variant="calibrated"))
    s = scores(score_cases(tasks, _table(rows))).set_index("variant")
    # right spread: about 90% and 50% of outcomes inside (binomial sd with 300 cases: 1.7 and 2.9 points)
    assert 0.85 <= s.at["baseline", "coverage90"] <= 0.95
    assert 0.42 <= s.at["baseline", "coverage50"] <= 0.58
    # a spread 0.3 times too narrow holds about 2 Phi(1.645 x 0.3) - 1 = 37% in its 90% interval
    assert s.at["calibrated", "coverage90"] < 0.5
    assert s.at["baseline", "crps"] < s.at["calibrated", "crps"]


def test_crps_of_20_replications_drawn_as_the_model_draws_them_is_near_the_distributions():
    """20 members whose main part is stratified (one from each twentieth, as the model's shocks, drift and
    particles) plus independent noise of 0.75 of its spread, scored on outcomes from the same distribution: the
    mean of the fair and plain estimators is within 1% of the distribution's own CRPS (closed form). The fair
    estimator alone flatters such members by about 2%, the plain one penalises them by about 3%."""
    import scoringrules
    from scipy.stats import norm

    rng = np.random.default_rng(11)
    trials, m, s = 4000, 20, 0.75
    u = (rng.permuted(np.tile(np.arange(m), (trials, 1)), axis=1) + rng.random((trials, m))) / m
    ens = norm.ppf(u) + s * rng.standard_normal((trials, m))
    sd = math.sqrt(1 + s * s)
    y = sd * rng.standard_normal(trials)
    true = float(np.mean(scoringrules.crps_normal(y, 0.0, sd)))
    got = np.mean([crps_ensemble(a, e) for a, e in zip(y, ens)])
    fair = float(np.mean(scoringrules.crps_ensemble(y, ens, m_axis=-1, estimator="fair")))
    plain = float(np.mean(scoringrules.crps_ensemble(y, ens, m_axis=-1, estimator="nrg")))
    assert got == pytest.approx(true, rel=0.01)
    assert fair < true * 0.99 and plain > true * 1.015
    assert got == pytest.approx((fair + plain) / 2, rel=1e-9)
    assert crps_ensemble(1.0, np.array([3.0])) == 2.0          # one member: its absolute error
    # independent members are not flattered: 30 score no better than 3,000 from the same distribution
    ys = rng.normal(size=2000)
    small = np.mean([crps_ensemble(v, rng.normal(size=30)) for v in ys])
    large = np.mean([crps_ensemble(v, rng.normal(size=3000)) for v in ys])
    assert large * 0.99 < small < large * 1.04


def test_crps_of_a_normal_ensemble_matches_the_closed_form():
    rng = np.random.default_rng(3)
    mu, sd, y = 2.0, 1.5, 3.1
    z = (y - mu) / sd
    phi, Phi = math.exp(-z * z / 2) / math.sqrt(2 * math.pi), 0.5 * (1 + math.erf(z / math.sqrt(2)))
    closed = sd * (z * (2 * Phi - 1) + 2 * phi - 1 / math.sqrt(math.pi))
    assert crps_ensemble(y, rng.normal(mu, sd, 40_000)) == pytest.approx(closed, abs=0.01)
    assert crps_ensemble(5.0, np.full(10, 5.0)) == 0.0                     # a point forecast that is right
    assert crps_ensemble(5.0, np.full(10, 2.0)) == pytest.approx(3.0)      # ... or off: its absolute error


def test_pit_counts_ties_half():
    assert pit(2.0, np.array([1.0, 2.0, 3.0, 4.0])) == pytest.approx(0.375)
    assert pit(0.0, np.array([1.0, 2.0])) == 0.0 and pit(9.0, np.array([1.0, 2.0])) == 1.0


def test_goals_say_which_are_met_and_which_are_missed_beyond_chance():
    base = {"variant": "calibrated", "coverage50": 0.5, "crps": 3.0, "persistence_crps": 3.5, "mean_reversion_mae": 4.0}
    rows = [{**base, "measure": "agency_rate_pct", "horizon": 1, "cases": 100, "coverage90": 0.9, "mae": 5.0, "persistence_mae": 4.6},
            {**base, "measure": "vacancy_rate_pct", "horizon": 1, "cases": 100, "coverage90": 0.7, "mae": 4.1, "persistence_mae": 4.0},
            {**base, "measure": "turnover_rate_pct", "horizon": 1, "cases": 20, "coverage90": 0.8, "mae": 3.9, "persistence_mae": 5.0}]
    s = scores_with_wilson(pd.DataFrame(rows))
    g = goals(s).set_index(["measure", "goal"])
    # agency: coverage met, MAE 0.4 worse than persistence (goal: within 0.2) missed
    assert g.loc[("agency_rate_pct", "90% coverage between 85% and 95%"), "status"] == "met"
    assert g.loc[("agency_rate_pct", "MAE within 0.2 of persistence"), "status"] == "missed"
    # vacancy: 70 of 100 (Wilson 60-78%) excludes 85-95%: missed; MAE 0.1 worse: within the goal
    assert g.loc[("vacancy_rate_pct", "90% coverage between 85% and 95%"), "status"] == "missed"
    assert bool(g.loc[("vacancy_rate_pct", "MAE within 0.2 of persistence"), "met"])
    # turnover: 16 of 20 (Wilson 58-92%) includes the range: not met, not missed
    assert g.loc[("turnover_rate_pct", "90% coverage between 85% and 95%"), "status"] == "within chance"
    assert bool(g.loc[("turnover_rate_pct", "MAE no worse than mean reversion"), "met"])
    assert g.xs("CRPS no worse than probabilistic persistence", level="goal")["met"].all()


def scores_with_wilson(s: pd.DataFrame) -> pd.DataFrame:
    for c in ("coverage50", "coverage90"):
        lo_hi = [wilson(p * n, n) for p, n in zip(s[c], s["cases"])]
        s[f"{c}_low"], s[f"{c}_high"] = [a for a, _ in lo_hi], [b for _, b in lo_hi]
    return s


def test_wilson_interval_of_known_proportions():
    lo, hi = wilson(16, 20)
    assert (round(lo, 3), round(hi, 3)) == (0.584, 0.919)
    lo, hi = wilson(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-4)


def test_peers_read_nothing_after_the_origin_and_fit_mean_reversion():
    # 1-year changes up to 2019 are exactly -0.5 x (level - 10): the regression finds it; a later year changes nothing
    rows = []
    for code, x0 in (("A", 14.0), ("B", 6.0), ("C", 12.0)):
        x = x0
        for y in range(2016, 2021):
            rows.append((code, y, "turnover_rate_pct", x if y <= 2019 else 99.0))
            x = x - 0.5 * (x - 10)
    t = _table(rows)
    p = mean_reversion_peer(t, 2019, 1, "turnover_rate_pct")
    assert p.slope == pytest.approx(-0.5) and p.intercept == pytest.approx(5.0)
    assert np.allclose(p.ensemble(20.0), 15.0)
    q = persistence_peer(t, 2019, 1, "turnover_rate_pct")
    assert len(q.offsets) == 9 and np.all(np.abs(q.offsets) < 5)   # nothing from 2020 (99)
    assert np.array_equal(persistence_peer(t[t["year"] <= 2019], 2019, 1, "turnover_rate_pct").offsets, q.offsets)


def test_recalibration_learns_bias_and_spread_from_the_past_only():
    rng = np.random.default_rng(3)
    past = []
    for i in range(60):
        truth = rng.normal(0, 3.0)
        ens = rng.normal(0, 1.0, 200) - 2.0          # two points low, a third of the spread
        past.append(recal.Past("agency_rate_pct", 1, 2015 + i % 6, truth, ens))
    f = recal.fit(past)[("agency_rate_pct", 1)]
    assert f.bias == pytest.approx(2.0, abs=1.0) and 2.0 <= f.spread <= 4.0
    out = recal.apply(np.array([-3.0, -2.0, -1.0]), f)
    assert out[1] == pytest.approx(-2.0 + f.bias) and out[2] - out[1] == pytest.approx(f.spread)
    # a forecast from 2016 learns only from outcomes published by 2016: 20 of the 60
    early = recal.fit_before(past, 2016)[("agency_rate_pct", 1)]
    assert early.cases == 20
    assert recal.fit_before(past, 2014) == {}
    assert recal.from_json(recal.to_json({("agency_rate_pct", 1): f}))[("agency_rate_pct", 1)].spread == f.spread


# ------------------------------------------------------------------ calibrated parameters in a scenario
def test_factors_multiply_the_scenario_values():
    _, data = _origin("Darlington", 2019)
    base = targets_of(data)
    out = targets_of(with_parameters(data, {"attrition_factor": 1.5, "applicants_factor": 0.5, "cover_lag_factor": 2.0,
                                            "conversion_per_year": 0.12, "shock_scale": 0.5}))
    assert "council_shocks.scale" in base
    for key, v in base.items():
        if key.startswith("attrition."):
            assert out[key] == pytest.approx(1.5 * v, abs=1e-6)
        elif key.startswith("recruitment."):
            assert out[key] == pytest.approx(0.5 * v, abs=1e-6)
        elif key == "agency.cover_lag_days":
            assert out[key] == pytest.approx(2.0 * v, abs=1e-6)
        elif key == "council_shocks.scale":
            assert out[key] == pytest.approx(0.5 * v, abs=1e-6)
        else:
            assert out[key] == 0.12


def test_a_replication_takes_one_whole_particle():
    _, data = _origin("Darlington", 2019)
    parts = pd.DataFrame({"attrition_factor": [0.6, 1.0, 1.7], "applicants_factor": [0.3, 1.0, 3.0], "cover_lag_factor": [0.5, 1.0, 2.0],
                          "conversion_per_year": [0.01, 0.1, 0.2]})
    post = Posterior("Darlington", "E06000005", 2019, (2016, 2019), parts, np.array([1.0, 1.0, 2.0]), {})
    sc = Scenario.model_validate(posterior_scenario(data, post))
    res = run_replications(sc, replications=12, seed=4, workers=1)
    base = targets_of(data)
    p = res.parameters
    for _, row in p.iterrows():
        k = row["attrition.tenure_bands.0.hazard_per_year"] / base["attrition.tenure_bands.0.hazard_per_year"]
        i = int(np.argmin(np.abs(parts["attrition_factor"] - k)))
        assert k == pytest.approx(parts["attrition_factor"][i], rel=1e-4)
        for b in range(1, 6):  # every band and every other parameter from the same particle
            key = f"attrition.tenure_bands.{b}.hazard_per_year"
            assert row[key] == pytest.approx(base[key] * parts["attrition_factor"][i], rel=1e-4)
        sw = "recruitment.pipeline.applicants_per_advert.social_worker"
        assert row[sw] == pytest.approx(base[sw] * parts["applicants_factor"][i], rel=1e-3)
        assert row["agency.conversion_per_year"] == pytest.approx(parts["conversion_per_year"][i])
    assert p["agency.conversion_per_year"].nunique() > 1


def _origin(name, year):
    c = find_council(name)
    return c, origin_scenario(c.new_la_code, year, 3)


def test_the_calibration_starts_each_year_from_its_own_published_state():
    # as a forecast starts at its origin: 30 September of the year before, one year, the parameters of the baseline at Y
    table = load_table()
    t = table_through(2021, table)
    c = find_council("Derby", t)
    first, observed = history_window(c, 2021, t)
    runs = history_runs(c, first, 2021, observed, table, shocks=True)
    assert sorted(runs) == sorted({int(k.split(":")[1]) for k in observed}) == [2019, 2020, 2021]
    at_y = history_scenario(c, 2020, 2021, t)
    for y, data in runs.items():
        assert data["start_date"] == f"{y - 1}-09-30" and data["end_date"] == f"{y}-10-02"
        assert data["attrition"]["tenure_bands"] == at_y["attrition"]["tenure_bands"]      # the factors multiply Y's values
        assert "council_shocks" in data
    # a year without workforce figures: the year after it starts from the latest year before it that has them
    gap = table[~((table["new_la_code"] == c.new_la_code) & (table["year"] == 2019) & (table["measure"] == "fte_in_post"))]
    tg = table_through(2021, gap)
    first, observed = history_window(find_council("Derby", tg), 2021, tg)
    runs = history_runs(find_council("Derby", tg), first, 2021, observed, gap)
    assert runs[2020]["start_date"] == "2018-09-30" and runs[2021]["start_date"] == "2020-09-30"


def test_the_calibration_given_the_origin_scenario_builds_the_same_runs():
    """The backtest hands its origin scenario (with its shocks) to the calibration, which then builds neither the
    state at the origin nor the shocks again: the history runs are the same mapping for mapping."""
    table = load_table()
    t = table_through(2021, table)
    c = find_council("Derby", t)
    first, observed = history_window(c, 2021, t)
    origin = origin_scenario(c.new_la_code, 2021, 3, table)
    built, given = (history_runs(c, first, 2021, observed, table, shocks=True, origin=o) for o in (None, origin))
    assert built == given and all("council_shocks" in r for r in given.values())
    other = origin_scenario(find_council("Leicester", t).new_la_code, 2021, 3, table)   # another council's: not used
    assert history_runs(c, first, 2021, observed, table, shocks=True, origin=other) == built
    earlier = origin_scenario(c.new_la_code, 2020, 3, table)                            # another year's: not used
    assert history_runs(c, first, 2021, observed, table, shocks=True, origin=earlier) == built


# ------------------------------------------------------------------ no look-ahead
def test_no_look_ahead_in_the_origin_scenario_and_the_calibration():
    origin = 2019
    full = load_table()
    cut = full[full["year"] <= origin].copy()
    assert len(cut) < len(full)
    # later years deleted, or later years changed: the same scenario and the same posterior
    changed = full.copy()
    later = changed["year"] > origin
    changed.loc[later, "value"] = changed.loc[later, "value"] * 3 + 1
    code = find_council("Rutland").new_la_code
    a, b, d = (origin_scenario(code, origin, 3, t) for t in (full, cut, changed))
    assert a == b == d
    posts = [calibrate(code, origin, annual_indicators, t, seed=11, population=6, generations=2) for t in (full, cut, changed)]
    for p in posts[1:]:
        assert p.observed == posts[0].observed and p.window == posts[0].window
        pd.testing.assert_frame_equal(p.particles, posts[0].particles)
        np.testing.assert_array_equal(p.weights, posts[0].weights)
    assert posterior_scenario(a, posts[0]) == posterior_scenario(b, posts[1])
    # the observed history is the council's own published figures up to the origin, and no later
    assert max(int(k.split(":")[1]) for k in posts[0].observed) == origin
    # another seed, another posterior: the identity above is not a constant
    other = calibrate(code, origin, annual_indicators, full, seed=12, population=6, generations=2)
    assert not other.particles.equals(posts[0].particles)
    # the council shocks' changes (origin scenario) and their calibrated scale: nothing after the origin either
    assert "council_shocks" in a and a["council_shocks"]["changes"]["attrition"]
    shocked = [calibrate(code, origin, annual_indicators, t, seed=11, population=6, generations=1, shocks=True) for t in (full, changed)]
    assert "shock_scale" in shocked[0].particles.columns
    pd.testing.assert_frame_equal(shocked[0].particles, shocked[1].particles)
    np.testing.assert_array_equal(shocked[0].weights, shocked[1].weights)


def test_a_calibration_of_some_parameters_leaves_the_others_at_the_scenarios_values():
    code = find_council("Rutland").new_la_code
    data = origin_scenario(code, 2019, 1, load_table())
    post = calibrate(code, 2019, annual_indicators, load_table(), seed=11, population=4, generations=1, shocks=True,
                     parameters=("shock_scale",))
    assert list(post.particles.columns) == ["shock_scale"]
    out = posterior_scenario(data, post)
    assert out["council_shocks"]["scale"]["dist"] == "empirical"
    for key in ("attrition", "recruitment", "agency"):
        assert out[key] == data[key]
    with pytest.raises(InputError, match="unknown calibration parameter leaving_factor"):
        calibrate(code, 2019, annual_indicators, load_table(), seed=11, population=4, generations=1, parameters=("leaving_factor",))


def test_no_look_ahead_in_the_recalibration():
    # 12 councils, forecasts from 2018 and 2019 one year ahead: the recalibrated forecast from 2019 learns from the
    # 2018 forecasts (outcomes of 2019), never from the outcomes of 2020, which are changed here
    rows, tasks = [], []
    for i in range(12):
        code = f"C{i:02d}"
        rows += [(code, 2017, "agency_rate_pct", 10.0 + i), (code, 2018, "agency_rate_pct", 12.0 + i),
                 (code, 2019, "agency_rate_pct", 14.0 + i), (code, 2020, "agency_rate_pct", 15.0 + i)]
        tasks += [_task(code, 2018, {2019: [8.0 + i, 10.0 + i, 11.0 + i, 12.0 + i]}),
                  _task(code, 2019, {2020: [9.0 + i, 11.0 + i, 12.0 + i, 14.0 + i]})]
    table = _table(rows)
    changed = table.copy()
    changed.loc[changed["year"] == 2020, "value"] = changed.loc[changed["year"] == 2020, "value"] * 3 - 7
    cols = ["new_la_code", "q05", "q25", "q50", "q75", "q95", "recalibration_cases"]
    a, b = (score_cases(tasks, t) for t in (table, changed))
    ra = a[(a["variant"] == "recalibrated") & (a["origin"] == 2019)][cols].reset_index(drop=True)
    rb = b[(b["variant"] == "recalibrated") & (b["origin"] == 2019)][cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(ra, rb)
    assert (ra["recalibration_cases"] == 12).all()
    # it did learn: the 2018 forecasts' medians were 3.5 points low, so the 2019 forecasts move up by 3.5
    raw = a[(a["variant"] == "baseline") & (a["origin"] == 2019)].reset_index(drop=True)
    assert np.allclose(ra["q50"] - raw["q50"], 3.5)
    # the 2018 forecasts have no earlier outcome to learn from: the raw ensemble
    r18 = a[(a["variant"] == "recalibrated") & (a["origin"] == 2018)]
    assert (r18["recalibration_cases"] == 0).all()


def _caseload_rows(councils: int = 40) -> list:
    """Councils E00000000... whose caseload each year 2014-2019 is 4 + 0.75 x the year before's, an agency rate in 2018-2019."""
    rng = np.random.default_rng(5)
    rows = []
    for k in range(councils):
        code = f"E{k:08d}"
        c = [float(rng.uniform(10, 25))]
        for _ in range(6):
            c.append(4.0 + 0.75 * c[-1])
        rows += [(code, 2013 + i, "caseload", v) for i, v in enumerate(c)]
        rows += [(code, y, "agency_rate_pct", 10.0) for y in (2018, 2019)]
    return rows


def test_the_forecast_caseload_carries_the_councils_caseload_as_far_as_caseloads_have_carried():
    # 40 councils whose caseload each year is 4 + 0.75 x the year before's: the forecast level from 2018 is that
    # line, fitted on the years published by 2018, and nothing later is read
    rows = _caseload_rows()
    tasks = [_task(f"E{k:08d}", 2018, {2019: [10.0, 11.0, 12.0]}) for k in range(40)]
    table = _table(rows)
    a = score_cases(tasks, table, recalibrate=False)
    case = a[a["measure"] == "caseload"]
    assert len(case) == 40 and np.allclose(case["abs_error"], 0.0, atol=1e-9) and np.allclose(case["q05"], case["q95"])
    changed = table.copy()
    changed.loc[changed["year"] == 2019, "value"] += 5.0
    b = score_cases(tasks, changed, recalibrate=False)
    assert np.allclose(b[b["measure"] == "caseload"]["q50"].to_numpy(), case["q50"].to_numpy())
    assert np.allclose(b[b["measure"] == "caseload"]["abs_error"], 5.0)


def test_the_caseload_line_counts_councils_usual_change_of_staffing_once():
    """The line fitted on published caseloads is for holders that changed as councils' staffing did (here +10% a
    year up to the origin): a replication whose staffing grows so gets the line's value, one whose staffing
    stays gets the line x 1.1; staffing published after the origin is not read."""
    from workforce_sim.scenario.councils import staffing_ratio

    rows, flat, grown = _caseload_rows(), [], []
    for k in range(40):
        code = f"E{k:08d}"
        rows += [(code, y, m, v * 1.1 ** (y - 2013)) for y in range(2013, 2020) for m, v in (("fte_in_post", 40.0), ("agency_fte", 10.0))]
        flat.append(_task(code, 2018, {2019: [10.0, 11.0, 12.0]}))
        t = _task(code, 2018, {2019: [10.0, 11.0, 12.0]})
        t.forecasts.loc[t.forecasts["year_to_30_sept"] == 2019, "staffed_sw_fte"] = 11.0
        grown.append(t)
    table = _table(rows)
    assert staffing_ratio(2018, table, 1) == pytest.approx(1 / 1.1) and staffing_ratio(2018, table, 2) == pytest.approx(1 / 1.21)
    a = score_cases(grown, table, recalibrate=False)
    b = score_cases(flat, table, recalibrate=False)
    ca, cb = (x[x["measure"] == "caseload"].reset_index(drop=True) for x in (a, b))
    assert np.allclose(ca["abs_error"], 0.0, atol=1e-9)                  # the usual change: the line itself
    assert np.allclose(cb["q50"], ca["q50"] * 1.1)                        # no change: more cases each
    changed = table.copy()
    changed.loc[(changed["year"] == 2019) & changed["measure"].isin(["fte_in_post", "agency_fte"]), "value"] *= 3
    c = score_cases(grown, changed, recalibrate=False)
    assert np.allclose(c[c["measure"] == "caseload"]["q50"].to_numpy(), ca["q50"].to_numpy())
    assert math.isnan(staffing_ratio(2013, table, 1))                      # one year published: no change seen


def test_table_through_keeps_only_the_years_published_by_then():
    t = table_through(2019)
    assert t["year"].max() == 2019 and (load_table()["year"] > 2019).any()


def test_forecast_indicators_read_the_origin_staffing():
    _, data = _origin("Rutland", 2020)
    res = run_replications(Scenario.model_validate(data), replications=2, seed=1, workers=1)
    ind = forecast_indicators(res)
    assert sorted(ind["year_to_30_sept"].unique()) == [2020, 2021, 2022, 2023]
    assert ind[ind["year_to_30_sept"] == 2020]["agency_rate_pct"].isna().all()   # no year to score at the origin
    assert (ind["staffed_sw_fte"] > 0).all()
    pd.testing.assert_frame_equal(ind[ind["year_to_30_sept"] > 2020].drop(columns="staffed_sw_fte").reset_index(drop=True),
                                  annual_indicators(res).reset_index(drop=True), check_like=True, check_dtype=False)


def test_a_sample_of_councils_is_seeded():
    t = load_table()
    a, b, c = (select_councils("5", [2019, 2020], t, s) for s in (1, 1, 2))
    assert a == b and a != c and len(a) == 5


# ------------------------------------------------------------------ the command line
@pytest.mark.slow
def test_backtest_of_ten_councils_writes_tables_and_page(tmp_path, capsys):
    out = tmp_path / "bt"
    code = main(["backtest", "--councils", "10", "--origins", "2019", "--replications", "30", "--population", "6",
                 "--generations", "1", "--executor", "serial", "--out", str(out), "--no-progress", "--json"])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    for name in ("backtest.html", "run.json", "forecast_vs_actual.png", "coverage_by_horizon.png", "pit_histogram.png",
                 "scores.csv", "scores.parquet", "cases.csv", "cases.parquet", "goals.csv", "tasks.csv", "posteriors.csv",
                 "recalibration.json"):
        assert (out / name).exists(), name
    cases = pd.read_parquet(out / "cases.parquet")
    sc = pd.read_csv(out / "scores.csv")
    assert set(cases["variant"]) == {"baseline", "calibrated", "recalibrated"} and set(cases["horizon"]) == {1, 2, 3}
    # one origin: no earlier outcome to learn from, so the recalibrated forecast is the calibrated one
    rec, cal = (cases[cases["variant"] == v].reset_index(drop=True) for v in ("recalibrated", "calibrated"))
    assert (rec["recalibration_cases"] == 0).all() and np.allclose(rec["crps"], cal["crps"])
    fits = json.loads((out / "recalibration.json").read_text())["fits"]
    assert set(fits) == {"agency_rate_pct", "turnover_rate_pct", "vacancy_rate_pct", "caseload"}
    # the peers sit beside every case; the shocks' scale was calibrated
    assert cases["persistence_crps"].notna().all() and cases["mean_reversion_crps"].notna().all()
    assert set(pd.read_csv(out / "posteriors.csv")["parameter"]) == {"shock_scale"}   # the default: the spread only
    assert cases["new_la_code"].nunique() == 10 and (cases["replications"] == 30).all()
    # actual and persistence are the published figures, read here independently
    t = load_table()
    pub = t[t["level"] == "local_authority"].set_index(["new_la_code", "year", "measure"])["value"]
    for r in cases.sample(20, random_state=1).itertuples():
        assert r.actual == pub[(r.new_la_code, r.year, r.measure)]
        assert r.origin_value == pub[(r.new_la_code, 2019, r.measure)]
        assert r.persistence_abs_error == pytest.approx(abs(r.actual - r.origin_value))
    # each score is the mean over its cases
    row = sc[(sc["variant"] == "calibrated") & (sc["measure"] == "agency_rate_pct") & (sc["horizon"] == 2)].iloc[0]
    g = cases[(cases["variant"] == "calibrated") & (cases["measure"] == "agency_rate_pct") & (cases["horizon"] == 2)]
    assert row["cases"] == len(g) and row["mae"] == pytest.approx(g["abs_error"].mean())
    assert row["coverage90"] == pytest.approx(g["in90"].mean()) and row["crps"] == pytest.approx(g["crps"].mean())
    assert row["persistence_mae"] == pytest.approx(g["persistence_abs_error"].mean())
    assert printed["scores"] and printed["out"] == str(out)
    page = (out / "backtest.html").read_text()
    assert "Scores against the peers" in page and "Wilson" in page and "coverage_by_horizon.png" in page and "councils forecast worst" in page
    assert "fitting shock_scale; 2 replications a particle, the distance their CRPS" in page
    record = json.loads((out / "run.json").read_text())
    assert record["status"] == "complete" and record["calibrate_parameters"] == ["shock_scale"]
    # the folder is never written over
    assert main(["backtest", "--councils", "1", "--origins", "2019", "--out", str(out), "--no-progress"]) == 2


@pytest.mark.slow
def test_backtest_on_dask_gives_the_serial_results(tmp_path):
    args = ["backtest", "--councils", "Rutland,Darlington", "--origins", "2020", "--horizon", "1", "--replications", "3",
            "--no-calibrate", "--no-progress"]
    assert main([*args, "--executor", "serial", "--out", str(tmp_path / "s")]) == 0
    assert main([*args, "--executor", "dask", "--workers", "2", "--out", str(tmp_path / "d")]) == 0
    a, b = (pd.read_parquet(tmp_path / x / "cases.parquet") for x in ("s", "d"))
    assert len(a) == 16  # 2 councils x 4 measures x 1 horizon, raw and recalibrated
    pd.testing.assert_frame_equal(a, b)


def test_calibrate_writes_a_scenario_of_distributions(tmp_path, capsys):
    scen = tmp_path / "rutland_2019.yaml"
    assert main(["init", "Rutland", "--year", "2019", "--out", str(scen)]) == 0
    out = tmp_path / "cal.yaml"
    assert main(["calibrate", str(scen), "--through", "2019", "--population", "5", "--generations", "1", "--out", str(out)]) == 0
    from workforce_sim.scenario.loading import load_scenario

    sc = load_scenario(out)
    band = sc.attrition.tenure_bands[0].hazard_per_year
    assert band.dist == "empirical" and band.group == "calibration" and len(band.values) == 5
    assert "calibrated" in sc.sources["attrition.tenure_bands.0.hazard_per_year"]
    assert main(["calibrate", str(scen), "--through", "2019", "--out", str(out)]) == 2   # never overwritten
    assert "attrition_factor" in capsys.readouterr().out


@pytest.mark.parametrize("argv, words", [
    (["backtest", "--councils", "Nowhereshire"], "unknown council"),
    (["backtest", "--origins", "2010"], "no DfE workforce figures in 2010"),
    (["backtest", "--origins", "2025"], "no later year"),
    (["backtest", "--origins", "twenty"], "expected years"),
    (["backtest", "--horizon", "9"], "between 1 and 8"),
    (["backtest", "--councils", "1", "--before", "/nonexistent/folder"], "no backtest run folder"),
    (["backtest", "--horizon", "0"], "at least 1"),
    (["backtest", "--councils", "0"], "at least 1"),
    (["backtest", "--councils", "500", "--origins", "2019"], "more than the"),
    (["backtest", "--origins", "2015"], "no earlier year to calibrate on"),
    (["backtest", "--replications", "-3"], "at least 1"),
    (["calibrate", "scenarios/nowhere.yaml", "--through", "2019"], "nowhere.yaml"),
])
def test_bad_input_is_one_line_exit_2(argv, words, capsys, tmp_path):
    assert main([*argv, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err, err
    assert not (tmp_path / "o").exists()


def test_calibrate_bad_council_and_year(tmp_path, capsys):
    scen = tmp_path / "rutland.yaml"
    assert main(["init", "Rutland", "--year", "2019", "--out", str(scen)]) == 0
    capsys.readouterr()
    assert main(["calibrate", str(scen), "--council", "Nowhereshire", "--through", "2019", "--out", str(tmp_path / "a.yaml")]) == 2
    assert "unknown council" in capsys.readouterr().err
    assert main(["calibrate", str(scen), "--through", "2011", "--out", str(tmp_path / "b.yaml")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--through" in err
    assert not (tmp_path / "a.yaml").exists() and not (tmp_path / "b.yaml").exists()


def test_priors_are_finite_ranges():
    for lo, hi in PRIORS.values():
        assert math.isfinite(lo) and math.isfinite(hi) and lo < hi


def test_the_conversion_prior_is_centred_on_the_rate_the_start_balances_with():
    """The start's agency cover balances its flows with the default conversion hazard (scenario.start_state); a prior
    centred above it (0-0.3, median 0.15) drained agency posts from the first year of every calibrated forecast."""
    from workforce_sim.experiments.calibrate import LOG2
    from workforce_sim.scenario.schema import Agency

    lo, hi = PRIORS["conversion_per_year"]
    assert "conversion_per_year" in LOG2 and math.sqrt(lo * hi) == pytest.approx(Agency().conversion_per_year)


def test_the_shock_scale_prior_is_centred_on_the_councils_pooled_scale():
    """The shocks are drawn from councils' pooled changes (scale 1); a council's three years barely move the scale
    (scripts/scale_recovery.py), so a prior centred below 1 (0.35-2, median 0.84) narrowed every forecast."""
    from workforce_sim.experiments.calibrate import LOG2

    lo, hi = PRIORS["shock_scale"]
    assert "shock_scale" in LOG2 and math.sqrt(lo * hi) == pytest.approx(1.0)


def test_fitting_the_shock_scale_runs_two_replications_a_particle(monkeypatch):
    """A noise scale is fitted by the CRPS of two replications (``crps_distance``); the factors alone by one."""
    import workforce_sim.experiments.calibrate as cal

    calls = []
    real = cal.single_run
    monkeypatch.setattr(cal, "single_run", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    code = find_council("Rutland").new_la_code
    post = calibrate(code, 2019, annual_indicators, load_table(), seed=11, population=3, generations=1, shocks=True,
                     parameters=("shock_scale",))
    years = len({int(k.split(":")[1]) for k in post.observed})
    assert len(calls) == 2 * years * post.simulations and len(set(calls)) == 2 * post.simulations   # a seed a draw
    calls.clear()
    post = calibrate(code, 2019, annual_indicators, load_table(), seed=11, population=3, generations=1, shocks=True,
                     parameters=("attrition_factor",))
    assert len(calls) == years * post.simulations


def test_empirical_distribution_errors_name_file_and_key(tmp_path, capsys):
    scen = tmp_path / "e.yaml"
    assert main(["init", "Rutland", "--year", "2019", "--out", str(scen)]) == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {scen.name}\nagency:\n  conversion_per_year: {{dist: empirical, values: [0.1, 0.2], weights: [1.0]}}\n")
    capsys.readouterr()
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "bad.yaml" in err and "agency.conversion_per_year" in err and "weights" in err
    ok = tmp_path / "ok.yaml"
    ok.write_text(f"extends: {scen.name}\nagency:\n  conversion_per_year: {{dist: empirical, values: [0.1, 0.2], weights: [0, 1]}}\n")
    from workforce_sim.scenario.loading import load_scenario

    res = run_replications(load_scenario(ok), replications=5, seed=1, workers=1)
    assert set(res.parameters["agency.conversion_per_year"]) == {0.2}   # a zero weight is never drawn


def test_a_failing_task_is_reported_and_the_others_are_kept(tmp_path, capsys, monkeypatch):
    import workforce_sim.experiments.backtest as bt

    darlington = find_council("Darlington").new_la_code
    real = bt.origin_scenario

    def breaks_for_darlington(code, *args, **kwargs):
        if code == darlington:
            raise ValueError("a model error")
        return real(code, *args, **kwargs)

    monkeypatch.setattr(bt, "origin_scenario", breaks_for_darlington)
    out = tmp_path / "bt"
    code = main(["backtest", "--councils", "Rutland,Darlington", "--origins", "2020", "--horizon", "1", "--replications", "2",
                 "--no-calibrate", "--executor", "serial", "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1 and "Darlington 2020: ValueError: a model error" in err
    tasks = pd.read_csv(out / "tasks.csv", keep_default_na=False)
    assert tasks.set_index("council").loc["Darlington", "failed"].startswith("ValueError: a model error")
    cases = pd.read_parquet(out / "cases.parquet")
    assert set(cases["new_la_code"]) == {find_council("Rutland").new_la_code}
    assert "Tasks that failed" in (out / "backtest.html").read_text()
    assert json.loads((out / "run.json").read_text())["status"] == "tasks failed"


def test_a_council_with_a_single_post_builds_a_valid_scenario():
    # Isles of Scilly published 0 FTE in post and 1 agency FTE in 2021: one post, no practice manager
    data = origin_scenario(find_council("Isles of Scilly").new_la_code, 2021, 3, load_table())
    sc = Scenario.model_validate(data)
    assert sum(b.count * sum(p.count for p in sc.team_types[b.type].posts) for b in sc.teams) == 1


def test_before_and_after_on_the_cases_both_scored():
    rows, tasks = [], []
    for i in range(12):
        code = f"C{i:02d}"
        rows += [(code, 2018, "agency_rate_pct", 12.0 + i), (code, 2019, "agency_rate_pct", 14.0 + i), (code, 2020, "agency_rate_pct", 15.0 + i)]
        tasks.append(_task(code, 2019, {2020: [9.0 + i, 11.0 + i, 15.0 + i, 16.0 + i]}, variant="calibrated"))
    after = score_cases(tasks, _table(rows))
    # an earlier backtest in the old format (no error column) that scored only 10 of the councils, each 2 points lower
    before = after[(after["variant"] == "calibrated") & (after["new_la_code"] < "C10")].drop(columns=["error"])
    before = before.assign(q50=before["q50"] - 2, abs_error=(before["q50"] - 2 - before["actual"]).abs(), in90=False)
    ba = before_after(before, after)
    r = ba.iloc[0]
    assert (r["measure"], r["horizon"], r["cases"]) == ("agency_rate_pct", 1, 10)
    assert r["coverage90_before"] == 0.0 and r["coverage90_after"] == 1.0 and r["coverage90_before_high"] < 0.35
    assert r["mean_error_after"] == pytest.approx(-2.0) and r["mean_error_before"] == pytest.approx(-4.0)


def test_council_shocks_take_every_value_equally_across_a_block_of_replications():
    """A block of replications of one seed (20) takes a year's shock from each of as many equally likely values once."""
    from workforce_sim.model.shocks import ShockPath
    from workforce_sim.scenario.shocks import CouncilShocks
    from workforce_sim.streams import STRATA, Streams

    values = [round(-1.5 + 0.1 * k, 6) for k in range(STRATA)]
    shocks = CouncilShocks(changes={"applicants": values}, scale=1.0)
    for year in (0, 2):
        got = sorted(round(float(np.log(ShockPath(shocks, Streams(11, r)).factor("applicants", 365.25 * year + 1))), 6)
                     for r in range(STRATA))
        assert got == values
    # the next block draws them all again, in another order
    first = [ShockPath(shocks, Streams(11, r)).factor("applicants", 1.0) for r in range(STRATA)]
    second = [ShockPath(shocks, Streams(11, STRATA + r)).factor("applicants", 1.0) for r in range(STRATA)]
    assert sorted(first) == sorted(second) and first != second


def test_council_shocks_draw_each_year_from_their_own_streams():
    from workforce_sim.model.shocks import ShockPath
    from workforce_sim.scenario.shocks import CouncilShocks
    from workforce_sim.streams import Streams

    shocks = CouncilShocks(changes={"attrition": [-0.5, 0.5], "agency_cover": [0.2]}, scale=1.0)
    a, b = (ShockPath(shocks, Streams(7, 3)) for _ in range(2))
    # a year's multiplier does not depend on which years were asked first (the run's length)
    later_first = [b.factor("attrition", 400.0), b.factor("attrition", 10.0)]
    assert [a.factor("attrition", 10.0), a.factor("attrition", 400.0)] == later_first[::-1]
    assert {round(a.factor("attrition", d * 365.25), 6) for d in range(20)} <= {round(np.exp(-0.5), 6), round(np.exp(0.5), 6)}
    assert a.factor("agency_cover", 50.0) == pytest.approx(np.exp(0.2)) and a.factor("applicants", 50.0) == 1.0
    assert a.factor("acceptance", 50.0) == 1.0
    off = ShockPath(CouncilShocks(changes={"attrition": [1.0]}, scale=0.0), Streams(7, 3))
    assert off.factor("attrition", 10.0) == 1.0 and ShockPath(None, None).factor("attrition", 10.0) == 1.0


def test_persistent_council_shocks_carry_their_share_of_each_year_on():
    """log factor of year y = scale x change_y + persistence x log factor of year y - 1, from the same draws as
    shocks drawn afresh each year (persistence 0, bit for bit as before; 1, their running sum)."""
    from workforce_sim.model.shocks import ShockPath
    from workforce_sim.scenario.shocks import CouncilShocks
    from workforce_sim.streams import Streams

    values = [-0.3, -0.1, 0.05, 0.2, 0.4]
    fresh = ShockPath(CouncilShocks(changes={"agency_cover": values}, scale=0.7), Streams(5, 2))
    drawn = [float(np.log(fresh.factor("agency_cover", 365.25 * y + 1))) for y in range(6)]
    assert all(round(d / 0.7, 9) in {round(v, 9) for v in values} for d in drawn)
    for rho in (0.0, 0.5, 1.0):
        path = ShockPath(CouncilShocks(changes={"agency_cover": values}, scale=0.7, persistence={"agency_cover": rho}), Streams(5, 2))
        got = [float(np.log(path.factor("agency_cover", 365.25 * y + 1))) for y in range(6)]
        want = [sum(rho ** (y - j) * drawn[j] for j in range(y + 1)) for y in range(6)]
        assert got == pytest.approx(want, abs=1e-12), rho
    # a rate without persistence is untouched by another's
    both = ShockPath(CouncilShocks(changes={"agency_cover": values, "attrition": values}, persistence={"agency_cover": 1.0}), Streams(5, 2))
    plain = ShockPath(CouncilShocks(changes={"agency_cover": values, "attrition": values}), Streams(5, 2))
    assert [both.factor("attrition", 365.25 * y + 1) for y in range(4)] == [plain.factor("attrition", 365.25 * y + 1) for y in range(4)]


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9, 1.0])
def test_the_shocks_persistence_is_recovered_from_councils_changes(rho):
    """A panel of councils whose rate's log level is an AR(1) with a known rho (large counts, little chance):
    ``_persistence`` finds rho from the correlation of successive changes."""
    from workforce_sim.scenario.start_state import _persistence

    rng = np.random.default_rng(int(rho * 10) + 1)
    rows = []
    for k in range(600):
        x = float(rng.normal(0, 0.3))
        for year in range(2013, 2021):
            x = rho * x + float(rng.normal(0, 0.2))
            rows.append({"new_la_code": f"E{k:08d}", "year": year, "agency_rate_pct": 15 * np.exp(x), "agency_fte": 1e6})
    got, pairs = _persistence(pd.DataFrame(rows), "agency_rate_pct", "agency_fte")
    assert pairs == 600 * 6 and abs(got - rho) < 0.08, (rho, got)


def test_council_shocks_move_the_model_and_leave_other_streams_alone():
    from .helpers import tiny

    base = tiny(end_date="2018-01-01")
    data = base.model_dump(mode="json")
    data["council_shocks"] = {"changes": {"attrition": [-1.5, 1.5]}, "scale": 1.0}
    shocked = Scenario.model_validate(data)
    zero = Scenario.model_validate({**data, "council_shocks": {"changes": {"attrition": [-1.5, 1.5]}, "scale": 0.0}})
    r0, r1, rz = (run_replications(s, 4, seed=5, workers=1) for s in (base, shocked, zero))
    pd.testing.assert_frame_equal(r0.snapshots, rz.snapshots)   # scale 0: the same run, draw for draw
    leave = [r.flows[(r.flows["kind"] == "leave") & (r.flows["contract"] == "permanent")]["count"].sum() for r in (r0, r1)]
    assert leave[0] != leave[1]


def test_a_slower_time_to_hire_leaves_more_posts_vacant():
    """The ``hiring`` shock multiplies the pipeline's durations: twice as slow, fewer permanent starters from
    adverts and a higher vacancy rate; twice as fast, the reverse (the same seeds)."""
    from .helpers import tiny

    base = tiny(end_date="2018-01-01").model_dump(mode="json")
    starters, vacant = [], []
    for change in (-math.log(2), 0.0, math.log(2)):
        data = {**base, "council_shocks": {"changes": {"hiring": [change]}, "scale": 1.0}}
        r = run_replications(Scenario.model_validate(data), 8, seed=5, workers=1)
        f = r.flows
        starters.append(f[(f["kind"] == "start") & (f["contract"] == "permanent")]["count"].sum())
        snap = r.snapshots
        vacant.append(float((snap["posts_fte"] - snap["permanent_fte"]).sum() / snap["posts_fte"].sum()))
    assert starters[0] > starters[1] > starters[2], starters
    assert vacant[0] < vacant[1] < vacant[2], vacant


def test_a_forecast_with_replications_auto_stops_when_every_mean_is_precise():
    """``backtest -n auto``: a forecast doubles its replications until every indicator's mean in every year has a
    90% half-width within the precision; its records are those of a forecast of that many replications."""
    from workforce_sim.experiments.backtest import forecast
    from workforce_sim.experiments.precision import half_width
    from workforce_sim.workflows.backtest import forecast_indicators

    _, data = _origin("Rutland", 2020)
    fixed = forecast(data, 8, 5, forecast_indicators)
    loose = forecast(data, 4, 5, forecast_indicators, precision=1e6, ceiling=16)
    assert loose["replication"].nunique() == 4                        # precise at once: the first batch
    tight = forecast(data, 4, 5, forecast_indicators, precision=1e-9, ceiling=8)
    assert tight["replication"].nunique() == 8                        # 4, then the ceiling of 8
    pd.testing.assert_frame_equal(tight.reset_index(drop=True), fixed.reset_index(drop=True))
    cols = [c for c in fixed.columns if c not in ("replication", "year_to_30_sept")]
    widths = [half_width(g[c]) for _, g in fixed.groupby("year_to_30_sept") for c in cols]
    widest = max(w for w in widths if not math.isnan(w))
    middle = forecast(data, 4, 5, forecast_indicators, precision=widest * 1.0001, ceiling=64)
    assert middle["replication"].nunique() <= 8


def test_backtest_replications_auto_on_the_command_line(tmp_path, capsys):
    out = tmp_path / "bt"
    code = main(["backtest", "--councils", "Rutland", "--origins", "2020", "--horizon", "1", "-n", "auto", "--precision", "1000",
                 "--no-calibrate", "--executor", "serial", "--out", str(out), "--no-progress"])
    text = capsys.readouterr().out
    assert code == 0
    assert "auto: 20-20" in text and "within ±1000 points" in text
    tasks = pd.read_csv(out / "tasks.csv")
    assert (tasks["baseline_replications"] == 20).all()
    code = main(["backtest", "--councils", "Rutland", "-n", "10", "--precision", "1", "--out", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert code == 2 and "--precision" in err and "only with --replications auto" in err and not (tmp_path / "x").exists()
