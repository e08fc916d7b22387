"""A child's pathway: referral, assessment, plans (cin, cp, lac) that close, step up or step down, and moves.

A referral becomes an assessment; when it ends its pre-drawn outcome closes
the case or starts a plan; a plan lasts its drawn duration, then closes or
becomes the next plan type drawn. A case changing type stays with its
worker when the worker's team keeps that type (and, under the queue policy,
the new weight fits the cap); otherwise it moves team. Cases of a plan with
``move_after_days`` move team then.
"""
from __future__ import annotations

import math
from heapq import heappush
from typing import TYPE_CHECKING

import numpy as np

from workforce_sim.model.cases.case import VISITED, Case
from workforce_sim.model.cases.durations import DurationSampler
from workforce_sim.model.cases.referrals import DRAWS
from workforce_sim.scenario.schema import CASE_TYPES, Scenario

if TYPE_CHECKING:  # pragma: no cover
    from workforce_sim.model.allocation import Allocator
    from workforce_sim.model.cases.caseload import Caseload
    from workforce_sim.model.cases.pace import AssessmentPace
    from workforce_sim.model.cases.records import CaseRecords
    from workforce_sim.model.cases.referrals import Referrals
    from workforce_sim.model.cases.visits import Visits
    from workforce_sim.model.cases.working_days import WorkingDays
    from workforce_sim.model.engine import Engine


def choose(names: list, cdf: list, u: float) -> str:
    """The first name whose cumulative probability exceeds ``u`` (the last if none)."""
    for name, edge in zip(names, cdf):
        if u < edge:
            return name
    return names[-1]


