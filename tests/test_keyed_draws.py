"""Draws keyed by identity: a post's occupants, advert rounds and agency cover draw from the post's
own streams (``streams.Keyed``), so a lever perturbs only what it changes."""
from __future__ import annotations

import math

import numpy as np
import pytest

from workforce_sim.experiments.replications import single_run
from workforce_sim.streams import Keyed, MemberStreams, Streams

from .helpers import tiny

SAME = ["day", "kind", "contract", "detail", "post", "role", "team"]


def test_a_keyed_stream_depends_only_on_seed_replication_name_and_key():
    first = [Keyed(1, 2, "leaving", "team_1/3").random() for _ in range(2)]
    assert first[0] == first[1]
    draws = {Keyed(*args).random() for args in [(1, 2, "leaving", "team_1/3"), (2, 2, "leaving", "team_1/3"),
                                                 (1, 3, "leaving", "team_1/3"), (1, 2, "advert", "team_1/3"),
                                                 (1, 2, "leaving", "team_1/4")]}
    assert len(draws) == 5
    s = Streams(5, 1)
    assert s.keyed("advert", "x").random() == Keyed(5, 1, "advert", "x").random()
    # a region's member other than the first: its names prefixed, as its numpy streams are
    assert MemberStreams(s, "B").keyed("advert", "x").random() == s.keyed("member:B:advert", "x").random()


def test_stratified_draws_take_one_stratum_each_in_a_block_and_stay_uniform():
    from workforce_sim.streams import STRATA

    block = [Streams(4, r).stratified("council_shocks:attrition", 2) for r in range(STRATA)]
    assert sorted(int(u * STRATA) for u in block) == list(range(STRATA))      # every stratum once
    assert block == [Streams(4, r).stratified("council_shocks:attrition", 2) for r in range(STRATA)]   # repeatable
    # another name, year, block or seed: another order
    for other in ([Streams(4, r).stratified("council_shocks:applicants", 2) for r in range(STRATA)],
                  [Streams(4, r).stratified("council_shocks:attrition", 3) for r in range(STRATA)],
                  [Streams(4, STRATA + r).stratified("council_shocks:attrition", 2) for r in range(STRATA)],
                  [Streams(5, r).stratified("council_shocks:attrition", 2) for r in range(STRATA)]):
        assert [int(u * STRATA) for u in other] != [int(u * STRATA) for u in block]
    # uniform for one replication over many seeds (Kolmogorov-Smirnov distance within its 1% critical value)
    u = np.sort([Streams(seed, 7).stratified("establishment_drift", 0) for seed in range(2000)])
    assert np.max(np.abs(u - (np.arange(1, 2001) - 0.5) / 2000)) < 1.63 / math.sqrt(2000)
    # a region member's draws: its names prefixed
    assert MemberStreams(Streams(4, 1), "B").stratified("x", 0) == Streams(4, 1).stratified("member:B:x", 0)


@pytest.mark.parametrize("mean", [0.3, 2.5, 12.0, 900.0])
def test_poisson_by_inversion_has_the_poisson_mean_and_variance(mean):
    rng = Keyed(3, 0, "test", str(mean))
    x = np.array([rng.poisson(mean) for _ in range(20_000)], float)
    se = math.sqrt(mean / len(x))
    assert abs(x.mean() - mean) < 4 * se
    assert abs(x.var() / mean - 1) < 0.06
    assert x.min() >= 0


def test_poisson_by_inversion_never_gives_fewer_for_a_larger_mean():
    for key in range(300):
        low, high = Keyed(9, 0, "p", str(key)), Keyed(9, 0, "p", str(key))
        assert all(low.poisson(m) <= high.poisson(m * 1.3) for m in (0.5, 3.0, 8.0))


def test_exponential_and_choice_by_inversion():
    rng = Keyed(4, 0, "test", "e")
    x = np.array([rng.exponential(2.0) for _ in range(20_000)])
    assert abs(x.mean() - 2.0) < 4 * 2.0 / math.sqrt(len(x))
    counts = np.bincount([rng.choice_index([0.2, 0.5, 0.3]) for _ in range(20_000)], minlength=3) / 20_000
    assert np.allclose(counts, [0.2, 0.5, 0.3], atol=0.015)


def test_adding_a_team_leaves_every_other_team_s_records_identical():
    """Without children's cases (whose caseloads every team shares), a team added on a date changes
    nothing in the other teams: their starts, leavers, adverts and agency cover are the same events
    on the same days. With one stream per kind of draw shared by all posts they all moved."""
    base = tiny()
    more = tiny(establishment_changes=[{"date": "2015-03-01", "add_teams": [{"type": "team", "count": 1}]}])
    for r in range(3):
        a = single_run(base, 7, r, keep_events=True).events
        b = single_run(more, 7, r, keep_events=True).events
        added = b["team"].eq("team_5")
        assert added.sum() > 0 and (b.loc[added, "kind"] == "start").any()     # the new team is staffed
        mine = b.loc[~added & b["kind"].ne("post_created"), SAME].reset_index(drop=True)
        assert mine.equals(a.loc[a["kind"].ne("post_created"), SAME].reset_index(drop=True)), r
