"""The regional labour market that member councils share (DESIGN.md section 3b).

Two pools of people on the region's one clock:
- ``seekers``: qualified social workers looking for a permanent post in the
  region. In: members' permanent leavers who stay (``leaver_destinations``),
  newly qualified workers, arrivals from outside, barred leavers who seek a
  permanent post instead, agency workers leaving agency work under the rules.
  Out: hires by a member (an accepted offer takes that person out of the pool;
  a withdrawn offer puts them back), leaving (a hazard per person).
- ``agency``: agency workers free for an assignment. In: ended assignments,
  permanent leavers going agency (after the cooling-off bar), arrivals. Out:
  cover taken by a member, leaving (a hazard per person), the rules.

A member's advert draws its applicants from the seekers in proportion to its
attractiveness (pay including supplement, relative to the region); its
supplement's effect on leaving, acceptance and conversion counts only what it
pays above the other members' mean supplement for the part of leaving that goes
to another council (and the supplement itself for the rest), so a supplement
that neighbours match buys less. Every person is in a member's post, in a pool, barred, in an
offer, or gone through a counted outflow (``MarketRecords``).

Random draws come from the ``market:*`` streams only; the members keep theirs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

import pandas as pd

from workforce_sim.calendar import DAYS_PER_MONTH, DAYS_PER_YEAR
from workforce_sim.model.entities import ROLE_INDEX
from workforce_sim.scenario.schema import ROLES

if TYPE_CHECKING:  # pragma: no cover
    from workforce_sim.model.engine import Engine
    from workforce_sim.model.entities import Worker
    from workforce_sim.scenario.schema.region import Region

OUTSIDE, NEWLY_QUALIFIED, AGENCY_WORK = -1, -2, -3       # where a pooled person came from, besides a member's index
INFLOWS = ("initial_staff", "initial_seekers", "initial_agency_pool", "seeker_arrivals", "newly_qualified", "agency_arrivals",
           "nqsw_cohort", "appointment")
OUTFLOWS = ("seeker_exits", "agency_exits", "leavers_out", "barred_out", "cap_out")
FLOW_COLUMNS = ["day", "kind", "origin", "member", "role", "left_day"]


@dataclass(slots=True, eq=False)
class Pooled:
    """A person in a pool: where they came from, their role, the day they left a member's post (-1: none)."""

    origin: int
    role: int
    left_day: float = -1.0
    token: int = 0


