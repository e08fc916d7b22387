"""Establishment drift: posts that change from year to year (``establishment_drift``)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workforce_sim.experiments.replications import single_run
from workforce_sim.scenario.councils import establishment_series, load_table, yearly_changes
from workforce_sim.scenario.start_state import DRIFT_QUANTILES, start_state

from .helpers import NO_FLOWS, SCENARIOS, assert_one_line, check_invariants, child, run_cli, tiny

ZERO_ATTRITION = {"tenure_bands": [{"min_years": 0, "hazard_per_year": 0.0}]}


def _posts(res):
    """Service-wide posts, permanent, agency and vacant FTE by snapshot date."""
    return res.snapshots.groupby("date")[["posts_fte", "permanent_fte", "agency_fte", "vacant_fte"]].sum()


def _all_permanent(**overrides):
    """400 permanent social workers, nobody leaving or joining unless ``overrides`` says so."""
    base = dict(
        start_date="2015-01-01", end_date="2018-01-01",
        team_types={"team": {"posts": [{"role": "practice_manager", "count": 0}, {"role": "social_worker", "count": 100}]}},
        teams=[{"type": "team", "count": 4}],
        initial_staffing=[{"group": "social_work_teams", "permanent_posts": 400, "agency_posts": 0, "vacant_uncovered_posts": 0}],
        attrition=ZERO_ATTRITION, **NO_FLOWS,
    )
    base.update(overrides)
    return tiny(**base)


def test_known_changes_give_the_posts_year_by_year():
    # +10% then -5% then +0%: 400 -> 440 -> 418 -> 418; new posts start vacant, the cut takes vacant posts first
    res = single_run(_all_permanent(establishment_drift={"known": [0.10, -0.05, 0.0]}), seed=3)
    p = _posts(res)
    assert p.loc["2015-01-01", "posts_fte"] == 400
    assert p.loc["2016-01-01", "posts_fte"] == 440 and p.loc["2016-01-01", "vacant_fte"] == 40
    assert p.loc["2017-01-01", "posts_fte"] == 418 and p.loc["2017-01-01", "vacant_fte"] == 18
    assert p.loc["2018-01-01", "posts_fte"] == 418
    assert (p["permanent_fte"] == 400).all()          # nobody was pushed out
    # spread over the months: half way through the first year about half the growth is there (1.1 ** 0.5)
    assert p.loc["2015-07-01", "posts_fte"] == round(400 * 1.1 ** (6 / 12))


def test_a_single_value_compounds_every_year():
    res = single_run(_all_permanent(establishment_drift={"annual_changes": [0.05]}), seed=1)
    p = _posts(res)["posts_fte"]
    for years in (1, 2, 3):
        assert p.loc[f"{2015 + years}-01-01"] == round(400 * 1.05 ** years)


def test_a_cut_without_vacancies_waits_for_permanent_leavers():
    # every post held: a 10% cut closes the posts of the next 40 leavers, and no other post is advertised
    sc = _all_permanent(establishment_drift={"known": [-0.10, 0.0, 0.0]},
                        attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": 0.3}]},
                        recruitment={"pipeline": {"enabled": True}}, agency={"enabled": False, "conversion_per_year": 0.0})
    res = single_run(sc, seed=5, keep_events=True)
    p = _posts(res)
    assert p["posts_fte"].min() >= 360
    assert p.loc["2018-01-01", "posts_fte"] == 360     # about 100 left in the first year: the 40 cuts were made
    ev = res.events
    assert (ev["kind"] == "post_closed").sum() == 40
    close_at = ev[ev["kind"] == "post_closed"].set_index("post")["day"]
    leave_at = ev[ev["kind"] == "leave"].groupby("post")["day"].max()
    assert all(close_at[q] >= leave_at[q] for q in close_at.index)   # a post closes only once its holder has left
    starts = ev[(ev["kind"] == "start") & ev["post"].isin(close_at.index)]
    assert (starts["day"].to_numpy() < close_at[starts["post"]].to_numpy()).all()   # and is never filled after
    hired = set(ev.loc[(ev["kind"] == "start") & (ev["contract"] == "permanent"), "post"])
    assert hired  # the other leavers' posts were filled again


def test_a_cut_takes_uncovered_posts_then_agency_held_ones():
    # 400 posts: 300 permanent, 60 agency, 40 uncovered; a 20% cut (80) closes the 40 uncovered, then 40 agency-held
    sc = _all_permanent(
        initial_staffing=[{"group": "social_work_teams", "permanent_posts": 300, "agency_posts": 60, "vacant_uncovered_posts": 40}],
        agency={"enabled": True, "conversion_per_year": 0.0, "cover_lag_days": 1e6, "assignment_mean_months": 1e6},
        establishment_drift={"known": [-0.2]})
    res = single_run(sc, seed=2, keep_events=True)
    p = _posts(res)
    end = p.loc["2016-01-01"]
    assert end["posts_fte"] == 320 and end["permanent_fte"] == 300 and end["agency_fte"] == 20 and end["vacant_fte"] == 0
    ev = res.events
    ended = ev[(ev["kind"] == "leave") & (ev["detail"] == "post_closed")]
    assert len(ended) == 40 and (ended["contract"] == "agency").all()


def test_growth_after_a_pending_cut_calls_the_cut_off_first():
    # -10% in year one with every post held and nobody leaving: 40 cuts wait; +12% in year two calls them off
    res = single_run(_all_permanent(establishment_drift={"known": [-0.10, 0.12]}), seed=4)
    p = _posts(res)["posts_fte"]
    assert p.loc["2016-01-01"] == 400                     # the cuts are still waiting
    assert p.loc["2017-01-01"] == round(400 * 0.9 * 1.12)  # 403: 40 cuts called off, 3 posts added


def test_drift_scales_the_posts_an_establishment_change_adds():
    sc = _all_permanent(establishment_drift={"annual_changes": [0.0]},
                        establishment_changes=[{"date": "2015-06-01", "add_teams": [{"type": "team", "count": 1}]}])
    p = _posts(single_run(sc, seed=1))["posts_fte"]
    assert p.loc["2018-01-01"] == 500   # a zero drift leaves the added team alone


def test_draws_differ_between_replications_and_repeat_for_a_seed():
    sc = _all_permanent(establishment_drift={"annual_changes": [-0.05, 0.0, 0.05, 0.10]})
    ends = [_posts(single_run(sc, seed=9, replication=r))["posts_fte"].iloc[-1] for r in range(8)]
    assert len(set(ends)) > 1
    again = [_posts(single_run(sc, seed=9, replication=r))["posts_fte"].iloc[-1] for r in range(8)]
    assert ends == again


def test_a_block_of_replications_takes_each_yearly_change_once():
    """The first year's change is stratified across replications: 20 replications of four equally likely
    changes take each one 5 times (independent draws give that about one time in a hundred)."""
    from workforce_sim.streams import STRATA

    changes = [0.0, 0.05, 0.10, 0.15]    # growth only: a cut here would wait for leavers who never come
    sc = _all_permanent(establishment_drift={"annual_changes": changes}, end_date="2016-01-01")
    ends = [_posts(single_run(sc, seed=9, replication=r))["posts_fte"].iloc[-1] for r in range(STRATA)]
    counts = sorted(np.unique(np.round(ends), return_counts=True)[1].tolist())
    assert counts == [5, 5, 5, 5]


def test_without_drift_the_establishment_stream_is_never_used():
    sc = _all_permanent()
    from workforce_sim.model.workforce import WorkforceModel
    from workforce_sim.streams import Streams

    streams = Streams(1, 0)
    WorkforceModel(sc, streams).run()
    assert "establishment" not in streams._generators


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.lists(st.floats(-0.5, 1.0), min_size=1, max_size=3), perm=st.integers(0, 24),
       hazard=st.floats(0, 2), cover_p=st.floats(0, 1), applicants=st.floats(0, 5), seed=st.integers(0, 10_000))
def test_invariants_hold_with_drift(changes, perm, hazard, cover_p, applicants, seed):
    agency = (24 - perm) // 2
    sc = tiny(
        initial_staffing=[{"group": "social_work_teams", "permanent_posts": perm, "agency_posts": agency,
                           "vacant_uncovered_posts": 24 - perm - agency}],
        attrition={"tenure_bands": [{"min_years": 0, "hazard_per_year": hazard}]},
        recruitment={"pipeline": {"applicants_per_advert": {"social_worker": applicants, "practice_manager": applicants}}},
        agency={"cover_probability": cover_p},
        nqsw={"cohorts": [{"date": "2015-09-01", "count": 3}]},
        establishment_drift={"known": changes[:2], "annual_changes": changes},
    )
    res = single_run(sc, seed=seed)
    check_invariants(res)
    posts = res.snapshots.groupby("date")["posts_fte"].sum()
    assert (posts >= 0).all()


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("text,needles", [
    ("establishment_drift: {annual_changes: [0.02, -0.95]}\n", ["establishment_drift.annual_changes", "between -0.9 and 3"]),
    ("establishment_drift: {known: [4.0]}\n", ["establishment_drift.known", "between -0.9 and 3"]),
    ("establishment_drift: {}\n", ["establishment_drift", "at least one yearly change"]),
    ("establishment_drift: {annual_changes: [.nan]}\n", ["establishment_drift.annual_changes"]),
], ids=["change-below-minus-90pc", "known-above-300pc", "no-change", "not-finite"])
def test_bad_drift_names_file_and_key(capsys, tmp_path, text, needles):
    path = child(tmp_path, f"extends: {SCENARIOS / 'slough_2014_baseline.yaml'}\n{text}")
    code, _, err = run_cli(capsys, "validate", path)
    assert_one_line(code, err, str(path), *needles)


# ------------------------------------------------------------------ the councils' drift (wfsim init)
def test_a_council_baseline_draws_from_the_changes_published_by_its_year():
    table = load_table()
    _, data = start_state("Darlington", 2020, table=table)
    drift = data["establishment_drift"]["annual_changes"]
    assert len(drift) == DRIFT_QUANTILES and drift == sorted(drift)
    pooled = yearly_changes(establishment_series(table), 2020)
    later = yearly_changes(establishment_series(table), 2025)
    assert len(later) > len(pooled) > 500   # only the changes ending by 2020 are pooled
    assert np.median(drift) == pytest.approx(np.median(pooled), abs=0.01)
    assert "2020" in data["sources"]["establishment_drift"]
