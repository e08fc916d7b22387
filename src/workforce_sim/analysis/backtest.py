"""Scoring backtest forecasts against what was published later.

A *case* is one council, origin year Y, measure and horizon h (the published value at
30 September of Y + h). For each, the model's ensemble (one value per replication) gives
its median, its 50% and 90% central intervals (read at the plotting positions p(n + 1),
``analysis.measures.ensemble_quantiles``), the CRPS of the ensemble
(``analysis.measures.ensemble_crps``: the mean of the fair and the plain estimators) and the PIT (the share of the ensemble below the
published value, ties counted half). Turnover's ensemble is built from each replication's expected leavers
(the hazard its permanent staff spent) with the chance of which of them left added as Poisson quantiles,
``MEMBERS_PER_REPLICATION`` a replication (``turnover_members``): the leavers a replication drew are one draw of that
chance, and 20 such draws moved the median by about 1.4 points at a council of 110 FTE. The persistence forecast says year Y's published
value again; its CRPS is its absolute error (a point forecast) and its intervals add to
it the quantiles of the h-year changes published up to Y, pooled over every council
(nothing published after Y). Every score of the model and of persistence is computed
on the same cases.

Caseload: the backtest simulates staffing only (children's cases cost 5 to 13 times the
time, docs/performance.md); the forecast caseload divides the cases per holder the published figures
give for Y + h over the model's staffing: level(h) x staffed(Y) / staffed(Y + h). The level is the
council's caseload at Y carried as far as caseloads have carried h years on (``councils.shrinkage_line``
up to Y, ``CASELOAD_YEARS``), over councils' usual change of staffing (``councils.staffing_ratio``), and its spread the line's residuals, ``MEMBERS_PER_REPLICATION``
quantiles with each replication's staffing (``CaseloadLevel``): the cases the backtest does not simulate.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import pandas as pd

from workforce_sim.analysis import recalibration as recal
from workforce_sim.analysis.checks import annual_indicators
from workforce_sim.analysis.measures import ensemble_crps, ensemble_quantiles, wilson
from workforce_sim.analysis.peers import Peers
from workforce_sim.experiments.replications import Results
from workforce_sim.scenario.councils import LINE_MIN_PAIRS, Line, shrinkage_line, staffing_ratio

MEASURES = ("agency_rate_pct", "turnover_rate_pct", "vacancy_rate_pct", "caseload")
TITLES = {"agency_rate_pct": "Agency rate (%)", "turnover_rate_pct": "Turnover (%)", "vacancy_rate_pct": "Vacancy rate (%)",
          "caseload": "Caseload (cases per case holder)"}
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def forecast_indicators(results: Results) -> pd.DataFrame:
    """DfE indicators by replication and year (``annual_indicators``) with the staffed FTE of social
    workers (permanent + agency) on 1 October, the origin year included (for the caseload)."""
    ind = annual_indicators(results)
    snap = results.snapshots
    dates, at = np.unique(snap["date"].to_numpy(), return_inverse=True)
    stamps = pd.DatetimeIndex(dates)
    oct1 = np.flatnonzero((stamps.month == 10) & (stamps.day == 1))
    rows = np.isin(at, oct1) & (snap["role"] == "social_worker").to_numpy()
    reps, rep_at = np.unique(snap["replication"].to_numpy()[rows], return_inverse=True)
    day = np.searchsorted(oct1, at[rows])
    key = rep_at * len(oct1) + day
    size = len(reps) * len(oct1)
    present = np.flatnonzero(np.bincount(key, minlength=size) > 0)
    fte = snap["permanent_fte"].to_numpy(float)[rows] + snap["agency_fte"].to_numpy(float)[rows]
    rep, year = reps[present // max(len(oct1), 1)], stamps[oct1].year.to_numpy()[present % max(len(oct1), 1)]
    # the indicators' row of each (replication, year), if any (none for the origin year): a left join
    where = {(int(r), int(y)): i for i, (r, y) in enumerate(zip(ind["replication"].to_numpy(), ind["year_to_30_sept"].to_numpy()))}
    pick = np.array([where.get((int(r), int(y)), -1) for r, y in zip(rep, year)], dtype=np.int64)
    out = {"replication": rep, "staffed_sw_fte": np.bincount(key, weights=fte, minlength=size)[present], "year_to_30_sept": year}
    for c in ind.columns[2:]:
        v = ind[c].to_numpy(float)
        out[c] = np.where(pick >= 0, v[np.maximum(pick, 0)] if len(v) else np.nan, np.nan)
    return pd.DataFrame(out)


# ------------------------------------------------------------------ scores of one case
def crps_ensemble(actual: float, ensemble: np.ndarray) -> float:
    """The CRPS of one ensemble (``analysis.measures.ensemble_crps``: the mean of the fair and the plain
    estimators); one member: its absolute error."""
    e = np.asarray(ensemble, float)
    if len(e) < 2:
        return float(abs(e[0] - actual)) if len(e) else float("nan")
    return float(ensemble_crps(float(actual), e))


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
@dataclass(frozen=True)
class CaseloadLevel:
    """The cases per holder a council's forecast divides over the model's staffing, ``h`` years after the
    origin: ``values(h, ratios, per)`` for the replications' staffing ratios staffed(Y) / staffed(Y + h). The
    line's fitted value plus its residuals' quantiles at (j + 0.5) / per, each with every replication's
    ratio (so the caseload's ensemble holds the level's whole spread whatever the replications), the residuals narrowed by the part
    of their variance the staffing's spread already gives (the published caseloads' residuals hold both);
    without a line (fewer than ``LINE_MIN_PAIRS`` council-years), the origin's published caseload. The line's
    value is for holders that changed as councils' staffing did over the council-years it was fitted on
    (``staffing``: their mean staffed(y) / staffed(y + h)), so it is divided by that before a replication's
    own ratio multiplies it: the councils' usual change of staffing is counted once."""

    origin_value: float
    mean: float                  # the council's mean published caseload over its last ``CASELOAD_YEARS`` years up to the origin
    lines: dict[int, Line]       # horizon -> the line up to the origin
    staffing: dict[int, float] = field(default_factory=dict)   # horizon -> councils' mean staffing ratio up to the origin

    def values(self, h: int, ratios: np.ndarray, per: int) -> np.ndarray:
        """The levels for ``ratios`` (one a replication), ``per`` each: the line's value plus its narrowed
        residuals' quantiles at (j + 0.5) / per (shape replications x per)."""
        n = len(ratios)
        line = self.lines.get(h)
        if line is None or line.pairs < LINE_MIN_PAIRS or not (np.isfinite(line.a) and np.isfinite(line.b) and np.isfinite(self.mean)):
            return np.full((n, per), self.origin_value)
        usual = self.staffing.get(h, float("nan"))
        centre = (line.a + line.b * self.mean) / (usual if np.isfinite(usual) and usual > 0 else 1.0)
        total = float(np.var(line.residuals))
        ok = ratios[np.isfinite(ratios)]
        staffing = float(np.var(centre * ok)) if len(ok) > 1 else 0.0
        keep = np.sqrt(max(0.0, 1.0 - staffing / total)) if total > 0 else 0.0
        q = np.maximum(0.0, centre + keep * np.quantile(line.residuals, (np.arange(per) + 0.5) / per))
        return np.broadcast_to(q, (n, per))


