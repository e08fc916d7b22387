"""Places beyond the establishment: agency workers covering absence or adding capacity, where a council's
agency FTE exceeds its vacancies (``initial_staffing.agency_beyond_establishment``, ``Post.beyond``)."""
from __future__ import annotations

import math

import pytest

from workforce_sim.experiments.backtest import origin_scenario
from workforce_sim.experiments.replications import single_run
from workforce_sim.model.workforce import WorkforceModel
from workforce_sim.scenario.councils import beyond_arising, beyond_retention, load_table
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


def _published_and_changed_after(origin: int):
    """The shipped table, a copy with every figure after ``origin`` changed, and the councils' figures in ``origin``."""
    full = load_table()
    changed = full.copy()
    later = changed["year"] > origin
    changed.loc[later, "value"] = changed.loc[later, "value"] * 3 + 1
    w = full[(full["level"] == "local_authority") & (full["year"] == origin)].pivot_table(
        index="new_la_code", columns="measure", values="value", aggfunc="first")
    return full, changed, w


def test_the_join_rate_reads_only_the_years_published_by_the_start():
    origin = 2019
    full, changed, w = _published_and_changed_after(origin)
    code = (w["agency_fte"] - w["vacancies_fte"]).dropna().sort_values().index[-1]   # the largest excess in 2019
    a, d = (origin_scenario(code, origin, 3, t) for t in (full, changed))
    assert a == d
    init = a["initial_staffing"][0]
    kept, pairs = beyond_retention(origin, full)
    assert init["agency_beyond_establishment"] > 0 and pairs > 100 and 0 < kept < 1
    assert init["agency_beyond_joins_per_year"] == round(-math.log(kept), 4)
    assert beyond_retention(origin, full[full["year"] <= origin]) == (kept, pairs)
    assert beyond_retention(origin + 3, full) != (kept, pairs)     # later years would change it


def _live_places(sc, replications: int, day: float) -> list[int]:
    """Places that arose during the run and had not ended by ``day``, in each replication."""
    out = []
    for r in range(replications):
        ev = WorkforceModel(sc, Streams(11, r), keep_events=True).run().tables(0, r, {}).events
        ev = ev[ev["day"] <= day]
        out.append(int((ev["kind"] == "place_arose").sum() - (ev["kind"] == "place_ended").sum()))
    return out


def test_places_arise_and_end_at_their_rates_as_in_an_infinite_server_queue():
    # places arising at 12 a year and ending at 2 a year are an M/M/infinity queue from empty: a year on, their
    # number is Poisson with mean 12 / 2 x (1 - e^-2) = 5.19, whatever else the council does
    arise = {**tiny().model_dump()["initial_staffing"][0], "agency_beyond_arising_per_year": 12.0, "agency_beyond_ends_per_year": 2.0}
    sc = tiny(initial_staffing=[arise])
    live = _live_places(sc, 300, 365.25)
    mean = 12 / 2 * (1 - math.exp(-2))
    n = len(live)
    average = sum(live) / n
    variance = sum((x - average) ** 2 for x in live) / (n - 1)
    assert abs(average - mean) < 4 * math.sqrt(mean / n)
    assert 0.7 * mean < variance < 1.4 * mean            # Poisson: the variance is the mean
    assert _live_places(tiny(), 5, 365.25) == [0] * 5    # without the rate, none arises


