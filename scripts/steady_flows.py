"""Whether a generated start stays steady: a year's flows against what the start plans, and the rates' moves
(figures for docs/validation.md, "Steady leaving at the start").

For a seeded sample of councils with figures in YEAR (``select_councils``, ``--seed``): the backtest's scenario
from YEAR (``origin_scenario``) without council shocks and with the posts growing every year at the mean of
their drift's changes, REPS replications of three years. No outcome is read. Prints, summed over the councils,
each year's permanent leavers and starters by route beside what the start plans (the expected leavers, the
pipeline's starters, the NQSW intake, the conversions), then the mean over councils of the vacancy and
agency rates' moves from the start (ratio of the replications' mean FTE), for the councils with and
without places beyond the establishment.

    .venv/bin/python scripts/steady_flows.py [--year 2021] [--councils 20] [--reps 20] [--seed 7] [--workers 2]
"""
from __future__ import annotations

import argparse
import re
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from workforce_sim.errors import InputError
from workforce_sim.experiments.backtest import derived_seed, origin_scenario, select_councils
from workforce_sim.experiments.replications import run_replications
from workforce_sim.scenario.councils import load_table
from workforce_sim.scenario.schema import Scenario

YEARS = 3
PLAN = {"plan_leavers": r"expected leavers \(([\d.]+) a year", "plan_pipeline": r"([\d.]+) pipeline starters a year",
        "plan_nqsw": r"NQSW intake \((\d+)\)", "plan_conversions": r"conversions \(([\d.]+)"}


def one(job: tuple[str, int, int]) -> list[dict]:
    code, year, reps = job
    table = load_table()
    try:
        data = origin_scenario(code, year, YEARS, table, shocks=False)
    except InputError:
        return []
    changes = data["establishment_drift"]["annual_changes"]
    data["establishment_drift"] = {"known": [float(np.mean(changes))] * YEARS, "annual_changes": [float(np.mean(changes))]}
    text = data["sources"]["recruitment.pipeline.applicants_per_advert"]
    plan = {k: float(re.search(p, text).group(1)) for k, p in PLAN.items()}
    beyond = sum(float(s.get("agency_beyond_establishment", 0) or 0) for s in data["initial_staffing"])
    sc = Scenario.model_validate(data)
    res = run_replications(sc, reps, seed=derived_seed(3, code, year, "steady"), workers=1, executor="serial")
    flows = res.flows[res.flows["contract"] == "permanent"]
    day = (pd.to_datetime(flows["date"]) - pd.Timestamp(sc.start_date)).dt.days.to_numpy()
    snap = res.snapshots.groupby("date", observed=True)[["posts_fte", "permanent_fte", "agency_fte"]].sum() / reps
    dates = sorted(snap.index)
    rows = []
    for y in range(YEARS + 1):
        at = snap.loc[dates[min(12 * y, len(dates) - 1)]]
        row = {"code": code, "year": y, "beyond": beyond, **plan,
               "vacancy": 100 * (1 - at["permanent_fte"] / at["posts_fte"]),
               "agency": 100 * at["agency_fte"] / (at["agency_fte"] + at["permanent_fte"])}
        if y >= 1:   # a month's flows are dated on the first of the next month
            f = flows[(day > 365.25 * (y - 1) + 1) & (day <= 365.25 * y + 1)]
            row["leavers"] = f.loc[f["kind"] == "leave", "count"].sum() / reps
            row.update((f"start_{k}", v / reps) for k, v in f[f["kind"] == "start"].groupby("detail")["count"].sum().items())
        rows.append(row)
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--year", type=int, default=2021)
    p.add_argument("--councils", default="20")
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--workers", type=int, default=2)
    a = p.parse_args()
    table = load_table()
    codes = select_councils(a.councils, [a.year], table, a.seed)
    with ProcessPoolExecutor(a.workers) as ex:
        df = pd.DataFrame([r for rows in ex.map(one, [(c, a.year, a.reps) for c in codes]) for r in rows]).fillna(0.0)
    flows = df[df["year"] >= 1].groupby("year").sum(numeric_only=True)
    cols = ["plan_leavers", "leavers", "plan_pipeline"] + sorted(c for c in flows if c.startswith("start_")) + ["plan_nqsw", "plan_conversions"]
    print(f"{df['code'].nunique()} councils from {a.year}, {a.reps} replications, posts growing at their mean, no shocks; "
          "flows a year, summed over the councils:")
    print(flows[cols].round(1).to_string())
    start = df[df["year"] == 0].set_index("code")
    for name, keep in (("all", start.index), ("without places beyond", start.index[start["beyond"] == 0]),
                       ("with places beyond", start.index[start["beyond"] > 0])):
        moves = {y: (df[df["year"] == y].set_index("code").loc[keep, ["vacancy", "agency"]] - start.loc[keep, ["vacancy", "agency"]]).mean()
                 for y in range(1, YEARS + 1)}
        print(f"{name} ({len(keep)}): vacancy rate's move " + " / ".join(f"{moves[y]['vacancy']:+.2f}" for y in moves)
              + ", agency rate's " + " / ".join(f"{moves[y]['agency']:+.2f}" for y in moves))


if __name__ == "__main__":
    main()