# the caseload level's years: the line of a council's caseload h years on on its caseload at the origin (1), not on its mean
# of three years (3, until December 2026): on the caseloads published by 2019 the origin's year carried better (docs/validation.md)
CASELOAD_YEARS = 1


def caseload_levels(tasks, table: pd.DataFrame, years: int = CASELOAD_YEARS) -> dict[tuple[str, int], CaseloadLevel]:
    """Each task's ``CaseloadLevel`` (council, origin), from the published caseloads up to its origin only: the line on
    the council's mean of its last ``years`` years."""
    pub = published(table, sorted({t.new_la_code for t in tasks})).set_index(["new_la_code", "year", "measure"])["value"]
    lines: dict[tuple[int, int], Line] = {}
    ratios: dict[tuple[int, int], float] = {}
    out = {}
    for t in tasks:
        if t.forecasts is None:
            continue
        y0 = t.origin
        now = pub.get((t.new_la_code, y0, "caseload"))
        if now is None:
            continue
        own = [pub.get((t.new_la_code, y, "caseload")) for y in range(y0 - years + 1, y0 + 1)]
        mean = float(np.mean([v for v in own if v is not None]))
        horizons = sorted({int(y) - y0 for y in t.forecasts["year_to_30_sept"].unique() if int(y) > y0})
        for h in horizons:
            if (y0, h) not in lines:
                lines[(y0, h)] = shrinkage_line("caseload", y0, table, years, h)
                ratios[(y0, h)] = staffing_ratio(y0, table, h)
        out[(t.new_la_code, y0)] = CaseloadLevel(float(now), mean, {h: lines[(y0, h)] for h in horizons},
                                                 {h: ratios[(y0, h)] for h in horizons})
    return out