def test_a_place_arises_with_its_agency_worker_and_leaves_no_post_behind():
    # nobody permanent leaves, nobody is hired, agency cover immediate: the places beyond at each month start are
    # the places that arose and have not ended, each held by an agency worker; the posts never change, and the
    # agency workers in posts are the vacancies
    arise = {**tiny().model_dump()["initial_staffing"][0], "agency_beyond_arising_per_year": 20.0, "agency_beyond_ends_per_year": 4.0}
    sc = tiny(initial_staffing=[arise], attrition=ZERO_ATTRITION, recruitment={"pipeline": {"enabled": False}},
              agency={"cover_lag_days": 0.0, "cover_probability": 1.0, "conversion_per_year": 0.0})
    model = WorkforceModel(sc, Streams(4, 0), keep_events=True).run()
    res = model.tables(0, 4, {})
    t = _totals(res)
    ev = res.events
    assert (ev["kind"] == "place_arose").sum() > 20 and (ev["kind"] == "place_ended").sum() > 10
    assert (t["posts_fte"] == t["posts_fte"].iloc[0]).all()
    days = (t.index - t.index[0]).days.to_numpy()
    live = [int(((ev["kind"] == "place_arose") & (ev["day"] <= d)).sum() - ((ev["kind"] == "place_ended") & (ev["day"] <= d)).sum())
            for d in days]
    assert t["beyond_fte"].tolist() == live
    in_posts = (t["agency_fte"] - t["beyond_fte"]).iloc[1:]      # every vacancy agency-held after the first day
    assert (in_posts == (t["posts_fte"] - t["permanent_fte"]).iloc[1:]).all()
    ended = ev[(ev["kind"] == "leave") & (ev["detail"] == "place_ended")]
    assert len(ended) == (ev["kind"] == "place_ended").sum() and (ended["contract"] == "agency").all()
    check_invariants(res)


def test_the_arising_places_read_only_the_years_published_by_the_start():
    origin = 2019
    full, changed, w = _published_and_changed_after(origin)
    code = (w["vacancies_fte"] - w["agency_fte"]).dropna().sort_values().index[-1]   # the most uncovered vacancies in 2019
    a, d = (origin_scenario(code, origin, 3, t) for t in (full, changed))
    assert a == d
    init = a["initial_staffing"][0]
    once, twice, n1, n2 = beyond_arising(origin, full)
    assert min(n1, n2) > 100 and 0 < once < twice < 2 * once
    ends = -math.log(twice / once - 1)
    fte = float(w.loc[code, "fte_in_post"])
    assert init["agency_beyond_ends_per_year"] == round(ends, 4)
    assert init["agency_beyond_arising_per_year"] == pytest.approx(once / (2 - twice / once) * ends * fte, abs=1e-4)
    assert "agency_beyond_establishment" not in init
    assert beyond_arising(origin, full[full["year"] <= origin]) == (once, twice, n1, n2)
    assert beyond_arising(origin + 3, full) != (once, twice, n1, n2)     # later years would change it
    # a council with places beyond at the start keeps them (their own join rate) and has none arise
    code = (w["agency_fte"] - w["vacancies_fte"]).dropna().sort_values().index[-1]
    assert "agency_beyond_arising_per_year" not in origin_scenario(code, origin, 3, full)["initial_staffing"][0]


@pytest.mark.parametrize("extra,key,words", [
    ("agency_beyond_establishment: 2", "initial_staffing.0.agency_beyond_establishment", "more than agency_posts"),
    ("agency_beyond_establishment: 1, agency_beyond_joins_per_year: -0.5", "initial_staffing.0.agency_beyond_joins_per_year",
     "greater than or equal to 0"),
    ("agency_beyond_arising_per_year: -1", "initial_staffing.0.agency_beyond_arising_per_year", "greater than or equal to 0"),
    ("agency_beyond_arising_per_year: 2, agency_beyond_ends_per_year: 0", "initial_staffing.0.agency_beyond_ends_per_year",
     "greater than 0"),
], ids=["more-places-than-agency-posts", "join-rate-out-of-range", "arising-rate-negative", "end-rate-zero"])
def test_bad_places_beyond_are_one_line_naming_file_and_key(capsys, tmp_path, extra, key, words):
    path = child(tmp_path, f"extends: {SCENARIOS / 'slough_2014_baseline.yaml'}\ninitial_staffing:\n"
                           f"  - {{group: reviewing, permanent_posts: 16, agency_posts: 1, vacant_uncovered_posts: 1, {extra}}}\n")
    code, _, err = run_cli(capsys, "validate", path)
    assert_one_line(code, err, str(path), key, words)
