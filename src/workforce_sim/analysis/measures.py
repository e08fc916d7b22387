"""Measures derived from the flat records, how a date is read, and the one test of a target."""
from __future__ import annotations

import datetime as dt
import math
from typing import Optional

import numpy as np
import pandas as pd

LOW_Q, HIGH_Q = 0.05, 0.95
# How an ensemble of replications is read as a forecast's quantiles: the plotting position p(n + 1)
# (NumPy's "weibull"). If the outcome and the n replications are draws of one distribution, the
# outcome's rank among them is uniform on n + 1 places, so the interval between the positions
# 0.05(n + 1) and 0.95(n + 1) holds it 90% of the time for any n. NumPy's default (linear, p(n - 1)
# + 1) puts the ends nearer the middle: 30 replications' "90%" interval holds about 84% of such
# outcomes, 50 replications' about 87% (tests/test_ensemble_intervals.py).
ENSEMBLE_METHOD = "weibull"


def ensemble_crps(actual, ensembles) -> np.ndarray:
    """The CRPS of ensembles (members on the last axis, at least two) for outcomes ``actual``: the mean of the
    fair estimator (Ferro 2014: unbiased for independent members whatever their number) and the plain one (the
    empirical distribution's CRPS: nearly unbiased for members evenly spread over the distribution). The model's
    replications are neither: their shocks, drift and particles are stratified across blocks of 20 and the rest
    of their chance is independent. Against the model's own distributions (``scripts/ensemble_crps.py``: 20 of
    1,000 replications; 4 and 8 councils from 2019, 8 from 2021) the fair estimator scored 20 replications 1.2-2.5%
    better than they deserved and the plain one 2.6-3.9% worse; their mean 0.0-1.3% worse. For independent normal
    members the mean is 2.8% worse at 20 members (about 1.9% at 30); for hundreds (the peers' pooled changes, the 25 members a replication of
    turnover and caseload) the two estimators agree. Computed from the sorted members in O(m log m): the fair
    CRPS plus a quarter of the mean distance between two different members over m (``docs/validation.md``)."""
    import scoringrules

    e = np.sort(np.asarray(ensembles, float), axis=-1)
    m = e.shape[-1]
    fair = np.asarray(scoringrules.crps_ensemble(actual, e, m_axis=-1, estimator="pwm"), float)
    weights = 2 * np.arange(1, m + 1) - m - 1
    pairs = 2 * np.sum(weights * e, axis=-1) / (m * (m - 1))     # mean |x_i - x_j| over pairs of different members
    return fair + pairs / (4 * m)


def ensemble_quantiles(values, qs):
    """Quantiles of an ensemble read as a forecast (``ENSEMBLE_METHOD``); NaNs are left out."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    return np.quantile(v, qs, method=ENSEMBLE_METHOD)


SHARE_BLOCK = 100   # replications grouped at a time by ``permanent_share``


def permanent_share(snapshots: pd.DataFrame, groups: Optional[list[str]] = None) -> pd.DataFrame:
    """Permanent FTE / (permanent + agency FTE) per replication and date."""
    cols = ["permanent_fte", "agency_fte", "vacant_fte", "posts_fte"]
    reps = snapshots["replication"].to_numpy()
    keep = None if groups is None else snapshots["group"].isin(groups).to_numpy()
    parts = []
    # a block of replications at a time: grouping every row at once needs about 200 bytes a row
    # of temporary memory (200 MB for 1,000 replications of a 126-post service); the sums are the same
    for first in range(int(reps.min()) if len(reps) else 0, int(reps.max()) + 1 if len(reps) else 0, SHARE_BLOCK):
        rows = (reps >= first) & (reps < first + SHARE_BLOCK)
        if keep is not None:
            rows &= keep
        block = snapshots.loc[rows, ["replication", "date", *cols]]
        parts.append(block.groupby(["replication", "date"], observed=True)[cols].sum())
    g = pd.concat(parts) if parts else snapshots.groupby(["replication", "date"], observed=True)[cols].sum()
    filled = g["permanent_fte"] + g["agency_fte"]
    out = g.assign(permanent_share=np.where(filled > 0, g["permanent_fte"] / filled.where(filled > 0, 1), np.nan))
    out["agency_share_of_posts"] = out["agency_fte"] / out["posts_fte"]
    return out.reset_index()


def snapshot_at(dates: pd.Series, date: dt.date) -> pd.Timestamp:
    """The monthly snapshot read for ``date``: the last snapshot dated at or before it.

    Snapshots are dated at month starts and hold the stocks on that day (and,
    for monthly flows, the month before it). A target dated 31 March 2015 is
    read from the 1 March 2015 snapshot, one dated 1 April 2015 from the
    1 April snapshot. A date before the first snapshot reads the first.
    """
    uniq = pd.Series(pd.to_datetime(dates.unique())).sort_values(ignore_index=True)
    if uniq.empty:
        raise ValueError("no snapshots")
    before = uniq[uniq <= pd.Timestamp(date)]
    return before.iloc[-1] if len(before) else uniq.iloc[0]


def meets(values: np.ndarray | pd.Series | float, threshold: float, direction: str) -> np.ndarray:
    """Whether each value meets the threshold: ``at_least`` (>=) or ``at_most`` (<=), with a
    tolerance of 1e-12 for rounding. The one test of a target every command uses."""
    v = np.asarray(values, dtype=float)
    if direction in ("at_least", ">="):
        return v >= threshold - 1e-12
    if direction in ("at_most", "<="):
        return v <= threshold + 1e-12
    raise ValueError(f"unknown direction {direction!r}")


def summarise(values: pd.Series | np.ndarray) -> dict[str, float]:
    """Median, 90% interval (``ensemble_quantiles``), mean and count of the values that are not NaN."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    return {
        "median": float(np.median(v)) if len(v) else float("nan"),
        "low": float(ensemble_quantiles(v, LOW_Q)) if len(v) else float("nan"),
        "high": float(ensemble_quantiles(v, HIGH_Q)) if len(v) else float("nan"),
        "mean": float(v.mean()) if len(v) else float("nan"),
        "n": int(len(v)),
    }


Z95 = 1.959963984540054   # two-sided 95% normal quantile


def wilson(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``successes / n`` (95% by default; z = 1.645 gives 90%).
    The one interval of a chance or a coverage the package reports; NaN for n = 0."""
    if n <= 0:
        return float("nan"), float("nan")
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return min(p, max(0.0, centre - half)), max(p, min(1.0, centre + half))   # p inside despite rounding
