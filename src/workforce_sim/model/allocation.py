"""Caseload allocation: caps, the worker a case goes to, and the unallocated queue.

A case-holding worker is a ``Holder`` with a cap (children, weighted) and a
capacity for casework (the same units, net of time off); a team's holders
form a ``Desk``. A case goes to a team of a type on its route: the team with
the lowest load / cap first, then its least-loaded worker. Under the
``queue`` policy only a worker whose load stays within cap may take it,
otherwise it waits, first in first out, until a worker on its route has room;
under ``least_loaded`` it goes to the least-loaded worker even over cap.
Under both, an NQSW in their ASYE never goes over their cap: under
``least_loaded`` the other workers take the overflow (the least-loaded team
with one who can, then its least-loaded such worker), and a case that
nobody on its route can take waits, unallocated, until someone can.

On a route with many teams (``INDEX_MIN_DESKS`` or more) the least-loaded
team is found with a ``DeskHeap`` instead of a scan: the same team, ties
broken the same way (the first on the route), in logarithmic time.

The allocator knows cases only through a few attributes (``weight``,
``route``, ``holder``, ``desk``, ``queued``, ``qseq``); what happens to a case
when it is assigned or released is the caller's business.
"""
from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Optional

from workforce_sim.model.entities import Team, Worker
from workforce_sim.scenario.schema import ROLES, Caseload, TimeOff

EPS = 1e-9
INDEX_MIN_DESKS = 16     # routes with this many teams find the least-loaded one with a heap, not a scan


@dataclass(slots=True, eq=False)
class Holder:
    """The case-holding state of one worker."""

    worker: Worker
    desk: Desk
    cap: float
    capacity: float
    asye: bool
    load: float = 0.0
    aload: float = 0.0                            # part of the load that is assessments
    cases: dict = field(default_factory=dict)     # insertion-ordered set of cases
    acases: dict = field(default_factory=dict)    # those of them that are assessments
    # the assessments share the worker's time (processor sharing): each progresses at ``aspeed``,
    # so one virtual clock of work done per assessment, ``avt`` at ``asince``, times them all
    aspeed: float = 0.0
    avt: float = 0.0
    asince: float = 0.0
    anext: float = math.inf                       # virtual time of the next assessment end scheduled
    atoken: int = 0
    mult: float = 1.0                             # leaving-hazard multiplier last applied

    def ratio(self) -> float:
        return self.load / self.cap if self.cap > 0 else math.inf

    def coverage(self, priority: float) -> tuple[float, float]:
        """Shares of the time due that assessments and plan cases get.

        Within capacity both are 1. Over it, time is shared out with an
        assessment counting ``priority`` times a plan case, and an assessment
        never gets more than it needs (what it leaves goes to the plans).
        """
        k, load, a = self.capacity, self.load, self.aload
        if load <= k:
            return 1.0, 1.0
        p = load - a
        x = k / (priority * a + p)
        if priority * x < 1.0:
            return priority * x, x
        return 1.0, (k - a) / p if p > 0 else 1.0


@dataclass(slots=True, eq=False)
class Desk:
    """The case holders of one team."""

    team: Team
    base_cap: float
    holders: list[Holder] = field(default_factory=list)
    load: float = 0.0
    cap: float = 0.0
    heaps: list[DeskHeap] = field(default_factory=list)   # indexes of the routes it is on (large routes only)

    def ratio(self) -> float:
        return self.load / self.cap if self.cap > 0 else math.inf

    def lowered(self) -> None:
        """Its load fell or its cap rose: tell the route indexes (call only if ``heaps``)."""
        for heap in self.heaps:
            heap.lowered(self)


