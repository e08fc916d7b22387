"""``wfsim init``'s start: steady in expectation (the pipeline hires the expected leavers and the permanent
staff's growth with the posts, not the council's published starters), and its turnover shrunk as far as councils'
means carry."""
from __future__ import annotations

import copy
import math
import re

import numpy as np
import pandas as pd

from workforce_sim.analysis.checks import annual_indicators
from workforce_sim.experiments.backtest import origin_scenario
from workforce_sim.experiments.replications import combine, single_run
from workforce_sim.scenario.councils import load_table, shrinkage
from workforce_sim.scenario.schema import Pipeline, Scenario

REPS = 24


def _vacancy_rate_a_year_on(data: dict) -> tuple[float, float]:
    """(mean over replications of the vacancy rate on the first 1 October, and a year later)."""
    sc = Scenario.model_validate(data)
    res = combine(sc, 11, [single_run(sc, 11, i, indicators_only=True) for i in range(REPS)])
    snap = res.snapshots
    first = snap[snap["date"] == snap["date"].min()]
    start = 100 * (1 - first["permanent_fte"].sum() / first["posts_fte"].sum())
    ind = annual_indicators(res)
    return start, float(ind.loc[ind["year_to_30_sept"] == ind["year_to_30_sept"].max(), "vacancy_rate_pct"].mean())


def test_a_council_publishing_fewer_starters_than_its_leavers_starts_steady():
    # Lancashire in 2021: its published starters less the NQSW intake (17.3 a year, mean of 2019-2021) fall 10.0
    # points of its 623 posts short of the expected leavers and growth (79.8 a year), the largest such gap that year
    data = origin_scenario("Lancashire", 2021, 1, load_table(), shocks=False)
    changes = data["establishment_drift"]["annual_changes"]
    data["establishment_drift"] = {"annual_changes": [float(np.mean(changes))]}   # the growth the hiring expects
    start, later = _vacancy_rate_a_year_on(data)
    assert abs(later - start) < 2.0, (start, later)

    # the earlier rule, hiring the published starters less the NQSW intake, lets the gap open the vacancies
    text = data["sources"]["recruitment.pipeline.applicants_per_advert"]
    pipe = float(re.search(r"([\d.]+) pipeline starters a year", text).group(1))
    published = float(re.search(r"published starters \(([\d.]+)", text).group(1))
    nqsw = float(re.search(r"the NQSW intake \((\d+)\)", text).group(1))
    pl = Pipeline()
    q = float(pl.p_interview) * float(pl.p_offer) * float(pl.p_accept)
    old = copy.deepcopy(data)
    for role, a in old["recruitment"]["pipeline"]["applicants_per_advert"].items():
        s = (1 - math.exp(-a * q)) * (published - nqsw) / pipe
        old["recruitment"]["pipeline"]["applicants_per_advert"][role] = -math.log(1 - s) / q
    old_start, old_later = _vacancy_rate_a_year_on(old)
    assert old_start == start and old_later - old_start > 3.0, (old_start, old_later)


def test_the_turnovers_shrinkage_recovers_a_known_line_and_reads_nothing_later():
    rng = np.random.default_rng(3)
    rows = []
    for k in range(40):
        x = [float(rng.uniform(5, 35))]
        for _ in range(7):   # each year on the line from the mean of the (up to) three before
            x.append(2.0 + 0.5 * float(np.mean(x[-3:])))
        rows += [{"level": "local_authority", "new_la_code": f"E{k:08d}", "year": 2013 + i, "measure": "turnover_rate_pct",
                  "value": v} for i, v in enumerate(x)]
    a, b, pairs = shrinkage("turnover_rate_pct", 2020, pd.DataFrame(rows))
    assert math.isclose(a, 2.0, abs_tol=1e-9) and math.isclose(b, 0.5, abs_tol=1e-9) and pairs == 40 * 7

    full = load_table()
    changed = full.copy()
    later = changed["year"] > 2019
    changed.loc[later, "value"] = changed.loc[later, "value"] * 3 + 1
    assert shrinkage("turnover_rate_pct", 2019, full) == shrinkage("turnover_rate_pct", 2019, changed)
    assert shrinkage("turnover_rate_pct", 2019, full) != shrinkage("turnover_rate_pct", 2021, full)


