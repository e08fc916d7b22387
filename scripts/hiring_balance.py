"""Does a council's gap between its starters and its leavers predict its vacancy and agency rates? (docs/councils.md)

``wfsim init`` sets a council's hiring so that it replaces the expected leavers and fills the posts'
expected growth (a steady start), not at the council's published starters. This script gives the
evidence, from the shipped table up to THROUGH only (default 2019, before the backtest's first
origin): for every council and year Y with Y + h <= THROUGH, the gap is the mean of its published
starters over Y-2..Y less the mean of its turnover over Y-2..Y times its FTE in post at Y, in
points of its posts (FTE in post + vacancies) at Y, as ``wfsim init`` reads them; beside it, the
h-year change of the vacancy and agency rates. Printed: the correlation and least-squares slope
of each change on the gap, and by year the mean change of the vacancy rate beside the mean growth
of posts and the starters' ratio to turnover x FTE. Last, whether a council's yearly change of
each rate carries into the next year (the lag-1 correlation of its yearly changes, every council):
what a calibration fitted to a council's recent years could carry into its forecast
(docs/validation.md, "The calibration fits the spread only").

    .venv/bin/python scripts/hiring_balance.py [--through 2019]
"""
from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from workforce_sim.scenario.councils import load_table


def wide(table: pd.DataFrame) -> pd.DataFrame:
    t = table[table["level"] == "local_authority"]
    w = t.pivot_table(index=["new_la_code", "year"], columns="measure", values="value").sort_index()
    w["posts"] = w["fte_in_post"] + w["vacancies_fte"]
    return w


def gaps(w: pd.DataFrame, through: int, horizons: tuple[int, ...] = (1, 2, 3)) -> pd.DataFrame:
    """One row per council, year Y and horizon h (Y + h <= ``through``): the gap and the changes."""
    g = w.groupby(level=0)
    mean3 = lambda col: g[col].transform(lambda s: s.rolling(3, min_periods=1).mean())  # noqa: E731
    gap = 100 * (mean3("starters_fte") - mean3("turnover_rate_pct") / 100 * w["fte_in_post"]) / w["posts"]
    rows = []
    for h in horizons:
        dv = g["vacancy_rate_pct"].shift(-h) - w["vacancy_rate_pct"]
        da = g["agency_rate_pct"].shift(-h) - w["agency_rate_pct"]
        f = pd.DataFrame({"gap": gap, "d_vacancy": dv, "d_agency": da, "h": h}).reset_index()
        rows.append(f[f["year"] + h <= through])
    out = pd.concat(rows).replace([np.inf, -np.inf], np.nan).dropna()
    return out[out["year"] <= through]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--through", type=int, default=2019)
    a = p.parse_args()
    table = load_table()
    w = wide(table[table["year"] <= a.through])
    r = gaps(w, a.through)
    print(f"council-years with the table up to {a.through}: the h-year change on the starters-leavers gap (points of posts)")
    print("h  cases  gap sd  vacancy: corr  slope   agency: corr  slope")
    for h, x in r.groupby("h"):
        cv, ca = np.corrcoef(x["gap"], x["d_vacancy"])[0, 1], np.corrcoef(x["gap"], x["d_agency"])[0, 1]
        sv, sa = np.polyfit(x["gap"], x["d_vacancy"], 1)[0], np.polyfit(x["gap"], x["d_agency"], 1)[0]
        print(f"{h}  {len(x):5d}  {x['gap'].std():6.2f}  {cv:+13.2f}  {sv:+5.2f}  {ca:+12.2f}  {sa:+5.2f}")
    g = w.groupby(level=0)
    by_year = pd.DataFrame({"vacancy rate change": g["vacancy_rate_pct"].diff(), "posts growth %": 100 * g["posts"].pct_change(),
                            "starters / (turnover x FTE)": w["starters_fte"] / (w["turnover_rate_pct"] / 100 * w["fte_in_post"])})
    by_year = by_year.replace([np.inf, -np.inf], np.nan).groupby(level=1).median().dropna(how="all")
    print("\nmedians over councils, by year")
    print(by_year.round(2).to_string())
    print("\nthe lag-1 correlation of councils' yearly changes")
    for m in ("agency_rate_pct", "vacancy_rate_pct", "turnover_rate_pct"):
        d = g[m].diff()
        x = pd.DataFrame({"d": d, "before": d.groupby(level=0).shift(1)}).dropna()
        print(f"{m:18s} {len(x):5d} changes  {np.corrcoef(x['d'], x['before'])[0, 1]:+.2f}")


if __name__ == "__main__":
    main()
