"""The regional policy backtest: built from what was published by the origin only; the rules act from their date."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workforce_sim.scenario.councils import load_table, table_through
from workforce_sim.workflows import region_backtest as rb


def test_a_region_at_an_origin_reads_nothing_published_after_it():
    full = load_table()
    later = full.copy()
    rows = later["year"] > 2019
    later.loc[rows, "value"] = later.loc[rows, "value"] * 3 + 7      # every later figure changed
    a = rb.build_region("North East", 2019, (2020, 2021), table_through(2019, full))
    b = rb.build_region("North East", 2019, (2020, 2021), table_through(2019, later))
    assert a.model_dump() == b.model_dump()
    assert len(a.members) >= 10 and all(m.scenario.demand is None for m in a.members)


def test_the_rules_add_a_cap_the_experience_rule_and_keep_a_longer_pledge():
    london = rb._policies("London", True, {"social_worker": 300.0})
    assert london["cooling_off"] == {"date": "2022-06-01", "months": 6.0}     # the Pledge's 6 months stay
    assert london["price_cap"]["day_rate_gbp"]["social_worker"] == pytest.approx(285.0)
    assert rb._policies("North East", False, {}) == {}
    assert rb._policies("North East", True, {"social_worker": 300.0})["cooling_off"] == {"date": rb.RULES_DATE, "months": 3.0}


@pytest.mark.slow
def test_rules_on_and_off_agree_before_the_rules_date_and_part_after():
    spec = rb.prepare(2023, 2, 3, regions=["North East"], workers=1)
    out = rb.execute(spec)
    s = out.scores[out.scores["region"] == "North East"].set_index(["measure", "year"])
    assert set(s.index.get_level_values("measure")) == set(rb.MEASURES) and s["published"].notna().all()
    for m in rb.MEASURES:                                                          # the rules start on 31 October 2024
        assert s.loc[(m, 2024), "rules_on_median"] == s.loc[(m, 2024), "rules_off_median"]
    assert "England" not in set(out.scores["region"])                             # England only with every region
    fc = out.forecasts[(out.forecasts["region"] == "North East") & (out.forecasts["year"] == 2025)]
    on = fc[fc["variant"] == "rules on"]["agency_rate_pct"].to_numpy()
    off = fc[fc["variant"] == "rules off"]["agency_rate_pct"].to_numpy()
    assert (on != off).any()
    assert set(out.summary["forecast"]) == {"rules off", "rules on", "persistence"}
    assert len(out.summary) == 3 * 2 * len(rb.MEASURES) and out.summary["coverage90_low"].notna().sum() == 2 * 2 * len(rb.MEASURES)


def _two_small_members(origin: int = 2023, years: tuple[int, ...] = (2024,)):
    """The North East's two smallest councils at the origin, as the backtest builds a region, one market."""
    from workforce_sim.scenario.region_start import region_start_state
    from workforce_sim.scenario.schema.region import Region

    t = table_through(origin, load_table())
    ne = rb.build_region("North East", origin, years, t)
    small = sorted(ne.members, key=lambda m: sum(x.permanent_posts for x in m.scenario.initial_staffing))[:2]
    from workforce_sim.scenario.region_start import region_members

    councils = [c for c in region_members("North East", origin, t) if c.name in {m.name for m in small}]
    market = region_start_state("North East", councils, origin, t)["market"]
    return Region.model_validate({**ne.model_dump(exclude={"members", "market"}), "members": [m.model_dump() for m in small],
                                  "market": market})


def test_the_measures_are_the_dfe_definitions_of_the_members_summed_counts():
    """A region's (and England's) agency rate, turnover and vacancy rate are the DfE rates of its members' counts added up,
    the same rates ``annual_indicators`` gives one council."""
    from workforce_sim.analysis.checks import annual_indicators, indicator_rates
    from workforce_sim.experiments.regions import run_region_replications

    region = _two_small_members()
    res = run_region_replications(region, 2, 5, workers=1)
    counts = rb.region_counts(res.members)
    per = [annual_indicators(r) for r in res.members.values()]
    assert len(counts) == 2 and (counts["year"] if "year" in counts else counts["date"].dt.year).eq(2024).all()
    a, b = (p.set_index("replication") for p in per)
    got = indicator_rates(counts).set_index("replication")
    pd.testing.assert_series_equal(got["turnover_rate_pct"], 100 * (a["leavers"] + b["leavers"]) / (a["fte_in_post"] + b["fte_in_post"]),
                                   check_names=False)
    for m in rb.MEASURES:                                             # a region of one member is the member's own figure
        one = indicator_rates(rb.region_counts({"x": res.members[region.members[0].name]})).set_index("replication")[m]
        pd.testing.assert_series_equal(one, a[m], check_names=False)
    both = pd.concat([counts.assign(region="A", variant="rules off"), counts.assign(region="B", variant="rules off")])
    fc = rb.forecast_table(both, england=True)
    eng, reg_a = fc[fc["region"] == "England"].set_index("replication"), fc[fc["region"] == "A"].set_index("replication")
    for m in rb.MEASURES:                                             # England is the regions' counts summed: same rates here
        np.testing.assert_allclose(eng[m], reg_a[m])
    np.testing.assert_allclose(eng["agency_fte"], 2 * reg_a["agency_fte"])


