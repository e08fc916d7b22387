"""How councils' uncovered vacancies carry into the next year (figures for docs/councils.md, "Agency cover").

From the shipped table (data/dfe_councils.csv.gz): the gap between agency FTE and vacancies over FTE in post, a
year on, where it was negative and where positive; the one-year line of the uncovered share of the vacancies
(``uncovered_line``) fitted on what was published by ``--through``; and the agency rate a forecast gets at 1, 2
and 3 years from origins after ``--through`` by moving only the uncovered vacancies from the origin's own share
to the line's, every other figure kept at the origin's (mean absolute and mean error against the published
rate, beside the origin's own share).

    .venv/bin/python scripts/uncovered_share.py [--through 2019]
"""
from __future__ import annotations

import argparse

import numpy as np

from workforce_sim.scenario.councils import load_table, uncovered_line

MEASURES = ("agency_fte", "vacancies_fte", "fte_in_post", "agency_rate_pct")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--through", type=int, default=2019)
    through = p.parse_args().through
    table = load_table()
    line = uncovered_line(through, table)
    t = table[(table["level"] == "local_authority") & table["measure"].isin(MEASURES)]
    w = t.pivot_table(index=["new_la_code", "year"], columns="measure", values="value", aggfunc="first").dropna().reset_index()
    w = w[(w["vacancies_fte"] > 0) & (w["fte_in_post"] > 0)]
    w["u"] = (w["vacancies_fte"] - w["agency_fte"]).clip(lower=0) / w["vacancies_fte"]
    w["gap"] = (w["agency_fte"] - w["vacancies_fte"]) / w["fte_in_post"]
    print(f"uncovered share a year on = {line.a:.3f} + {line.b:.3f} x this year's ({line.pairs} council-years published by {through})")
    nxt = w.assign(year=w["year"] - 1)
    pair = w.merge(nxt, on=["new_la_code", "year"], suffixes=("", "_n"))
    pair = pair[pair["year"] >= through]
    for side, rows in (("negative", pair[pair["gap"] < 0]), ("positive", pair[pair["gap"] > 0])):
        print(f"gap (agency FTE - vacancies) / FTE where {side}, origins from {through}: {rows['gap'].mean():+.3f} -> "
              f"{rows['gap_n'].mean():+.3f} a year on ({len(rows)} council-years)")
    for h in (1, 2, 3):
        nxt = w.assign(year=w["year"] - h)
        ev = w.merge(nxt, on=["new_la_code", "year"], suffixes=("", "_n"))
        ev = ev[ev["year"] >= through]
        out = []
        for label, share in (("own share", ev["u"]), ("line", np.clip(line.a + line.b * ev["u"], 0, 1))):
            agency = ev["agency_fte"] + (ev["u"] - share) * ev["vacancies_fte"]
            err = 100 * agency / (ev["fte_in_post"] + agency) - ev["agency_rate_pct_n"]
            out.append(f"{label}: MAE {err.abs().mean():.3f}, mean error {err.mean():+.3f}")
        print(f"agency rate at {h} year(s), {len(ev)} council-years: " + "; ".join(out))


if __name__ == "__main__":
    main()
