"""The benchmark: event counting, report consistency, the ten-times council scenario."""
from __future__ import annotations

import json

import pytest
import yaml
from benchmarks import bench

from workforce_sim.experiments.replications import single_run
from workforce_sim.scenario.loading import load_scenario
from workforce_sim.scenario.uncertain import scaled

from .helpers import SCENARIOS, tiny


@pytest.mark.parametrize("n", [1, 10, 1000])
def test_event_counter_counts_every_simpy_event(n):
    # one Initialize, n timeouts, and the process's own completion event
    events, seconds = bench.bare_simpy(n, counted=True)
    assert events == n + 2
    assert seconds > 0


def test_model_event_count_is_repeatable_and_grows_with_the_council():
    small = tiny()
    big = tiny(teams=[{"type": "team", "count": 40}],
               initial_staffing=[{"group": "social_work_teams", "permanent_posts": 120, "agency_posts": 100,
                                  "vacant_uncovered_posts": 20}])
    a, b = bench.model_events(small, 3, 0)["total"], bench.model_events(small, 3, 0)["total"]
    assert a == b > 0
    assert bench.model_events(small, 3, 1)["total"] != a or bench.model_events(small, 4, 0)["total"] != a
    assert bench.model_events(big, 3, 0)["total"] > 5 * a


def test_model_event_count_includes_the_case_queue_and_referrals():
    scenario = load_scenario(SCENARIOS / "slough_2014_investment.yaml")
    counts = bench.model_events(scenario, 3, 0)
    assert counts["total"] == counts["simpy"] + counts["case"] + counts["referral"]
    # the same seed: the same children, the same events
    res = single_run(scenario, 3, 0, keep_events=True)
    cases = res.cases
    assert counts["referral"] == int((~cases["opening"]).sum())
    # every finished assessment, and every plan that ended in closure, was an entry taken off the case queue
    finished = int(res.case_monthly["assessments_completed"].sum())
    closed_from_plan = int((cases["closed_day"].notna() & cases["plans"].str.len().gt(0)).sum())
    assert finished > 0 and closed_from_plan > 0
    assert counts["case"] >= finished + closed_from_plan
    assert counts["simpy"] > 0


def test_bench_report_is_complete_and_consistent(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny().model_dump(mode="json")))
    r = bench.run_bench(bench.BenchOptions.quick(), str(path), str(path))
    assert r["bare_simpy_events"] == bench.BenchOptions.quick().bare_events + 2
    for key in ("slough", "large_council"):
        c = r[key]
        assert c["model_to_bare_ratio"] == pytest.approx(c["model_events_per_s"] / r["bare_simpy_events_per_s"])
        assert c["parallel_efficiency"] == pytest.approx(
            c["replications_per_s_2_workers"] / (2 * c["replications_per_s_1_worker"]))  # one round when quick
        assert len(c["throughput_rounds"]) == 1
        assert 0 < c["parallel_cpu_efficiency"] < 1.5
        assert c["seconds_per_replication_min"] <= c["seconds_per_replication"] <= c["seconds_per_replication_max"]
        m = c["memory"]
        assert m["workers"] == 2 and m["wall_seconds"] > 0
        assert m["peak_rss_mb_main"] >= m["rss_before_mb"] > 10
        assert m["peak_rss_mb_bound"] == pytest.approx(m["peak_rss_mb_main"] + 2 * m["peak_rss_mb_worker"])
        if m["peak_rss_mb_sampled"] is not None:
            # sampling adds up every process alive at one instant (pool helpers too): allow some slack
            assert 0 < m["peak_rss_mb_sampled"] <= m["peak_rss_mb_bound"] * 1.25
        assert 0 < m["results_mb"] < m["peak_rss_mb_main"]
    goals = {g["key"]: g for g in r["goals"]}
    assert len(goals) == 7 and "work" not in r    # the commands' work is left out of a quick run
    # bare SimPy: the best of the first runs and of those interleaved with every timed model run
    quick = bench.BenchOptions.quick()
    assert r["bare_simpy_runs"] == quick.bare_repeats + quick.samples + quick.large_samples
    assert r["bare_simpy_events_per_s"] >= r["bare_simpy_events_per_s_median"] > 0
    # the quick run is not 1,000 replications: those goals are reported as not measured
    assert goals["memory.wall_seconds"]["met"] is None and (goals.get("memory.peak_rss_mb_sampled") or goals["memory.peak_rss_mb_bound"])["met"] is None
    ratio = goals["model_to_bare_ratio"]
    assert ratio["met"] == (ratio["value"] >= 0.5)
    text = bench.text_report(r)
    assert "parallel efficiency" in text and "Goals" in text
    json.dumps(r)  # the report is plain JSON data


def test_bench_missing_scenario_is_bad_input(capsys):
    assert bench.main(["--quick", "--scenario", "no/such.yaml"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "bench: error: --scenario: no/such.yaml: file not found"


@pytest.mark.slow
def test_large_council_is_ten_times_slough_at_the_start_and_after_the_new_teams():
    slough = load_scenario(SCENARIOS / "slough_2014_investment.yaml")
    large = load_scenario(SCENARIOS / "large_council_10x.yaml")
    assert {g: 10 * n for g, n in slough.posts_by_group().items()} == large.posts_by_group()
    # counts given as ranges scale with their bounds
    assert [scaled(c.count, 10) for c in slough.nqsw.cohorts] == [scaled(c.count, 1) for c in large.nqsw.cohorts]
    assert not isinstance(large.nqsw.cohorts[1].count, int)
    roles = [(r, slough.recruitment.campaigns[0].roles[r].applicants) for r in ("practice_manager", "social_worker")]
    assert [scaled(a, 10) for _, a in roles] == [scaled(large.recruitment.campaigns[0].roles[r].applicants, 1) for r, _ in roles]
    s, big = single_run(slough, 1, 0).snapshots, single_run(large, 1, 0).snapshots
    for col in ("posts_fte", "permanent_fte", "agency_fte", "vacant_fte", "asye_fte"):
        assert big.loc[big["tick"] == 0, col].sum() == 10 * s.loc[s["tick"] == 0, col].sum(), col
    last = s["tick"].max()
    assert big.loc[big["tick"] == last, "posts_fte"].sum() == 10 * s.loc[s["tick"] == last, "posts_fte"].sum() == 1540
