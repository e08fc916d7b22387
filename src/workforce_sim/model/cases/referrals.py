"""Referrals: arrival times and each referral's pre-drawn path, a month at a time.

Arrivals from the ``referrals`` stream (Poisson, rate constant within a
month: yearly rate x seasonal factor x compounding trend); each referral's
path (assessment work, outcome, up to ``SPELLS_DRAWN`` plan durations and
next steps) from ``case_paths``, in referral order; draws beyond those from
``case_paths_extra``.
"""
from __future__ import annotations

from array import array
from typing import TYPE_CHECKING

import numpy as np

from workforce_sim.calendar import DAYS_PER_YEAR, month_starts
from workforce_sim.scenario.schema import Scenario
from workforce_sim.streams import Streams

if TYPE_CHECKING:  # pragma: no cover
    from workforce_sim.model.cases.case import Case

SPELLS_DRAWN = 4            # plan spells whose draws come with the referral
DRAWS = 1 + SPELLS_DRAWN


class Referrals:
    """The referrals of one replication and their pre-drawn numbers."""

    def __init__(self, scenario: Scenario, streams: Streams):
        self.sc = scenario
        self.rng_ref = streams["referrals"]
        self.rng_paths = streams["case_paths"]
        self.rng_extra = streams["case_paths_extra"]
        # pre-drawn numbers of every referral, as C doubles: a Python float is made only for the few read
        self.Z: array = array("d")
        self.U: array = array("d")

    def draw(self) -> list:  # called once, before the run
        """Arrival times (sorted); each referral's normals and uniforms go to ``Z`` and ``U`` (``DRAWS`` a row)."""
        d = self.sc.demand
        assert d is not None  # a scenario with children's cases
        r = d.referrals
        base = float(r.rate_per_year) / DAYS_PER_YEAR
        trend = float(r.trend_per_year)
        ticks = month_starts(self.sc.start_date, self.sc.end_date)
        days = [self.sc.day(t) for t in ticks]
        times = []
        Z, U = self.Z, self.U       # filled in place: collaborators may hold them
        # month by month, each month's arrivals and then their paths: a month's draws never depend on how many months follow
        for k in range(len(days) - 1):
            a, b = days[k], days[k + 1]
            rate = base * r.seasonality[ticks[k].month - 1] * (1.0 + trend) ** (a / DAYS_PER_YEAR)
            n = int(self.rng_ref.poisson(rate * (b - a))) if rate > 0 else 0
            if n:
                times.append(np.sort(self.rng_ref.uniform(a, b, n)))
                Z.frombytes(self.rng_paths.standard_normal(n * DRAWS).tobytes())
                U.frombytes(self.rng_paths.random(n * DRAWS).tobytes())
        return np.concatenate(times).tolist() if times else []

    def z(self, case: Case, i: int) -> float:
        """Standard normal i of a case (0: assessment work, 1+j: duration of plan spell j)."""
        if case.row >= 0 and i < DRAWS:
            return self.Z[case.row * DRAWS + i]
        return float(self.rng_extra.standard_normal())

    def u(self, case: Case, i: int) -> float:
        """Uniform i of a case (0: assessment outcome, 1+j: what follows plan spell j)."""
        if case.row >= 0 and i < DRAWS:
            return self.U[case.row * DRAWS + i]
        return float(self.rng_extra.random())
