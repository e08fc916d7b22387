"""Workers coming and going: starts, exits by the leaving hazard, agency conversions and assignment ends.

``Staff`` holds every worker of the replication and those active now. A
permanent worker's Exp(1) hazard budget is spent month by month
(``schedule_hazard``, which the monthly clock calls for every active
worker); an agency worker's budget is spent the same way at the
conversion rate, and their assignment ends after an exponential time.
Whoever leaves, the post falls vacant (``on_vacated``, which recruitment
sets). The hazard the permanent staff spend is summed by month
(``expected_leavers``): the leavers the hazard leads one to expect, given
who was in post, whose count the drawn leavers are a chance outcome of.
Every draw comes from the post's own streams (``draws``: keyed by
the post's identity), so the n-th occupant of a post draws the same
numbers whatever a lever changes elsewhere.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Optional

from workforce_sim.calendar import DAYS_PER_MONTH, DAYS_PER_YEAR
from workforce_sim.model.entities import Post, PostDraws, Worker
from workforce_sim.model.records import EXPECTED_UNITS
from workforce_sim.scenario.schema import Scenario
from workforce_sim.streams import Streams

if TYPE_CHECKING:  # pragma: no cover
    from workforce_sim.model.attrition import Attrition
    from workforce_sim.model.cases import CaseService
    from workforce_sim.model.engine import Engine
    from workforce_sim.model.market import MemberMarket
    from workforce_sim.model.records import WorkforceRecords
    from workforce_sim.model.supplement import MarketSupplement


class Staff:
    """The workers of one replication."""

    def __init__(self, engine: Engine, scenario: Scenario, streams: Streams, attrition: Attrition,
                 supplement: MarketSupplement, records: WorkforceRecords, cases: Optional[CaseService]):
        self.env = engine
        self.sc = scenario
        self.attrition = attrition
        self.supplement = supplement
        self.records = records
        self.cases = cases
        self.streams = streams
        self.workers: list[Worker] = []
        self.active: set[Worker] = set()
        self.hazard_until = 0.0         # a worker starting before this day (the next month start) spends hazard up to it
        self.on_vacated: Callable[[Post], None] = lambda post: None   # a leaver's post fell vacant
        self.market: Optional[MemberMarket] = None   # in a region: the member's market (``MemberMarket``), set by the model
        self._person = 0
        # by the records' period (month): the permanent staff's hazard spent, the leavers it leads one to expect
        # (a permanent worker leaves only by the hazard, so the leavers drawn less these sum to a martingale);
        # in units of 2^-40 of a leaver, integers, so that the sum is the same in whatever order the workers come
        self.expected_leavers: list[int] = []
        self._month = 0                 # the records' period of the clock's month (``reschedule``): where hazard is summed

    def draws(self, post: Post) -> PostDraws:
        """The post's own random streams (made when first needed)."""
        d = post.draws
        if d is None:
            d = post.draws = PostDraws(self.streams.keyed, post.key)
        return d

    def start(self, post: Post, permanent: bool, route: str, tenure0: float = 0.0,
              asye_until: float = -1.0, log: bool = True, person: Optional[int] = None) -> Worker:
        """A worker starts in ``post`` (an agency holder of the post leaves for a permanent one)."""
        now = self.env.now
        if post.holder is not None:
            old = post.holder
            if old.permanent:
                raise RuntimeError("a permanent worker is already in the post")
            self.end(old, "replaced_by_permanent")
        if person is None:
            self._person += 1
            person = self._person
        w = Worker(len(self.workers), person, post.role, permanent, post.fte, now, tenure0, route, post, asye_until)
        self.workers.append(w)
        self.active.add(w)
        post.holder = w
        draws = self.draws(post)
        if permanent:
            w.budget = draws.leaving.exponential(1.0)
        else:
            w.budget = draws.agency.exponential(1.0)
            months = float(self.sc.agency.assignment_mean_months)
            length = draws.agency.exponential(months * DAYS_PER_MONTH)
            self.env.event_at(now + length, self._assignment_end, w, w.token)
        if log:
            self.records.log("start", "permanent" if permanent else "agency", route, w, post)
        if self.market is not None:
            self.market.entered(route)
        if self.cases is not None:
            self.cases.worker_started(w)
        if now < self.hazard_until:
            self.schedule_hazard(w, now, self.hazard_until)
        return w

    def end(self, w: Worker, reason: str) -> None:
        """A worker leaves their post (the post is not refilled here)."""
        w.active = False
        w.token += 1
        w.end_day = self.env.now
        w.reason = reason
        self.active.discard(w)
        post = w.post
        if post.holder is w:
            post.holder = None
        self.records.log("leave", "permanent" if w.permanent else "agency", reason, w, post)
        if self.market is not None:
            self.market.left(w, reason)
        if self.cases is not None:
            self.cases.worker_ended(w, reason)

    def reschedule(self, a: float, b: float) -> None:
        """Every active worker's hazard over the clock's month [a, b) (``schedule_hazard``). The month's
        multipliers of a rate depend only on its kind, role, team group and day, and nothing changes them
        while this runs, so each is looked up once (the same values: the results are identical)."""
        memo: dict[tuple[str, int, str], float] = {}
        self._month = period = self.records.period
        while len(self.expected_leavers) <= period:
            self.expected_leavers.append(0)
        for w in list(self.active):
            self._schedule(w, a, b, memo)

    def schedule_hazard(self, w: Worker, a: float, b: float) -> None:
        """Spend the worker's hazard over [a, b); schedule the exit if it runs out."""
        self._schedule(w, a, b, None)

    def _multiplier(self, kind: str, role: int, group: str, a: float, memo: Optional[dict[tuple[str, int, str], float]]) -> float:
        if memo is None:
            return self.supplement.multiplier(kind, role, group, a)
        key = (kind, role, group)
        value = memo.get(key)
        if value is None:
            value = memo[key] = self.supplement.multiplier(kind, role, group, a)
        return value

    def _schedule(self, w: Worker, a: float, b: float, memo: Optional[dict[tuple[str, int, str], float]]) -> None:
        group = w.post.team.group
        att = self.attrition
        if w.permanent:
            mult = att.role_mult[w.role] * self._multiplier("attrition", w.role, group, a, memo)
            if w.asye_until > a:
                mult *= att.nqsw_mult
            if self.cases is not None:
                mult *= self.cases.pressure_multiplier(w)
            delay, spent = att.hazard.exhaust(w.tenure_years(a), (b - a) / DAYS_PER_YEAR, w.budget - w.spent, mult)
            self.expected_leavers[self._month] += round(spent * EXPECTED_UNITS)
        else:
            if att.conversion_rate <= 0:
                return
            rate = att.conversion_rate * self._multiplier("conversion", w.role, group, a, memo)
            remaining = w.budget - w.spent
            need = remaining / rate if rate > 0 else math.inf
            years = (b - a) / DAYS_PER_YEAR
            delay, spent = (need, remaining) if need <= years else (None, rate * years)
        if delay is None:
            w.spent += spent
        else:
            self.env.event_at(a + delay * DAYS_PER_YEAR, self._hazard_event, w, w.token)

    def _hazard_event(self, w: Worker, token: int) -> None:
        """The hazard ran out: a permanent worker leaves (with a reason), an agency worker converts."""
        if not w.active or w.token != token:
            return
        post = w.post
        if w.permanent:
            att = self.attrition
            p = att.reason_p if self.cases is None else self.cases.reason_probabilities(w, att.reason_names, att.reason_p)
            reason = att.reason_names[self.draws(post).leaving.choice_index(p)]
            self.end(w, reason)
            self.on_vacated(post)
        else:
            if not post.open_for_permanent:
                return
            self.end(w, "converted_to_permanent")
            self.start(post, True, "conversion", person=w.person)

    def _assignment_end(self, w: Worker, token: int) -> None:
        if not w.active or w.token != token:
            return
        self.end(w, "assignment_ended")
        self.on_vacated(w.post)

    def release(self) -> None:
        self.active.clear()
        self.workers.clear()
        self.expected_leavers.clear()
