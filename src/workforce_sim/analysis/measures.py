"""Measures derived from the flat records, and their summary against targets."""
from __future__ import annotations

import datetime as dt
from typing import Optional

import numpy as np
import pandas as pd

from workforce_sim.experiments.replications import Results

LOW_Q, HIGH_Q = 0.05, 0.95


SHARE_BLOCK = 100   # replications grouped at a time by ``permanent_share``


def permanent_share(snapshots: pd.DataFrame, groups: Optional[list[str]] = None) -> pd.DataFrame:
    """Permanent FTE / (permanent + agency FTE) per replication and date."""
    cols = ["permanent_fte", "agency_fte", "vacant_fte", "posts_fte"]
    reps = snapshots["replication"].to_numpy()
    keep = None if groups is None else snapshots["group"].isin(groups).to_numpy()
    parts = []
    # a block of replications at a time: grouping every row at once needs about 200 bytes a row
    # of temporary memory (200 MB for 1,000 Slough replications); the sums are the same
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


def nearest_date(dates: pd.Series, target: dt.date) -> pd.Timestamp:
    """The snapshot date closest to ``target``."""
    uniq = pd.Series(pd.to_datetime(dates.unique())).sort_values()
    t = pd.Timestamp(target)
    return uniq.iloc[int(np.argmin(np.abs((uniq - t).dt.days.to_numpy())))]


def summarise(values: pd.Series | np.ndarray, threshold: Optional[float] = None) -> dict[str, float]:
    """Median, 90% interval and (optionally) probability of reaching a threshold."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    out = {
        "median": float(np.median(v)) if len(v) else float("nan"),
        "low": float(np.quantile(v, LOW_Q)) if len(v) else float("nan"),
        "high": float(np.quantile(v, HIGH_Q)) if len(v) else float("nan"),
        "mean": float(v.mean()) if len(v) else float("nan"),
        "n": int(len(v)),
    }
    if threshold is not None:
        out["p_target"] = float((v >= threshold - 1e-12).mean()) if len(v) else float("nan")
    return out


def share_by_replication(results: Results) -> tuple[pd.Series, pd.Timestamp]:
    """Permanent share at the target date per replication, and the snapshot date used."""
    t = results.scenario.targets
    share = permanent_share(results.snapshots, t.permanent_share_groups)
    at = nearest_date(share["date"], t.permanent_share_date)
    values = share[share["date"] == at].set_index("replication")["permanent_share"]
    return values.reindex(range(results.replications)), at


def permanence_at_target(results: Results) -> dict:
    """The permanent share at the scenario's target date, against its target."""
    t = results.scenario.targets
    share = permanent_share(results.snapshots, t.permanent_share_groups)
    at = nearest_date(share["date"], t.permanent_share_date)
    values = share.loc[share["date"] == at, "permanent_share"]
    return {
        "measure": "permanent_share",
        "target": t.permanent_share,
        "target_date": t.permanent_share_date.isoformat(),
        "snapshot_date": at.date().isoformat(),
        **summarise(values, t.permanent_share),
    }


def permanence_trend(results: Results, freq_months: int = 3) -> pd.DataFrame:
    """Permanent share by quarter: median and 90% interval over replications."""
    t = results.scenario.targets
    share = permanent_share(results.snapshots, t.permanent_share_groups)
    dates = sorted(share["date"].unique())
    keep = [d for d in dates if (pd.Timestamp(d).month - 1) % freq_months == 0 or d == dates[0]]
    rows = []
    for d in keep:
        s = summarise(share.loc[share["date"] == d, "permanent_share"], t.permanent_share)
        rows.append({"date": pd.Timestamp(d).date().isoformat(), **s})
    return pd.DataFrame(rows)