class DeskHeap:
    """The teams of one route by (load / cap, position on the route): the least-loaded one without a scan.

    Entries are ``(ratio, position, stamp)``. A desk's newest entry (the one
    with its current stamp) never has a key above the desk's current key: a
    key that falls is pushed at once (``lowered``), one that rises is put
    right when its entry reaches the top. Older entries are dropped as they
    surface, and the heap is rebuilt when they pile up.
    """

    __slots__ = ("desks", "position", "stamp", "heap")

    def __init__(self, desks: list[Desk]):
        self.desks = desks                      # the route's own list: desks added to the route are added here too
        self.position: dict[Desk, int] = {}
        self.stamp: list[int] = []
        self.heap: list[tuple[float, int, int]] = []
        for desk in desks:
            self.add(desk)

    def add(self, desk: Desk) -> None:
        """A desk just appended to the route."""
        i = len(self.stamp)
        self.position[desk] = i
        self.stamp.append(0)
        desk.heaps.append(self)
        heapq.heappush(self.heap, (desk.ratio(), i, 0))

    def lowered(self, desk: Desk) -> None:
        i = self.position[desk]
        stamp = self.stamp[i] = self.stamp[i] + 1
        heapq.heappush(self.heap, (desk.load / desk.cap if desk.cap > 0 else math.inf, i, stamp))
        if len(self.heap) > 4 * len(self.stamp) + 64:
            self._rebuild()

    def _rebuild(self) -> None:
        self.stamp = [s + 1 for s in self.stamp]
        self.heap = [(d.ratio(), i, self.stamp[i]) for i, d in enumerate(self.desks)]
        heapq.heapify(self.heap)

    def best(self) -> Optional[Desk]:
        """The desk with holders and the lowest (load / cap, position), as a scan of the route would choose."""
        heap, stamp, desks = self.heap, self.stamp, self.desks
        empty = []
        found = None
        while heap:
            r, i, s = heap[0]
            if s != stamp[i]:
                heapq.heappop(heap)             # superseded by a newer entry
                continue
            d = desks[i]
            now = d.load / d.cap if d.cap > 0 else math.inf
            if now != r:                        # its key rose since: put it right
                heapq.heapreplace(heap, (now, i, s))
                continue
            if not d.holders:                   # no one to take the case: set aside for now
                empty.append(heapq.heappop(heap))
                continue
            found = d
            break
        for entry in empty:
            heapq.heappush(heap, entry)
        return found


def casework_shares(t: TimeOff) -> dict[bool, float]:
    """Share of a worker's time left for casework after supervision, training and (in the ASYE) development time.

    Keyed by whether the worker is an NQSW in their ASYE; with the defaults
    0.968 for a social worker and 0.852 for an NQSW (2.5 sessions of
    supervision every 4 weeks and 10% protected development time).
    """
    hours4 = 4.0 * t.working_hours_per_week
    training = t.training_days_per_year / t.working_days_per_year
    return {
        False: max(0.0, 1.0 - t.supervision_hours_per_session * t.supervision_sessions_per_4_weeks / hours4 - training),
        True: max(0.0, 1.0 - t.supervision_hours_per_session * t.asye_supervision_sessions_per_4_weeks / hours4
                  - t.asye_development_share - training),
    }


