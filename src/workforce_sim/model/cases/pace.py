"""The pace of assessments: a worker's assessments share the worker's time.

A worker's assessments all progress at the worker's coverage for
assessments (1 within capacity), kept up to date whenever a case of theirs
starts, ends or changes type and when their capacity changes, so that the
time shared out is always the time the worker has (a worker left with one
case works it at full pace at once). One virtual clock per worker counts
the work done on each of their assessments; only the worker's next
assessment end is scheduled (on the engine's fast queue).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from heapq import heappush
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # pragma: no cover
    from workforce_sim.model.allocation import Holder
    from workforce_sim.model.cases.case import Case
    from workforce_sim.model.engine import Engine

INF = math.inf


class AssessmentPace:
    """Keeps every worker's assessment pace and next assessment end; calls ``on_done(case)`` when one ends."""

    def __init__(self, engine: Engine, priority: float):
        self.priority = priority
        self._calls, self._next_seq = engine.call_queue()   # assessment ends are pushed straight onto the engine's heap
        self._done_event = self.holder_done                   # bound once (binding at every push costs an allocation)
        self.on_done: Callable[[Case], None] = lambda case: None

    def respeed(self, h: Holder, now: float, added: Optional[Case] = None, removed: Optional[Case] = None) -> None:
        """The worker's load, assessments or capacity changed: their assessments go on at their coverage now.

        ``added`` / ``removed``: the assessment that joined or left the
        worker's assessments (else only their load or capacity changed).

        Invariant: ``h.anext`` is the least virtual finish of ``h.acases``
        (infinite when none), so only removing that assessment needs a scan.
        """
        if not h.worker.active:
            return                              # a leaver's cases are being released
        k, load = h.capacity, h.load
        if load <= k:
            speed = 1.0
        else:                                   # Holder.coverage's share for assessments, inlined (it runs at every case event)
            a = h.aload
            pr = self.priority
            speed = pr * (k / (pr * a + (load - a)))
            if speed > 1.0:
                speed = 1.0
        nxt = h.anext
        if added is not None:
            if added.vfinish < nxt:
                nxt = added.vfinish
        elif removed is not None and removed.vfinish <= nxt:
            nxt = INF                           # the next to end left: find the new next
            for case in h.acases:
                if case.vfinish < nxt:
                    nxt = case.vfinish
        if speed == h.aspeed and nxt == h.anext:
            return                              # same pace, same next end: the end already scheduled stands
        h.avt += h.aspeed * (now - h.asince)
        h.asince = now
        h.aspeed = speed
        h.anext = nxt
        token = h.atoken = h.atoken + 1
        if nxt < INF and speed > 0:
            left = nxt - h.avt
            heappush(self._calls, (now + (left if left > 0 else 0.0) / speed, self._next_seq(), self._done_event, h, token))

    def holder_done(self, h: Holder, token: int) -> None:
        """The worker's next assessment is due to end (unless superseded)."""
        if h.atoken != token or not h.worker.active:
            return
        due = h.anext                           # the least virtual finish (``respeed``'s invariant)
        for case in h.acases:
            if case.vfinish == due:             # the first of the worker's assessments to reach it
                self.on_done(case)
                return
