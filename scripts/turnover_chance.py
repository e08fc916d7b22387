"""The chance in turnover's ensemble: 20 replications' drawn leavers against their expected leavers with Poisson
chance (``analysis.backtest.turnover_members``), both against the model's own distribution (figures for
docs/validation.md, "Turnover's chance: the expected leavers").

For each council: the backtest's scenario from YEAR (shocks on, no calibration) run with BIG replications gives
the model's distribution of turnover a year on; then SEEDS seeds of 20 replications each, read both ways: the
median, and the share of the BIG members the "90%" interval holds. Means and standard deviations over the seeds.

    .venv/bin/python scripts/turnover_chance.py [--councils E06000001,E09000001,E10000015] [--year 2019] [--big 1000] [--seeds 30]
"""
from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from workforce_sim.analysis.backtest import forecast_indicators, turnover_members
from workforce_sim.analysis.measures import ensemble_quantiles
from workforce_sim.experiments.backtest import forecast, origin_scenario
from workforce_sim.scenario.councils import load_table


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--councils", default="E06000001,E09000001,E10000015")
    p.add_argument("--year", type=int, default=2019)
    p.add_argument("--big", type=int, default=1000)
    p.add_argument("--seeds", type=int, default=30)
    a = p.parse_args()
    t = load_table()
    qs = [0.05, 0.5, 0.95]
    for code in a.councils.split(","):
        d = origin_scenario(code, a.year, 1, t, True)
        big = forecast(d, a.big, 77, forecast_indicators)
        ref = big.loc[big["year_to_30_sept"] == a.year + 1, "turnover_rate_pct"].dropna().to_numpy()
        rows = []
        for s in range(a.seeds):
            f = forecast(d, 20, 1000 + s, forecast_indicators)
            f = f[f["year_to_30_sept"] == a.year + 1]
            row = {}
            for name, x in (("drawn", f["turnover_rate_pct"].to_numpy()),
                            ("expected", turnover_members(f["expected_leavers"].to_numpy(), f["fte_in_post"].to_numpy()))):
                lo, med, hi = ensemble_quantiles(x, qs)
                row[f"median {name}"] = med
                row[f"90% holds {name}"] = float(np.mean((ref >= lo) & (ref <= hi)))
            rows.append(row)
        r = pd.DataFrame(rows)
        print(f"{code}: FTE in post {f['fte_in_post'].mean():.0f}, median of {a.big} replications {np.median(ref):.2f}; "
              + "; ".join(f"{c} {r[c].mean():.3f} ± {r[c].std():.3f}" for c in r.columns), flush=True)


if __name__ == "__main__":
    main()
