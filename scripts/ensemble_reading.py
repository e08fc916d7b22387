"""How much of the model's own distribution a 20-member interval holds (figures for docs/validation.md, "A finding
on the intervals' reading").

For a seeded sample of councils (``select_councils``, seed 11) from YEAR: the backtest's scenario (shocks on, no
calibration) run with 2,000 replications gives the model's distribution of each rate a year on; then 100 seeds of
20 replications each, their "90%" and "50%" intervals read at NumPy's weibull plotting positions (what the backtest
uses) and at Hazen's, and the share of the 2,000 members each interval holds. Means by measure and by council.

    .venv/bin/python scripts/ensemble_reading.py [--councils 8] [--year 2019] [--workers 2]
"""
from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from workforce_sim.analysis.backtest import forecast_indicators
from workforce_sim.experiments.backtest import forecast, origin_scenario, select_councils
from workforce_sim.scenario.councils import load_table

MEASURES = ["agency_rate_pct", "vacancy_rate_pct", "turnover_rate_pct"]
BIG, SEEDS, SMALL = 2000, 100, 20


def one(job: tuple[str, int]) -> list[dict]:
    code, year = job
    data = origin_scenario(code, year, 1)
    big = forecast(data, BIG, 10_000, forecast_indicators)
    big = big[big["year_to_30_sept"] == year + 1]
    refs = {m: np.sort(big[m].dropna().to_numpy()) for m in MEASURES}
    rows = []
    for seed in range(SEEDS):
        f = forecast(data, SMALL, seed, forecast_indicators)
        f = f[f["year_to_30_sept"] == year + 1]
        for m in MEASURES:
            ref, x = refs[m], f[m].dropna().to_numpy()
            row = {"council": code, "seed": seed, "measure": m}
            for method in ("weibull", "hazen"):
                q = np.searchsorted(ref, np.quantile(x, [0.05, 0.25, 0.75, 0.95], method=method), side="right") / len(ref)
                row[f"{method} 90%"], row[f"{method} 50%"] = q[3] - q[0], q[2] - q[1]
            rows.append(row)
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--councils", default="8")
    p.add_argument("--year", type=int, default=2019)
    p.add_argument("--workers", type=int, default=2)
    a = p.parse_args()
    codes = select_councils(a.councils, [a.year], load_table(), 11)
    with ProcessPoolExecutor(a.workers) as ex:
        df = pd.DataFrame([r for rows in ex.map(one, [(c, a.year) for c in codes]) for r in rows])
    cols = ["weibull 90%", "hazen 90%", "weibull 50%", "hazen 50%"]
    print(df.groupby("measure")[cols].mean().round(3).to_string())
    print(df.groupby("council")[cols].mean().round(3).to_string())


if __name__ == "__main__":
    main()
