"""Does the calibration find the council shocks' scale it was given? (docs/validation.md)

For each of a sample of councils and an origin, the calibration's own history runs (the council's
published starts, its shocks section up to the origin) are run once at a known ``shock_scale``; their
indicators stand in for the published ones, and the scale is calibrated from them as the backtest
does (only ``shock_scale``). No published outcome is read: the truth is the scale given. Printed: the
posterior median's log2 error (mean, with its standard error) and the share of posteriors whose 90%
interval holds the truth, for each distance (``--draws`` 1: the weighted distance of one replication;
2 or more: their CRPS, ``experiments.calibrate.crps_distance``).

    .venv/bin/python scripts/scale_recovery.py --councils 12 --origin 2018 --truths 0.5,1,1.6 --draws 1,2
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np
import pandas as pd

import workforce_sim.experiments.calibrate as cal
from workforce_sim.analysis.checks import annual_indicators
from workforce_sim.experiments.backtest import select_councils
from workforce_sim.experiments.replications import combine, single_run
from workforce_sim.scenario.councils import find_council, load_table, table_through
from workforce_sim.scenario.schema import Scenario


def synthetic(code: str, origin: int, table: pd.DataFrame, scale: float, seed: int) -> tuple[int, dict[str, float]]:
    """(first year, indicators of one run of the history at ``scale``) in the published figures' keys."""
    t = table_through(origin, table)
    c = find_council(code, t)
    first, observed = cal.history_window(c, origin, t)
    runs = cal.history_runs(c, first, origin, observed, t, shocks=True)
    out: dict[str, float] = {}
    for y, base in runs.items():
        sc = Scenario.model_validate(cal.with_parameters(base, {"shock_scale": scale}))
        keys = [k for k in observed if int(k.split(":")[1]) == y]
        out.update(cal.summaries(combine(sc, seed, [single_run(sc, seed, 0, indicators_only=True)]), annual_indicators, keys))
    return first, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--councils", type=int, default=12)
    ap.add_argument("--origin", type=int, default=2018)
    ap.add_argument("--truths", default="0.5,1,1.6")
    ap.add_argument("--draws", default="1,2")
    ap.add_argument("--population", type=int, default=cal.POPULATION)
    ap.add_argument("--seed", type=int, default=2014)
    ap.add_argument("--prior", default=None, help="LOW,HIGH of the shock scale's prior (default the calibration's)")
    a = ap.parse_args()
    if a.prior:
        lo, hi = (float(x) for x in a.prior.split(","))
        cal.PRIORS["shock_scale"] = (lo, hi)
    table = load_table()
    codes = select_councils(str(a.councils), [a.origin], table, a.seed)
    truths = [float(x) for x in a.truths.split(",")]
    draws = [int(x) for x in a.draws.split(",")]
    rows = []
    real = cal.history_window
    for i, code in enumerate(codes):
        for truth in truths:
            first, obs = synthetic(code, a.origin, table, truth, cal.derived_seed(a.seed, code, truth))
            cal.history_window = lambda *_args, _f=first, _o=obs, **_kw: (_f, dict(_o))
            try:
                for d in draws:
                    cpu = time.process_time()
                    post = cal.calibrate(code, a.origin, annual_indicators, table, a.seed + i, a.population, cal.GENERATIONS,
                                         shocks=True, parameters=("shock_scale",), draws=d)
                    s = post.summary().set_index("parameter").loc["shock_scale"]
                    rows.append({"council": code, "truth": truth, "draws": d, "median": s["median"], "p5": s["p5"], "p95": s["p95"],
                                 "cpu": time.process_time() - cpu})
            finally:
                cal.history_window = real
    df = pd.DataFrame(rows)
    df["log2_err"] = np.log2(df["median"] / df["truth"])
    df["holds"] = (df["p5"] <= df["truth"]) & (df["truth"] <= df["p95"])
    g = df.groupby(["draws", "truth"])
    out = pd.DataFrame({"n": g.size(), "median of medians": g["median"].median(), "log2 error": g["log2_err"].mean(),
                        "s.e.": g["log2_err"].std() / np.sqrt(g.size()), "90% holds": g["holds"].mean(), "cpu s": g["cpu"].mean()})
    prior = cal.PRIORS["shock_scale"]
    print(f"{len(codes)} councils, origin {a.origin}, population {a.population}, prior {prior[0]:.2f}-{prior[1]:.2f} "
          f"(median {math.sqrt(prior[0] * prior[1]):.2f})")
    print(out.round(3).to_string())


if __name__ == "__main__":
    main()
