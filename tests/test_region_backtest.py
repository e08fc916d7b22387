"""The regional policy backtest: built from what was published by the origin only; the rules act from their date."""
from __future__ import annotations

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
    s = out.scores[out.scores["region"] == "North East"].set_index("year")
    assert s.loc[2024, "rules_on_median"] == s.loc[2024, "rules_off_median"]      # the rules start on 31 October 2024
    fc = out.forecasts[(out.forecasts["region"] == "North East") & (out.forecasts["year"] == 2025)]
    on = fc[fc["variant"] == "rules on"]["agency_rate_pct"].to_numpy()
    off = fc[fc["variant"] == "rules off"]["agency_rate_pct"].to_numpy()
    assert (on != off).any()
    assert set(out.summary["forecast"]) == {"rules off", "rules on", "persistence"}
