"""Children's cases: referrals, assessments, plans, visits, and their records.

Referrals arrive as a Poisson process whose rate is constant within each
month (yearly rate x seasonal factor x compounding trend). Each becomes an
assessment, which needs ``work_calendar_days`` (calendar days, weekends
included) of a worker at full capacity: it progresses at the allocated
worker's coverage for assessments (1 within capacity; over it, time is shared
with assessments weighted by ``assessment_priority``), recomputed whenever a
case of that worker starts, ends or changes type and when their ASYE ends,
so that the time shared out is always the time the worker has; it stops
while the case is unallocated. The assessment is on time when it ends within the clock
(working days, Monday to Friday, counted from the day after referral). It then
closes or becomes a Child in Need (cin), Child Protection (cp) or Looked After
(lac) plan; a plan lasts its drawn duration and then closes, steps up or steps
down (a semi-Markov pathway). A case changing type stays with its worker when
the worker's team keeps that type (and, under the queue policy, the new weight
fits the cap); otherwise it moves team. Looked-after cases may move team after
a set time.

Every change of worker (worker leaves, agency assignment ends, a transfer
between teams) is counted for the child. CP and LAC visits fall due at fixed
intervals; a visit is on time with probability equal to the worker's coverage,
and late when the case is unallocated.

Case events (calls) and referral arrivals run in the engine's fast queue
beside SimPy's (``model.engine.Engine``). Random numbers: arrival times from
``referrals``; each referral's path (assessment work, outcome, up to four
plan durations and next steps) from ``case_paths``, drawn in referral order,
so scenarios with the same demand see the same children (common random
numbers); longer paths from ``case_paths_extra``; open cases at the start
from ``opening_cases``; visits from ``visits``. Referrals and their paths are
drawn a month at a time (the month's arrivals, then its normals, then its
uniforms), so that no draw depends on the run's end date.
"""
from __future__ import annotations

import math
from array import array
from dataclasses import dataclass
from heapq import heappush
from typing import TYPE_CHECKING, Optional

import numpy as np
import pandas as pd

from workforce_sim.calendar import DAYS_PER_YEAR, month_starts
from workforce_sim.model.allocation import EPS, Allocator, Desk, Holder
from workforce_sim.model.frames import team_snapshot_frame
from workforce_sim.scenario.schema import CASE_TYPES, Duration, Scenario
from workforce_sim.streams import Streams

if TYPE_CHECKING:  # pragma: no cover
    from workforce_sim.model.engine import Engine
    from workforce_sim.model.entities import Worker

NAN = math.nan
INF = math.inf
SPELLS_DRAWN = 4            # plan spells whose draws come with the referral
DRAWS = 1 + SPELLS_DRAWN
PLAN_TYPES = ("cin", "cp", "lac")
VISITED = ("cp", "lac")
VISIT_KEYS = {t: (f"{t}_visits_due", f"{t}_visits_on_time") for t in VISITED}   # their monthly flow counters

MONTHLY_COLUMNS = [
    "tick", "referred_total", "closed_total", "open_allocated", "unallocated",
    *[f"open_{t}" for t in CASE_TYPES], *[f"unallocated_{t}" for t in CASE_TYPES],
    "referrals", "first_allocations", "wait_days_sum", "assessments_completed", "assessments_on_time",
    "closures", "changes_of_worker", "transfers",
    "cp_visits_due", "cp_visits_on_time", "lac_visits_due", "lac_visits_on_time",
    "pathways_closed", "pathways_max_3_workers", "pathway_workers_sum",
]
TEAM_COLUMNS = ["tick", "team_idx", "role_idx", "holders_n", "holders_fte", "cases", "load", "cap",
                "asye_n", "asye_fte", "asye_cases", "over_cap_n", "max_over_cap"]
FLOW_KEYS = MONTHLY_COLUMNS[MONTHLY_COLUMNS.index("referrals"):]


