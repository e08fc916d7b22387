"""How far the time to hire and the applicants move a council's vacancy rate (figures for docs/validation.md,
"What moves the spread").

For each council given: the backtest's scenario from YEAR without council shocks, the posts growing at the
mean of their drift's changes, REPS replications of one year; the mean vacancy and agency rates on the year's
last 1 October with the recruitment pipeline's five durations (advert, shortlist to interview, interview to offer,
offer to checks, checks to start) times 0.67, 1 and 1.5, and with the applicants per advert round times 0.5 and 2.
No outcome is read.

    .venv/bin/python scripts/hiring_levers.py [--year 2017] [--reps 16] CODE [CODE ...]
"""
from __future__ import annotations

import argparse
import copy

import numpy as np

from workforce_sim.analysis.checks import annual_indicators
from workforce_sim.experiments.backtest import origin_scenario
from workforce_sim.experiments.replications import combine, single_run
from workforce_sim.scenario.councils import load_table
from workforce_sim.scenario.schema import Pipeline, Scenario

DURATIONS = ("advert_days", "shortlist_to_interview_days", "interview_to_offer_days", "offer_to_checks_days", "checks_to_start_days")
SEED = 5


def rates(data: dict, reps: int) -> str:
    sc = Scenario.model_validate(data)
    ind = annual_indicators(combine(sc, SEED, [single_run(sc, SEED, i, indicators_only=True) for i in range(reps)]))
    last = ind[ind["year_to_30_sept"] == ind["year_to_30_sept"].max()]
    return f"vacancy {last['vacancy_rate_pct'].mean():.1f}, agency {last['agency_rate_pct'].mean():.1f}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("codes", nargs="+")
    p.add_argument("--year", type=int, default=2017)
    p.add_argument("--reps", type=int, default=16)
    a = p.parse_args()
    table = load_table()
    pl = Pipeline()
    for code in a.codes:
        base = origin_scenario(code, a.year, 1, table, shocks=False)
        base["establishment_drift"] = {"annual_changes": [float(np.mean(base["establishment_drift"]["annual_changes"]))]}
        out = []
        for f in (0.67, 1.0, 1.5):
            d = copy.deepcopy(base)
            for k in DURATIONS:
                d["recruitment"]["pipeline"][k] = float(getattr(pl, k)) * f
            out.append(f"durations x{f}: {rates(d, a.reps)}")
        for f in (0.5, 2.0):
            d = copy.deepcopy(base)
            apps = d["recruitment"]["pipeline"]["applicants_per_advert"]
            for role in apps:
                apps[role] *= f
            out.append(f"applicants x{f}: {rates(d, a.reps)}")
        print(f"{base['council']} ({code}) from {a.year}, {a.reps} replications")
        for line in out:
            print(f"  {line}", flush=True)


if __name__ == "__main__":
    main()
