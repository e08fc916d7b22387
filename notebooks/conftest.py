"""Marks the heavy notebooks slow, as a whole: nbval runs a notebook's cells in one kernel,
so leaving out some cells would break the others. ``make test-fast`` leaves these out;
``make test`` runs every notebook. Measured on 6 December 2026 (docs/testing.md)."""
from __future__ import annotations

from pathlib import Path

import pytest

SLOW = {
    "02_recruitment_scenarios.ipynb",  # 306 s of cells under a load of 10 on 2 cores
    "03_market_supplements.ipynb",     # 117 s
    "05_cheapest_plan.ipynb",          # 62 s
}


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here and Path(str(item.fspath)).name in SLOW:
            item.add_marker(pytest.mark.slow)
