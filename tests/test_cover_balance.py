"""``wfsim init``'s agency cover: the balance of agency-held and uncovered vacancies it keeps is the council's
uncovered share shrunk towards every council's as far as such shares carry into the next year."""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from workforce_sim.experiments.backtest import origin_scenario
from workforce_sim.experiments.replications import combine, single_run
from workforce_sim.scenario.councils import load_table, uncovered_line
from workforce_sim.scenario.schema import Scenario

REPS = 16


def _rows(code: str, year: int, vacancies: float, agency: float) -> list[dict]:
    return [{"level": "local_authority", "new_la_code": code, "year": year, "measure": m, "value": v}
            for m, v in (("vacancies_fte", vacancies), ("agency_fte", agency))]


def test_the_uncovered_line_recovers_a_known_line_and_reads_nothing_later():
    rng = np.random.default_rng(5)
    rows = []
    for k in range(30):
        share = float(rng.uniform(0, 0.9))
        for i in range(6):   # each year on the line 0.1 + 0.5 x the year before's share, 40 vacancies
            rows += _rows(f"E{k:08d}", 2014 + i, 40.0, 40.0 * (1 - share))
            share = 0.1 + 0.5 * share
    rows += _rows("E99999999", 2014, 0.0, 3.0) + _rows("E99999999", 2015, 5.0, 9.0)   # no vacancies: no share
    line = uncovered_line(2019, pd.DataFrame(rows))
    assert math.isclose(line.a, 0.1, abs_tol=1e-9) and math.isclose(line.b, 0.5, abs_tol=1e-9) and line.pairs == 30 * 5
    assert uncovered_line(2016, pd.DataFrame(rows)).pairs == 30 * 2            # pairs ending by 2016 only

    full = load_table()
    changed = full.copy()
    later = changed["year"] > 2019
    changed.loc[later, "value"] = changed.loc[later, "value"] * 3 + 1
    a, c = uncovered_line(2019, full), uncovered_line(2019, changed)
    assert (a.a, a.b, a.pairs) == (c.a, c.b, c.pairs) and a.pairs > 300 and 0 < a.b < 1
    assert uncovered_line(2021, full).pairs > a.pairs


def _uncovered_share(data: dict) -> tuple[float, float]:
    """(the uncovered share of the vacancies on the first 1 October, its mean over the year's last six months)."""
    sc = Scenario.model_validate(data)
    snap = combine(sc, 13, [single_run(sc, 13, i) for i in range(REPS)]).snapshots
    by = snap.groupby("date")[["posts_fte", "permanent_fte", "vacant_fte"]].sum()
    share = by["vacant_fte"] / (by["posts_fte"] - by["permanent_fte"])     # of the vacancies, agency-held or not
    return float(share.iloc[0]), float(share.iloc[-6:].mean())


def test_the_cover_keeps_the_shrunk_uncovered_share():
    # the council with the largest uncovered share of many vacancies in 2019: the cover brings its share down to
    # the line's, about what councils with such shares published a year later
    t = load_table()
    w = t[(t["level"] == "local_authority") & (t["year"] == 2019)].pivot_table(
        index="new_la_code", columns="measure", values="value", aggfunc="first")
    w = w[w["vacancies_fte"] >= 40]
    code = ((w["vacancies_fte"] - w["agency_fte"]).clip(lower=0) / w["vacancies_fte"]).sort_values().index[-1]
    data = origin_scenario(code, 2019, 1, t, shocks=False)
    data["establishment_drift"] = {"annual_changes": [0.0]}
    text = data["sources"]["agency.cover_lag_days"]
    m = re.search(r"uncovered share (\d+)/(\d+) shrunk to ([\d.]+)", text)
    assert m, text
    own, target = int(m.group(1)) / int(m.group(2)), float(m.group(3))
    start, later = _uncovered_share(data)
    assert own - target > 0.15 and abs(start - own) < 0.02, (own, target, start)
    assert abs(later - target) < 0.06, (own, target, later)
