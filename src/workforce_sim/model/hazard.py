"""Piecewise-constant hazards: cumulative hazard and the time it exhausts a budget.

A worker leaves when the hazard accumulated since they joined exceeds an
Exp(1) draw (their "budget"). With a hazard that is constant between tenure
band boundaries and between monthly re-evaluations this is exact.
"""
from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence


class BandedHazard:
    """Hazard per year as a step function of years of service."""

    __slots__ = ("starts", "rates")

    def __init__(self, starts: Sequence[float], rates: Sequence[float]):
        self.starts = [float(s) for s in starts]
        self.rates = [float(r) for r in rates]

    def rate(self, tenure_years: float) -> float:
        return self.rates[bisect_right(self.starts, tenure_years) - 1]

    def exhaust(self, tenure0: float, years: float, budget: float, multiplier: float) -> tuple[float | None, float]:
        """Walk ``years`` of service from ``tenure0`` spending hazard.

        Returns (years until ``budget`` is spent or None, hazard spent).
        """
        spent = 0.0
        t = tenure0
        end = tenure0 + years
        i = bisect_right(self.starts, t) - 1
        if t < end and (i + 1 == len(self.starts) or end <= self.starts[i + 1]):
            # fast path (most calls): the whole interval lies in one band; same arithmetic as the loop
            h = self.rates[i] * multiplier
            dh = h * (end - t)
            if dh >= budget and h > 0:
                return (t + budget / h) - tenure0, budget
            return None, dh
        while t < end:
            seg_end = min(end, self.starts[i + 1]) if i + 1 < len(self.starts) else end
            h = self.rates[i] * multiplier
            dh = h * (seg_end - t)
            if spent + dh >= budget and h > 0:
                return (t + (budget - spent) / h) - tenure0, budget
            spent += dh
            t = seg_end
            i += 1
        return None, spent


def survival(h_per_year: float, years: float) -> float:
    """Survival exp(-h t) of a constant hazard."""
    return math.exp(-h_per_year * years)
