"""How steady the start of a generated scenario is, on every council (figures for docs/councils.md).

For every council with DfE workforce figures in YEAR: ``wfsim init`` its scenario,
run REPS replications of one year, and take the month-on-month change of the
agency rate (agency FTE / filled FTE) and the vacancy rate (posts without a
permanent holder / posts) of the mean over replications (and of each replication), from the
first of the month after the start to the first of the month after its first anniversary. Prints the number of
councils with a monthly change above 2 points at some month, the largest, and
the change over the year.

Every council draws the same posts' changes and council shocks in a replication of a seed (the
streams are named by what they draw, not by council), so a few replications give every council the
same few paths: with two, the median over councils is those paths' (docs/councils.md); take eight
or more. ``--no-shocks`` sets the shocks' scale to 0.

    .venv/bin/python scripts/start_steadiness.py [--year 2025] [--reps 8] [--no-shocks] [--out FILE.csv]
"""
from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import pandas as pd

from workforce_sim.experiments.replications import run_replications
from workforce_sim.scenario.councils import councils, load_table, workforce_years
from workforce_sim.scenario.loading import load_scenario, with_overrides
from workforce_sim.scenario.start_state import write_start_state


def _rates(g: pd.DataFrame) -> pd.DataFrame:
    g = g.copy()
    g["agency_rate"] = 100 * g["agency_fte"] / (g["agency_fte"] + g["permanent_fte"])
    g["vacancy_rate"] = 100 * (g["posts_fte"] - g["permanent_fte"]) / g["posts_fte"]
    return g


def month_rates(scenario, reps: int, shocks: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monthly rates of the mean over replications, and of each replication, over the first year: the
    snapshots from the start to the first of the month after its first anniversary (13 months of changes)."""
    end = scenario.start_date + dt.timedelta(days=400)
    changes: dict = {"end_date": end.isoformat(), "targets": {}}
    if not shocks and scenario.council_shocks is not None:
        changes["council_shocks.scale"] = 0.0
    sc = with_overrides(scenario, changes)
    res = run_replications(sc, reps, seed=1, workers=1, executor="serial")
    cols = ["posts_fte", "permanent_fte", "agency_fte"]
    per = res.snapshots.groupby(["replication", "date"], observed=True)[cols].sum()
    year = scenario.start_date + dt.timedelta(days=366)
    per = per[per.index.get_level_values("date") <= pd.Timestamp(year.replace(day=1) if year.day > 1 else year)]
    return _rates(per.groupby("date")[cols].mean()), _rates(per)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--year", type=int, default=None)
    ap.add_argument("--reps", type=int, default=8)
    ap.add_argument("--out", type=Path, default=None, help="write one row per council to this CSV")
    ap.add_argument("--no-shocks", action="store_true", help="the council shocks' scale set to 0")
    args = ap.parse_args()
    year = args.year or int(load_table().query("measure == 'fte_in_post'")["year"].max())
    names = {}
    for c in councils():  # newest name first; one scenario per code
        if year in workforce_years(c):
            names.setdefault(c.new_la_code, c.name)
    every = sorted(names.items())
    rows = []
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for code, name in every:
            path = write_start_state(code, year, Path(tmp) / f"{code.replace('/', '_')}.yaml")
            sc = load_scenario(path)
            g, per = month_rates(sc, args.reps, not args.no_shocks)
            g = g[g.index > pd.Timestamp(sc.start_date)] if sc.start_date.day > 1 else g   # a start on the 30th: from the 1st after
            d = g[["agency_rate", "vacancy_rate"]].diff().abs().max()
            per = per[per.index.get_level_values("date") >= g.index[0]]
            dr = per.groupby(level="replication")[["agency_rate", "vacancy_rate"]].diff().abs().max()
            rows.append({"code": code, "name": name, "posts": float(g["posts_fte"].iloc[0]),
                         "max_monthly_agency_change": d["agency_rate"], "max_monthly_vacancy_change": d["vacancy_rate"],
                         "max_monthly_agency_change_any_replication": dr["agency_rate"],
                         "agency_change_over_year": g["agency_rate"].iloc[-1] - g["agency_rate"].iloc[0]})
    df = pd.DataFrame(rows)
    if args.out:
        df.to_csv(args.out, index=False)
    yr = df["agency_change_over_year"]
    print(f"{len(df)} councils, {year} starts, {args.reps} replications, one year{'' if not args.no_shocks else ', no council shocks'} "
          f"({time.perf_counter() - t0:.0f} s)")
    print(f"monthly agency-rate change above 2 points at some month: {(df['max_monthly_agency_change'] > 2).sum()} councils")
    print(f"monthly vacancy-rate change above 2 points at some month: {(df['max_monthly_vacancy_change'] > 2).sum()} councils")
    print(f"the same in any one replication, agency rate: {(df['max_monthly_agency_change_any_replication'] > 2).sum()} councils")
    print(f"agency rate over the year: median {yr.median():+.1f} points, interquartile range {yr.quantile(0.25):+.1f} to {yr.quantile(0.75):+.1f}")
    print("largest monthly agency-rate changes:")
    for r in df.sort_values("max_monthly_agency_change", ascending=False).head(8).itertuples():
        print(f"  {r.name:<40} {r.posts:7.1f} posts  {r.max_monthly_agency_change:5.1f} points")


if __name__ == "__main__":
    main()
