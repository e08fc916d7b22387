from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from workforce_sim.scenario.loading import deep_merge
from workforce_sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def tiny(**overrides: Any) -> Scenario:
    """A small one-group scenario; keyword overrides are deep-merged."""
    base: dict[str, Any] = {
        "name": "tiny",
        "start_date": "2015-01-01",
        "end_date": "2017-01-01",
        "team_types": {
            "team": {"group": "social_work_teams", "posts": [
                {"role": "practice_manager", "count": 1},
                {"role": "social_worker", "count": 5},
            ]},
        },
        "teams": [{"type": "team", "count": 4}],
        "initial_staffing": [
            {"group": "social_work_teams", "permanent_posts": 12, "agency_posts": 10, "vacant_uncovered_posts": 2},
        ],
        "targets": {
            "permanent_share": {"measure": "permanent_share", "threshold": 0.80, "direction": "at_least",
                                "date": "2016-12-31", "title": "Permanent social work staff", "source": "test"},
            "vacancy_rate": {"measure": "vacancy_rate", "date": "2016-12-31", "title": "Vacancy rate", "source": "test"},
            "agency_share": {"measure": "agency_share", "date": "2016-12-31", "title": "Agency share", "source": "test"},
            "permanent_turnover": {"measure": "permanent_turnover", "date": "2016-12-31", "title": "Turnover", "source": "test"},
        },
    }
    return Scenario.model_validate(deep_merge(base, copy.deepcopy(overrides)))


@pytest.fixture
def tiny_scenario() -> Scenario:
    return tiny()
