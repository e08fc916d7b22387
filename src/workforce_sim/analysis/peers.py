"""Fair peers of the backtest's forecasts, from the published table up to the origin only.

*Probabilistic persistence*: the origin's published value plus every council's published
``h``-year changes of the measure up to the origin (pooled), an ensemble scored by CRPS like
the model's.

*Mean reversion*: the ``h``-year change regressed on the level at its start,
``x(t + h) - x(t) = a + b x(t)``, least squares over every council and every ``t`` with
``t + h`` up to the origin; its ensemble is the fitted value plus the regression's residuals.

Both read nothing published after the origin (``tests/test_backtest.py``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


def _wide(table: pd.DataFrame, origin: int, measure: str) -> pd.DataFrame:
    t = table[(table["level"] == "local_authority") & (table["measure"] == measure) & (table["year"] <= origin) & table["value"].notna()]
    return t.drop_duplicates(["new_la_code", "year"]).pivot(index="new_la_code", columns="year", values="value")


def _pairs(table: pd.DataFrame, origin: int, horizon: int, measure: str) -> tuple[np.ndarray, np.ndarray]:
    """(start level, h-year change) of every council and start year with both values published by the origin."""
    w = _wide(table, origin, measure)
    xs, ds = [], []
    for y in w.columns:
        if y + horizon in w.columns:
            ok = w[y].notna() & w[y + horizon].notna()
            xs.append(w.loc[ok, y].to_numpy(float))
            ds.append((w.loc[ok, y + horizon] - w.loc[ok, y]).to_numpy(float))
    if not xs:
        return np.array([]), np.array([])
    return np.concatenate(xs), np.concatenate(ds)


@dataclass(frozen=True)
class Peer:
    """One peer for one origin, horizon and measure: an ensemble of offsets to add to a point."""

    kind: str                     # persistence or mean_reversion
    intercept: float              # point = intercept + (1 + slope) x origin value
    slope: float
    offsets: np.ndarray           # the ensemble around the point (changes, or residuals)

    def ensemble(self, origin_value: float) -> np.ndarray:
        return self.intercept + (1.0 + self.slope) * origin_value + self.offsets


def persistence_peer(table: pd.DataFrame, origin: int, horizon: int, measure: str) -> Peer:
    _, d = _pairs(table, origin, horizon, measure)
    return Peer("persistence", 0.0, 0.0, d)


def mean_reversion_peer(table: pd.DataFrame, origin: int, horizon: int, measure: str) -> Peer:
    x, d = _pairs(table, origin, horizon, measure)
    if len(x) < 3 or np.ptp(x) == 0:
        return Peer("mean_reversion", 0.0, 0.0, np.array([]))
    b, a = np.polyfit(x, d, 1)
    return Peer("mean_reversion", float(a), float(b), d - (a + b * x))


class Peers:
    """The peers of every (origin, horizon, measure), fitted once each."""

    def __init__(self, table: pd.DataFrame):
        self.table = table
        self._cache: dict[tuple[str, int, int, str], Peer] = {}

    def get(self, kind: str, origin: int, horizon: int, measure: str) -> Peer:
        key = (kind, origin, horizon, measure)
        if key not in self._cache:
            fit = persistence_peer if kind == "persistence" else mean_reversion_peer
            self._cache[key] = fit(self.table, origin, horizon, measure)
        return self._cache[key]
