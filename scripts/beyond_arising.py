"""Agency FTE beyond the vacancies arising where councils had none (figures for docs/councils.md and
docs/validation.md, "Places beyond the establishment that arise").

From the shipped table (data/dfe_councils.csv.gz): the next year's change of the agency rate where a council's
agency FTE fell short of its vacancies, matched them (within 0.5% of FTE in post) or exceeded them, over two
spans of years; then, for each year the start could be, what ``beyond_arising`` reads from the years published by
then (the excess one and two years on at councils without one, over their FTE in post) and the two rates the
start derives from it: places end at r = -ln(2-year share / 1-year share - 1) a year and arise at
1-year share / (1 - e^-r) x r a year per FTE in post.

    .venv/bin/python scripts/beyond_arising.py
"""
from __future__ import annotations

import math

import numpy as np

from workforce_sim.scenario.councils import beyond_arising, load_table

MEASURES = ("agency_fte", "vacancies_fte", "fte_in_post", "agency_rate_pct")


def main() -> None:
    table = load_table()
    t = table[(table["level"] == "local_authority") & table["measure"].isin(MEASURES)]
    w = t.pivot_table(index=["new_la_code", "year"], columns="measure", values="value", aggfunc="first").reset_index()
    w = w.sort_values(["new_la_code", "year"])
    nxt = w.groupby("new_la_code").shift(-1)
    w["change"] = nxt["agency_rate_pct"] - w["agency_rate_pct"]
    w = w[(nxt["year"] == w["year"] + 1) & w["change"].notna()]
    gap = (w["agency_fte"] - w["vacancies_fte"]) / w["fte_in_post"]
    w["group"] = np.select([gap < -0.005, gap > 0.005], ["short of vacancies", "beyond vacancies"], "matching vacancies")
    for first, last in ((2014, 2019), (2019, 2024)):
        span = w[(w["year"] >= first) & (w["year"] + 1 <= last)]
        print(f"next year's change of the agency rate, {first}-{last}:")
        print(span.groupby("group")["change"].agg(["mean", "count"]).round(2).to_string())
    print("start  1-year share  2-year share  council-years  ends a year  arise a year per FTE")
    for year in range(2016, int(table["year"].max()) + 1):
        once, twice, n1, n2 = beyond_arising(year, table)
        q = twice / once - 1 if once > 0 else float("nan")
        ends = -math.log(q) if 0 < q < 1 else float("nan")
        arise = once / (1 - q) * ends if np.isfinite(ends) else float("nan")
        print(f"{year}   {once:.4f}        {twice:.4f}        {n1} / {n2}      {ends:.3f}        {arise:.4f}")


if __name__ == "__main__":
    main()