# members per replication of the ensembles whose chance is known in closed form: turnover's (the Poisson chance
# of a year's leavers) and the caseload's (the line's residuals), at evenly spaced quantiles
MEMBERS_PER_REPLICATION = 25


def turnover_members(expected: np.ndarray, fte: np.ndarray, per: int = MEMBERS_PER_REPLICATION) -> np.ndarray:
    """Turnover's ensemble (points) from the replications' expected leavers: each replication's leavers
    expected given who was in post (the hazard its permanent staff spent, ``expected_leavers``) with the chance
    of which of them left added as the Poisson distribution of that mean, read at the ``per`` quantiles
    (j + 0.5) / per, each over the replication's FTE in post. The leavers a replication drew are one draw of
    that chance; its quantiles carry it to every member without the few replications' sampling error of it
    (docs/validation.md). NaN where the FTE in post is not positive or the expected leavers unknown."""
    from scipy.stats import poisson

    lam = np.asarray(expected, float)
    f = np.asarray(fte, float)
    ok = np.isfinite(lam) & np.isfinite(f) & (f > 0)
    out = np.full((len(lam), per), np.nan)
    if ok.any():
        p = (np.arange(per) + 0.5) / per
        out[ok] = 100 * poisson.ppf(p[None, :], np.maximum(lam[ok], 0.0)[:, None]) / f[ok][:, None]
    return out.ravel()


def model_values(forecasts: pd.DataFrame, caseload: Optional[CaseloadLevel]) -> pd.DataFrame:
    """The forecast values of every measure by variant, replication and year (long): one a replication, but
    ``MEMBERS_PER_REPLICATION`` for the caseload (the level's quantiles, ``CaseloadLevel.values``, times the
    replication's staffing ratio) and for turnover where the records hold the expected leavers
    (``turnover_members``)."""
    f = forecasts.copy()
    origin = int(f["year_to_30_sept"].min())
    start = f[f["year_to_30_sept"] == origin][["variant", "replication", "staffed_sw_fte"]]
    f = f.merge(start.rename(columns={"staffed_sw_fte": "staffed_origin"}), on=["variant", "replication"], how="left")
    ratio = (f["staffed_origin"] / f["staffed_sw_fte"].where(f["staffed_sw_fte"] > 0)).to_numpy(float)
    per = MEMBERS_PER_REPLICATION
    cols = [m for m in MEASURES if m in f.columns and m != "caseload"]
    parts = [f.melt(id_vars=["variant", "replication", "year_to_30_sept"], value_vars=cols, var_name="measure", value_name="value")]
    each = {c: np.repeat(f[c].to_numpy(), per) for c in ("variant", "replication", "year_to_30_sept")}
    if caseload is not None:   # without a published caseload at the origin, none is forecast
        level = np.full((len(f), per), np.nan)
        h = f["year_to_30_sept"].to_numpy(int) - origin
        variant = f["variant"].to_numpy()
        for v in np.unique(variant):
            for k in np.unique(h[(h >= 1) & (variant == v)]):
                rows = np.flatnonzero((h == k) & (variant == v))
                level[rows] = caseload.values(int(k), ratio[rows], per)
        parts.append(pd.DataFrame({**each, "measure": "caseload", "value": (level * ratio[:, None]).ravel()}))
    if "expected_leavers" in f.columns and "turnover_rate_pct" in cols and f["expected_leavers"].notna().any():
        parts[0] = parts[0][parts[0]["measure"] != "turnover_rate_pct"]
        parts.append(pd.DataFrame({**each, "measure": "turnover_rate_pct",
                                   "value": turnover_members(f["expected_leavers"].to_numpy(float), f["fte_in_post"].to_numpy(float), per)}))
    return pd.concat(parts, ignore_index=True)


def _case_row(t, variant: str, measure: str, year: int, h: int, actual: float, persist: float, ens: np.ndarray,
              replications: int) -> dict:
    q = ensemble_quantiles(ens, QUANTILES)
    row = {"new_la_code": t.new_la_code, "council": t.council, "origin": t.origin, "variant": variant, "measure": measure,
           "horizon": h, "year": year, "actual": float(actual), "origin_value": float(persist), "replications": replications}
    row.update({f"q{int(round(p * 100)):02d}": float(v) for p, v in zip(QUANTILES, q)})
    row["abs_error"] = abs(row["q50"] - actual)
    row["error"] = row["q50"] - actual
    row["crps"] = crps_ensemble(actual, ens)
    row["pit"] = pit(actual, ens)
    row["in50"] = covered(actual, row["q25"], row["q75"])
    row["in90"] = covered(actual, row["q05"], row["q95"])
    return row