def test_a_council_with_many_vacancies_keeps_its_vacancy_rate_as_its_posts_grow():
    # Lewisham in 2021: 37.6% of its posts vacant, posts growing by the drift's mean (+4.1% a year). The permanent
    # staff grow with the posts, and so do the vacancies: hiring for every new post instead kept the vacancies
    # about the same in number, and the rate fell
    from workforce_sim.scenario.start_state import advert_success

    data = origin_scenario("Lewisham", 2021, 1, load_table(), shocks=False)
    changes = data["establishment_drift"]["annual_changes"]
    growth = float(np.mean(changes))
    data["establishment_drift"] = {"annual_changes": [growth]}
    start, later = _vacancy_rate_a_year_on(data)
    # -0.86 points (24 replications): the pipeline's first round fills a share of this council's 102 open posts at
    # once, which the starters already in the pipeline do not allow for (docs/councils.md, "Recruitment")
    assert start > 35 and abs(later - start) < 1.2, (start, later)

    text = data["sources"]["recruitment.pipeline.applicants_per_advert"]
    pipe = float(re.search(r"([\d.]+) pipeline starters a year over (\d+) open posts", text).group(1))
    open_posts = int(re.search(r"pipeline starters a year over (\d+) open posts", text).group(1))
    pl = Pipeline()
    q = float(pl.p_interview) * float(pl.p_offer) * float(pl.p_accept)
    old = copy.deepcopy(data)
    s = advert_success(pipe + growth * open_posts, open_posts, pl)
    for role in old["recruitment"]["pipeline"]["applicants_per_advert"]:
        old["recruitment"]["pipeline"]["applicants_per_advert"][role] = -math.log(1 - s) / q
    old_start, old_later = _vacancy_rate_a_year_on(old)
    assert old_start == start and old_later - later < -0.5, (old_later, later)     # -1.74 points, 0.88 below


def test_the_start_plans_the_leavers_its_hazards_give():
    # the staff who replace the leavers face the hazard too, so a year's leavers are -ln(1 - turnover) of the FTE (times
    # the roles' multiplier), not the turnover's share of a closed group: planning the turnover hired about a tenth too
    # few (Birmingham 2021: the two differ by 8%) and the vacancies grew
    data = origin_scenario("Birmingham", 2021, 1, load_table(), shocks=False)
    data["establishment_drift"] = {"annual_changes": [0.0]}
    text = data["sources"]["recruitment.pipeline.applicants_per_advert"]
    planned = float(re.search(r"expected leavers \(([\d.]+) a year", text).group(1))
    turnover = float(re.search(r"turnover % ([\d.]+)", text).group(1))
    closed_group = planned * (turnover / 100) / -math.log(1 - turnover / 100)
    assert planned - closed_group > 0.07 * planned
    sc = Scenario.model_validate(data)
    res = combine(sc, 5, [single_run(sc, 5, i, indicators_only=True) for i in range(REPS)])
    ind = annual_indicators(res)
    leavers = float(ind["leavers"].mean())
    se = float(ind["leavers"].std(ddof=1)) / math.sqrt(REPS)
    assert abs(leavers - planned) < 3 * se + 0.02 * planned, (leavers, planned, se)
    assert leavers - closed_group > 3 * se, (leavers, closed_group, se)


def test_the_staffs_years_of_service_under_one_hazard_are_exponential():
    # every band the same hazard h, hires growing by g a year: the years of service are exponential at h + g (cut at
    # the last band's end), and the scale is the target's ratio to h
    from workforce_sim.scenario.schema import Attrition
    from workforce_sim.scenario.start_state import steady_tenure

    flat = Attrition(tenure_bands=[{"min_years": b.min_years, "hazard_per_year": 0.2} for b in Attrition().tenure_bands])
    for growth, multiplier in ((0.0, 1.0), (0.05, 0.9), (-0.03, 1.0)):
        k, shares = steady_tenure(flat, 0.15, multiplier, growth)
        assert math.isclose(k, 0.15 / 0.2, rel_tol=1e-9)
        lam = k * 0.2 * multiplier + growth
        top = max(s["max_years"] for s in shares)
        for s in shares:
            want = (math.exp(-lam * s["min_years"]) - math.exp(-lam * s["max_years"])) / (1 - math.exp(-lam * top))
            assert abs(s["share"] - want) < 2e-4, (growth, s, want)
        assert math.isclose(sum(s["share"] for s in shares), 1.0, abs_tol=1e-9)


def test_the_staffs_years_of_service_are_the_mix_the_hazards_keep():
    # the start writes the mix its own hazards and hiring keep: with more leaving, fewer long-serving staff
    from workforce_sim.scenario.schema import Attrition
    from workforce_sim.scenario.start_state import steady_tenure

    a = Attrition()
    low = steady_tenure(a, 0.10, 1.0, 0.0)[1]
    high = steady_tenure(a, 0.25, 1.0, 0.0)[1]
    assert high[0]["share"] > low[0]["share"] and high[-1]["share"] < low[-1]["share"]
    data = origin_scenario("Derby", 2021, 1, load_table(), shocks=False)
    assert "initial_tenure" in data["attrition"] and "attrition.initial_tenure" in data["sources"]
    Scenario.model_validate(data)
