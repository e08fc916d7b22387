"""The start's vacancy rate against the DfE's (figures for docs/validation.md, "The next cause: the start's vacancies").

Two parts. (1) For the seeded sample of councils (``wfsim backtest --councils N``, seed 2014) from
ORIGIN: the origin scenario without the posts' drift or council shocks, REPS replications of one
year; the model's vacancy rate (posts less permanent FTE, over posts) on the first 1 October and a
year later, the year's starters, leavers and FTE in post, beside the published figures of ORIGIN.
(2) Over every council-year 2019-2022 of the shipped table: how often agency FTE exceeds vacancies
FTE, and by how much the earlier start's vacancy rate (before places beyond the establishment: a
post for every agency worker, vacancies = max(agency, vacancies)) exceeded the published one.
(3) Over every council-year 2015-2025 with agency FTE beyond its vacancies: the next year's agency
FTE, vacancies and excess, means over those council-years; how many councils without an excess have
one a year later; the share still beyond (``councils.beyond_retention``) by 2020 and by 2025.

    .venv/bin/python scripts/start_vacancies.py [--councils 12] [--origin 2021] [--reps 6]
"""
from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from workforce_sim.analysis.checks import annual_indicators
from workforce_sim.experiments.backtest import origin_scenario, select_councils
from workforce_sim.experiments.replications import combine, single_run
from workforce_sim.scenario.councils import beyond_retention, find_council, load_table, series
from workforce_sim.scenario.schema import Scenario


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--councils", default="12")
    p.add_argument("--origin", type=int, default=2021)
    p.add_argument("--reps", type=int, default=6)
    a = p.parse_args()
    table = load_table()
    rows = []
    for name in select_councils(a.councils, [a.origin], table, 2014):
        data = origin_scenario(name, a.origin, 1, table, False)
        data.pop("establishment_drift", None)
        sc = Scenario.model_validate(data)
        res = combine(sc, 5, [single_run(sc, 5, r, indicators_only=True) for r in range(a.reps)])
        snap = res.snapshots.groupby(["replication", "date"])[["posts_fte", "permanent_fte"]].sum().reset_index()
        snap["vacancy"] = 100 * (snap["posts_fte"] - snap["permanent_fte"]) / snap["posts_fte"]
        by_date = snap.groupby("date")["vacancy"].mean()
        year = annual_indicators(res)
        year = year[year["year_to_30_sept"] == a.origin + 1].mean(numeric_only=True)
        c = find_council(name, table)
        pub = {m: float(series(c, m, table=table).get(a.origin, np.nan))
               for m in ("starters_fte", "leavers_fte", "fte_in_post", "vacancy_rate_pct")}
        rows.append({"council": c.name, "vacancy start": by_date.iloc[0], "vacancy a year on": by_date.iloc[-1],
                     "published vacancy": pub["vacancy_rate_pct"], "starters": year["starters"], "published starters": pub["starters_fte"],
                     "leavers": year["leavers"], "published leavers": pub["leavers_fte"], "FTE in post": year["fte_in_post"],
                     "published FTE": pub["fte_in_post"]})
    df = pd.DataFrame(rows)
    print(f"(1) {len(df)} councils from {a.origin}, no drift, no shocks, {a.reps} replications; means over councils:")
    print(df.mean(numeric_only=True).round(2).to_string())

    t = table[(table["level"] == "local_authority") & table["year"].between(2019, 2022)]
    w = t.pivot_table(index=["new_la_code", "year"], columns="measure", values="value").dropna(
        subset=["fte_in_post", "agency_fte", "vacancies_fte"])
    published = 100 * w["vacancies_fte"] / (w["vacancies_fte"] + w["fte_in_post"])
    held = np.maximum(w["agency_fte"], w["vacancies_fte"])
    start = 100 * held / (held + w["fte_in_post"])
    gap = start - published
    print(f"(2) {len(w)} council-years 2019-2022: agency FTE above vacancies FTE in {(w['agency_fte'] > w['vacancies_fte']).mean():.0%}; "
          f"the earlier start's vacancy rate (a post for every agency worker) less the published: mean {gap.mean():.2f}, median {gap.median():.2f}, "
          f"90th percentile {gap.quantile(0.9):.2f} points")

    t = table[table["level"] == "local_authority"]
    w = t.pivot_table(index=["new_la_code", "year"], columns="measure", values="value", aggfunc="first")[
        ["agency_fte", "vacancies_fte"]].dropna()
    w["excess"] = (w["agency_fte"] - w["vacancies_fte"]).clip(lower=0)
    nxt = w.rename(index=lambda y: y - 1, level="year").reindex(w.index)    # each council's figures of the next year
    has = (w["excess"] > 0) & nxt["excess"].notna()
    none = (w["excess"] == 0) & nxt["excess"].notna()
    print(f"(3) {int(has.sum())} council-years 2015-2025 with agency FTE beyond vacancies: agency {w['agency_fte'][has].mean():.1f} -> "
          f"{nxt['agency_fte'][has].mean():.1f}, vacancies {w['vacancies_fte'][has].mean():.1f} -> {nxt['vacancies_fte'][has].mean():.1f}, "
          f"excess {w['excess'][has].mean():.2f} -> {nxt['excess'][has].mean():.2f} FTE a council the next year; of {int(none.sum())} "
          f"without, {(nxt['excess'][none] > 0).mean():.0%} have one the next year; still beyond a year later: "
          f"{beyond_retention(2020, table)[0]:.3f} by 2020, {beyond_retention(2025, table)[0]:.3f} by 2025")


if __name__ == "__main__":
    main()
