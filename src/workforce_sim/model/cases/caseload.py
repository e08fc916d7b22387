"""Who holds which case: allocation, assignment and release, room freed, workers starting and leaving.

A case goes to a worker through the ``Allocator`` (``model.allocation``) or
waits in its route's queue. Assigning or releasing a case moves the
holder's load, settles the case's assessment progress and visits, and
re-paces the holder's assessments. A leaver's cases are released (each a
change of worker, except for an agency worker converting, whose cases wait
for the same person) and reallocated once the event that ended the worker
is over. Caseload pressure (load / cap) raises the holder's leaving hazard.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from workforce_sim.model.allocation import Allocator, Desk, Holder

if TYPE_CHECKING:  # pragma: no cover
    from workforce_sim.model.cases.case import Case
    from workforce_sim.model.cases.pace import AssessmentPace
    from workforce_sim.model.cases.records import CaseRecords
    from workforce_sim.model.cases.visits import Visits
    from workforce_sim.model.engine import Engine
    from workforce_sim.model.entities import Worker
    from workforce_sim.scenario.schema import Caseload as CaseloadSpec


class Caseload:
    """The holding of cases in one replication."""

    def __init__(self, engine: Engine, spec: CaseloadSpec, alloc: Allocator, keepers: dict[str, set[str]],
                 records: CaseRecords, visits: Visits, pace: AssessmentPace):
        self.env = engine
        self.alloc = alloc
        self.queue_policy = alloc.queue_policy
        self.keepers = keepers
        self.records = records
        self.flows = records.flows
        self.unallocated = records.unallocated
        self._visits_until = visits.until
        self._respeed = pace.respeed
        self._call_at = engine.call_at
        self.beta = float(spec.pressure.hazard_per_unit_over_cap)
        self.threshold = float(spec.pressure.threshold)
        self.handover: dict[int, list[Case]] = {}    # cases of an agency worker converting, by person

    def allocate(self, case: Case, stay: bool = False) -> None:
        """Give a case to a worker now, or queue it (at the back of its route's queue).

        With ``stay``, a worker of the case's last team is tried first when
        that team keeps cases of its type (reallocation within the team).
        """
        prefer = case.desk if stay and case.desk is not None and case.desk.team.type in self.keepers[case.type] else None
        h = self.alloc.find(case, prefer)
        if h is None:
            self.enqueue(case)
        else:
            self.assign(case, h)

    def enqueue(self, case: Case) -> None:
        self.alloc.enqueue(case)

    def assign(self, case: Case, h: Holder) -> None:
        now = self.env.now
        t = case.type
        if case.visit_due <= now:
            self._visits_until(case, now)
        case.queued = False
        self.unallocated[t] -= 1
        case.holder = h
        desk = case.desk = h.desk
        w = case.weight
        h.cases[case] = None
        h.load += w
        desk.load += w
        case.n_workers += 1
        if case.first_alloc < 0:
            case.first_alloc = now
            if not case.opening:
                f = self.flows
                f["first_allocations"] += 1
                f["wait_days_sum"] += now - case.referral_day
        if t == "assessment":
            h.aload += w
            case.vfinish = h.avt + h.aspeed * (now - h.asince) + case.work_left
            h.acases[case] = None
        # the worker's load moved: their assessments' pace and next end (``AssessmentPace.respeed``); at full pace
        # and within capacity the pace stays, and a new assessment ending after the next one scheduled leaves it standing
        if h.aspeed != 1.0 or h.load > h.capacity:
            if h.acases:
                self._respeed(h, now, added=case if t == "assessment" else None)
        elif t == "assessment" and case.vfinish < h.anext:
            self._respeed(h, now, added=case)

    def release(self, case: Case, change: bool) -> Holder:
        """Take a case off its worker (progress and visits settled first)."""
        now = self.env.now
        h = case.holder
        assert h is not None                    # only a held case is released
        w = case.weight
        if case.type == "assessment":
            case.work_left = max(0.0, case.vfinish - (h.avt + h.aspeed * (now - h.asince)))
            del h.acases[case]
            h.aload -= w
        elif case.visit_due <= now:
            self._visits_until(case, now)
        del h.cases[case]
        h.load -= w
        desk = h.desk
        desk.load -= w
        if desk.heaps:
            desk.lowered()
        if h.aspeed != 1.0 or h.load > h.capacity:     # as in ``assign``
            if case.type == "assessment":
                self._respeed(h, now, removed=case)
            elif h.acases:
                self._respeed(h, now)
        elif case.type == "assessment" and case.vfinish <= h.anext:
            self._respeed(h, now, removed=case)
        case.holder = None
        self.unallocated[case.type] += 1
        if change:
            case.changes += 1
            self.records.changes_total += 1
            self.flows["changes_of_worker"] += 1
        return h

    def room(self, h: Holder) -> None:
        """A holder's load fell or cap rose: under the queue policy, or for an NQSW in their ASYE, give them waiting cases."""
        if (self.queue_policy or h.asye) and h.worker.active and h.load < h.cap:
            self.alloc.pull(h, self.assign)

    def refresh_caps(self, day: float) -> None:
        """Month start: caps and capacity of NQSWs whose ASYE has ended; cases waiting for room go to them."""
        for h in list(self.alloc.holders.values()):
            if not h.asye:
                continue
            rose = self.alloc.refresh(h, day)
            if not h.asye and h.acases:
                self._respeed(h, day)           # capacity out of the ASYE (load only: same assessments)
            if rose:
                if self.queue_policy:
                    self.room(h)
                else:                           # no longer capped as an NQSW: cases waiting for room may go over cap
                    for case in self.alloc.waiting(h.desk.team.type):
                        self.allocate(case, stay=True)

    # ------------------------------------------------------------------ workers
    def worker_started(self, w: Worker) -> None:
        h = self.alloc.add_holder(w, self.env.now)
        if h is None:
            return
        handed = self.handover.pop(w.person, None)
        if handed:
            for case in handed:                 # the same person converting from agency: no change of worker
                if case.open and case.holder is None:
                    case.n_workers -= 1
                    self.assign(case, h)
        if self.alloc.queue_policy:
            self.room(h)
        else:
            for case in self.alloc.waiting(w.post.team.type):
                self.allocate(case, stay=True)

    def worker_ended(self, w: Worker, reason: str) -> None:
        h = self.alloc.remove_holder(w)
        if h is None or not h.cases:
            return
        cases = list(h.cases)
        converting = reason == "converted_to_permanent"
        for case in cases:
            self.release(case, change=not converting)
        if converting:
            self.handover[w.person] = cases
        # reallocate once the event that ended the worker is over (a replacement may start at once)
        self._call_at(self.env.now, self._reallocate, cases, h.desk)

    def _reallocate(self, cases: list[Case], desk: Desk) -> None:
        for case in cases:
            if case.open and case.holder is None:
                self.allocate(case, stay=True)

    # ------------------------------------------------------------------ pressure
    def pressure_multiplier(self, w: Worker) -> float:
        """Leaving-hazard multiplier from caseload pressure (load / cap) now."""
        h = self.alloc.holders.get(w.idx)
        if h is None or self.beta <= 0 or h.cap <= 0:
            return 1.0
        excess = h.load / h.cap - self.threshold
        h.mult = 1.0 + self.beta * excess if excess > 0 else 1.0
        return h.mult

    def reason_probabilities(self, w: Worker, names: list[str], p: np.ndarray) -> np.ndarray:
        """Leaver reasons: the hazard added by pressure is attributed to 'workload'."""
        h = self.alloc.holders.get(w.idx)
        if h is None or h.mult <= 1.0:
            return p
        out = p / h.mult
        out[names.index("workload")] += 1.0 - 1.0 / h.mult
        return out