def _peer_scores(row: dict, peers: Peers) -> None:
    """Persistence (point and ensemble) and mean reversion on the row's case."""
    actual, persist, y0, h, m = row["actual"], row["origin_value"], row["origin"], row["horizon"], row["measure"]
    row["persistence_abs_error"] = abs(persist - actual)
    row["persistence_point_crps"] = abs(persist - actual)
    for kind, prefix in (("persistence", "persistence"), ("mean_reversion", "mean_reversion")):
        peer = peers.get(kind, y0, h, m)
        if len(peer.offsets) == 0:
            for k in ("crps", "in50", "in90") + (("abs_error", "error") if kind == "mean_reversion" else ()):
                row[f"{prefix}_{k}"] = np.nan
            continue
        ens = peer.ensemble(persist)
        q = ensemble_quantiles(ens, QUANTILES)
        row[f"{prefix}_crps"] = crps_ensemble(actual, ens)
        row[f"{prefix}_in50"] = covered(actual, q[1], q[3])
        row[f"{prefix}_in90"] = covered(actual, q[0], q[4])
        if kind == "mean_reversion":
            row["mean_reversion_abs_error"] = abs(float(q[2]) - actual)
            row["mean_reversion_error"] = float(q[2]) - actual


CASE_COLUMNS = ["new_la_code", "council", "origin", "variant", "measure", "horizon", "year", "actual", "origin_value", "replications",
                "q05", "q25", "q50", "q75", "q95", "abs_error", "error", "crps", "pit", "in50", "in90", "recalibration_cases",
                "persistence_abs_error", "persistence_point_crps", "persistence_crps", "persistence_in50", "persistence_in90",
                "mean_reversion_abs_error", "mean_reversion_error", "mean_reversion_crps", "mean_reversion_in50", "mean_reversion_in90"]


def score_cases(tasks, table: pd.DataFrame, recalibrate: bool = True) -> pd.DataFrame:
    """One row per council, origin, variant, measure and horizon with a published value, a model
    ensemble and the peers: the forecast's quantiles, scores, and the peers' on the same case.

    With ``recalibrate``, a further variant ``recalibrated``: the calibrated forecast (the baseline
    without calibration) post-processed by bias and spread (``analysis.recalibration``) fitted, for a
    forecast from origin Y, on the backtest's forecasts whose outcome was published by Y (none: the
    raw ensemble, ``recalibration_cases`` 0)."""
    codes = sorted({t.new_la_code for t in tasks})
    pub = published(table, codes).set_index(["new_la_code", "year", "measure"])["value"]
    levels = caseload_levels(tasks, table)
    peers = Peers(table)
    rows: list[dict] = []
    past: dict[str, list[tuple[object, recal.Past, float, int]]] = {}
    for t in tasks:
        if t.forecasts is None:
            continue
        y0 = t.origin
        vals = model_values(t.forecasts, levels.get((t.new_la_code, y0)))
        for (variant, measure, year), g in vals.groupby(["variant", "measure", "year_to_30_sept"]):
            h = int(year) - y0
            if h < 1:
                continue
            actual, persist = pub.get((t.new_la_code, int(year), measure)), pub.get((t.new_la_code, y0, measure))
            ens = g["value"].to_numpy(float)
            finite = np.isfinite(ens)
            ens, reps = ens[finite], len(pd.unique(g["replication"].to_numpy()[finite]))
            if actual is None or persist is None or len(ens) == 0:
                continue
            row = _case_row(t, variant, measure, int(year), h, actual, persist, ens, reps)
            _peer_scores(row, peers)
            rows.append(row)
            past.setdefault(variant, []).append((t, recal.Past(measure, h, int(year), float(actual), ens), float(persist), reps))
    if recalibrate and past:
        source = "calibrated" if "calibrated" in past else "baseline"
        items = past[source]
        fits = {y0: recal.fit_before([p for _, p, _, _ in items], y0) for y0 in sorted({t.origin for t, _, _, _ in items})}
        for t, p, persist, reps in items:
            f = fits[t.origin].get((p.measure, p.horizon), recal.Fit())
            row = _case_row(t, "recalibrated", p.measure, p.year, p.horizon, p.actual, persist, recal.apply(p.ensemble, f), reps)
            row["recalibration_cases"] = f.cases if f.cases >= recal.MIN_CASES else 0
            _peer_scores(row, peers)
            rows.append(row)
    return pd.DataFrame(rows, columns=CASE_COLUMNS)


