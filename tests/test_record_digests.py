"""The records of the six shipped scenarios for seed 2014, replications 0-2, are
those stored in ``tests/data/record_digests.json``: a change of code that is not
meant to change the model's results (a refactor, a faster engine) must leave
every table of every replication bit for bit as it was.

Regenerate the stored digests only for a change that is meant to change results:
``python -m tests.test_record_digests`` (and say why in the commit).
"""
from __future__ import annotations

import hashlib
import json
import sys

import pandas as pd
import pytest

from workforce_sim.experiments.replications import single_run
from workforce_sim.scenario.loading import load_scenario

from .helpers import ROOT, SCENARIOS

STORED = ROOT / "tests" / "data" / "record_digests.json"
SHIPPED = ["slough_2014_investment", "slough_2014_baseline", "kent_2013_contract", "kent_2013_contract_rising_lac",
           "medway_2010_career_framework", "large_council_10x"]
TABLES = ["snapshots", "flows", "events", "workers", "spells", "costs", "levels", "case_monthly", "case_snapshots", "cases"]
SEED = 2014
REPLICATIONS = (0, 1, 2)


def table_digest(frame: pd.DataFrame | None) -> str:
    """Columns, their types and every value (index included) of a table."""
    if frame is None:
        return "none"
    h = hashlib.sha256()
    h.update(json.dumps([[str(c), str(t)] for c, t in frame.dtypes.items()]).encode())
    # text columns hashed as Python strings: pandas' own hash of its string dtype changed between releases
    # (3.0 -> 3.1) while the values did not
    text = {c: object for c, t in frame.dtypes.items() if isinstance(t, pd.StringDtype)}
    h.update(pd.util.hash_pandas_object(frame.astype(text) if text else frame, index=True, categorize=False).to_numpy().tobytes())
    return h.hexdigest()[:20]


def digests(name: str) -> dict[str, dict[str, str]]:
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    out = {}
    for r in REPLICATIONS:
        res = single_run(scenario, SEED, r, keep_events=True)
        out[str(r)] = {t: table_digest(getattr(res, t)) for t in TABLES}
        out[str(r)]["parameters"] = hashlib.sha256(json.dumps(res.parameters, sort_keys=True).encode()).hexdigest()[:20]
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", SHIPPED)
def test_records_of_the_shipped_scenarios_are_unchanged(name):
    stored = json.loads(STORED.read_text())[name]
    assert digests(name) == stored


if __name__ == "__main__":  # regenerate: python -m tests.test_record_digests
    names = sys.argv[1:] or SHIPPED
    data = json.loads(STORED.read_text()) if STORED.exists() else {}
    for n in names:
        data[n] = digests(n)
        print(n, file=sys.stderr)
    STORED.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
