"""Places beyond the establishment: agency workers covering absence or adding capacity, where a council's
agency FTE exceeds its vacancies (``initial_staffing.agency_beyond_establishment``, ``Post.beyond``)."""
from __future__ import annotations

import math

import pytest

from workforce_sim.experiments.backtest import origin_scenario
from workforce_sim.experiments.replications import single_run
from workforce_sim.model.workforce import WorkforceModel
from workforce_sim.scenario.councils import beyond_retention, load_table
from workforce_sim.streams import Streams

from .helpers import SCENARIOS, assert_one_line, check_invariants, child, run_cli, tiny

ZERO_ATTRITION = {"tenure_bands": [{"min_years": 0, "hazard_per_year": 0.0}]}
# 24 places: 12 permanent, 10 agency of which 4 beyond the establishment, 2 uncovered vacancies
BEYOND = {"initial_staffing": [{"group": "social_work_teams", "permanent_posts": 12, "agency_posts": 10,
                                "vacant_uncovered_posts": 2, "agency_beyond_establishment": 4}]}


def _totals(res):
    return res.snapshots.groupby("date")[["posts_fte", "permanent_fte", "agency_fte", "vacant_fte", "beyond_fte"]].sum()


def test_the_start_counts_places_beyond_the_establishment_as_agency_not_as_vacancies():
    res = single_run(tiny(**BEYOND), seed=1)
    first = _totals(res).iloc[0]
    assert first["posts_fte"] == 20 and first["beyond_fte"] == 4
    assert first["agency_fte"] == 10 and first["permanent_fte"] == 12
    # the DfE's rates: vacancies 8 (6 agency-held, 2 uncovered) of 20 posts; agency 10 of 22 staff
    assert 1 - first["permanent_fte"] / first["posts_fte"] == 0.4
    assert first["agency_fte"] / (first["agency_fte"] + first["permanent_fte"]) == 10 / 22
    check_invariants(res)


def test_without_places_beyond_the_same_agency_workers_are_vacancies():
    res = single_run(tiny(), seed=1)
    first = _totals(res).iloc[0]
    assert first["posts_fte"] == 24 and first["beyond_fte"] == 0
    assert 1 - first["permanent_fte"] / first["posts_fte"] == 0.5


def test_places_beyond_are_recovered_by_agency_and_never_filled_permanently():
    # nobody permanent leaves; adverts attract many applicants, agency cover is immediate: the 4 places stay
    # agency-held at every month start while the vacancies fill with permanent starters
    sc = tiny(**BEYOND, attrition=ZERO_ATTRITION, agency={"cover_lag_days": 0.0, "cover_probability": 1.0},
              recruitment={"pipeline": {"applicants_per_advert": {"social_worker": 20.0, "practice_manager": 20.0}}})
    model = WorkforceModel(sc, Streams(5, 0), keep_events=True).run()
    beyond = {p.idx for p in model.establishment.posts if p.beyond}
    assert len(beyond) == 4
    res = model.tables(0, 5, {})
    t = _totals(res)
    assert (t["beyond_fte"] == 4).all()
    assert t["posts_fte"].iloc[-1] == 20 and t["permanent_fte"].iloc[-1] > 12
    ev = res.events
    starts = ev[(ev["kind"] == "start") & ev["post"].isin(beyond)]
    assert len(starts) > 0 and (starts["contract"] == "agency").all()
    assert not ev[ev["post"].isin(beyond) & ev["kind"].isin(["offer_accepted", "advert_unfilled"])].shape[0]
    check_invariants(res)


def test_the_drift_neither_counts_nor_cuts_places_beyond():
    # posts -25% in the first year, nobody hired or leaving: 20 posts -> 15 (5 of the 8 agency-held vacancies
    # closed); counting the 4 places beyond would give 24 -> 18, cutting them would leave fewer than 4
    sc = tiny(**BEYOND, attrition=ZERO_ATTRITION, agency={"cover_lag_days": 0.0, "cover_probability": 1.0, "conversion_per_year": 0.0},
              recruitment={"pipeline": {"enabled": False}}, establishment_drift={"known": [-0.25, 0.0]})
    res = single_run(sc, seed=2)
    t = _totals(res)
    assert t["posts_fte"].iloc[0] == 20 and t["posts_fte"].iloc[-1] == 15
    assert (t["beyond_fte"] == 4).all() and t["agency_fte"].iloc[-1] == 3 + 4
    check_invariants(res)


def test_places_beyond_join_the_establishment_at_their_rate():
    # at 10 a year every place joins within the two years (all but surely): posts 20 -> 24, none beyond at the end,
    # each join logged once; without the rate none joins
    sc = tiny(**BEYOND, attrition=ZERO_ATTRITION)
    joined = tiny(initial_staffing=[{**BEYOND["initial_staffing"][0], "agency_beyond_joins_per_year": 10.0}], attrition=ZERO_ATTRITION)
    model = WorkforceModel(joined, Streams(3, 0), keep_events=True).run()
    res = model.tables(0, 3, {})
    t = _totals(res)
    assert t["posts_fte"].iloc[0] == 20 and t["posts_fte"].iloc[-1] == 24 and t["beyond_fte"].iloc[-1] == 0
    assert (res.events["detail"] == "beyond_joined").sum() == 4
    assert not any(p.beyond for p in model.establishment.posts)
    check_invariants(res)
    assert (_totals(single_run(sc, seed=3))["beyond_fte"] > 0).all()


def test_the_join_rate_reads_only_the_years_published_by_the_start():
    origin = 2019
    full = load_table()
    changed = full.copy()
    later = changed["year"] > origin
    changed.loc[later, "value"] = changed.loc[later, "value"] * 3 + 1
    w = full[(full["level"] == "local_authority") & (full["year"] == origin)].pivot_table(
        index="new_la_code", columns="measure", values="value", aggfunc="first")
    code = (w["agency_fte"] - w["vacancies_fte"]).dropna().sort_values().index[-1]   # the largest excess in 2019
    a, d = (origin_scenario(code, origin, 3, t) for t in (full, changed))
    assert a == d
    init = a["initial_staffing"][0]
    kept, pairs = beyond_retention(origin, full)
    assert init["agency_beyond_establishment"] > 0 and pairs > 100 and 0 < kept < 1
    assert init["agency_beyond_joins_per_year"] == round(-math.log(kept), 4)
    assert beyond_retention(origin, full[full["year"] <= origin]) == (kept, pairs)
    assert beyond_retention(origin + 3, full) != (kept, pairs)     # later years would change it


@pytest.mark.parametrize("extra,key,words", [
    ("agency_beyond_establishment: 2", "initial_staffing.0.agency_beyond_establishment", "more than agency_posts"),
    ("agency_beyond_establishment: 1, agency_beyond_joins_per_year: -0.5", "initial_staffing.0.agency_beyond_joins_per_year",
     "greater than or equal to 0"),
], ids=["more-places-than-agency-posts", "join-rate-out-of-range"])
def test_bad_places_beyond_are_one_line_naming_file_and_key(capsys, tmp_path, extra, key, words):
    path = child(tmp_path, f"extends: {SCENARIOS / 'slough_2014_baseline.yaml'}\ninitial_staffing:\n"
                           f"  - {{group: reviewing, permanent_posts: 16, agency_posts: 1, vacant_uncovered_posts: 1, {extra}}}\n")
    code, _, err = run_cli(capsys, "validate", path)
    assert_one_line(code, err, str(path), key, words)