class Market:
    """The pools and rules of one replication of a region."""

    def __init__(self, engine: Engine, region: Region, streams, tick_days: list[float], day_of):
        self.env = engine
        self.region = region
        self.day_of = day_of
        self.tick_days = tick_days
        mk = region.market
        self.rng_seekers = streams["market:seekers"]
        self.rng_agency = streams["market:agency"]
        self.rng_leavers = streams["market:leavers"]
        self.rng_rules = streams["market:rules"]
        self.seekers: list[Pooled] = []
        self.agency: list[Pooled] = []
        self.barred = 0
        self.in_offer = 0
        self.inflow = dict.fromkeys(INFLOWS, 0)
        self.outflow = dict.fromkeys(OUTFLOWS, 0)
        self.flows: list[tuple] = []
        self.snapshots: list[tuple] = []
        self.members: list = []        # the members' WorkforceModels
        self.attract = [float(m.attractiveness) for m in region.members]
        self.beta = float(mk.attractiveness.pay_per_1000_gbp)
        self.dest_council = float(mk.leaver_destinations.other_council)
        self.dest_agency = float(mk.leaver_destinations.agency)
        self.seeker_exit = float(mk.job_seekers.exit_per_year)
        self.agency_exit = float(mk.agency_pool.exit_per_year)
        self.seekers_ref = max(1.0, float(mk.job_seekers.initial))
        # supplements by member and role: (start day, GBP a year)
        self.supp = []
        for m in region.members:
            ms = m.scenario.market_supplement
            start = m.scenario.day(ms.start_date) if ms.enabled and ms.start_date else (0.0 if ms.enabled else math.inf)
            self.supp.append((start, [float(ms.amount_gbp_per_year.get(r, 0.0)) if ms.enabled else 0.0 for r in ROLES]))
        pol = region.policies
        self.cap = pol.price_cap
        self.cap_day = day_of(self.cap.date) if self.cap is not None else math.inf
        self.cooling = pol.cooling_off
        self.cooling_day = day_of(self.cooling.date) if self.cooling is not None else math.inf
        self.experience = pol.experience
        self.experience_day = day_of(self.experience.date) if self.experience is not None else math.inf
        self.above_cap = []     # member -> role -> its agency day rate exceeds the cap
        for m in region.members:
            rates = m.scenario.finance.agency.day_rate_gbp
            self.above_cap.append([self.cap is not None and r in self.cap.day_rate_gbp and float(rates.get(r, 0.0)) > self.cap.day_rate_gbp[r]
                                   for r in ROLES])

    def link(self, member: int) -> MemberMarket:
        return MemberMarket(self, member)

    # ------------------------------------------------------------------ supplements and attractiveness
    def supplement(self, member: int, role: int, day: float) -> float:
        start, amounts = self.supp[member]
        return amounts[role] if day >= start else 0.0

    def relative_units(self, member: int, role: int, day: float) -> float:
        """GBP 1,000s a year of supplement with full effect on leaving, acceptance and conversion. The share of
        leavers who go to another council in the region (``leaver_destinations.other_council``) weigh pay against
        the neighbours: for that part only what the member pays above the other members' mean counts; the rest
        (leaving the profession or the region) responds to the supplement itself."""
        n = len(self.supp)
        own = self.supplement(member, role, day)
        if n == 1 or own <= 0:
            return own / 1000.0
        others = sum(self.supplement(j, role, day) for j in range(n) if j != member) / (n - 1)
        w = self.dest_council
        return (w * max(0.0, own - others) + (1.0 - w) * own) / 1000.0

    def applicant_factor(self, member: int, role: int, day: float) -> float:
        """How a member's expected applicants per advert scale: the pool's size against its start, times the
        member's attractiveness against the region's mean."""
        if not self.seekers:
            return 0.0
        beta = 1.0 + self.beta
        pulls = [a * beta ** (self.supplement(j, role, day) / 1000.0) for j, a in enumerate(self.attract)]
        return (len(self.seekers) / self.seekers_ref) * pulls[member] * len(pulls) / sum(pulls)

    # ------------------------------------------------------------------ pools
    def _join(self, pool: list[Pooled], person: Pooled, rate: float, rng, exit_kind: str) -> None:
        pool.append(person)
        if rate > 0:
            person.token += 1
            self.env.event_at(self.env.now + float(rng.exponential(1.0 / rate)) * DAYS_PER_YEAR, self._exit, pool, person,
                              person.token, exit_kind)

    def _exit(self, pool: list[Pooled], person: Pooled, token: int, kind: str) -> None:
        if person.token != token:
            return
        self._remove(pool, person)
        self.outflow[kind] += 1

    @staticmethod
    def _remove(pool: list[Pooled], person: Pooled) -> None:
        i = pool.index(person)
        pool[i] = pool[-1]
        pool.pop()

    def _take(self, pool: list[Pooled], rng) -> Pooled:
        i = int(rng.integers(len(pool)))
        person = pool[i]
        pool[i] = pool[-1]
        pool.pop()
        person.token += 1            # cancels its exit
        return person

    def add_seeker(self, person: Pooled) -> None:
        self._join(self.seekers, person, self.seeker_exit, self.rng_seekers, "seeker_exits")

    def add_agency(self, person: Pooled) -> None:
        self._join(self.agency, person, self.agency_exit, self.rng_agency, "agency_exits")

    def _record(self, kind: str, origin: int, member: int, role: int, left_day: float = -1.0) -> None:
        self.flows.append((self.env.now, kind, origin, member, role, left_day))

    # ------------------------------------------------------------------ processes
    def start(self, members: list) -> None:
        """Fill the pools as on the start date and start the arrivals, the rules and the monthly snapshot."""
        self.members = members
        mk = self.region.market
        sw = ROLE_INDEX["social_worker"]
        for _ in range(int(mk.job_seekers.initial)):
            self.inflow["initial_seekers"] += 1
            self.add_seeker(Pooled(OUTSIDE, sw))
        for _ in range(int(mk.agency_pool.initial)):
            self.inflow["initial_agency_pool"] += 1
            self.add_agency(Pooled(OUTSIDE, sw))
        process = self.env.process
        rate = float(mk.job_seekers.arrivals_per_year)
        if rate > 0:
            process(self._arrivals(rate, self.rng_seekers, "seeker_arrivals", OUTSIDE, self.add_seeker))
        rate = float(mk.job_seekers.newly_qualified_per_year)
        if rate > 0:
            process(self._arrivals(rate, self.rng_seekers, "newly_qualified", NEWLY_QUALIFIED, self.add_seeker))
        rate = float(mk.agency_pool.arrivals_per_year)
        if rate > 0:
            process(self._arrivals(rate, self.rng_agency, "agency_arrivals", OUTSIDE, self.add_agency))
        if self.cap is not None:
            self.env.event_at(self.cap_day, self._cap_in_force)
        if self.experience is not None:
            self.env.event_at(self.experience_day, self._experience_in_force)
        process(self._clock())

    def _arrivals(self, per_year: float, rng, kind: str, origin: int, add):
        sw = ROLE_INDEX["social_worker"]
        while True:
            yield self.env.timeout(float(rng.exponential(1.0 / per_year)) * DAYS_PER_YEAR)
            self.inflow[kind] += 1
            add(Pooled(origin, sw))

    def _clock(self):
        env = self.env
        for k, day in enumerate(self.tick_days):
            if day > env.now:
                yield env.timeout(day - env.now)
            self.snapshot(k)

    def heads_in_posts(self) -> int:
        return sum(1 for m in self.members for p in m.establishment.posts if p.holder is not None)

    def snapshot(self, k: int) -> None:
        self.snapshots.append((k, self.env.now, self.heads_in_posts(), len(self.seekers), len(self.agency), self.barred, self.in_offer,
                               sum(self.inflow.values()), sum(self.outflow.values())))

    # ------------------------------------------------------------------ the rules
    def _moved_out_of_agency(self, share: float, to_permanent: float, kind: str) -> None:
        k = int(self.rng_rules.binomial(len(self.agency), share)) if self.agency else 0
        for _ in range(k):
            person = self._take(self.agency, self.rng_rules)
            if self.rng_rules.random() < to_permanent:
                person.origin = AGENCY_WORK
                self._record("agency_to_seekers", AGENCY_WORK, -1, person.role)
                self.add_seeker(person)
            else:
                self.outflow[kind] += 1

    def _cap_in_force(self) -> None:
        """Workers priced above the cap stop agency work in the region: some seek permanent posts, the rest leave."""
        self._moved_out_of_agency(float(self.cap.leave_share), float(self.cap.to_permanent_share), "cap_out")

    def _experience_in_force(self) -> None:
        """Free agency workers with too little experience for the rule seek permanent posts."""
        self._moved_out_of_agency(float(self.experience.pool_under_share), 1.0, "cap_out")

    def _experienced(self, w: Worker, now: float) -> bool:
        """Post-qualifying experience at least the rule's years: known for NQSWs (their years in post); others
        are taken as experienced (assumption: a recruit other than an NQSW has some years behind them)."""
        if now < self.experience_day:
            return True
        if w.route != "nqsw_cohort" and w.asye_until < 0:
            return True
        return w.tenure_years(now) >= float(self.experience.years)

    def permanent_left(self, member: int, w: Worker) -> None:
        """A member's permanent leaver: to the seekers, to agency work (under the bar and the experience rule) or out."""
        now = self.env.now
        u = float(self.rng_leavers.random())
        if u < self.dest_council:
            self._record("leaver_to_seekers", member, -1, w.role, now)
            self.add_seeker(Pooled(member, w.role, now))
        elif u < self.dest_council + self.dest_agency:
            if not self._experienced(w, now):
                self._record("leaver_to_seekers", member, -1, w.role, now)
                self.add_seeker(Pooled(member, w.role, now))
            elif now >= self.cooling_day and self.cooling.months > 0:
                v = float(self.rng_leavers.random())
                seek, leave = float(self.cooling.seek_permanent_share), float(self.cooling.leave_share)
                if v < seek:
                    self._record("barred_to_seekers", member, -1, w.role, now)
                    self.add_seeker(Pooled(member, w.role, now))
                elif v < seek + leave:
                    self._record("barred_out", member, -1, w.role, now)
                    self.outflow["barred_out"] += 1
                else:
                    self.barred += 1
                    self._record("barred", member, -1, w.role, now)
                    self.env.event_at(now + float(self.cooling.months) * DAYS_PER_MONTH, self._bar_over, Pooled(member, w.role, now))
            else:
                self._record("leaver_to_agency", member, -1, w.role, now)
                self.add_agency(Pooled(member, w.role, now))
        else:
            self._record("leaver_out", member, -1, w.role, now)
            self.outflow["leavers_out"] += 1

    def _bar_over(self, person: Pooled) -> None:
        self.barred -= 1
        self._record("leaver_to_agency", person.origin, -1, person.role, person.left_day)
        self.add_agency(person)

    # ------------------------------------------------------------------ tables
    def tables(self, replication: int, member_names: list[str]) -> dict[str, pd.DataFrame]:
        snap = pd.DataFrame(self.snapshots, columns=["tick", "day", "in_posts", "seekers", "agency_pool", "barred", "in_offer",
                                                     "inflow_total", "outflow_total"])
        snap.insert(0, "replication", replication)
        names = {i: n for i, n in enumerate(member_names)}
        names.update({OUTSIDE: "outside", NEWLY_QUALIFIED: "newly qualified", AGENCY_WORK: "agency work", -9: ""})
        flows = pd.DataFrame(self.flows, columns=FLOW_COLUMNS)
        flows["origin"] = flows["origin"].map(names)
        flows["member"] = flows["member"].map(lambda i: names.get(i, "") if i >= 0 else "")
        flows["role"] = flows["role"].map(lambda r: ROLES[r])
        flows.insert(0, "replication", replication)
        totals = pd.DataFrame([{"replication": replication, "direction": "in", "kind": k, "count": v} for k, v in self.inflow.items()]
                              + [{"replication": replication, "direction": "out", "kind": k, "count": v} for k, v in self.outflow.items()])
        return {"market": snap, "market_flows": flows, "market_totals": totals}

    def release(self) -> None:
        self.seekers.clear()
        self.agency.clear()
        self.flows.clear()
        self.members = []


