"""Where the uncertainty comes from: parameter uncertainty against run-to-run noise.

A nested design (``run_replications(..., per_draw=M)`` with K x M replications)
gives K draws of the uncertain parameters, each run M times on different
noise streams. For a measure Y (a target's value at its date) the law of
total variance splits its variance in two:

    Var(Y) = Var(E[Y | parameters]) + E[Var(Y | parameters)]
           = parameter variance     + noise variance

estimated by the one-way random-effects analysis of variance (groups = draws):
noise variance = the mean square within groups (MSW); parameter variance =
(MSB - MSW) / n0, the spread of the group means less the part of it the noise
alone would give (n0 = M when every group is complete). The share from the
parameters is parameter / (parameter + noise), clipped to [0, 1].

The interval is the exact one for this design (Searle 1971, the intraclass
correlation interval of Shrout and Fleiss 1979): F = MSB / MSW has
(1 + n0 s / (1 - s)) times an F(K - 1, N - K) distribution when the share is s
and the values are normal, so it widens as it should when K is small. A
bootstrap over groups would be narrower than the truth with few draws
(docs/model.md gives the coverage measured for both). SALib's methods
(Sobol, FAST, Morris, delta) apportion the output of a deterministic model
among its inputs and assume no noise, so they do not answer this question.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd

from workforce_sim.analysis import targets
from workforce_sim.experiments.replications import Results

LEVEL = 0.90  # the interval of the share: 90%, as every other interval of the reports

COLUMNS = ["key", "title", "measure", "unit", "snapshot_date", "financial_year", "share_from_parameters", "low", "high",
           "total_sd", "parameter_sd", "noise_sd", "mean", "draws", "per_draw", "n"]


@dataclass(frozen=True)
class VarianceShare:
    """The split of one measure's variance between parameter draws and noise."""

    share: float          # share of the variance from parameter uncertainty, in [0, 1] (nan when nothing varies)
    low: float            # its interval (LEVEL)
    high: float
    parameter_var: float  # between-draw variance component, clipped at 0
    noise_var: float      # within-draw variance (mean square within)
    groups: int           # parameter draws with at least one value
    n: int                # values used
    n0: float             # the effective replications per draw (M when every draw is complete)
    mean: float

    @property
    def total_sd(self) -> float:
        return math.sqrt(self.parameter_var + self.noise_var)


def variance_share(values, groups, level: float = LEVEL) -> VarianceShare:
    """Estimate the share of the variance of ``values`` that comes from the ``groups`` (the parameter draws).

    Values that are nan are left out; groups may then be of unequal size (n0 replaces M).
    Needs at least two groups and one group with two values.
    """
    from scipy import stats

    y = np.asarray(values, dtype=float)
    g = np.asarray(groups)
    if y.shape != g.shape:
        raise ValueError("values and groups must have the same length")
    keep = ~np.isnan(y)
    y, g = y[keep], g[keep]
    labels, idx = np.unique(g, return_inverse=True)
    k, n = len(labels), len(y)
    if k < 2 or n - k < 1:
        raise ValueError(f"need at least two parameter draws and a draw with two replications (have {k} draws, {n} values)")
    sizes = np.bincount(idx, minlength=k).astype(float)
    means = np.bincount(idx, weights=y, minlength=k) / sizes
    grand = float(y.mean())
    ssb = float((sizes * (means - grand) ** 2).sum())
    ssw = float(((y - means[idx]) ** 2).sum())
    df1, df2 = k - 1, n - k
    msb, msw = ssb / df1, ssw / df2
    n0 = float((n - (sizes ** 2).sum() / n) / df1)
    param = max(0.0, (msb - msw) / n0)
    scale = max(abs(grand), float(np.abs(y).max()), 1.0)
    if msw <= (1e-12 * scale) ** 2:  # no noise at all
        if msb <= (1e-12 * scale) ** 2:
            return VarianceShare(float("nan"), float("nan"), float("nan"), 0.0, 0.0, k, n, n0, grand)
        return VarianceShare(1.0, 1.0, 1.0, param, 0.0, k, n, n0, grand)
    f = msb / msw
    alpha = 1 - level

    def icc(x: float) -> float:
        return min(1.0, max(0.0, (x - 1) / (x - 1 + n0)))

    f_low = f / float(stats.f.ppf(1 - alpha / 2, df1, df2))
    f_high = f / float(stats.f.ppf(alpha / 2, df1, df2))
    return VarianceShare(icc(f), icc(f_low), icc(f_high), param, msw, k, n, n0, grand)


def decompose(results: Results, level: float = LEVEL, baseline: Optional[Results] = None) -> pd.DataFrame:
    """For every modelled target of the scenario: the share of the variance of its value at its date
    that comes from the uncertain parameters, with its interval, and the total standard deviation.

    ``results`` must come from a nested design (``run_replications(..., per_draw=M)``); ``baseline``:
    the investment baseline's results on the same seeds, for spend targets.
    """
    if results.per_draw is None:
        raise ValueError("these results are not from a nested design: run them with per_draw")
    m = results.per_draw
    rows = []
    for t in targets.targets_for(results.scenario):
        if targets.status(t, results, baseline) != "modelled":
            continue
        snap_date, values = targets.values_at(t, results, baseline)
        values = values.dropna()
        if values.empty:
            continue
        reps = np.asarray(values.index, dtype=int)
        try:
            s = variance_share(values.to_numpy(dtype=float), reps // m, level)
        except ValueError:
            continue
        rows.append({
            "key": t.key, "title": t.title, "measure": t.measure, "unit": t.unit, "snapshot_date": snap_date,
            "financial_year": t.financial_year, "share_from_parameters": s.share, "low": s.low, "high": s.high,
            "total_sd": s.total_sd, "parameter_sd": math.sqrt(s.parameter_var), "noise_sd": math.sqrt(s.noise_var),
            "mean": s.mean, "draws": s.groups, "per_draw": m, "n": s.n,
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def share_in_words(row: dict, date_text: Optional[str] = None) -> str:
    """One sentence for readers: how much of the spread of a measure comes from what is not known
    about the parameters, and how much from chance."""
    if row["share_from_parameters"] != row["share_from_parameters"]:  # nan
        return f"{row['title']}: the same in every simulated future, so there is no spread to divide."
    pct = round(100 * row["share_from_parameters"])
    lo, hi = round(100 * row["low"]), round(100 * row["high"])
    when = f" at {date_text}" if date_text else ""
    return (f"{row['title']}{when}: about {pct}% of the spread (somewhere between {lo}% and {hi}%) comes from what is "
            f"not known about the scenario's uncertain parameters, which better evidence would narrow; the other "
            f"{100 - pct}% is chance (who leaves, who applies, when), which no better evidence would remove.")


__all__ = ["COLUMNS", "LEVEL", "VarianceShare", "decompose", "share_in_words", "variance_share"]
