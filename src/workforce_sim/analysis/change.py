"""Whether a measure moved beyond chance between two runs.

Two runs with the same seed and the same replications simulate the same futures
replication by replication (common random numbers), so their difference is read
per replication: the mean of the paired differences and its 90% t interval. Runs
that do not pair (another seed, another number of replications) are compared as
two independent samples: the difference of the means with Welch's 90% interval.
A change is beyond chance when its interval leaves out zero.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

LEVEL = 0.90   # the package's one interval: 90%


@dataclass(frozen=True)
class Change:
    """The change ``current - previous`` of one measure: ``method`` "paired" or "unpaired"
    (Welch), the mean difference and its interval, how many values stood behind it."""
    method: str
    difference: float
    low: float
    high: float
    n_current: int
    n_previous: int
    level: float = LEVEL

    @property
    def beyond_chance(self) -> bool:
        """The interval leaves out zero (NaN intervals never are)."""
        return bool(self.low > 0 or self.high < 0)

    @property
    def same(self) -> bool:
        """Paired values identical in every replication: the same figures."""
        return self.method == "paired" and self.difference == 0 and self.low == 0 and self.high == 0


def _t(level: float, df: float) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + level / 2, df))


def change_between(current: pd.Series, previous: pd.Series, paired: bool, level: float = LEVEL) -> Change:
    """The change of a measure between two runs (values per replication, indexed by replication).

    ``paired``: the runs share seed and replications, so replication ``i`` of one is set
    against replication ``i`` of the other (the replications both have a value for); the
    interval is the t interval of the mean paired difference. Otherwise Welch's interval
    of the difference of the means. Fewer than two values on a side gives NaN bounds.
    """
    a = pd.Series(current, dtype=float).dropna()
    b = pd.Series(previous, dtype=float).dropna()
    nan = float("nan")
    if paired:
        both = pd.concat([a.rename("a"), b.rename("b")], axis=1, join="inner").dropna()
        d = (both["a"] - both["b"]).to_numpy(dtype=float)
        n = len(d)
        if n == 0:
            return Change("paired", nan, nan, nan, 0, 0, level)
        mean = float(d.mean())
        if n < 2:
            return Change("paired", mean, nan, nan, n, n, level)
        se = float(d.std(ddof=1)) / math.sqrt(n)
        half = _t(level, n - 1) * se if se > 0 else 0.0
        return Change("paired", mean, mean - half, mean + half, n, n, level)
    na, nb = len(a), len(b)
    if na == 0 or nb == 0:
        return Change("unpaired", nan, nan, nan, na, nb, level)
    mean = float(a.mean() - b.mean())
    if na < 2 or nb < 2:
        return Change("unpaired", mean, nan, nan, na, nb, level)
    va, vb = float(np.var(a, ddof=1)) / na, float(np.var(b, ddof=1)) / nb
    se = math.sqrt(va + vb)
    if se == 0:
        return Change("unpaired", mean, mean, mean, na, nb, level)
    df = (va + vb) ** 2 / (va ** 2 / (na - 1) + vb ** 2 / (nb - 1))
    half = _t(level, df) * se
    return Change("unpaired", mean, mean - half, mean + half, na, nb, level)
