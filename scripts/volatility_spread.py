"""How much do councils differ in how much their published rates move from year to year?

The width of the council shocks' scale prior (``experiments.calibrate.PRIORS["shock_scale"]``): for each
rate, each council's mean absolute yearly change of the log rate (the year's median change taken out)
over the years published by ``--through``, and the spread (sd) of its log2 across councils. Under the
hypothesis that every council moves alike, the changes shuffled among councils within each year give the
spread that chance alone makes; the excess (the square root of the difference of the squares) is how far
councils' own volatility differs. It still holds the chance of small councils' figures (which the model
gives by itself), so it is an upper bound.

    .venv/bin/python scripts/volatility_spread.py --through 2019
"""
from __future__ import annotations

import argparse

import numpy as np

from workforce_sim.scenario.councils import load_table, table_through

RATES = ("turnover_rate_pct", "agency_rate_pct", "vacancy_rate_pct")


def spread(changes: np.ndarray) -> float:
    """sd across councils (rows) of log2 of their mean absolute change (NaN: a year not published)."""
    return float(np.log2(np.nanmean(np.abs(changes), axis=1)).std())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--through", type=int, default=2019)
    ap.add_argument("--shuffles", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    t = table_through(a.through, load_table())
    t = t[t["level"] == "local_authority"]
    print(f"published by 30 September {a.through}; councils with at least 4 yearly changes")
    for m in RATES:
        wide = t[t["measure"] == m].pivot_table(index="new_la_code", columns="year", values="value")
        ch = np.log(wide.clip(lower=0.5)).diff(axis=1).iloc[:, 1:]
        ch = ch.sub(ch.median(axis=0), axis=1)[ch.notna().sum(axis=1) >= 4].to_numpy()
        seen = spread(ch)
        null = []
        for _ in range(a.shuffles):
            v = ch.copy()
            for j in range(v.shape[1]):
                k = ~np.isnan(v[:, j])
                v[k, j] = rng.permutation(v[k, j])
            null.append(spread(v))
        chance = float(np.mean(null))
        excess = float(np.sqrt(max(seen ** 2 - chance ** 2, 0.0)))
        print(f"{m}: {len(ch)} councils; sd of log2 volatility {seen:.3f}, by chance {chance:.3f}, councils' own {excess:.3f}")


if __name__ == "__main__":
    main()