def _phi_upper(z: float) -> float:
    """1 - Phi(z), accurate in the upper tail."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


class DurationSampler:
    """Draws of one ``Duration`` from a standard normal z (so draws can be pre-generated)."""

    __slots__ = ("kind", "mean", "mu", "sigma")

    def __init__(self, d: Duration):
        self.kind = d.dist
        self.mean = float(d.mean_days)
        cv = float(d.cv)
        self.sigma = math.sqrt(math.log1p(cv * cv))
        self.mu = math.log(self.mean) - 0.5 * self.sigma ** 2

    def from_z(self, z: float) -> float:
        if self.kind == "fixed":
            return self.mean
        if self.kind == "exponential":
            return -self.mean * math.log(max(_phi_upper(z), 1e-300))
        return math.exp(self.mu + self.sigma * z)

    def length_biased(self, rng: np.random.Generator) -> float:
        """A draw from the length-biased distribution (the length of an interval seen open at a random time)."""
        if self.kind == "fixed":
            return self.mean
        if self.kind == "exponential":
            return float(rng.gamma(2.0, self.mean))
        return math.exp(self.mu + self.sigma ** 2 + self.sigma * float(rng.standard_normal()))


@dataclass(slots=True, eq=False)
class Case:
    idx: int
    type: str
    weight: float
    route: tuple
    referral_day: float
    opening: bool
    row: int = -1                   # index of the referral's pre-drawn numbers (-1: none)
    holder: Optional[Holder] = None
    desk: Optional[Desk] = None
    queued: bool = False
    qseq: int = 0
    open: bool = True
    n_workers: int = 0
    changes: int = 0
    transfers: int = 0
    first_alloc: float = -1.0       # day first allocated (-1: never)
    work_left: float = 0.0          # assessment work left, days at full pace (settled when the case leaves a worker)
    vfinish: float = 0.0            # while held: the worker's virtual clock of work at which the assessment ends
    assess_end: float = NAN
    assess_wd: int = -1
    outcome: str = ""
    path: str = ""
    plan_start: float = NAN
    plan_seq: int = 0
    spell: int = 0
    close_day: float = NAN
    visit_due: float = math.inf


class CaseService:
    """The children's cases of one replication.

    It runs on ``engine`` (the replication's clock, whose fast queue holds the
    case events and referrals) and knows the workforce only through its
    hooks: ``worker_started`` and ``worker_ended`` as workers come and go,
    ``tick`` at every month start, and ``pressure_multiplier`` and
    ``reason_probabilities`` asked when a worker's leaving hazard is set.
    """

    def __init__(self, engine: Engine, scenario: Scenario, streams: Streams):
        self.env = engine
        self.sc = sc = scenario
        self.d = d = sc.demand
        self.c = c = sc.caseload
        self.rng_ref = streams["referrals"]
        self.rng_paths = streams["case_paths"]
        self.rng_extra = streams["case_paths_extra"]
        self.rng_open = streams["opening_cases"]
        self.rng_visits = streams["visits"]
        self.alloc = Allocator(c)
        self.casework_share = self.alloc.casework_share
        self.queue_policy = self.alloc.queue_policy
        for plan in d.plans.values():
            self.alloc.add_holding_types(plan.move_to)
        self.weights = {k: float(c.weights.get(k, 1.0)) for k in CASE_TYPES}
        self.routes = {k: self.alloc.route(v) for k, v in c.routes.items()}
        self._w_assess = self.weights["assessment"]
        self._route_assess = self.routes["assessment"]
        self.keepers = {k: set(c.routes.get(k, [])) | set(c.keep.get(k, [])) for k in CASE_TYPES}
        self.move_routes = {k: self.alloc.route(p.move_to) for k, p in d.plans.items() if p.move_to}
        for k, p in d.plans.items():
            self.keepers[k] |= set(p.move_to)
        self.work = DurationSampler(d.assessment.work_calendar_days)
        self.clock_wd = d.assessment.clock_working_days
        self.outcome_names = list(d.assessment.outcomes)
        self.outcome_cdf = np.cumsum([d.assessment.outcomes[o] for o in self.outcome_names]).tolist()
        self.plan_dur = {k: DurationSampler(p.duration) for k, p in d.plans.items()}
        self.plan_next = {k: (list(p.next), np.cumsum(list(p.next.values())).tolist()) for k, p in d.plans.items()}
        self.move_after = {k: float(p.move_after_days) for k, p in d.plans.items() if p.move_after_days is not None}
        self.visit_interval = {"cp": float(c.visits.cp_interval_days), "lac": float(c.visits.lac_interval_days)}
        self.priority = float(c.assessment_priority)
        self.beta = float(c.pressure.hazard_per_unit_over_cap)
        self.threshold = float(c.pressure.threshold)
        wd0 = sc.start_date.weekday()
        self._wd_prefix = [sum(1 for i in range(r) if (wd0 + i) % 7 < 5) for r in range(8)]
        # state
        self.cases: list[Case] = []
        self.assessing: dict[Case, None] = {}
        self.visited: dict[Case, None] = {}
        self.unallocated = {k: 0 for k in CASE_TYPES}
        self.open_by_type = {k: 0 for k in CASE_TYPES}
        self.referred_total = 0
        self.closed_total = 0
        self.changes_total = 0
        self.flows = dict.fromkeys(FLOW_KEYS, 0)
        self.handover: dict[int, list[Case]] = {}
        # pre-drawn numbers of every referral, as C doubles: a Python float is made only for the few read
        self.Z: array = array("d")
        self.U: array = array("d")
        # the handlers, bound once (binding a method at every call costs an allocation)
        self._done_event = self._holder_done
        self._plan_end_event = self._plan_end
        self._move_event = self._move
        self._call_at = engine.call_at
        self._calls, self._next_seq = engine.call_queue()   # assessment ends are pushed straight onto the engine's heap
        self._vu: list[float] = []
        self._vi = 0
        self.monthly: list[tuple] = []
        self.team_rows: list[tuple] = []

    # ------------------------------------------------------------------ helpers
    def working_days_before(self, day: int) -> int:
        """Weekdays among whole days [0, day) since the start date (negative before it)."""
        full, rem = divmod(day, 7)
        return 5 * full + self._wd_prefix[rem]

    def working_days(self, a: float, b: float) -> int:
        """Working days from day ``a`` to day ``b``, counting from the day after ``a``."""
        return self.working_days_before(math.floor(b) + 1) - self.working_days_before(math.floor(a) + 1)

    def _z(self, case: Case, i: int) -> float:
        """Pre-drawn standard normal i of a referral (0: assessment work, 1+j: duration of plan spell j)."""
        if case.row >= 0 and i < DRAWS:
            return self.Z[case.row * DRAWS + i]
        return float(self.rng_extra.standard_normal())

    def _u(self, case: Case, i: int) -> float:
        """Pre-drawn uniform i of a referral (0: assessment outcome, 1+j: what follows plan spell j)."""
        if case.row >= 0 and i < DRAWS:
            return self.U[case.row * DRAWS + i]
        return float(self.rng_extra.random())

    @staticmethod
    def _choose(names: list, cdf: list, u: float) -> str:
        for name, edge in zip(names, cdf):
            if u < edge:
                return name
        return names[-1]

    # ------------------------------------------------------------------ start
    def start(self) -> None:
        """Open cases on the start date, then the referral process."""
        self._opening()
        self.env.set_arrivals(self._draw_referrals(), self._referral)

    def _draw_referrals(self) -> list:
        r = self.d.referrals
        base = float(r.rate_per_year) / DAYS_PER_YEAR
        trend = float(r.trend_per_year)
        ticks = month_starts(self.sc.start_date, self.sc.end_date)
        days = [self.sc.day(t) for t in ticks]
        times = []
        Z, U = array("d"), array("d")
        # month by month, each month's arrivals and then their paths: a month's draws never depend on how many months follow
        for k in range(len(days) - 1):
            a, b = days[k], days[k + 1]
            rate = base * r.seasonality[ticks[k].month - 1] * (1.0 + trend) ** (a / DAYS_PER_YEAR)
            n = int(self.rng_ref.poisson(rate * (b - a))) if rate > 0 else 0
            if n:
                times.append(np.sort(self.rng_ref.uniform(a, b, n)))
                Z.frombytes(self.rng_paths.standard_normal(n * DRAWS).tobytes())
                U.frombytes(self.rng_paths.random(n * DRAWS).tobytes())
        self.Z, self.U = Z, U
        return np.concatenate(times).tolist() if times else []

    # ------------------------------------------------------------------ event loop
    def _at(self, day: float, fn, a, b) -> None:
        """Schedule ``fn(a, b)`` as a case event (a call on the engine's fast queue)."""
        self._call_at(day, fn, a, b)

    def release(self) -> None:
        """Break the case-holder cycles once the run is tabulated, so reference counting frees the cases at once."""
        for h in self.alloc.holders.values():
            h.cases.clear()
        for case in self.cases:
            case.holder = None
        self.cases.clear()
        self.assessing.clear()
        self.visited.clear()
        self.monthly.clear()
        self.team_rows.clear()

    def events_processed(self) -> tuple[int, int]:
        """(case events, referrals) handled so far: calls taken off the engine's queue (stale ones included) and arrivals."""
        return self.env.events_processed()

    def _new_case(self, type_: str, referral_day: float, opening: bool, row: int = -1) -> Case:
        case = Case(len(self.cases), type_, self.weights[type_], self.routes[type_], referral_day, opening, row)
        self.cases.append(case)
        self.referred_total += 1
        self.open_by_type[type_] += 1
        self.unallocated[type_] += 1
        return case

    def _referral(self, row: int) -> None:
        now = self.env.now
        cases = self.cases
        case = Case(len(cases), "assessment", self._w_assess, self._route_assess, now, False, row)
        cases.append(case)
        self.referred_total += 1
        self.open_by_type["assessment"] += 1
        self.unallocated["assessment"] += 1
        case.work_left = self.work.from_z(self.Z[row * DRAWS])
        self.flows["referrals"] += 1
        h = self.alloc.find(case)
        if h is None:
            self.alloc.enqueue(case)
        else:
            self._assign(case, h)

    def _opening(self) -> None:
        """Cases open on the start date: per team type, cases_per_worker x workers present; a worker whose
        cases the staff list gives holds that many (with the mix of their team type, or of the first entry
        of demand.opening for a team type without one)."""
        rng = self.rng_open
        first = next(iter(self.d.opening.values()), None)
        for team_type in list(self.d.opening) + [t for t in self.alloc.desks_by_type if t not in self.d.opening]:
            spec = self.d.opening.get(team_type)
            mix = (spec or first).mix if (spec or first) is not None else None
            if mix is None:
                return
            mix_names = list(mix)
            mix_p = np.array([mix[k] for k in mix_names], dtype=float)
            mix_p = mix_p / mix_p.sum()
            per_worker = float(spec.cases_per_worker) if spec is not None else 0.0
            for desk in self.alloc.desks_by_type.get(team_type, []):
                holders = desk.holders
                known = [h for h in holders if h.worker.cases0 >= 0]
                if known:
                    holders = [h for h in holders if h.worker.cases0 < 0]
                    for h in known:
                        counts = rng.multinomial(h.worker.cases0, mix_p)
                        for name, count in zip(mix_names, counts):
                            for _ in range(int(count)):
                                self._open_case(name, desk, rng, holder=h)
                present = sum(self.alloc.role_share[h.worker.role] * h.worker.fte * (self.alloc.asye_share if h.asye else 1.0) for h in holders)
                n = int(round(per_worker * present))
                if n <= 0:
                    continue
                counts = rng.multinomial(n, mix_p)
                for name, count in zip(mix_names, counts):
                    for _ in range(int(count)):
                        self._open_case(name, desk, rng)

    def _open_case(self, type_: str, desk: Desk, rng: np.random.Generator, holder: Optional[Holder] = None) -> None:
        if type_ == "assessment":
            length = self.work.length_biased(rng)
            age = float(rng.uniform(0.0, length))
            case = self._new_case(type_, -age, True)
            case.work_left = length - age
        else:
            length = self.plan_dur[type_].length_biased(rng)
            age = float(rng.uniform(0.0, length))
            case = self._new_case(type_, NAN, True)
            case.plan_start = -age
            case.path = type_
            case.plan_seq = 1
            if type_ in VISITED:
                case.visit_due = float(rng.uniform(0.0, self.visit_interval[type_]))
                self.visited[case] = None
            self._at(length - age, self._plan_end, case, case.plan_seq)
            moved = self.move_after.get(type_)
            if moved is not None and desk.team.type in self.move_routes[type_]:
                case.route = self.move_routes[type_]
            elif moved is not None and age < moved < length:
                self._at(moved - age, self._move, case, case.plan_seq)
        # the least-loaded holder of the team, over cap if need be (the state on the start date), but no
        # NQSW in their ASYE over their cap; if nobody in the team may take it, the route's usual allocation
        w = case.weight
        if holder is not None:   # the staff list says who holds it
            self._assign(case, holder)
            return
        able = [x for x in desk.holders if not x.asye or x.load + w <= x.cap + EPS]
        if able:
            self._assign(case, min(able, key=lambda x: (x.load + w) / x.cap))
        elif desk.holders:
            self._allocate(case)
        else:
            self._enqueue(case)

    # ------------------------------------------------------------------ allocation
    def _allocate(self, case: Case, stay: bool = False) -> None:
        """Give a case to a worker now, or queue it (at the back of its route's queue).

        With ``stay``, a worker of the case's last team is tried first when
        that team keeps cases of its type (reallocation within the team).
        """
        prefer = case.desk if stay and case.desk is not None and case.desk.team.type in self.keepers[case.type] else None
        h = self.alloc.find(case, prefer)
        if h is None:
            self._enqueue(case)
        else:
            self._assign(case, h)

    def _enqueue(self, case: Case) -> None:
        self.alloc.enqueue(case)

    def _assign(self, case: Case, h: Holder) -> None:
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
            self.assessing[case] = None
        # the worker's load moved: their assessments' pace and next end (``_respeed``); at full pace and within
        # capacity the pace stays, and a new assessment ending after the next one scheduled leaves it standing
        if h.aspeed != 1.0 or h.load > h.capacity:
            if h.acases:
                self._respeed(h, now, added=case if t == "assessment" else None)
        elif t == "assessment" and case.vfinish < h.anext:
            self._respeed(h, now, added=case)

    def _release(self, case: Case, change: bool) -> Holder:
        """Take a case off its worker (progress and visits settled first)."""
        now = self.env.now
        h = case.holder
        w = case.weight
        if case.type == "assessment":
            case.work_left = max(0.0, case.vfinish - (h.avt + h.aspeed * (now - h.asince)))
            self.assessing.pop(case, None)
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
        if h.aspeed != 1.0 or h.load > h.capacity:     # as in ``_assign``
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
            self.changes_total += 1
            self.flows["changes_of_worker"] += 1
        return h

    def _room(self, h: Holder) -> None:
        """A holder's load fell or cap rose: under the queue policy, or for an NQSW in their ASYE, give them waiting cases."""
        if (self.queue_policy or h.asye) and h.worker.active and h.load < h.cap:
            self.alloc.pull(h, self._assign)

    # ------------------------------------------------------------------ assessments
    def _respeed(self, h: Holder, now: float, added: Optional[Case] = None, removed: Optional[Case] = None) -> None:
        """The worker's load, assessments or capacity changed: their assessments go on at their coverage now.

        A worker's assessments all progress at the worker's coverage for
        assessments (1 within capacity), kept up to date whenever a case of
        theirs starts, ends or changes type and when their capacity changes,
        so that the time shared out is always the time the worker has (a
        worker left with one case works it at full pace at once). One virtual
        clock per worker counts the work done on each of their assessments;
        only the worker's next assessment end is scheduled. ``added`` /
        ``removed``: the assessment that joined or left the worker's
        assessments (else only their load or capacity changed).

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

    def _holder_done(self, h: Holder, token: int) -> None:
        """The worker's next assessment is due to end (unless superseded)."""
        if h.atoken != token or not h.worker.active:
            return
        due = h.anext                           # the least virtual finish (``_respeed``'s invariant)
        for case in h.acases:
            if case.vfinish == due:             # the first of the worker's assessments to reach it
                self._assessment_done(case)
                return

    def _assessment_done(self, case: Case) -> None:
        now = self.env.now
        case.work_left = 0.0
        self.assessing.pop(case, None)
        case.assess_end = now
        # working_days(referral_day, now), inlined
        prefix = self._wd_prefix
        fb, rb = divmod(math.floor(now) + 1, 7)
        fa, ra = divmod(math.floor(case.referral_day) + 1, 7)
        wd = case.assess_wd = 5 * fb + prefix[rb] - 5 * fa - prefix[ra]
        f = self.flows
        f["assessments_completed"] += 1
        if wd <= self.clock_wd:
            f["assessments_on_time"] += 1
        u = self.U[case.row * DRAWS] if case.row >= 0 else self._u(case, 0)
        outcome = self._choose(self.outcome_names, self.outcome_cdf, u)
        case.outcome = outcome
        if outcome == "close":
            self._close(case)
        else:
            self._become(case, outcome)

    # ------------------------------------------------------------------ plans
    def _become(self, case: Case, new: str) -> None:
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
                self.assessing.pop(case, None)
                h.acases.pop(case, None)
                h.aload -= case.weight
            d = w_new - case.weight
            h.load += d
            h.desk.load += d
            if d < 0 and h.desk.heaps:
                h.desk.lowered()
            if h.aspeed != 1.0 or h.load > h.capacity:   # as in ``_assign``
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
        z = self.Z[case.row * DRAWS + i] if case.row >= 0 and i < DRAWS else self._z(case, i)
        length = self.plan_dur[new].from_z(z)
        heappush(self._calls, (now + length, self._next_seq(), self._plan_end_event, case, seq))
        moved = self.move_after.get(new)
        if moved is not None and moved < length:
            heappush(self._calls, (now + moved, self._next_seq(), self._move_event, case, seq))
        if case.holder is None:
            self._allocate(case, stay=True)
        if h is not None and not keep:
            self._room(h)

    def _plan_end(self, case: Case, seq: int) -> None:
        if not case.open or case.plan_seq != seq:
            return
        names, cdf = self.plan_next[case.type]
        i = 1 + case.spell
        u = self.U[case.row * DRAWS + i] if case.row >= 0 and i < DRAWS else self._u(case, i)
        nxt = self._choose(names, cdf, u)
        case.spell += 1
        if nxt == "close":
            self._close(case)
        else:
            self._become(case, nxt)

    def _move(self, case: Case, seq: int) -> None:
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

    def _close(self, case: Case) -> None:
        now = self.env.now
        if case.type in VISITED:
            self._visits_until(case, now)
        self.visited.pop(case, None)
        h = case.holder
        if h is not None:
            self._release(case, change=False)
        self.assessing.pop(case, None)
        case.queued = False
        self.unallocated[case.type] -= 1
        case.open = False
        case.close_day = now
        self.open_by_type[case.type] -= 1
        self.closed_total += 1
        f = self.flows
        f["closures"] += 1
        if not case.opening:
            f["pathways_closed"] += 1
            f["pathway_workers_sum"] += case.n_workers
            if case.n_workers <= 3:
                f["pathways_max_3_workers"] += 1
        if h is not None and (self.queue_policy or h.asye):
            self._room(h)

    # ------------------------------------------------------------------ visits
    def _visits_until(self, case: Case, day: float, p: Optional[float] = None) -> None:
        """Count the visits due up to ``day``; each is on time with probability ``p`` (the worker's plan coverage)."""
        due = case.visit_due
        if due > day:
            return
        interval = self.visit_interval[case.type]
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
                if self._visit_u() < p:
                    on_time += 1
        due_key, on_time_key = VISIT_KEYS[case.type]
        f = self.flows
        f[due_key] += n
        f[on_time_key] += on_time

    def _visit_u(self) -> float:
        """Next uniform of the visits stream (drawn in blocks)."""
        if self._vi >= len(self._vu):
            self._vu = self.rng_visits.random(4096).tolist()
            self._vi = 0
        self._vi += 1
        return self._vu[self._vi - 1]

    # ------------------------------------------------------------------ workers (hooks from the model)
    def worker_started(self, w: Worker) -> None:
        h = self.alloc.add_holder(w, self.env.now)
        if h is None:
            return
        handed = self.handover.pop(w.person, None)
        if handed:
            for case in handed:                 # the same person converting from agency: no change of worker
                if case.open and case.holder is None:
                    case.n_workers -= 1
                    self._assign(case, h)
        if self.alloc.queue_policy:
            self._room(h)
        else:
            for case in self.alloc.waiting(w.post.team.type):
                self._allocate(case, stay=True)

    def worker_ended(self, w: Worker, reason: str) -> None:
        h = self.alloc.remove_holder(w)
        if h is None or not h.cases:
            return
        cases = list(h.cases)
        converting = reason == "converted_to_permanent"
        for case in cases:
            self._release(case, change=not converting)
        if converting:
            self.handover[w.person] = cases
        # reallocate once the event that ended the worker is over (a replacement may start at once)
        self._at(self.env.now, self._reallocate, cases, h.desk)

    def _reallocate(self, cases: list[Case], desk: Desk) -> None:
        for case in cases:
            if case.open and case.holder is None:
                self._allocate(case, stay=True)

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

    # ------------------------------------------------------------------ clock
    def tick(self, k: int, day: float, nxt: Optional[float]) -> None:
        """Month tick: caps and capacity after ASYE ends, visits due, records."""
        for h in list(self.alloc.holders.values()):
            if not h.asye:
                continue
            rose = self.alloc.refresh(h, day)
            if not h.asye and h.acases:
                self._respeed(h, day)           # capacity out of the ASYE (load only: same assessments)
            if rose:
                if self.queue_policy:
                    self._room(h)
                else:                           # no longer capped as an NQSW: cases waiting for room may go over cap
                    for case in self.alloc.waiting(h.desk.team.type):
                        self._allocate(case, stay=True)
        prio = self.priority
        cover: dict[Holder, tuple[float, float]] = {}
        visits_until = self._visits_until
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
        self._record(k)

    def _record(self, k: int) -> None:
        held = sum(len(h.cases) for h in self.alloc.holders.values())
        unalloc = sum(self.unallocated.values())
        self.monthly.append((
            k, self.referred_total, self.closed_total, held, unalloc,
            *[self.open_by_type[t] for t in CASE_TYPES], *[self.unallocated[t] for t in CASE_TYPES],
            *[self.flows[key] for key in FLOW_KEYS],
        ))
        self.flows = dict.fromkeys(FLOW_KEYS, 0)
        acc: dict[tuple[int, int], list] = {}
        for desk in self.alloc.desks.values():
            for h in desk.holders:
                w = h.worker
                key = (desk.team.idx, w.role)
                row = acc.get(key)
                if row is None:
                    row = acc[key] = [0, 0.0, 0, 0.0, 0.0, 0, 0.0, 0, 0, -math.inf]
                n = len(h.cases)
                row[0] += 1
                row[1] += w.fte
                row[2] += n
                row[3] += h.load
                row[4] += h.cap
                if h.asye:
                    row[5] += 1
                    row[6] += w.fte
                    row[7] += n
                over = h.load - h.cap
                if over > 1e-9:
                    row[8] += 1
                if over > row[9]:
                    row[9] = over
        for (team, role), r in acc.items():
            self.team_rows.append((k, team, role, *r))

    # ------------------------------------------------------------------ tables
    def tables(self, replication: int, ticks: list, teams: pd.DataFrame, keep_cases: bool) -> dict[str, pd.DataFrame]:
        dates = pd.to_datetime(pd.Series(ticks))
        monthly = pd.DataFrame(self.monthly, columns=MONTHLY_COLUMNS)
        monthly.insert(0, "date", dates.iloc[monthly["tick"].to_numpy()].to_numpy())
        monthly.insert(0, "replication", replication)
        snap = team_snapshot_frame(self.team_rows, TEAM_COLUMNS, replication, dates.to_numpy(), teams)
        out = {"case_monthly": monthly, "case_snapshots": snap}
        if keep_cases:
            out["cases"] = self.case_table(replication)
        return out

    def case_table(self, replication: int) -> pd.DataFrame:
        """One row per child: pathway, timings (days since the start date), workers."""
        cs = self.cases
        start = pd.Timestamp(self.sc.start_date)
        table = pd.DataFrame({
            "replication": replication,
            "child": [c.idx for c in cs],
            "opening": [c.opening for c in cs],
            "referral_day": [c.referral_day for c in cs],
            "first_allocated_day": [c.first_alloc if c.first_alloc >= 0 else np.nan for c in cs],
            "assessment_end_day": [c.assess_end for c in cs],
            "assessment_working_days": [c.assess_wd if c.assess_wd >= 0 else np.nan for c in cs],
            "outcome": [c.outcome for c in cs],
            "plans": [c.path for c in cs],
            "plan_start_day": [c.plan_start for c in cs],
            "closed_day": [c.close_day for c in cs],
            "type_now": [c.type for c in cs],
            "allocated_now": [c.holder is not None for c in cs],
            "social_workers": [c.n_workers for c in cs],
            "changes_of_worker": [c.changes for c in cs],
            "transfers": [c.transfers for c in cs],
        })
        table["wait_days"] = table["first_allocated_day"] - table["referral_day"]
        table["referral_date"] = start + pd.to_timedelta(table["referral_day"], unit="D")
        table["closed_date"] = start + pd.to_timedelta(table["closed_day"], unit="D")
        return table