class Pathway:
    """The pathways of the children of one replication."""

    def __init__(self, engine: Engine, scenario: Scenario, alloc: Allocator, keepers: dict[str, set[str]],
                 referrals: Referrals, working_days: WorkingDays, records: CaseRecords, visits: Visits,
                 pace: AssessmentPace, caseload: Caseload):
        self.env = engine
        d = scenario.demand
        c = scenario.caseload
        assert d is not None and c is not None  # a scenario with children's cases (``Scenario``'s check)
        self.alloc = alloc
        self.queue_policy = alloc.queue_policy
        self.keepers = keepers
        self.referrals = referrals
        self.weights = {k: float(c.weights.get(k, 1.0)) for k in CASE_TYPES}  # type: ignore[call-overload]
        self.routes: dict[str, tuple] = {k: alloc.route(v) for k, v in c.routes.items()}
        self._w_assess = self.weights["assessment"]
        self._route_assess = self.routes["assessment"]
        self.move_routes: dict[str, tuple] = {k: alloc.route(p.move_to) for k, p in d.plans.items() if p.move_to}
        self.work = DurationSampler(d.assessment.work_calendar_days)
        self.clock_wd = d.assessment.clock_working_days
        self.outcome_names = list(d.assessment.outcomes)
        self.outcome_cdf = np.cumsum([d.assessment.outcomes[o] for o in self.outcome_names]).tolist()
        self.plan_dur: dict[str, DurationSampler] = {k: DurationSampler(p.duration) for k, p in d.plans.items()}
        self.plan_next: dict[str, tuple[list[str], list[float]]] = {k: (list(p.next), np.cumsum(list(p.next.values())).tolist()) for k, p in d.plans.items()}
        self.move_after: dict[str, float] = {k: float(p.move_after_days) for k, p in d.plans.items() if p.move_after_days is not None}
        self._wd_prefix = working_days.prefix
        # collaborators' state and handlers, bound once (the hot paths read them at every case event)
        self.records = records
        self.cases = records.cases
        self.flows = records.flows
        self.unallocated = records.unallocated
        self.open_by_type = records.open_by_type
        self.visited = visits.visited
        self.visit_interval = visits.interval
        self._visits_until = visits.until
        self._respeed = pace.respeed
        self._assign = caseload.assign
        self._release = caseload.release
        self._allocate = caseload.allocate
        self._room = caseload.room
        self._plan_end_event = self.plan_end
        self._move_event = self.move
        self._calls, self._next_seq = engine.call_queue()   # plan ends and moves are pushed straight onto the engine's heap
        self.Z = referrals.Z
        self.U = referrals.U

    def new_case(self, type_: str, referral_day: float, opening: bool, row: int = -1) -> Case:
        case = Case(len(self.cases), type_, self.weights[type_], self.routes[type_], referral_day, opening, row)
        self.cases.append(case)
        self.records.referred_total += 1
        self.open_by_type[type_] += 1
        self.unallocated[type_] += 1
        return case

    def referral(self, row: int) -> None:
        """Referral ``row`` arrives: an assessment, allocated now or queued."""
        now = self.env.now
        cases = self.cases
        case = Case(len(cases), "assessment", self._w_assess, self._route_assess, now, False, row)
        cases.append(case)
        self.records.referred_total += 1
        self.open_by_type["assessment"] += 1
        self.unallocated["assessment"] += 1
        case.work_left = self.work.from_z(self.Z[row * DRAWS])
        self.flows["referrals"] += 1
        h = self.alloc.find(case)
        if h is None:
            self.alloc.enqueue(case)
        else:
            self._assign(case, h)

    def assessment_done(self, case: Case) -> None:
        now = self.env.now
        case.work_left = 0.0
        case.assess_end = now
        # WorkingDays.between(referral_day, now), inlined
        prefix = self._wd_prefix
        fb, rb = divmod(math.floor(now) + 1, 7)
        fa, ra = divmod(math.floor(case.referral_day) + 1, 7)
        wd = case.assess_wd = 5 * fb + prefix[rb] - 5 * fa - prefix[ra]
        f = self.flows
        f["assessments_completed"] += 1
        if wd <= self.clock_wd:
            f["assessments_on_time"] += 1
        u = self.U[case.row * DRAWS] if case.row >= 0 else self.referrals.u(case, 0)
        outcome = choose(self.outcome_names, self.outcome_cdf, u)
        case.outcome = outcome
        if outcome == "close":
            self.close(case)
        else:
            self.become(case, outcome)

    def become(self, case: Case, new: str) -> None:
        """Start a plan of type ``new``: keep the worker if their team keeps it, else move team."""
        now = self.env.now
        old = case.type
        if case.visit_due <= now:
            self._visits_until(case, now)          # visits of the old plan, with the worker (if any) it had
        w_new = self.weights[new]
        h = case.holder
        keep = h is not None and h.desk.team.type in self.keepers[new] and self.alloc.may_take(h, w_new - case.weight)
        if h is not None and not keep:
            self._release(case, change=True)
            case.transfers += 1
            self.flows["transfers"] += 1
        elif h is not None:
            if old == "assessment":
                h.acases.pop(case, None)
                h.aload -= case.weight
            d = w_new - case.weight
            h.load += d
            h.desk.load += d
            if d < 0 and h.desk.heaps:
                h.desk.lowered()
            if h.aspeed != 1.0 or h.load > h.capacity:   # as in ``Caseload.assign``
                if old == "assessment":
                    self._respeed(h, now, removed=case)
                elif h.acases:
                    self._respeed(h, now)
            elif old == "assessment" and case.vfinish <= h.anext:
                self._respeed(h, now, removed=case)
        if case.holder is None:
            self.unallocated[old] -= 1
            self.unallocated[new] += 1
        self.open_by_type[old] -= 1
        self.open_by_type[new] += 1
        case.type, case.weight, case.route = new, w_new, self.routes[new]
        self.visited.pop(case, None)
        if new in VISITED:
            case.visit_due = now + self.visit_interval[new]
            self.visited[case] = None
        else:
            case.visit_due = math.inf
        case.path = f"{case.path}>{new}" if case.path else new
        if math.isnan(case.plan_start):
            case.plan_start = now
        seq = case.plan_seq = case.plan_seq + 1
        i = 1 + case.spell
        z = self.Z[case.row * DRAWS + i] if case.row >= 0 and i < DRAWS else self.referrals.z(case, i)
        length = self.plan_dur[new].from_z(z)
        heappush(self._calls, (now + length, self._next_seq(), self._plan_end_event, case, seq))
        moved = self.move_after.get(new)
        if moved is not None and moved < length:
            heappush(self._calls, (now + moved, self._next_seq(), self._move_event, case, seq))
        if case.holder is None:
            self._allocate(case, stay=True)
        if h is not None and not keep:
            self._room(h)

    def plan_end(self, case: Case, seq: int) -> None:
        if not case.open or case.plan_seq != seq:
            return
        names, cdf = self.plan_next[case.type]
        i = 1 + case.spell
        u = self.U[case.row * DRAWS + i] if case.row >= 0 and i < DRAWS else self.referrals.u(case, i)
        nxt = choose(names, cdf, u)
        case.spell += 1
        if nxt == "close":
            self.close(case)
        else:
            self.become(case, nxt)

    def move(self, case: Case, seq: int) -> None:
        """A case moves team on its plan's schedule (e.g. looked-after children to a Looked After team)."""
        if not case.open or case.plan_seq != seq:
            return
        route = self.move_routes[case.type]
        case.route = route
        h = case.holder
        if h is not None and h.desk.team.type in route:
            return
        if h is not None:
            self._release(case, change=True)
            case.transfers += 1
            self.flows["transfers"] += 1
        self._allocate(case)
        if h is not None:
            self._room(h)

    def close(self, case: Case) -> None:
        now = self.env.now
        if case.type in VISITED:
            self._visits_until(case, now)
        self.visited.pop(case, None)
        h = case.holder
        if h is not None:
            self._release(case, change=False)
        case.queued = False
        self.unallocated[case.type] -= 1
        case.open = False
        case.close_day = now
        self.open_by_type[case.type] -= 1
        self.records.closed_total += 1
        f = self.flows
        f["closures"] += 1
        if not case.opening:
            f["pathways_closed"] += 1
            f["pathway_workers_sum"] += case.n_workers
            if case.n_workers <= 3:
                f["pathways_max_3_workers"] += 1
        if h is not None and (self.queue_policy or h.asye):
            self._room(h)
