"""The council beside its statistical neighbours: published DfE figures and the simulated ones.

For a scenario that names its council (``la_code``), four measures of the DfE
children's social work workforce census (agency rate, turnover, vacancy rate,
caseload) as published for the council and for its ten statistical neighbours
(median, lowest, highest) in the census year nearest the start date, beside the
simulated median and 90% interval one year after the start. The tables
``data/dfe_councils.csv.gz`` and ``data/dfe_council_neighbours.csv`` (see the
data folder's README) are looked up in ``workforce_sim.scenario.councils``.
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any, Optional

import numpy as np
import pandas as pd

from workforce_sim.analysis import targets
from workforce_sim.analysis.measures import HIGH_Q, LOW_Q, ensemble_quantiles
from workforce_sim.errors import InputError
from workforce_sim.experiments.replications import Results
from workforce_sim.scenario.councils import Council, find_council, neighbour_codes, workforce_rows
from workforce_sim.scenario.councils import la_code_parts as _parts
from workforce_sim.scenario.schema import Scenario

# (DfE measure, model measure, title, unit of the DfE figure; model shares are shown in percent)
MEASURES = (
    ("agency_rate_pct", "agency_share", "Agency rate", "%"),
    ("turnover_rate_pct", "permanent_turnover", "Turnover", "%"),
    ("vacancy_rate_pct", "vacancy_rate", "Vacancy rate", "%"),
    ("caseload", "average_caseload", "Caseload", "children"),
)
NO_LINK = ("This scenario names no council with published DfE figures (la_code), so its figures are not set "
           "beside the council's statistical neighbours.")


def council_of(scenario: Scenario) -> Optional[Council]:
    """The council the scenario names by ``la_code`` (None when it names none)."""
    if not scenario.la_code:
        return None
    try:
        return find_council(scenario.la_code)
    except InputError:
        raise InputError(f"no council with LA code {scenario.la_code!r} in data/dfe_councils.csv.gz", file=scenario.name, key="la_code") from None


def _workforce() -> pd.DataFrame:
    return workforce_rows([m[0] for m in MEASURES])


def census_year(start: dt.date, years: list[int]) -> Optional[int]:
    """The census year (figures at 30 September) nearest the start date; the earlier one on a tie."""
    if not years:
        return None
    return min(years, key=lambda y: (abs((dt.date(y, 9, 30) - start).days), y))


def published(c: Council, year: Optional[int] = None, start: Optional[dt.date] = None) -> Optional[dict[str, Any]]:
    """The council's and its neighbours' published figures in ``year`` (default: nearest ``start``), or None without any."""
    wf = _workforce()
    near = neighbour_codes(c)
    codes = {code for code, _ in near} | _parts(c.old_la_code)
    mine = wf["old_la_code"].map(lambda s: bool(_parts(s) & codes))
    wf = wf[mine]
    if wf.empty:
        return None
    if year is None:
        year = census_year(start or dt.date.today(), sorted(int(y) for y in wf["year"].unique()))
    wf = wf[wf["year"] == year]
    own = wf["old_la_code"].map(lambda s: bool(_parts(s) & _parts(c.old_la_code)))
    rows = []
    for dfe, model, title, unit in MEASURES:
        m = wf[wf["measure"] == dfe]
        council = m.loc[own, "value"]
        others = m.loc[~own].drop_duplicates(["old_la_code"])["value"].astype(float)
        rows.append({
            "measure": dfe, "model_measure": model, "title": title, "unit": unit,
            "council": float(council.iloc[0]) if len(council) else None,
            "neighbours_median": float(others.median()) if len(others) else None,
            "neighbours_min": float(others.min()) if len(others) else None,
            "neighbours_max": float(others.max()) if len(others) else None,
            "neighbours_n": int(len(others)),
        })
    return {"council": c.name, "la_code": c.new_la_code, "old_la_code": c.old_la_code, "year": int(year),
            "neighbours": [name for _, name in near], "rows": rows}


def _simulated(results: Results, model: str, when: dt.date) -> tuple[Optional[float], Optional[float], Optional[float]]:
    t = targets.Target(key=f"neighbours_{model}", name=model, title=model, description="", unit="share", source="", measure=model, date=when)
    if targets.status(t, results) != "modelled":
        return None, None, None
    series = targets.MEASURE_FUNCTIONS[model](results, t)
    if isinstance(series, pd.DataFrame) and series.empty:   # e.g. turnover in a run shorter than a year
        return None, None, None
    _, values = targets.values_at(t, results)
    v = values.to_numpy(dtype=float)
    v = v[~np.isnan(v)]
    if not len(v):
        return None, None, None
    k = 1.0 if model == "average_caseload" else 100.0
    return float(np.median(v)) * k, float(ensemble_quantiles(v, LOW_Q)) * k, float(ensemble_quantiles(v, HIGH_Q)) * k


def comparison(results: Results) -> Optional[dict[str, Any]]:
    """The council's published figures, its neighbours' (median, lowest, highest) and the simulated ones
    (median and 90% interval one year after the start, or at the end of a shorter run), or None when the
    scenario names no council or none of the figures is published."""
    sc = results.scenario
    c = council_of(sc)
    if c is None:
        return None
    out = published(c, start=sc.start_date)
    if out is None:
        return None
    when = min(sc.start_date + dt.timedelta(days=364), sc.end_date)
    out["simulated_at"] = when.isoformat()
    for row in out["rows"]:
        row["simulated_median"], row["simulated_low"], row["simulated_high"] = _simulated(results, row["model_measure"], when)
    return out


def comparison_frame(cmp: dict[str, Any]) -> pd.DataFrame:
    """The rows of ``comparison`` as a table."""
    cols = ["title", "unit", "council", "neighbours_median", "neighbours_min", "neighbours_max", "neighbours_n",
            "simulated_median", "simulated_low", "simulated_high"]
    return pd.DataFrame([{k: (np.nan if r[k] is None else r[k]) for k in cols} for r in cmp["rows"]], columns=cols)


def is_missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))