def recalibration_fit(tasks, table: pd.DataFrame) -> dict[tuple[str, int], recal.Fit]:
    """The recalibration fitted on every scored forecast of the backtest (calibrated, else baseline):
    for forecasts made after the last outcome scored."""
    cases = [c for c in _pasts(tasks, table)]
    source = "calibrated" if any(v == "calibrated" for v, _ in cases) else "baseline"
    return recal.fit(p for v, p in cases if v == source)


def _pasts(tasks, table: pd.DataFrame):
    codes = sorted({t.new_la_code for t in tasks})
    pub = published(table, codes).set_index(["new_la_code", "year", "measure"])["value"]
    levels = caseload_levels(tasks, table)
    for t in tasks:
        if t.forecasts is None:
            continue
        vals = model_values(t.forecasts, levels.get((t.new_la_code, t.origin)))
        for (variant, measure, year), g in vals.groupby(["variant", "measure", "year_to_30_sept"]):
            h = int(year) - t.origin
            actual = pub.get((t.new_la_code, int(year), measure))
            ens = g["value"].to_numpy(float)
            ens = ens[np.isfinite(ens)]
            if h >= 1 and actual is not None and pub.get((t.new_la_code, t.origin, measure)) is not None and len(ens):
                yield variant, recal.Past(measure, h, int(year), float(actual), ens)


def scores(cases: pd.DataFrame) -> pd.DataFrame:
    """Per variant, measure and horizon: cases, the model's and the peers' MAE, mean error, coverage of
    the 50% and 90% intervals (with Wilson intervals), and mean CRPS, on the same cases."""
    if cases.empty:
        return pd.DataFrame(columns=["variant", "measure", "horizon", "cases"])
    f = {c: cases[c].astype(float) for c in ("in50", "in90", "persistence_in50", "persistence_in90", "mean_reversion_in50",
                                              "mean_reversion_in90")}
    g = cases.assign(**f).groupby(["variant", "measure", "horizon"])
    out = g.agg(cases=("actual", "size"), mae=("abs_error", "mean"), mean_error=("error", "mean"),
                persistence_mae=("persistence_abs_error", "mean"), mean_reversion_mae=("mean_reversion_abs_error", "mean"),
                mean_reversion_mean_error=("mean_reversion_error", "mean"),
                coverage50=("in50", "mean"), coverage90=("in90", "mean"),
                persistence_coverage50=("persistence_in50", "mean"), persistence_coverage90=("persistence_in90", "mean"),
                mean_reversion_coverage50=("mean_reversion_in50", "mean"), mean_reversion_coverage90=("mean_reversion_in90", "mean"),
                crps=("crps", "mean"), persistence_crps=("persistence_crps", "mean"),
                persistence_point_crps=("persistence_point_crps", "mean"), mean_reversion_crps=("mean_reversion_crps", "mean"),
                recalibrated_cases=("recalibration_cases", lambda s: int((s.fillna(0) > 0).sum()))).reset_index()
    for c in ("coverage50", "coverage90"):
        lo_hi = [wilson(p * n, n) for p, n in zip(out[c], out["cases"])]
        out[f"{c}_low"] = [a for a, _ in lo_hi]
        out[f"{c}_high"] = [b for _, b in lo_hi]
    out["mae_vs_persistence"] = out["mae"] / out["persistence_mae"]
    order = {m: i for i, m in enumerate(MEASURES)}
    vorder = {v: i for i, v in enumerate(("baseline", "calibrated", "recalibrated"))}
    return out.sort_values(["variant", "measure", "horizon"],
                           key=lambda s: s.map(order) if s.name == "measure" else (s.map(vorder) if s.name == "variant" else s)
                           ).reset_index(drop=True)


GOAL_COVERAGE = {"90": (0.85, 0.95), "50": (0.42, 0.58)}


