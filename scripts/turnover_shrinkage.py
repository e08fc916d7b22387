"""How well does a council's turnover forecast its next year's? (docs/councils.md, "Attrition")

For each start year Y up to THROUGH - 1 (default 2019, before the backtest's first origin): the line
``a + b x mean`` of ``councils.shrinkage`` fitted on the council-years published by Y only, and the
mean absolute error over every council of three forecasts of its turnover in Y + 1: last year's value,
its mean over Y-2..Y, and the line.

    .venv/bin/python scripts/turnover_shrinkage.py [--through 2019]
"""
from __future__ import annotations

import argparse

import numpy as np

from workforce_sim.scenario.councils import load_table, shrinkage


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--through", type=int, default=2019)
    a = p.parse_args()
    table = load_table()
    t = table[(table["level"] == "local_authority") & (table["measure"] == "turnover_rate_pct") & table["value"].notna()]
    x = t.drop_duplicates(["new_la_code", "year"]).set_index(["new_la_code", "year"])["value"].unstack("year")
    print("start   a      b     pairs  councils  MAE: last year  mean of 3  line")
    for y in range(int(x.columns.min()) + 1, a.through):
        if y + 1 not in x.columns:
            continue
        alpha, beta, pairs = shrinkage("turnover_rate_pct", y, table)
        mean = x[[c for c in x.columns if y - 2 <= c <= y]].mean(axis=1)
        ok = x[y + 1].notna() & x[y].notna() & mean.notna()
        nxt = x[y + 1][ok]
        errs = [np.abs(nxt - f[ok]).mean() for f in (x[y], mean, alpha + beta * mean)]
        print(f"{y}  {alpha:6.2f}  {beta:5.3f}  {pairs:5d}  {int(ok.sum()):8d}  {errs[0]:14.2f}  {errs[1]:9.2f}  {errs[2]:5.2f}")


if __name__ == "__main__":
    main()
