"""How far a run drifts from its start state (figures for docs/validation.md, "The calibration's start").

For the seeded sample of councils (``wfsim backtest --councils N``, seed 2014) and each year Y given:
the council's history scenario with the parameters of its baseline at Y (``history_scenario``) started
on 30 September of Y - 1 (as a forecast starts) and of Y - 3 (as the calibration's run started until
6 December 2026), REPS replications each, without council shocks. Prints the mean over councils of the
simulated agency rate, turnover and vacancy rate of the year to 30 September Y for both starts, the
published figure, and the mean and standard deviation of the difference (three years' run less one).
Only data published by 30 September of Y are read.

    .venv/bin/python scripts/calibration_start.py [--councils 16] [--years 2021,2022] [--reps 12]
"""
from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from workforce_sim.analysis.backtest import forecast_indicators
from workforce_sim.errors import InputError
from workforce_sim.experiments.backtest import select_councils
from workforce_sim.experiments.calibrate import MEASURES, history_scenario, history_window
from workforce_sim.experiments.replications import combine, single_run
from workforce_sim.scenario.councils import find_council, load_table, table_through
from workforce_sim.scenario.schema import Scenario


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--councils", default="16")
    p.add_argument("--years", default="2021,2022")
    p.add_argument("--reps", type=int, default=12)
    a = p.parse_args()
    years = [int(y) for y in a.years.split(",")]
    table = load_table()
    rows = []
    for y in years:
        t = table_through(y, table)
        for name in select_councils(a.councils, years, table, 2014):
            c = find_council(name, t)
            try:
                first, observed = history_window(c, y, t)
            except InputError:
                continue
            if first > y - 3:
                continue
            for back in (1, 3):
                sc = Scenario.model_validate(history_scenario(c, y - back, y, t))
                ind = forecast_indicators(combine(sc, 7, [single_run(sc, 7, r, indicators_only=True) for r in range(a.reps)]))
                year = ind[ind["year_to_30_sept"] == y]
                for m in MEASURES:
                    rows.append({"council": c.name, "year": y, "start": f"Y-{back}", "measure": m,
                                 "simulated": float(year[m].mean()), "published": observed.get(f"{m}:{y}", np.nan)})
    df = pd.DataFrame(rows)
    wide = df.pivot_table(index=["measure", "council", "year"], columns="start", values="simulated").dropna()
    pub = df[df["start"] == "Y-1"].set_index(["measure", "council", "year"])["published"]
    wide["published"] = pub.reindex(wide.index)
    diff = wide["Y-3"] - wide["Y-1"]
    out = pd.DataFrame({
        "cases": diff.groupby(level="measure").size(),
        "started Y-1": wide["Y-1"].groupby(level="measure").mean(),
        "started Y-3": wide["Y-3"].groupby(level="measure").mean(),
        "published": wide["published"].groupby(level="measure").mean(),
        "Y-3 less Y-1: mean": diff.groupby(level="measure").mean(),
        "sd": diff.groupby(level="measure").std(),
    })
    print(f"councils {a.councils} (seed 2014), years {a.years}, {a.reps} replications a start; points, year to 30 September Y")
    print(out.round(2).to_string())


if __name__ == "__main__":
    main()
