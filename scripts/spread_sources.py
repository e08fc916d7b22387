"""Where a forecast's spread comes from (figures for docs/validation.md, "What moves the spread").

For each council given: the backtest's scenario from YEAR (``origin_scenario``, with the council shocks), REPS
replications of three years, and the interquartile range over the replications of the vacancy and agency rates
(DfE indicators, year to 30 September) in each year: with everything; without the council shocks; without
the establishment drift's spread (the posts grow every year at its mean); with neither; and with the drift's
mean and one shocked rate at a time. No outcome is read.

    .venv/bin/python scripts/spread_sources.py [--year 2017] [--reps 40] CODE [CODE ...]
"""
from __future__ import annotations

import argparse
import copy

import numpy as np

from workforce_sim.analysis.checks import annual_indicators
from workforce_sim.experiments.backtest import origin_scenario
from workforce_sim.experiments.replications import combine, single_run
from workforce_sim.scenario.councils import load_table
from workforce_sim.scenario.schema import Scenario

SEED = 5


def spreads(data: dict, reps: int) -> str:
    sc = Scenario.model_validate(data)
    ind = annual_indicators(combine(sc, SEED, [single_run(sc, SEED, i, indicators_only=True) for i in range(reps)]))
    parts = []
    for year, g in ind.groupby("year_to_30_sept"):
        iqr = {m: g[m].quantile(0.75) - g[m].quantile(0.25) for m in ("vacancy_rate_pct", "agency_rate_pct")}
        parts.append(f"{year}: {iqr['vacancy_rate_pct']:5.2f} {iqr['agency_rate_pct']:5.2f}")
    return " | ".join(parts)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("codes", nargs="+")
    p.add_argument("--year", type=int, default=2017)
    p.add_argument("--reps", type=int, default=40)
    a = p.parse_args()
    table = load_table()
    print("interquartile range of the vacancy rate and the agency rate, by year to 30 September")
    for code in a.codes:
        base = origin_scenario(code, a.year, 3, table)
        mean_drift = {"annual_changes": [float(np.mean(base["establishment_drift"]["annual_changes"]))]}
        variants = {"everything": base}
        d = copy.deepcopy(base)
        d.pop("council_shocks", None)
        variants["no shocks"] = d
        d = copy.deepcopy(base)
        d["establishment_drift"] = mean_drift
        variants["drift at its mean"] = d
        d = copy.deepcopy(d)
        d.pop("council_shocks", None)
        variants["neither"] = d
        for rate, changes in base.get("council_shocks", {}).get("changes", {}).items():
            d = copy.deepcopy(base)
            d["establishment_drift"] = mean_drift
            d["council_shocks"]["changes"] = {rate: changes}
            variants[f"only {rate} shocks"] = d
        print(f"{base['council']} ({code}) from {a.year}, {a.reps} replications")
        for label, data in variants.items():
            print(f"  {label:26s} {spreads(data, a.reps)}", flush=True)


if __name__ == "__main__":
    main()
