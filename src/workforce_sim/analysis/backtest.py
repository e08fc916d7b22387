"""Scoring backtest forecasts against what was published later.

A *case* is one council, origin year Y, measure and horizon h (the published value at
30 September of Y + h). For each, the model's ensemble (one value per replication) gives
its median, its 50% and 90% central intervals, the CRPS of the ensemble
(``scoringrules.crps_ensemble``) and the PIT (the share of the ensemble below the
published value, ties counted half). The persistence forecast says year Y's published
value again; its CRPS is its absolute error (a point forecast) and its intervals add to
it the quantiles of the h-year changes published up to Y, pooled over every council
(nothing published after Y). Every score of the model and of persistence is computed
on the same cases.

Caseload: the backtest simulates staffing only (children's cases cost 5 to 13 times the
time, docs/performance.md); the forecast caseload holds the cases published for Y and
divides them over the model's staffed social workers: caseload(Y) x staffed(Y) / staffed(Y + h).
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from workforce_sim.analysis.checks import annual_indicators
from workforce_sim.experiments.replications import Results

MEASURES = ("agency_rate_pct", "turnover_rate_pct", "vacancy_rate_pct", "caseload")
TITLES = {"agency_rate_pct": "Agency rate (%)", "turnover_rate_pct": "Turnover (%)", "vacancy_rate_pct": "Vacancy rate (%)",
          "caseload": "Caseload (cases per case holder)"}
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def forecast_indicators(results: Results) -> pd.DataFrame:
    """DfE indicators by replication and year (``annual_indicators``) with the staffed FTE of social
    workers (permanent + agency) on 1 October, the origin year included (for the caseload)."""
    ind = annual_indicators(results)
    snap = results.snapshots
    sw = snap[(snap["role"] == "social_worker") & (snap["date"].dt.month == 10) & (snap["date"].dt.day == 1)]
    staffed = (sw.groupby(["replication", "date"], observed=True)[["permanent_fte", "agency_fte"]].sum().sum(axis=1)
               .rename("staffed_sw_fte").reset_index())
    staffed["year_to_30_sept"] = staffed["date"].dt.year
    staffed = staffed.drop(columns="date")
    return staffed.merge(ind, on=["replication", "year_to_30_sept"], how="left")


# ------------------------------------------------------------------ scores of one case
def crps_ensemble(actual: float, ensemble: np.ndarray) -> float:
    import scoringrules

    return float(scoringrules.crps_ensemble(float(actual), np.asarray(ensemble, float)))


def pit(actual: float, ensemble: np.ndarray) -> float:
    """Share of the ensemble below ``actual``, ties counted half."""
    e = np.asarray(ensemble, float)
    return float(((e < actual).sum() + 0.5 * (e == actual).sum()) / len(e))


def covered(actual: float, low: float, high: float) -> bool:
    return bool(low <= actual <= high)


# ------------------------------------------------------------------ published values and persistence
def published(table: pd.DataFrame, codes: Optional[list[str]] = None) -> pd.DataFrame:
    """Council, year, measure, value of the scored measures (the long DfE table)."""
    t = table[(table["level"] == "local_authority") & table["measure"].isin(MEASURES) & table["value"].notna()]
    if codes is not None:
        t = t[t["new_la_code"].isin(codes)]
    return t[["new_la_code", "year", "measure", "value"]].drop_duplicates(["new_la_code", "year", "measure"]).reset_index(drop=True)


def change_quantiles(table: pd.DataFrame, origin: int, horizon: int, qs=QUANTILES) -> pd.DataFrame:
    """Quantiles of the ``horizon``-year changes of each measure published up to ``origin``, pooled over
    every council (the spread of persistence forecasts made at ``origin``); measure -> q columns."""
    pub = published(table[table["year"] <= origin])
    wide = pub.pivot_table(index=["new_la_code", "measure"], columns="year", values="value")
    rows = []
    for m in MEASURES:
        if m not in wide.index.get_level_values("measure"):
            continue
        w = wide.xs(m, level="measure")
        diffs = [(w[y + horizon] - w[y]).dropna().to_numpy() for y in w.columns if y + horizon in w.columns]
        d = np.concatenate(diffs) if diffs else np.array([])
        row = {"measure": m, "changes": len(d)}
        row.update({f"q{int(round(q * 100)):02d}": (float(np.quantile(d, q)) if len(d) else np.nan) for q in qs})
        rows.append(row)
    return pd.DataFrame(rows).set_index("measure")


# ------------------------------------------------------------------ every case
def model_values(forecasts: pd.DataFrame, caseload_origin: Optional[float]) -> pd.DataFrame:
    """The forecast values of every measure by variant, replication and year (long)."""
    f = forecasts.copy()
    start = f[f["year_to_30_sept"] == f["year_to_30_sept"].min()][["variant", "replication", "staffed_sw_fte"]]
    f = f.merge(start.rename(columns={"staffed_sw_fte": "staffed_origin"}), on=["variant", "replication"], how="left")
    if caseload_origin is not None and np.isfinite(caseload_origin):
        f["caseload"] = caseload_origin * f["staffed_origin"] / f["staffed_sw_fte"].where(f["staffed_sw_fte"] > 0)
    else:
        f["caseload"] = np.nan
    cols = [m for m in MEASURES if m in f.columns]
    return f.melt(id_vars=["variant", "replication", "year_to_30_sept"], value_vars=cols, var_name="measure", value_name="value")


def score_cases(tasks, table: pd.DataFrame) -> pd.DataFrame:
    """One row per council, origin, variant, measure and horizon with a published value, a model
    ensemble and a persistence forecast: the forecast's quantiles, scores, and persistence's."""
    codes = sorted({t.new_la_code for t in tasks})
    pub = published(table, codes).set_index(["new_la_code", "year", "measure"])["value"]
    spreads: dict[tuple[int, int], pd.DataFrame] = {}
    rows = []
    for t in tasks:
        if t.forecasts is None:
            continue
        y0 = t.origin
        case0 = pub.get((t.new_la_code, y0, "caseload"))
        vals = model_values(t.forecasts, case0)
        for (variant, measure, year), g in vals.groupby(["variant", "measure", "year_to_30_sept"]):
            h = int(year) - y0
            if h < 1:
                continue
            actual, persist = pub.get((t.new_la_code, int(year), measure)), pub.get((t.new_la_code, y0, measure))
            ens = g["value"].to_numpy(float)
            ens = ens[np.isfinite(ens)]
            if actual is None or persist is None or len(ens) == 0:
                continue
            if (y0, h) not in spreads:
                spreads[(y0, h)] = change_quantiles(table, y0, h)
            sp = spreads[(y0, h)]
            q = np.quantile(ens, QUANTILES)
            row = {"new_la_code": t.new_la_code, "council": t.council, "origin": y0, "variant": variant, "measure": measure,
                   "horizon": h, "year": int(year), "actual": float(actual), "origin_value": float(persist), "replications": len(ens)}
            row.update({f"q{int(round(p * 100)):02d}": float(v) for p, v in zip(QUANTILES, q)})
            row["abs_error"] = abs(row["q50"] - actual)
            row["crps"] = crps_ensemble(actual, ens)
            row["pit"] = pit(actual, ens)
            row["in50"] = covered(actual, row["q25"], row["q75"])
            row["in90"] = covered(actual, row["q05"], row["q95"])
            row["persistence_abs_error"] = abs(persist - actual)
            row["persistence_crps"] = abs(persist - actual)
            if measure in sp.index and sp.at[measure, "changes"] > 0:
                s = sp.loc[measure]
                row["persistence_in50"] = covered(actual, persist + s["q25"], persist + s["q75"])
                row["persistence_in90"] = covered(actual, persist + s["q05"], persist + s["q95"])
            else:
                row["persistence_in50"] = row["persistence_in90"] = np.nan
            rows.append(row)
    cols = ["new_la_code", "council", "origin", "variant", "measure", "horizon", "year", "actual", "origin_value", "replications",
            "q05", "q25", "q50", "q75", "q95", "abs_error", "crps", "pit", "in50", "in90",
            "persistence_abs_error", "persistence_crps", "persistence_in50", "persistence_in90"]
    return pd.DataFrame(rows, columns=cols)


def scores(cases: pd.DataFrame) -> pd.DataFrame:
    """Per variant, measure and horizon: cases, the model's and persistence's MAE, coverage of the
    50% and 90% intervals, and mean CRPS, on the same cases."""
    if cases.empty:
        return pd.DataFrame(columns=["variant", "measure", "horizon", "cases"])
    g = cases.assign(in50=cases["in50"].astype(float), in90=cases["in90"].astype(float),
                     persistence_in50=cases["persistence_in50"].astype(float),
                     persistence_in90=cases["persistence_in90"].astype(float)).groupby(["variant", "measure", "horizon"])
    out = g.agg(cases=("actual", "size"), mae=("abs_error", "mean"), persistence_mae=("persistence_abs_error", "mean"),
                coverage50=("in50", "mean"), coverage90=("in90", "mean"),
                persistence_coverage50=("persistence_in50", "mean"), persistence_coverage90=("persistence_in90", "mean"),
                crps=("crps", "mean"), persistence_crps=("persistence_crps", "mean")).reset_index()
    out["mae_vs_persistence"] = out["mae"] / out["persistence_mae"]
    order = {m: i for i, m in enumerate(MEASURES)}
    return out.sort_values(["variant", "measure", "horizon"], key=lambda s: s.map(order) if s.name == "measure" else s).reset_index(drop=True)


def goals(score_table: pd.DataFrame, variant: str = "calibrated") -> pd.DataFrame:
    """The issue's goals, measured: 90% coverage in [85%, 95%] at every horizon (each measure),
    and the median's MAE no worse than persistence's for the agency rate and turnover."""
    s = score_table[score_table["variant"] == variant]
    rows = []
    for r in s.itertuples():
        rows.append({"goal": "90% coverage between 85% and 95%", "measure": r.measure, "horizon": r.horizon,
                     "value": r.coverage90, "met": bool(0.85 <= r.coverage90 <= 0.95)})
        if r.measure in ("agency_rate_pct", "turnover_rate_pct"):
            rows.append({"goal": "MAE no worse than persistence", "measure": r.measure, "horizon": r.horizon,
                         "value": r.mae - r.persistence_mae, "met": bool(r.mae <= r.persistence_mae)})
    return pd.DataFrame(rows, columns=["goal", "measure", "horizon", "value", "met"])


def worst_councils(cases: pd.DataFrame, variant: str = "calibrated", n: int = 10) -> pd.DataFrame:
    """The councils forecast worst: mean CRPS of the agency rate, turnover and vacancy rate (points)
    over their origins and horizons, beside persistence's."""
    c = cases[(cases["variant"] == variant) & cases["measure"].isin(["agency_rate_pct", "turnover_rate_pct", "vacancy_rate_pct"])]
    if c.empty:
        return pd.DataFrame(columns=["council", "new_la_code", "cases", "crps", "persistence_crps", "coverage90"])
    g = c.assign(in90=c["in90"].astype(float)).groupby(["council", "new_la_code"]).agg(
        cases=("crps", "size"), crps=("crps", "mean"), persistence_crps=("persistence_crps", "mean"),
        coverage90=("in90", "mean"))
    return g.sort_values("crps", ascending=False).head(n).reset_index()
