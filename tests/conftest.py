from __future__ import annotations

import os

import pytest

from workforce_sim.scenario.schema import Scenario

from .helpers import tiny

# No test writes into the repository's outputs/.cache, and no test reads what another run stored:
# the replication cache is off unless a test turns it on (tests/test_cache.py). Subprocesses inherit this.
os.environ["WFSIM_CACHE"] = "off"


@pytest.fixture
def tiny_scenario() -> Scenario:
    return tiny()


# Tests that take more than about 10 s on 2 cores but cannot carry a decorator
# (one case of a parametrised test; a module without pytest imported): marked slow
# here, so that `make test-fast` leaves them out (docs/testing.md).
SLOW_TESTS = {
    "tests/test_model.py::test_results_identical_for_any_worker_count",
    "tests/test_scenario_reports.py::test_every_shipped_scenario_reports_its_own_targets[large_council_10x.yaml]",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
