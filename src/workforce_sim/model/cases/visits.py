"""CP and LAC visits: due at fixed intervals, on time with the probability of the worker's plan coverage.

A visit is on time with probability equal to the holder's coverage for plan
cases (1 within capacity), late when the case is unallocated; uniforms from
the ``visits`` stream, drawn in blocks.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from workforce_sim.model.cases.case import VISITED
from workforce_sim.scenario.schema import Scenario
from workforce_sim.streams import Streams

if TYPE_CHECKING:  # pragma: no cover
    from workforce_sim.model.allocation import Holder
    from workforce_sim.model.cases.case import Case

VISIT_KEYS = {t: (f"{t}_visits_due", f"{t}_visits_on_time") for t in VISITED}   # their monthly flow counters


class Visits:
    """The visits of one replication; counts go to ``flows`` (the records' monthly flows)."""

    def __init__(self, scenario: Scenario, streams: Streams, flows: dict[str, int]):
        c = scenario.caseload
        assert c is not None                    # a scenario with children's cases (``Scenario``'s check)
        self.interval = {"cp": float(c.visits.cp_interval_days), "lac": float(c.visits.lac_interval_days)}
        self.priority = float(c.assessment_priority)
        self.rng = streams["visits"]
        self.flows = flows
        self.visited: dict[Case, None] = {}     # open cases of a visited type (insertion-ordered set)
        self._vu: list[float] = []
        self._vi = 0

    def until(self, case: Case, day: float, p: Optional[float] = None) -> None:
        """Count the visits due up to ``day``; each is on time with probability ``p`` (the worker's plan coverage)."""
        due = case.visit_due
        if due > day:
            return
        interval = self.interval[case.type]
        n = int((day - due) // interval) + 1
        case.visit_due = due + n * interval
        if p is None:
            h = case.holder
            p = h.coverage(self.priority)[1] if h is not None else 0.0
        if p >= 1.0:
            on_time = n
        elif p <= 0.0:
            on_time = 0
        else:
            on_time = 0
            for _ in range(n):
                if self._u() < p:
                    on_time += 1
        due_key, on_time_key = VISIT_KEYS[case.type]
        f = self.flows
        f[due_key] += n
        f[on_time_key] += on_time

    def due(self, day: float) -> None:
        """The month's visits: every visited case's visits due up to ``day``."""
        prio = self.priority
        cover: dict[Holder, tuple[float, float]] = {}
        visits_until = self.until
        for case in self.visited:
            if case.visit_due <= day:
                h = case.holder
                if h is None:
                    p = 0.0
                elif h.load <= h.capacity:      # within capacity: coverage 1
                    p = 1.0
                else:
                    c = cover.get(h)
                    if c is None:
                        c = cover[h] = h.coverage(prio)
                    p = c[1]
                visits_until(case, day, p)

    def _u(self) -> float:
        """Next uniform of the visits stream (drawn in blocks)."""
        if self._vi >= len(self._vu):
            self._vu = self.rng.random(4096).tolist()
            self._vi = 0
        self._vi += 1
        return self._vu[self._vi - 1]