class Allocator:
    """Caps, routing and the queue of unallocated cases for one replication.

    A worker's cap (what may be allocated) is the team's cap x their role
    share x FTE, for an NQSW in their ASYE x ``asye_share`` and at most
    ``asye_max_cases`` x FTE. Their capacity (what they can work at full
    pace) follows from the same base and their time off, by one rule:
    capacity = cap of the role x FTE x casework share / the casework share the
    cap assumes. The cap assumes, unless the scenario says otherwise
    (``time_off.casework_share_assumed_by_cap``), the time off of a social
    worker out of the ASYE: a social worker at their cap is at their
    capacity, and any further time off shows as less capacity. An NQSW's
    extra supervision and protected development time take their capacity to
    0.88 of a social worker's with the defaults (14.1 children against a cap
    of 16), about their cap of 14.
    """

    def __init__(self, caseload: Caseload, casework_share: Optional[dict[bool, float]] = None):
        c = caseload
        self.queue_policy = c.overflow == "queue"
        self.cap0 = float(c.cap)
        self.cap_by_type = {k: float(v) for k, v in c.cap_by_team_type.items()}
        self.role_share = [float(c.role_share.get(r, 0.0)) for r in ROLES]  # type: ignore[call-overload]
        self.asye_share = float(c.asye_share)
        self.asye_max = None if c.asye_max_cases is None else float(c.asye_max_cases)
        self.casework_share = casework_share if casework_share is not None else casework_shares(c.time_off)
        assumed = c.time_off.casework_share_assumed_by_cap
        self.share_assumed = float(assumed) if assumed is not None else self.casework_share[False]
        self.holding_types: set[str] = set()
        for mapping in (c.routes, c.keep):
            for tts in mapping.values():
                self.holding_types.update(tts)
        self.desks: dict[int, Desk] = {}
        self.desks_by_type: dict[str, list[Desk]] = {}
        self.route_desks: dict[tuple, list[Desk]] = {}
        self.queues: dict[tuple, deque] = {}
        self.keys_for_type: dict[str, list[tuple]] = {}
        self.indexes: dict[tuple, DeskHeap] = {}     # route -> its desk heap, for routes with many desks (least_loaded only)
        self.holders: dict[int, Holder] = {}
        self._order = 0

    # ------------------------------------------------------------------ structure
    def add_holding_types(self, types: Iterable[str]) -> None:
        self.holding_types.update(types)

    def route(self, team_types: Iterable[str]) -> tuple:
        """The canonical key of a route; registers its queue."""
        key = tuple(sorted(set(team_types)))
        if key not in self.route_desks:
            self.route_desks[key] = [d for t in key for d in self.desks_by_type.get(t, [])]
            self.queues[key] = deque()
            for t in key:
                self.keys_for_type.setdefault(t, []).append(key)
        return key

    def desk_for(self, team: Team) -> Optional[Desk]:
        desk = self.desks.get(team.idx)
        if desk is None and team.type in self.holding_types:
            desk = Desk(team, self.cap_by_type.get(team.type, self.cap0))
            self.desks[team.idx] = desk
            self.desks_by_type.setdefault(team.type, []).append(desk)
            for key, desks in self.route_desks.items():
                if team.type in key:
                    desks.append(desk)
                    index = self.indexes.get(key)
                    if index is not None:
                        index.add(desk)
                    elif not self.queue_policy and len(desks) >= INDEX_MIN_DESKS:
                        self.indexes[key] = DeskHeap(desks)
        return desk

    def caps(self, w: Worker, desk: Desk, asye: bool) -> tuple[float, float]:
        """(cap, capacity) of a worker: cap for allocation, capacity for progress and visits (see the class)."""
        base = desk.base_cap * self.role_share[w.role] * w.fte
        cap = base
        if asye:
            cap = base * self.asye_share
            if self.asye_max is not None:
                cap = min(cap, self.asye_max * w.fte)
        capacity = base * self.casework_share[asye] / self.share_assumed if self.share_assumed > 0 else 0.0
        return cap, capacity

    def add_holder(self, w: Worker, day: float) -> Optional[Holder]:
        """Make a starting worker a case holder if their team and role hold cases."""
        if self.role_share[w.role] <= 0:
            return None
        desk = self.desk_for(w.post.team)
        if desk is None:
            return None
        asye = w.asye_until > day
        cap, capacity = self.caps(w, desk, asye)
        h = Holder(w, desk, cap, capacity, asye)
        desk.holders.append(h)
        desk.cap += cap
        if desk.heaps:
            desk.lowered()
        self.holders[w.idx] = h
        return h

    def remove_holder(self, w: Worker) -> Optional[Holder]:
        h = self.holders.pop(w.idx, None)
        if h is not None:
            h.desk.holders.remove(h)
            h.desk.cap -= h.cap
        return h

    def refresh(self, h: Holder, day: float) -> bool:
        """Recompute a holder's cap after the ASYE ends; True if the cap rose."""
        asye = h.worker.asye_until > day
        if asye == h.asye:
            return False
        cap, capacity = self.caps(h.worker, h.desk, asye)
        h.desk.cap += cap - h.cap
        rose = cap > h.cap
        h.cap, h.capacity, h.asye = cap, capacity, asye
        if h.desk.heaps:
            h.desk.lowered()                    # a key that rose is put right lazily; one that fell must be pushed
        return rose

    # ------------------------------------------------------------------ choice
    def find(self, case: Any, prefer: Optional[Desk] = None) -> Optional[Holder]:
        """The holder a case should go to now, or None (it waits); ``prefer``'s holders are tried first."""
        w = case.weight
        if prefer is not None and prefer.holders:
            h = self._in_desk(prefer, w)
            if h is not None:
                return h
        desks = self.route_desks[case.route]
        index = self.indexes.get(case.route)
        if index is not None:
            best = index.best()
        else:
            best, best_r = None, math.inf
            for desk in desks:
                r = desk.load / desk.cap if desk.cap > 0 else math.inf
                if r < best_r and desk.holders:
                    best, best_r = desk, r
        if best is None:
            return None
        h = self._in_desk(best, w)
        if h is not None:
            return h
        # nobody in the least-loaded team may take it (all at cap, or NQSWs at their cap): the next teams by load
        for desk in sorted(desks, key=Desk.ratio):
            if desk is not best and desk.holders:
                h = self._in_desk(desk, w)
                if h is not None:
                    return h
        return None

    def _in_desk(self, desk: Desk, w: float) -> Optional[Holder]:
        best = None
        best_r = math.inf
        if self.queue_policy:
            for h in desk.holders:
                load = h.load
                cap = h.cap
                if load + w <= cap + EPS:
                    r = load / cap
                    if r < best_r:
                        best, best_r = h, r
        else:
            for h in desk.holders:
                load = h.load + w
                if h.asye and load > h.cap + EPS:       # NQSWs in their ASYE: never over their cap
                    continue
                r = load / h.cap
                if r < best_r:
                    best, best_r = h, r
        return best

    def may_take(self, h: Holder, w: float) -> bool:
        """Whether holder ``h`` may take (or keep, after a change of type) a further load ``w`` under the policy."""
        return h.load + w <= h.cap + EPS or not (self.queue_policy or h.asye)

    # ------------------------------------------------------------------ queue
    def enqueue(self, case: Any) -> None:
        """Put a case at the back of its route's queue (entries are (order, qseq, case))."""
        case.qseq += 1
        case.queued = True
        self._order += 1
        self.queues[case.route].append((self._order, case.qseq, case))

    @staticmethod
    def _valid(entry: tuple, key: tuple) -> bool:
        case = entry[2]
        return case.queued and case.qseq == entry[1] and case.route == key

    def _head(self, key: tuple):
        q = self.queues[key]
        while q:
            if self._valid(q[0], key):
                return q[0]
            q.popleft()
        return None

    def pull(self, h: Holder, assign: Callable[[Any, Holder], None]) -> None:
        """Under the queue policy, give a holder with room the oldest waiting cases it can take."""
        keys = self.keys_for_type.get(h.desk.team.type)
        if not keys:
            return
        while True:
            best = None
            for key in keys:
                head = self._head(key)
                if head is not None and h.load + head[2].weight <= h.cap + EPS and (best is None or head[0] < best[0]):
                    best = head
            if best is None:
                return
            assign(best[2], h)

    def waiting(self, team_type: str) -> list[Any]:
        """Cases waiting on routes that include ``team_type``, oldest first (stale entries dropped)."""
        found = []
        for key in self.keys_for_type.get(team_type, []):
            q = self.queues[key]
            if q:
                valid = [e for e in q if self._valid(e, key)]
                self.queues[key] = deque(valid)
                found.extend(valid)
        found.sort(key=lambda e: e[0])
        return [e[2] for e in found]