class MemberMarket:
    """What one member's collaborators ask of the market."""

    __slots__ = ("market", "member")

    def __init__(self, market: Market, member: int):
        self.market = market
        self.member = member

    def applicant_factor(self, role: int, day: float) -> float:
        return self.market.applicant_factor(self.member, role, day)

    def relative_units(self, role: int, day: float) -> float:
        return self.market.relative_units(self.member, role, day)

    def take_seeker(self, role: int) -> Optional[Pooled]:
        """An accepted offer takes a seeker out of the pool (None: nobody is looking)."""
        mk = self.market
        if not mk.seekers:
            return None
        person = mk._take(mk.seekers, mk.rng_seekers)
        mk.in_offer += 1
        mk._record("hire", person.origin, self.member, role)
        return person

    def offer_withdrawn(self, person: Pooled) -> None:
        mk = self.market
        mk.in_offer -= 1
        mk._record("withdrawn", person.origin, self.member, person.role)
        mk.add_seeker(person)

    def offer_started(self) -> None:
        self.market.in_offer -= 1

    def take_agency(self, role: int, day: float) -> bool:
        """Cover from the agency pool: after the price cap, a member priced above it covers only with sign-off."""
        mk = self.market
        if day >= mk.cap_day and mk.above_cap[self.member][role] and mk.rng_rules.random() >= float(mk.cap.sign_off_share):
            return False
        if not mk.agency:
            return False
        person = mk._take(mk.agency, mk.rng_agency)
        mk._record("agency_cover", person.origin, self.member, role)
        return True

    def entered(self, route: str) -> None:
        """Someone started in a post from outside the pools (the start date, an NQSW cohort, an appointment)."""
        kind = {"initial": "initial_staff", "nqsw_cohort": "nqsw_cohort", "appointment": "appointment"}.get(route)
        if kind is not None:
            self.market.inflow[kind] += 1

    def left(self, w: Worker, reason: str) -> None:
        """Someone left a post: a permanent leaver goes where leavers go; an agency worker back to the pool."""
        if reason == "converted_to_permanent":
            return
        mk = self.market
        if w.permanent:
            mk.permanent_left(self.member, w)
        else:
            mk._record("agency_return", self.member, -1, w.role)
            mk.add_agency(Pooled(self.member, w.role))


def region_tick_days(region: Region) -> tuple[list, list[float]]:
    from workforce_sim.calendar import month_starts

    sc = region.members[0].scenario
    ticks = month_starts(region.start_date, region.end_date)
    return ticks, [sc.day(d) for d in ticks]


__all__ = ["AGENCY_WORK", "INFLOWS", "Market", "MemberMarket", "NEWLY_QUALIFIED", "OUTFLOWS", "OUTSIDE", "Pooled"]
