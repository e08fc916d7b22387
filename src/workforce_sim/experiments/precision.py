"""As many replications as the answer needs (``--replications auto --precision P``).

Replications run in batches (``DEFAULTS.auto_first``, then doubling the total)
until the half-width of the 90% confidence interval of the mean of a measure
(the headline, or a paired difference) is within ``precision``, or until the
ceiling (``CEILINGS.auto_replications``). Replication ``r`` is the same
whatever the batch that runs it (its seed is (seed, r)), so an automatic run
that stops at ``n`` gives the records of a run of ``n`` replications.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

LEVEL = 0.90
R = TypeVar("R")


@dataclass(frozen=True)
class Precision:
    """What an automatic run asked for and reached (in the measure's units)."""

    target: float            # the half-width asked for
    reached: float           # the half-width of the last batch's interval (nan with fewer than 2 values)
    replications: int
    ceiling: int
    stopped: str             # "precision" (reached) or "ceiling"
    measure: str = ""        # what was measured, e.g. "permanent share at 2019-03-31"
    level: float = LEVEL

    @property
    def met(self) -> bool:
        return self.stopped == "precision"

    def as_dict(self) -> dict:
        return {"target": self.target, "reached": self.reached, "replications": self.replications,
                "ceiling": self.ceiling, "stopped": self.stopped, "met": self.met, "measure": self.measure,
                "level": self.level}


def half_width(values, level: float = LEVEL) -> float:
    """Half-width of the ``level`` confidence interval of the mean of ``values`` (Student's t)."""
    from scipy import stats

    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = len(v)
    if n < 2:
        return math.nan
    return float(stats.t.ppf(0.5 + level / 2, n - 1) * v.std(ddof=1) / math.sqrt(n))


def widest(measured) -> float:
    """The widest half-width of one array of values, or of a list of them."""
    if isinstance(measured, (list, tuple)):
        widths = [half_width(m) for m in measured]
        return math.nan if not widths or any(math.isnan(w) for w in widths) else max(widths)
    return half_width(measured)


def schedule(first: int, ceiling: int) -> list[int]:
    """Totals after each batch: ``first``, then doubling, the last capped at ``ceiling``."""
    first = max(2, min(first, ceiling))
    out = [first]
    while out[-1] < ceiling:
        out.append(min(ceiling, out[-1] * 2))
    return out


@dataclass
class Auto(Generic[R]):
    """Run batches until precise: ``run(start, count)`` runs replications start..start+count-1,
    ``merge(a, b)`` joins two runs' results, ``measure(results)`` gives one value per replication (or a
    list of such arrays, e.g. one paired difference per scenario: the widest interval decides)."""

    run: Callable[[int, int], R]
    merge: Callable[[R, R], R]
    measure: Callable[[R], np.ndarray]
    precision: float
    first: int
    ceiling: int
    what: str = ""

    def __call__(self) -> tuple[R, Precision]:
        if not (self.precision > 0) or math.isinf(self.precision):
            raise ValueError("precision must be a positive number")
        results = None
        done = 0
        width = math.nan
        for total in schedule(self.first, self.ceiling):
            more = self.run(done, total - done)
            results = more if results is None else self.merge(results, more)
            done = total
            width = widest(self.measure(results))
            if not math.isnan(width) and width <= self.precision:
                return results, Precision(self.precision, width, done, self.ceiling, "precision", self.what)
        return results, Precision(self.precision, width, done, self.ceiling, "ceiling", self.what)