def goals(score_table: pd.DataFrame, variant: str = "calibrated") -> pd.DataFrame:
    """The issue's goals, measured for one variant. Coverage: the 90% intervals hold 85-95% of outcomes
    and the 50% intervals 42-58%, missed only when the coverage's Wilson interval excludes the range
    (``status`` says met, within chance, or missed). CRPS no worse than probabilistic persistence's; the
    median's MAE within 0.2 points of persistence's (agency and vacancy rate) and turnover's no worse
    than the mean-reversion peer's."""
    s = score_table[score_table["variant"] == variant]
    rows = []

    def add(goal, r, value, met, missed, low=np.nan, high=np.nan):
        rows.append({"variant": variant, "goal": goal, "measure": r.measure, "horizon": r.horizon, "value": value, "low": low, "high": high,
                     "met": bool(met), "missed": bool(missed), "status": "met" if met else ("missed" if missed else "within chance")})

    for r in s.itertuples():
        for level, (a, b) in GOAL_COVERAGE.items():
            v, lo, hi = getattr(r, f"coverage{level}"), getattr(r, f"coverage{level}_low"), getattr(r, f"coverage{level}_high")
            add(f"{level}% coverage between {a:.0%} and {b:.0%}", r, v, a <= v <= b, hi < a or lo > b, lo, hi)
        if np.isfinite(r.persistence_crps):
            add("CRPS no worse than probabilistic persistence", r, r.crps - r.persistence_crps, r.crps <= r.persistence_crps,
                r.crps > r.persistence_crps)
        if r.measure in ("agency_rate_pct", "vacancy_rate_pct"):
            d = r.mae - r.persistence_mae
            add("MAE within 0.2 of persistence", r, d, d <= 0.2, d > 0.2)
        if r.measure == "turnover_rate_pct" and np.isfinite(r.mean_reversion_mae):
            d = r.mae - r.mean_reversion_mae
            add("MAE no worse than mean reversion", r, d, d <= 0, d > 0)
    return pd.DataFrame(rows, columns=["variant", "goal", "measure", "horizon", "value", "low", "high", "met", "missed", "status"])


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


def before_after(before: pd.DataFrame, after: pd.DataFrame, variant: str = "calibrated") -> pd.DataFrame:
    """An earlier backtest's cases (``before``: e.g. of an earlier version of the model) against this one's,
    on the cases both scored (council, origin, measure, horizon): per measure and horizon, the coverage of
    the 90% and 50% intervals, MAE, mean error and CRPS of ``variant`` before and after, of the
    recalibrated forecast, and of the peers (this backtest's)."""
    key = ["new_la_code", "origin", "measure", "horizon"]
    b = before[before["variant"] == variant].copy()
    if "error" not in b:
        b["error"] = b["q50"] - b["actual"]
    a = after[after["variant"] == variant]
    r = after[after["variant"] == "recalibrated"]
    common = b[key].merge(a[key]).merge(r[key]) if not r.empty else b[key].merge(a[key])
    b, a, r = (d.merge(common, on=key) for d in (b, a, r))
    rows = []
    for (m, h), bb in b.groupby(["measure", "horizon"]):
        aa, rr = a[(a["measure"] == m) & (a["horizon"] == h)], r[(r["measure"] == m) & (r["horizon"] == h)]
        row = {"measure": m, "horizon": int(h), "cases": len(bb)}
        for label, d in (("before", bb), ("after", aa), ("recalibrated", rr)):
            if d.empty:
                continue
            for lvl in ("90", "50"):
                k, n = float(d[f"in{lvl}"].astype(float).sum()), len(d)
                lo, hi = wilson(k, n)
                row.update({f"coverage{lvl}_{label}": k / n, f"coverage{lvl}_{label}_low": lo, f"coverage{lvl}_{label}_high": hi})
            row.update({f"mae_{label}": d["abs_error"].mean(), f"mean_error_{label}": d["error"].mean(), f"crps_{label}": d["crps"].mean()})
        row.update({"persistence_mae": aa["persistence_abs_error"].mean(), "persistence_crps": aa["persistence_crps"].mean(),
                    "persistence_coverage90": aa["persistence_in90"].astype(float).mean(),
                    "mean_reversion_mae": aa["mean_reversion_abs_error"].mean(), "mean_reversion_crps": aa["mean_reversion_crps"].mean(),
                    "recalibrated_cases": int((rr["recalibration_cases"].fillna(0) > 0).sum()) if not rr.empty else 0})
        rows.append(row)
    order = {m: i for i, m in enumerate(MEASURES)}
    out = pd.DataFrame(rows)
    return out.sort_values(["measure", "horizon"], key=lambda s: s.map(order) if s.name == "measure" else s).reset_index(drop=True) if rows else out
