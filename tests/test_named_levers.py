"""Named levers: plain words with units mapped onto scenario keys, in --set, --grid, --lever,
a variant file's ``set:`` block; unknown keys name the closest keys and levers."""
from __future__ import annotations

from pathlib import Path

import pytest

from workforce_sim.errors import InputError
from workforce_sim.experiments.levers import current_values, parse_levers, plan_data
from workforce_sim.scenario import named_levers as nl
from workforce_sim.scenario.loading import load_scenario, with_overrides

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "slough_2014_baseline.yaml"
INVEST = ROOT / "scenarios" / "slough_2014_investment.yaml"
STAGES = nl.STAGES


def _mid(v):
    return (v.low + v.high) / 2 if hasattr(v, "low") else float(v)


def test_nqsws_a_year_sets_every_future_cohort():
    by_keys = load_scenario(INVEST, [f"nqsw.cohorts.{i}.count=10" for i in range(3)])
    by_label = load_scenario(INVEST, ["NQSWs a year=10"])
    by_id = load_scenario(INVEST, ["nqsw_per_year=10"])
    by_star = load_scenario(INVEST, ["nqsw.cohorts.*.count=10"])
    assert [c.count for c in by_label.nqsw.cohorts] == [10, 10, 10]
    assert by_label == by_keys == by_id == by_star


def test_nqsws_a_year_shares_a_year_among_its_cohorts(tmp_path):
    f = tmp_path / "s.yaml"
    cohorts = "\n".join(f"    - {{date: 2014-09-{d:02d}, count: 1}}" for d in range(1, 16))
    f.write_text(f"extends: {BASE}\nnqsw:\n  cohorts:\n{cohorts}\n")
    sc = load_scenario(f, ["NQSWs a year=7"])
    assert sum(c.count for c in sc.nqsw.cohorts) == 7
    assert max(c.count for c in sc.nqsw.cohorts) - min(c.count for c in sc.nqsw.cohorts) <= 1


def test_nqsws_a_year_without_cohorts_makes_one_each_september():
    sc = load_scenario(BASE, ["nqsw.cohorts=[]", "nqsw_per_year=5"])
    assert [c.date.month for c in sc.nqsw.cohorts] == [9] * len(sc.nqsw.cohorts)
    assert len(sc.nqsw.cohorts) == 4 and all(c.count == 5 for c in sc.nqsw.cohorts)


def test_time_to_hire_scales_the_stages_together():
    before = load_scenario(BASE).recruitment.pipeline
    after = load_scenario(BASE, ["time to hire (days)=60"]).recruitment.pipeline
    total = sum(_mid(getattr(after, s)) for s in STAGES)
    assert total == pytest.approx(60, abs=1e-3)
    ratios = {round(_mid(getattr(after, s)) / _mid(getattr(before, s)), 4) for s in STAGES}
    assert len(ratios) == 1


def test_every_lever_reads_back_what_it_wrote():
    sc = load_scenario(BASE)
    for lever in nl.LEVERS:
        value = lever.low + 2 * lever.step if lever.id != "agency_cover_pct" else 75
        moved = with_overrides(sc, {lever.label: value})
        assert lever.current(moved.model_dump(mode="json")) == pytest.approx(value), lever.id


def test_supplement_lever_switches_the_supplement_on_and_off():
    on = load_scenario(BASE, ["market_supplement_gbp=2500"])
    assert on.market_supplement.enabled and set(on.market_supplement.amount_gbp_per_year.values()) == {2500}
    off = load_scenario(INVEST, ["Market supplement per role=0"])
    assert not off.market_supplement.enabled


def test_extra_teams_on_a_date():
    sc = load_scenario(BASE, ["teams.add.assessment_cin@2015-01-01=2"])
    change = sc.establishment_changes[-1]
    assert str(change.date) == "2015-01-01" and change.add_teams[0].count == 2


@pytest.mark.parametrize("item, words", [
    ("recruitment.pipeline.offer_to_check_days=3", "recruitment.pipeline.offer_to_checks_days"),
    ("NQSW a year=5", '"NQSWs a year"'),
    ("recrutment.pipeline.advert_days=3", "did you mean recruitment"),
    ("nqsw_per_year=2.5", "whole number"),
    ("agency_cover_pct=150", "percentage"),
    ("time_to_hire_days=fast", "takes a number"),
])
def test_bad_lever_or_key_says_what_is_near(item, words):
    with pytest.raises(InputError) as exc:
        load_scenario(BASE, [item])
    assert words in str(exc.value)


def test_variant_changes_one_list_item_without_copying_the_list(tmp_path):
    f = tmp_path / "variant.yaml"
    f.write_text(f"extends: {INVEST}\nset:\n  nqsw.cohorts.1.count: 12\n  time to hire: 90\n")
    sc = load_scenario(f)
    base = load_scenario(INVEST)
    assert sc.nqsw.cohorts[1].count == 12
    assert sc.nqsw.cohorts[0] == base.nqsw.cohorts[0] and sc.nqsw.cohorts[2] == base.nqsw.cohorts[2]
    assert sum(_mid(getattr(sc.recruitment.pipeline, s)) for s in STAGES) == pytest.approx(90, abs=1e-3)
    f.write_text(f"extends: {INVEST}\nset:\n  nqsw.cohorts.7.count: 12\n")
    with pytest.raises(InputError) as exc:
        load_scenario(f)
    assert exc.value.file == str(f) and "set.nqsw.cohorts.7.count" in str(exc.value)


def test_named_lever_as_an_optimiser_lever():
    base = load_scenario(INVEST)
    levers = parse_levers(["NQSWs a year=4..12:2", "time_to_hire_days=40..120:10"], base)
    assert levers[0].title == "NQSWs a year (newly qualified social workers a year)"
    assert current_values(base, levers) is None or "NQSWs a year" in current_values(base, levers)
    plan = plan_data(base, levers, {"NQSWs a year": 8, "time_to_hire_days": 60})
    assert [c["count"] for c in plan["nqsw"]["cohorts"]] == [8, 8, 8]
    assert set(plan["recruitment"]["pipeline"]) >= set(STAGES)
    with pytest.raises(InputError, match="whole numbers"):
        parse_levers(["NQSWs a year=4..12:0.5"], base)


def test_docs_table_lists_every_lever():
    text = (ROOT / "docs" / "levers.md").read_text()
    assert nl.table_markdown() in text
