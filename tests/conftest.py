from __future__ import annotations

import pytest

from workforce_sim.scenario.schema import Scenario

from .helpers import tiny


@pytest.fixture
def tiny_scenario() -> Scenario:
    return tiny()
