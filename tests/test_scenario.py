"""Scenario loading: extends, --set, sources, uncertain parameters."""
from __future__ import annotations

import numpy as np
import pytest

from workforce_sim.errors import InputError
from workforce_sim.scenario.loading import load_scenario, resolved_yaml
from workforce_sim.scenario.uncertain import Uniform, sample_parameters, uncertain_paths
from workforce_sim.streams import Streams

from .helpers import SCENARIOS, tiny


def test_shipped_scenarios_validate():
    for path in sorted(SCENARIOS.glob("*.yaml")):
        sc = load_scenario(path)
        assert sc.name == path.stem
        assert resolved_yaml(sc).startswith("name:")


def test_investment_extends_baseline():
    base = load_scenario(SCENARIOS / "slough_2014_baseline.yaml")
    inv = load_scenario(SCENARIOS / "slough_2014_investment.yaml")
    assert inv.team_types == base.team_types
    assert base.recruitment.pipeline.offer_to_checks_days == 56
    assert inv.recruitment.pipeline.offer_to_checks_days == 4.5
    # overriding one pipeline key keeps the parent's others
    assert inv.recruitment.pipeline.applicants_per_advert == base.recruitment.pipeline.applicants_per_advert
    assert inv.market_supplement.enabled and not base.market_supplement.enabled
    assert [c.count for c in inv.nqsw.cohorts][0] == 6
    assert sum(b.count for c in inv.establishment_changes for b in c.add_teams) == 4


def test_set_overrides_nested_and_list_items():
    sc = load_scenario(SCENARIOS / "slough_2014_investment.yaml",
                       ["recruitment.pipeline.offer_to_checks_days=30", "nqsw.cohorts.0.count=9",
                        "agency.cover_probability=[0.5, 0.7]"])
    assert sc.recruitment.pipeline.offer_to_checks_days == 30
    assert sc.nqsw.cohorts[0].count == 9
    assert isinstance(sc.agency.cover_probability, Uniform)


def test_a_source_must_name_a_real_key(tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {SCENARIOS / 'slough_2014_baseline.yaml'}\nsources:\n  recruitment.pipeline.no_such: x\n")
    with pytest.raises(InputError) as err:
        load_scenario(child)
    assert str(err.value) == f"{child}: sources.recruitment.pipeline.no_such: names a key the scenario does not have"


def test_uncertain_parameter_drawn_once_per_replication_and_within_range():
    sc = tiny(agency={"cover_probability": {"dist": "uniform", "low": 0.2, "high": 0.4}})
    assert uncertain_paths(sc) == ["agency.cover_probability"]
    draws = []
    for rep in range(50):
        streams = Streams(7, rep)
        resolved, drawn = sample_parameters(sc, lambda p: streams["param:" + p])
        assert resolved.agency.cover_probability == drawn["agency.cover_probability"]
        draws.append(drawn["agency.cover_probability"])
    assert all(0.2 <= d <= 0.4 for d in draws)
    assert len(set(draws)) == 50
    assert abs(np.mean(draws) - 0.3) < 0.03


def test_uncertain_draw_does_not_depend_on_other_uncertain_parameters():
    one = tiny(agency={"cover_probability": [0.2, 0.4]})
    two = tiny(agency={"cover_probability": [0.2, 0.4], "cover_lag_days": {"dist": "triangular", "low": 5, "mode": 10, "high": 30}})
    s1, s2 = Streams(3, 1), Streams(3, 1)
    _, d1 = sample_parameters(one, lambda p: s1["param:" + p])
    _, d2 = sample_parameters(two, lambda p: s2["param:" + p])
    assert d1["agency.cover_probability"] == d2["agency.cover_probability"]
    assert 5 <= d2["agency.cover_lag_days"] <= 30


def test_streams_are_independent_of_creation_order():
    a = Streams(11, 4)
    x = a["attrition"].random(3)
    b = Streams(11, 4)
    b["recruitment"].random(10)
    y = b["attrition"].random(3)
    assert np.array_equal(x, y)
    assert not np.array_equal(Streams(11, 5)["attrition"].random(3), x)