def test_scores_give_every_measure_its_error_persistence_and_coverage_with_a_wilson_interval():
    from workforce_sim.analysis.measures import wilson

    rows = []
    for region, level in (("North East", 10.0), ("London", 20.0)):
        for variant, shift in (("rules off", 2.0), ("rules on", 0.0)):
            for rep in range(20):
                rows.append({"region": region, "variant": variant, "year": 2024, "replication": rep,
                             **{m: level + shift + 0.1 * (rep - 10) for m in rb.MEASURES}})
    fc = pd.DataFrame(rows)
    pub = pd.DataFrame([{"name": r, "measure": m, "year": y, "value": v + (0.5 if y == 2024 else 0.0)}
                        for r, v in (("North East", 10.0), ("London", 20.0)) for m in rb.MEASURES for y in (2023, 2024)])
    scores, summary = rb.score(fc, pub, 2023)
    assert set(scores["measure"]) == set(rb.MEASURES) and len(scores) == 2 * len(rb.MEASURES)
    s = scores.set_index(["region", "measure"]).loc[("London", "vacancy_rate_pct")]
    assert s["published"] == 20.5 and s["persistence"] == 20.0 and s["persistence_error"] == pytest.approx(-0.5)
    assert s["rules_off_error"] == pytest.approx(np.median(fc[(fc.region == "London") & (fc.variant == "rules off")]["vacancy_rate_pct"]) - 20.5)
    assert s["rules_on_covered"] and not s["rules_off_covered"]            # off: 21.0 to 23.9, on: 19.0 to 21.9
    on = summary[(summary["forecast"] == "rules on") & (summary["measure"] == "turnover_rate_pct")].iloc[0]
    assert on["regions"] == 2 and on["coverage90"] == 1.0 and (on["coverage90_low"], on["coverage90_high"]) == wilson(2, 2)
    assert summary[summary["forecast"] == "persistence"]["coverage90"].isna().all()
    assert list(summary["measure"].unique()) == list(rb.MEASURES)


def test_the_job_seekers_are_balanced_on_the_published_starters_and_leavers_at_the_origin():
    from workforce_sim.scenario.region_start import seeker_arrivals
    from workforce_sim.scenario.start_state import NQSW_SHARE

    low, high = seeker_arrivals(400.0, 300.0, (50, 100))
    for exit_rate, arrivals in ((1.0, low), (3.0, high)):                # in = out at the pool's central size, each end
        assert arrivals + 0.27 * 300.0 == pytest.approx(400.0 * (1 - NQSW_SHARE) + exit_rate * 75, abs=0.5)
    assert seeker_arrivals(0.0, 1000.0, (0, 0)) == (0, 0)                # never negative


def test_the_regions_pools_come_from_the_origin_years_published_starters_and_leavers():
    full = load_table()
    changed = full.copy()
    rows = (changed["year"] == 2019) & changed["measure"].isin(["starters_fte", "leavers_fte"]) & (changed["level"] == "local_authority")
    changed.loc[rows, "value"] = changed.loc[rows, "value"] * 2
    from workforce_sim.scenario.region_start import region_members, region_start_state

    pools = []
    for table in (full, changed, changed.assign(value=changed["value"].where(changed["year"] <= 2019, -1.0))):
        t = table_through(2019, table)
        pools.append(region_start_state("North East", region_members("North East", 2019, t), 2019, t)["market"]["job_seekers"])
    assert pools[1]["arrivals_per_year"][0] > pools[0]["arrivals_per_year"][0] and pools[1]["initial"][0] > pools[0]["initial"][0]
    assert pools[2] == pools[1]                                         # later years changed: the same pools


def test_the_job_seekers_do_not_drain_in_the_first_year():
    """The members hire the published starters from the pool; the pool stays near its start (it halved in a year before)."""
    from workforce_sim.experiments.regions import run_region_replications

    region = rb.build_region("North East", 2023, (2024,), table_through(2023, load_table()))
    res = run_region_replications(region, 2, 11, workers=1)
    m = res.market.groupby("tick")["seekers"].mean()
    assert m.iloc[6:13].mean() >= 0.8 * m.iloc[0]             # with arrivals of 20-45% of the starters: 0.44 of it by month 12
