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
    for lever in (lv for lv in nl.LEVERS if lv.scope == "council"):
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


# ---- a region's levers: its market's policies; a council's lever on one member ----------------

def _two(tmp_path, policies: str = "") -> Path:
    from .helpers import write_tiny

    a, b = write_tiny(tmp_path, "a"), write_tiny(tmp_path, "b")
    path = tmp_path / "two.yaml"
    path.write_text(f"name: two\nmembers:\n  - {{file: {a}, name: A}}\n  - {{file: {b}, name: B}}\n"
                    "market: {job_seekers: {initial: 5}, agency_pool: {initial: 5}}\n" + policies)
    return path


POLICIES = ("policies:\n  cooling_off: {date: 2015-06-01, months: 3}\n  experience: {date: 2015-06-01, years: 2}\n"
            "  price_cap: {date: 2015-06-01, day_rate_gbp: {social_worker: 400, practice_manager: 600}}\n")


@pytest.mark.parametrize("item, read", [
    ("Cooling-off bar=6", lambda r: r.policies.cooling_off.months == 6),
    ("cooling_off_months=0", lambda r: r.policies.cooling_off.months == 0),
    ("experience rule (years post-qualifying)=3", lambda r: r.policies.experience.years == 3),
    ("agency price cap=500", lambda r: r.policies.price_cap.day_rate_gbp == {"social_worker": 500, "practice_manager": 750}),
    ("members.A.supplement=3000", lambda r: r.members[0].scenario.market_supplement.enabled
     and set(r.members[0].scenario.market_supplement.amount_gbp_per_year.values()) == {3000}
     and not r.members[1].scenario.market_supplement.enabled),
    ("members.B.NQSWs a year=7", lambda r: sum(c.count for c in r.members[1].scenario.nqsw.cohorts
                                               if c.date >= r.start_date) > 0),
], ids=["bar", "bar-id", "experience", "cap-scales-roles", "member-supplement", "member-nqsw"])
def test_a_region_lever_sets_its_policy_key(tmp_path, item, read):
    from workforce_sim.scenario.regions import load_region

    path = _two(tmp_path, POLICIES)
    assert read(load_region(path, [item])), item
    lever = nl.find(item.partition("=")[0].rsplit(".", 1)[-1])
    if lever.scope == "region":   # the dotted keys it names are the ones the file would write
        data = {"policies": {"cooling_off": {"date": "2015-06-01", "months": 1}, "experience": {"date": "2015-06-01", "years": 1},
                             "price_cap": {"date": "2015-06-01", "day_rate_gbp": {"social_worker": 400}}}}
        written = lever.apply(data, 5)
        assert all(k.startswith(lever.maps_to.rstrip("*").rstrip(".")) for k in written), written
        assert lever.current(data) == 5


def test_a_lever_of_a_member_is_the_members_own_key(tmp_path):
    from workforce_sim.scenario.regions import load_region

    path = _two(tmp_path)
    by_lever = load_region(path, ["members.A.market_supplement_gbp=2500"])
    by_keys = load_region(path, ["members.A.market_supplement.enabled=true", "members.A.market_supplement.start_date=2015-01-01",
                                 *[f"members.A.market_supplement.amount_gbp_per_year.{r}=2500" for r in nl.SUPPLEMENT_ROLES]])
    assert by_lever.members[0].scenario.market_supplement == by_keys.members[0].scenario.market_supplement


@pytest.mark.parametrize("item, words", [
    ("cooling off bars=3", 'did you mean the lever "Cooling-off bar" (cooling_off_months)'),
    ("policies.cooling_of.months=3", "did you mean policies.cooling_off"),
    ("experience rule=3", "no policies.experience: set its date first"),
    ("NQSWs a year=3", "a council's: set it on a member, members.NAME.nqsw_per_year"),
    ("members.A.cooling-off bar=3", "a region's"),
    ("members.A.suplement=3", "members.A.suplement: unknown key (did you mean market_supplement"),
    ("cooling-off bar=-1", "cannot be below 0"),
], ids=["misspelt-lever", "misspelt-key", "absent-policy", "council-lever-on-region", "region-lever-on-member",
        "misspelt-member-lever", "negative"])
def test_a_bad_region_lever_says_what_is_near(tmp_path, item, words):
    from workforce_sim.scenario.regions import load_region

    path = _two(tmp_path, "policies:\n  cooling_off: {date: 2015-06-01, months: 3}\n")
    with pytest.raises(InputError) as exc:
        load_region(path, [item])
    assert words in str(exc.value)
    assert exc.value.option == "overrides" and exc.value.key


def test_a_region_lever_on_a_council_scenario_is_refused():
    with pytest.raises(InputError, match="a region's"):
        load_scenario(BASE, ["cooling-off bar=3"])


def test_docs_table_lists_every_lever():
    text = (ROOT / "docs" / "levers.md").read_text()
    assert nl.table_markdown() in text


def test_no_lever_name_hides_a_key():
    from workforce_sim.scenario.schema import Scenario
    from workforce_sim.scenario.schema.region import Region

    top = set(Scenario.model_fields) | set(Region.model_fields)
    assert not [n for n in nl._BY_NAME if n.replace(" ", "_") in top]
