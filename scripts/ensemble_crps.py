"""How the fair CRPS of the backtest's 20 replications scores the model's own distribution (figures for
docs/validation.md, "Turnover's chance and the scores of 20 stratified replications").

For a seeded sample of councils (``select_councils``, seed 11) from YEAR: the backtest's scenario (shocks on, no
calibration) run with BIG replications gives the model's distribution of each rate a year on; outcomes are drawn
from it (OUTCOMES per seed), and each of SEEDS seeds of 20 replications is scored on them by the fair CRPS (the
backtest's ``crps_ensemble``) and the plain one, beside the CRPS of the BIG members themselves (which is the
model's own score of those outcomes to within 1 / BIG). A score below the BIG members' is optimistic: the 20
replications' draws are stratified, so they spread more evenly than the independent draws the fair estimator
corrects for. Turnover also as the backtest now scores it (``turnover_members``: each replication's expected
leavers with Poisson quantiles of their chance). Means by measure, and the 20 replications' fair CRPS relative
to the BIG members'.

    .venv/bin/python scripts/ensemble_crps.py [--councils 4] [--year 2019] [--big 1000] [--seeds 40] [--workers 2]
"""
from __future__ import annotations

import argparse
import hashlib
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import scoringrules

from workforce_sim.analysis.backtest import crps_ensemble, forecast_indicators, turnover_members
from workforce_sim.experiments.backtest import forecast, origin_scenario, select_councils
from workforce_sim.scenario.councils import load_table

MEASURES = ["agency_rate_pct", "vacancy_rate_pct", "turnover_rate_pct"]
SMALL, OUTCOMES = 20, 50


def one(job: tuple[str, int, int, int]) -> list[dict]:
    code, year, big_n, seeds = job
    data = origin_scenario(code, year, 1)
    big = forecast(data, big_n, 10_000, forecast_indicators)
    big = big[big["year_to_30_sept"] == year + 1]
    rng = np.random.default_rng(int(hashlib.sha256(code.encode()).hexdigest()[:8], 16))
    rows = []
    for seed in range(seeds):
        f = forecast(data, SMALL, seed, forecast_indicators)
        f = f[f["year_to_30_sept"] == year + 1]
        sets = {m: (big[m].dropna().to_numpy(), f[m].dropna().to_numpy()) for m in MEASURES}
        sets["turnover (expected leavers)"] = (big["turnover_rate_pct"].dropna().to_numpy(),
                                               turnover_members(f["expected_leavers"].to_numpy(), f["fte_in_post"].to_numpy()))
        for m, (ref, x) in sets.items():
            y = rng.choice(ref, OUTCOMES)
            rows.append({"council": code, "seed": seed, "measure": m,
                         "fair": np.mean([crps_ensemble(v, x) for v in y]),
                         "plain": float(np.mean(scoringrules.crps_ensemble(y, np.broadcast_to(x, (len(y), len(x))), estimator="nrg"))),
                         "model": np.mean([crps_ensemble(v, ref) for v in y])})
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--councils", default="4")
    p.add_argument("--year", type=int, default=2019)
    p.add_argument("--big", type=int, default=1000)
    p.add_argument("--seeds", type=int, default=40)
    p.add_argument("--workers", type=int, default=2)
    a = p.parse_args()
    codes = select_councils(a.councils, [a.year], load_table(), 11)
    with ProcessPoolExecutor(a.workers) as ex:
        df = pd.DataFrame([r for rows in ex.map(one, [(c, a.year, a.big, a.seeds) for c in codes]) for r in rows])
    out = df.groupby("measure")[["fair", "plain", "model"]].mean()
    out["fair / model - 1"] = out["fair"] / out["model"] - 1
    out["plain / model - 1"] = out["plain"] / out["model"] - 1
    print(out.round(4).to_string())
    by = df.groupby(["council", "measure"])[["fair", "model"]].mean()
    print((by["fair"] / by["model"] - 1).unstack().round(3).to_string())


if __name__ == "__main__":
    main()
