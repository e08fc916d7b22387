"""The SimPy workforce model of one council's social work service.

One ``WorkforceModel`` is one replication: it builds teams and posts from a
resolved scenario (every uncertain parameter already drawn), fills them as on
the start date, then runs attrition, recruitment pipelines, campaigns, agency
cover, conversions, NQSW cohorts and establishment changes, taking a snapshot
at the start of every month. It returns flat records; everything else is
derived from them.
"""
from __future__ import annotations

import datetime as dt
import gc
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import pandas as pd

from workforce_sim.calendar import DAYS_PER_MONTH, DAYS_PER_WEEK, DAYS_PER_YEAR, month_starts
from workforce_sim.model.cases import CaseService
from workforce_sim.model.engine import Engine
from workforce_sim.model.entities import Post, Team, Worker
from workforce_sim.model.frames import team_snapshot_frame
from workforce_sim.model.hazard import BandedHazard
from workforce_sim.scenario.schema import ROLES, Scenario, StaffFile, post_role
from workforce_sim.scenario.shocks import ShockPath
from workforce_sim.streams import Streams

ROLE_INDEX = {r: i for i, r in enumerate(ROLES)}

SNAPSHOT_COLUMNS = [
    "tick", "team_idx", "role_idx",
    "posts_fte", "permanent_fte", "agency_fte", "vacant_fte", "asye_fte",
    "permanent_n", "agency_n",
]
EVENT_COLUMNS = ["period", "day", "kind", "contract", "detail", "role_idx", "team_idx", "worker", "post"]


@dataclass
class ReplicationResult:
    """Flat records of one replication."""

    replication: int
    seed: int
    snapshots: pd.DataFrame
    flows: pd.DataFrame
    parameters: dict[str, float] = field(default_factory=dict)
    events: Optional[pd.DataFrame] = None
    workers: Optional[pd.DataFrame] = None
    spells: Optional[pd.DataFrame] = None
    costs: Optional[pd.DataFrame] = None
    levels: Optional[pd.DataFrame] = None
    case_monthly: Optional[pd.DataFrame] = None      # service-wide monthly case stocks and flows
    case_snapshots: Optional[pd.DataFrame] = None    # monthly caseloads per team and role
    cases: Optional[pd.DataFrame] = None             # one row per child (with keep_events)


@dataclass(slots=True, eq=False)
class _Offer:
    route: str
    start_day: float


class WorkforceModel:
    """One replication of the workforce of one council."""

    def __init__(self, scenario: Scenario, streams: Streams, keep_events: bool = False):
        self.sc = scenario
        self.streams = streams
        self.keep_events = keep_events
        self.env = Engine()
        self.ticks = month_starts(scenario.start_date, scenario.end_date)
        self.tick_days = [scenario.day(d) for d in self.ticks]
        self.period = 0
        self.next_tick_day = 0.0
        self.teams: list[Team] = []
        self.posts: list[Post] = []
        self.workers: list[Worker] = []
        self.active: set[Worker] = set()
        self.events: list[tuple] = []
        self.snapshots: list[tuple] = []
        self.released = False
        self._person = 0
        self._snapshot_groups: Optional[list[tuple[int, int, list[Post]]]] = None
        self._snapshot_groups_for = -1
        self._posts_version = 0        # changes whenever a post is added or closed (the snapshot's groups are rebuilt)
        self._cuts_pending = 0         # posts to close as soon as a permanent holder leaves (establishment drift)
        self._drift_net = 0            # posts the drift has added, less those it has closed or is due to close
        # random streams, one per stochastic element
        self.rng_initial = streams["initial"]
        self.rng_attrition = streams["attrition"]
        self.rng_reasons = streams["leaver_reasons"]
        self.rng_recruit = streams["recruitment"]
        self.rng_campaign = streams["campaigns"]
        self.rng_agency = streams["agency"]
        self.rng_conversion = streams["conversion"]
        self.shocks = ShockPath(scenario.council_shocks, streams.__getitem__)   # council shocks: streams of their own
        self._prepare_parameters()
        self.cases: Optional[CaseService] = CaseService(self.env, scenario, streams) if scenario.demand is not None else None

    # ------------------------------------------------------------------ set-up
    def _prepare_parameters(self) -> None:
        sc = self.sc
        att = sc.attrition
        self.hazard = BandedHazard([b.min_years for b in att.tenure_bands], [b.hazard_per_year for b in att.tenure_bands])
        self.role_mult = [float(att.role_multiplier.get(r, 1.0)) for r in ROLES]
        self.nqsw_mult = float(att.nqsw_multiplier)
        staff = sc.initial_staffing
        if isinstance(staff, StaffFile) and staff.implied_turnover is not None and staff.scale_attrition:
            self.hazard = self._scaled_to_turnover(staff)
        self.reason_names = list(att.leaver_reasons)
        self.reason_p = np.array([att.leaver_reasons[r] for r in self.reason_names], dtype=float)
        pl = sc.recruitment.pipeline
        self.pl = pl
        self.applicants = [float(pl.applicants_per_advert.get(r, 0.0)) for r in ROLES]
        ag = sc.agency
        self.agency_on = ag.enabled
        self.conversion_rate = float(ag.conversion_per_year)
        ms = sc.market_supplement
        self.supp_start = sc.day(ms.start_date) if ms.enabled and ms.start_date else math.inf
        self.supp_groups = set(ms.team_groups)
        self.supp_amount = [float(ms.amount_gbp_per_year.get(r, 0.0)) if ms.enabled else 0.0 for r in ROLES]
        resp = ms.response
        # GBP 1,000s of supplement with full effect: the part closing the gap to
        # neighbours' pay counts fully, the part above parity by beyond_parity_factor
        beyond = float(resp.beyond_parity_factor)
        gaps = [max(0.0, float(ms.neighbour_pay_gap_gbp_per_year.get(r, 0.0))) for r in ROLES]
        self.supp_units = [(min(a, g) + beyond * max(0.0, a - g)) / 1000.0 for a, g in zip(self.supp_amount, gaps)]
        self._resp = {
            "applicants": float(resp.applicants_per_1000_gbp),
            "acceptance": float(resp.acceptance_per_1000_gbp),
            "attrition": float(resp.attrition_per_1000_gbp),
            "conversion": float(resp.conversion_per_1000_gbp),
        }

    def _scaled_to_turnover(self, staff: StaffFile) -> BandedHazard:
        """The tenure-band hazards scaled so that the FTE-weighted hazard of the permanent staff on the start
        date (their tenure, role and ASYE multipliers) equals -ln(1 - the turnover implied by the leavers file)."""
        start = self.sc.start_date
        asye_years = float(self.sc.nqsw.asye_months) / 12
        fte = hazard = 0.0
        for w in staff.workers:
            if w.contract != "permanent":
                continue
            tenure = w.tenure_years(start)
            mult = self.role_mult[ROLE_INDEX[post_role(w.role)]]
            if w.role == "nqsw" and tenure < asye_years:
                mult *= self.nqsw_mult
            fte += w.fte
            hazard += w.fte * mult * self.hazard.rate(tenure)
        mean = hazard / fte if fte > 0 else 0.0
        if mean <= 0:
            return self.hazard
        k = -math.log(1 - min(float(staff.implied_turnover), 0.95)) / mean
        return BandedHazard(self.hazard.starts, [r * k for r in self.hazard.rates])

    def supplement_multiplier(self, kind: str, role: int, group: str, day: float) -> float:
        """Relative change of a rate due to the market supplement in force and the year's council shock."""
        return self._supplement(kind, role, group, day) * self.shocks.factor(kind, day)

    def _supplement(self, kind: str, role: int, group: str, day: float) -> float:
        if day < self.supp_start or group not in self.supp_groups:
            return 1.0
        units = self.supp_units[role]
        if units <= 0:
            return 1.0
        return (1.0 + self._resp[kind]) ** units

    def _add_team(self, type_name: str, day: float) -> Team:
        tt = self.sc.team_types[type_name]
        n_same = sum(1 for t in self.teams if t.type == type_name)
        team = Team(len(self.teams), f"{type_name}_{n_same + 1}", type_name, tt.group, day)
        self.teams.append(team)
        for spec in tt.posts:
            for _ in range(spec.count):
                self.posts.append(Post(len(self.posts), team, ROLE_INDEX[spec.role], spec.fte))
        self._posts_version += 1
        return team

    def _build(self) -> None:
        for block in self.sc.teams:
            for _ in range(block.count):
                self._add_team(block.type, 0.0)
        if isinstance(self.sc.initial_staffing, StaffFile):
            self._fill_from_staff_list(self.sc.initial_staffing)
        for init in self.sc.initial_staffing if isinstance(self.sc.initial_staffing, list) else []:
            posts = [p for p in self.posts if p.team.group == init.group]
            order = self.rng_initial.permutation(len(posts))
            posts = [posts[i] for i in order]
            perm = posts[: init.permanent_posts]
            agency = posts[init.permanent_posts: init.permanent_posts + init.agency_posts]
            sw_perm = [p for p in perm if ROLES[p.role] == "social_worker"]
            asye_ids = {p.idx for p in sw_perm[: init.asye_posts]}
            for p in perm:
                if p.idx in asye_ids:
                    remaining = float(init.asye_months_remaining) * DAYS_PER_MONTH
                    asye_len = float(self.sc.nqsw.asye_months) * DAYS_PER_MONTH
                    tenure = max(0.0, asye_len - remaining) / DAYS_PER_YEAR
                    self._start_worker(p, True, "initial", tenure0=tenure, asye_until=remaining, log=False)
                else:
                    self._start_worker(p, True, "initial", tenure0=self._initial_tenure(), log=False)
            for p in agency:
                self._start_worker(p, False, "initial", tenure0=0.0, log=False)
        for p in self.posts:
            if p.holder is None:
                self._post_vacated(p)
            elif not p.holder.permanent:
                self._ensure_recruiting(p)

    def _fill_from_staff_list(self, staff: StaffFile) -> None:
        """The workers of the staff list in posts of their role: those naming a team first, then those naming a
        team type, then the rest, each in a post drawn at random among the free ones; a post takes its holder's FTE.
        (The scenario's validation has checked that every worker has a post.)"""
        order = self.rng_initial.permutation(len(self.posts))
        free = [self.posts[i] for i in order]
        start = self.sc.start_date
        asye_days = float(self.sc.nqsw.asye_months) * DAYS_PER_MONTH
        names = {t.name for t in self.teams}
        phases = ([w for w in staff.workers if w.team in names],
                  [w for w in staff.workers if w.team is not None and w.team not in names],
                  [w for w in staff.workers if w.team is None])
        for phase, workers in enumerate(phases):
            for sw in workers:
                role = ROLE_INDEX[post_role(sw.role)]
                k = next(i for i, p in enumerate(free) if p.role == role and (
                    phase == 2 or (p.team.name if phase == 0 else p.team.type) == sw.team))
                post = free.pop(k)
                post.fte = sw.fte
                if sw.contract == "agency":
                    w = self._start_worker(post, False, "initial", tenure0=0.0, log=False)
                else:
                    tenure = sw.tenure_years(start)
                    remaining = asye_days - tenure * DAYS_PER_YEAR if sw.role == "nqsw" else -1.0
                    w = self._start_worker(post, True, "initial", tenure0=tenure, asye_until=remaining if remaining > 0 else -1.0, log=False)
                if sw.cases is not None:
                    w.cases0 = sw.cases

    def _initial_tenure(self) -> float:
        bands = self.sc.attrition.initial_tenure
        shares = np.array([b.share for b in bands])
        i = self.rng_initial.choice(len(bands), p=shares / shares.sum())
        return float(self.rng_initial.uniform(bands[i].min_years, bands[i].max_years))

    # ------------------------------------------------------------------ records
    def _log(self, kind: str, contract: str, detail: str, worker: Optional[Worker], post: Post) -> None:
        self.events.append((
            self.period, self.env.now, kind, contract, detail, post.role, post.team.idx,
            worker.idx if worker is not None else -1, post.idx,
        ))

    # ------------------------------------------------------------------ workers
    def _start_worker(self, post: Post, permanent: bool, route: str, tenure0: float = 0.0,
                      asye_until: float = -1.0, log: bool = True, person: Optional[int] = None) -> Worker:
        now = self.env.now
        if post.holder is not None:
            old = post.holder
            if old.permanent:
                raise RuntimeError("a permanent worker is already in the post")
            self._end_worker(old, "replaced_by_permanent")
        if person is None:
            self._person += 1
            person = self._person
        w = Worker(len(self.workers), person, post.role, permanent, post.fte, now, tenure0, route, post, asye_until)
        self.workers.append(w)
        self.active.add(w)
        post.holder = w
        if permanent:
            w.budget = float(self.rng_attrition.exponential(1.0))
        else:
            w.budget = float(self.rng_conversion.exponential(1.0))
            months = float(self.sc.agency.assignment_mean_months)
            length = float(self.rng_agency.exponential(months * DAYS_PER_MONTH))
            self._at(now + length, self._assignment_end, w, w.token)
        if log:
            self._log("start", "permanent" if permanent else "agency", route, w, post)
        if self.cases is not None:
            self.cases.worker_started(w)
        if now < self.next_tick_day:
            self._schedule_hazard(w, now, self.next_tick_day)
        return w

    def _end_worker(self, w: Worker, reason: str) -> None:
        w.active = False
        w.token += 1
        w.end_day = self.env.now
        w.reason = reason
        self.active.discard(w)
        post = w.post
        if post.holder is w:
            post.holder = None
        self._log("leave", "permanent" if w.permanent else "agency", reason, w, post)
        if self.cases is not None:
            self.cases.worker_ended(w, reason)

    def _at(self, day: float, fn, *args) -> None:
        delay = max(0.0, day - self.env.now)
        ev = self.env.timeout(delay)
        ev.callbacks.append(lambda _ev: fn(*args))

    def _schedule_hazard(self, w: Worker, a: float, b: float) -> None:
        """Spend the worker's hazard over [a, b); schedule the exit if it runs out."""
        group = w.post.team.group
        if w.permanent:
            mult = self.role_mult[w.role] * self.supplement_multiplier("attrition", w.role, group, a)
            if w.asye_until > a:
                mult *= self.nqsw_mult
            if self.cases is not None:
                mult *= self.cases.pressure_multiplier(w)
            delay, spent = self.hazard.exhaust(w.tenure_years(a), (b - a) / DAYS_PER_YEAR, w.budget - w.spent, mult)
        else:
            if self.conversion_rate <= 0:
                return
            rate = self.conversion_rate * self.supplement_multiplier("conversion", w.role, group, a)
            remaining = w.budget - w.spent
            need = remaining / rate if rate > 0 else math.inf
            years = (b - a) / DAYS_PER_YEAR
            delay, spent = (need, remaining) if need <= years else (None, rate * years)
        if delay is None:
            w.spent += spent
        else:
            self._at(a + delay * DAYS_PER_YEAR, self._hazard_event, w, w.token)

    def _hazard_event(self, w: Worker, token: int) -> None:
        if not w.active or w.token != token:
            return
        post = w.post
        if w.permanent:
            p = self.reason_p if self.cases is None else self.cases.reason_probabilities(w, self.reason_names, self.reason_p)
            reason = self.reason_names[int(self.rng_reasons.choice(len(self.reason_names), p=p))]
            self._end_worker(w, reason)
            self._post_vacated(post)
        else:
            if not post.open_for_permanent:
                return
            self._end_worker(w, "converted_to_permanent")
            self._start_worker(post, True, "conversion", person=w.person)

    def _assignment_end(self, w: Worker, token: int) -> None:
        if not w.active or w.token != token:
            return
        self._end_worker(w, "assignment_ended")
        self._post_vacated(w.post)

    # ------------------------------------------------------------------ posts
    def _post_vacated(self, post: Post) -> None:
        if self._cuts_pending and post.pending is None and post.holder is None:
            self._cuts_pending -= 1
            self._close_post(post)
            return
        self._ensure_recruiting(post)
        if self.agency_on and post.holder is None and not post.covering:
            self.env.process(self._agency_cover(post))

    def _ensure_recruiting(self, post: Post) -> None:
        if self.pl.enabled and not post.recruiting and post.open_for_permanent:
            self.env.process(self._recruit(post))

    def _agency_cover(self, post: Post):
        post.covering = True
        ag = self.sc.agency
        lag = float(ag.cover_lag_days) / self.shocks.factor("agency_cover", self.env.now)
        p = float(ag.cover_probability)
        try:
            while post.holder is None and not post.closed:
                yield self.env.timeout(float(self.rng_agency.exponential(lag)) if lag > 0 else 0.0)
                if post.holder is not None or post.closed:
                    return
                if self.rng_agency.random() < p:
                    self._start_worker(post, False, "agency_cover")
                    return
                if lag <= 0 and p <= 0:
                    return
        finally:
            post.covering = False

    def _acceptance(self, role: int, group: str, day: float) -> float:
        return min(1.0, float(self.pl.p_accept) * self.supplement_multiplier("acceptance", role, group, day))

    def _recruit(self, post: Post):
        """Advertise a post until someone accepts, or it is filled another way."""
        post.recruiting = True
        pl = self.pl
        rng = self.rng_recruit
        group = post.team.group
        try:
            while post.open_for_permanent:
                yield self.env.timeout(float(pl.advert_days))
                if not post.open_for_permanent:
                    return
                now = self.env.now
                mean = self.applicants[post.role] * self.supplement_multiplier("applicants", post.role, group, now)
                n = int(rng.poisson(mean)) if mean > 0 else 0
                p_hire = float(pl.p_interview) * float(pl.p_offer) * self._acceptance(post.role, group, now)
                if n > 0 and rng.random() < 1.0 - (1.0 - p_hire) ** n:
                    yield self.env.timeout(float(pl.shortlist_to_interview_days) + float(pl.interview_to_offer_days))
                    if post.open_for_permanent:
                        self._offer(post, "advert")
                    return
                if n > 0:
                    self._log("advert_unfilled", "permanent", "no_appointable", None, post)
                else:
                    self._log("advert_unfilled", "permanent", "no_applicants", None, post)
                yield self.env.timeout(float(pl.readvert_gap_days))
        finally:
            post.recruiting = False

    def _offer(self, post: Post, route: str) -> None:
        """An accepted offer: checks, notice, start (or withdrawal)."""
        pl = self.pl
        lag = float(pl.offer_to_checks_days) + float(pl.checks_to_start_days)
        offer = _Offer(route, self.env.now + lag)
        post.pending = offer
        self._log("offer_accepted", "permanent", route, None, post)
        p_withdraw = 1.0 - math.exp(-float(pl.withdrawal_per_week_before_start) * lag / DAYS_PER_WEEK)
        if self.rng_recruit.random() < p_withdraw:
            when = self.env.now + float(self.rng_recruit.uniform(0, lag))
            self._at(when, self._withdraw, post, offer)
        else:
            self._at(offer.start_day, self._offer_start, post, offer)

    def _withdraw(self, post: Post, offer: _Offer) -> None:
        if post.pending is not offer:
            return
        post.pending = None
        self._log("withdrawn", "permanent", offer.route, None, post)
        self._ensure_recruiting(post)

    def _offer_start(self, post: Post, offer: _Offer) -> None:
        if post.pending is not offer:
            return
        post.pending = None
        self._start_worker(post, True, offer.route)

    def _open_posts(self, role: Optional[int], groups: Optional[set[str]] = None, types: Optional[set[str]] = None) -> list[Post]:
        """Posts open for a permanent start: uncovered first, then agency-held."""
        found = [
            p for p in self.posts
            if p.open_for_permanent
            and (role is None or p.role == role)
            and (groups is None or p.team.group in groups)
            and (types is None or p.team.type in types)
        ]
        found.sort(key=lambda p: (p.holder is not None, p.idx))
        return found

    # ------------------------------------------------------------------ dated events
    def _campaign(self, campaign):
        pl = self.pl
        rng = self.rng_campaign
        yield self.env.timeout(max(0.0, self.sc.day(campaign.date) - self.env.now))
        yield self.env.timeout(float(pl.advert_days) + float(pl.shortlist_to_interview_days) + float(pl.interview_to_offer_days))
        groups = set(campaign.team_groups) if campaign.team_groups else None
        now = self.env.now
        for role_name, spec in campaign.roles.items():
            role = ROLE_INDEX[role_name]
            elig_groups = groups if groups is not None else {t.group for t in self.teams}
            group = next(iter(sorted(elig_groups & self.supp_groups)), next(iter(sorted(elig_groups)), ""))
            mean = float(spec.applicants) * self.supplement_multiplier("applicants", role, group, now)
            n = int(rng.poisson(mean)) if mean > 0 else 0
            appointable = int(rng.binomial(n, float(pl.p_interview) * float(pl.p_offer)))
            accepted = int(rng.binomial(appointable, self._acceptance(role, group, now)))
            hires = min(accepted, spec.max_hires)
            posts = self._open_posts(role, groups)
            for post in posts[:hires]:
                self._offer(post, f"campaign:{campaign.name}")

    def _cohort(self, cohort):
        yield self.env.timeout(max(0.0, self.sc.day(cohort.date) - self.env.now))
        types = set(cohort.team_types) if cohort.team_types else None
        posts = self._open_posts(ROLE_INDEX["social_worker"], types=types)
        asye_days = float(self.sc.nqsw.asye_months) * DAYS_PER_MONTH
        for post in posts[: cohort.count]:
            self._start_worker(post, True, "nqsw_cohort", asye_until=self.env.now + asye_days)
        for _ in range(max(0, cohort.count - len(posts))):
            self.events.append((self.period, self.env.now, "cohort_place_unfilled", "permanent", "no_open_post", ROLE_INDEX["social_worker"], -1, -1, -1))

    def _appointment(self, app):
        """Permanent appointments already made start on their date in open posts of their role."""
        yield self.env.timeout(max(0.0, self.sc.day(app.date) - self.env.now))
        types = set(app.team_types) if app.team_types else None
        role = ROLE_INDEX[app.role]
        posts = self._open_posts(role, types=types)
        for post in posts[: app.count]:
            self._start_worker(post, True, "appointment")
        for _ in range(max(0, app.count - len(posts))):
            self.events.append((self.period, self.env.now, "appointment_unfilled", "permanent", "no_open_post", role, -1, -1, -1))

    def _establishment(self, change):
        yield self.env.timeout(max(0.0, self.sc.day(change.date) - self.env.now))
        for block in change.add_teams:
            for _ in range(block.count):
                team = self._add_team(block.type, self.env.now)
                for post in self.posts:
                    if post.team is team:
                        self._log("post_created", "", "establishment_change", None, post)
                        self._post_vacated(post)

    def _drift(self):
        """Establishment drift: each year's proportional change of the posts, spread over its months."""
        drift = self.sc.establishment_drift
        rng = self.streams["establishment"]
        factor = 1.0   # the drift's cumulative proportion of the posts the scenario's own teams and changes give
        # the 15th of each month from the first after the start; year y of the run is its months 12y .. 12y + 11
        start = self.sc.start_date
        first = (start.year * 12 + start.month - 1) + (1 if start.day >= 15 else 0)
        m = -1
        while True:
            m += 1
            y, mo = divmod(first + m, 12)
            when = self.sc.day(dt.date(y, mo + 1, 15))
            month = m % 12
            if month == 0:
                year = m // 12
                if year < len(drift.known):
                    change = float(drift.known[year])
                else:
                    change = float(drift.annual_changes[int(rng.integers(len(drift.annual_changes)))]) if drift.annual_changes else 0.0
                year_start = factor
            factor = year_start * (1.0 + change) ** ((month + 1) / 12)
            if when >= self.tick_days[-1]:
                return
            yield self.env.timeout(max(0.0, when - self.env.now))
            size = self._establishment_size()
            self._resize(round((size - self._drift_net) * factor) - size)

    def _establishment_size(self) -> int:
        """Posts in the establishment: open posts less those already due to close."""
        return sum(1 for p in self.posts if not p.closed) - self._cuts_pending

    def _resize(self, n: int) -> None:
        """Add ``n`` posts (copies of random open posts, vacant) or cut ``-n``."""
        if n == 0:
            return
        rng = self.streams["establishment"]
        if n > 0:
            cancel = min(n, self._cuts_pending)   # a cut still waiting for a leaver is called off first
            self._cuts_pending -= cancel
            self._drift_net += cancel
            n -= cancel
            open_posts = [p for p in self.posts if not p.closed]
            if not open_posts or n == 0:
                return
            for _ in range(n):
                like = open_posts[int(rng.integers(len(open_posts)))]
                post = Post(len(self.posts), like.team, like.role, like.fte)
                self.posts.append(post)
                self._posts_version += 1
                self._drift_net += 1
                self._log("post_created", "", "establishment_drift", None, post)
                self._post_vacated(post)
            return
        # a cut closes uncovered vacant posts first, then agency-held ones, then the post of the next permanent leaver
        n = -n
        free = [p for p in self.posts if not p.closed and p.pending is None]
        uncovered = [p for p in free if p.holder is None]
        agency = [p for p in free if p.holder is not None and not p.holder.permanent]
        for pool in (uncovered, agency):
            if n <= 0:
                break
            order = rng.permutation(len(pool)) if len(pool) > 1 else range(len(pool))
            for i in list(order)[:n]:
                self._close_post(pool[int(i)])
                n -= 1
                self._drift_net -= 1
        self._cuts_pending += max(0, n)
        self._drift_net -= max(0, n)

    def _close_post(self, post: Post) -> None:
        """Take a post out of the establishment; an agency worker in it leaves (reason ``post_closed``)."""
        post.closed = True
        self._posts_version += 1
        if post.holder is not None:
            self._end_worker(post.holder, "post_closed")
        self._log("post_closed", "", "establishment_drift", None, post)

    # ------------------------------------------------------------------ clock
    def _clock(self):
        for k, day in enumerate(self.tick_days):
            if day > self.env.now:
                yield self.env.timeout(day - self.env.now)
            self._snapshot(k)
            self.period = k + 1
            nxt = self.tick_days[k + 1] if k + 1 < len(self.tick_days) else None
            if self.cases is not None:
                self.cases.tick(k, day, nxt)
            if nxt is None:
                return
            self.next_tick_day = nxt
            for w in list(self.active):
                self._schedule_hazard(w, day, nxt)

    def _snapshot(self, k: int) -> None:
        now = self.env.now
        groups = self._snapshot_groups
        if groups is None or self._snapshot_groups_for != self._posts_version:
            # open posts by (team, role) in order of first appearance; rebuilt only when posts are added or closed
            by_key: dict[tuple[int, int], list[Post]] = {}
            for p in self.posts:
                posts_of = by_key.setdefault((p.team.idx, p.role), [])
                if not p.closed:
                    posts_of.append(p)
            groups = self._snapshot_groups = [(team, role, posts) for (team, role), posts in by_key.items()]
            self._snapshot_groups_for = self._posts_version
        append = self.snapshots.append
        for team, role, posts in groups:
            posts_fte = perm = agency = vacant = asye = 0.0
            perm_n = agency_n = 0
            for p in posts:
                fte = p.fte
                posts_fte += fte
                h = p.holder
                if h is None:
                    vacant += fte
                elif h.permanent:
                    perm += fte
                    perm_n += 1
                    if h.asye_until > now:
                        asye += fte
                else:
                    agency += fte
                    agency_n += 1
            append((k, team, role, posts_fte, perm, agency, vacant, asye, perm_n, agency_n))

    def run(self) -> WorkforceModel:
        # a run allocates many small objects that live to its end: the cyclic
        # garbage collector would traverse them again and again for nothing
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._run()
        finally:
            if collecting:
                gc.enable()
        return self

    def _run(self) -> None:
        self._build()
        if self.cases is not None:
            self.cases.start()
        self.env.process(self._clock())
        for campaign in self.sc.recruitment.campaigns:
            self.env.process(self._campaign(campaign))
        for cohort in self.sc.nqsw.cohorts:
            self.env.process(self._cohort(cohort))
        for app in self.sc.recruitment.appointments:
            self.env.process(self._appointment(app))
        for change in self.sc.establishment_changes:
            self.env.process(self._establishment(change))
        if self.sc.establishment_drift is not None:
            self.env.process(self._drift())
        self.env.run(until=self.tick_days[-1] + 1e-9)

    def release(self) -> None:
        """Free what the run holds once it is tabulated.

        Breaks the largest reference cycles (cases and their holders, posts
        and their workers) and drops the record lists, so that reference
        counting frees them at once and the collector has little to traverse.
        """
        self.released = True
        if self.cases is not None:
            self.cases.release()
        self.env.clear()                    # events still scheduled (and the processes they would resume)
        for post in self.posts:
            post.holder = None
        self.active.clear()
        self.workers.clear()
        self.events.clear()
        self.snapshots.clear()

    # ------------------------------------------------------------------ tables
    def spells(self) -> pd.DataFrame:
        """One row per worker spell in a post: the compact record pay and costs are derived from.

        Days are simulation days; ``end_day`` is NaN while the spell is open and
        ``asye_until_day`` NaN for workers never in their ASYE.
        """
        ws = self.workers
        return pd.DataFrame({
            "person": np.fromiter((w.person for w in ws), np.int64, len(ws)),
            "role_idx": np.fromiter((w.role for w in ws), np.int8, len(ws)),
            "permanent": np.fromiter((w.permanent for w in ws), bool, len(ws)),
            "fte": np.fromiter((w.fte for w in ws), float, len(ws)),
            "group": [w.post.team.group for w in ws],
            "route": [w.route for w in ws],
            "start_day": np.fromiter((w.start_day for w in ws), float, len(ws)),
            "end_day": np.fromiter((np.nan if w.active else w.end_day for w in ws), float, len(ws)),
            "tenure0_years": np.fromiter((w.tenure0_years for w in ws), float, len(ws)),
            "asye_until_day": np.fromiter((w.asye_until if w.asye_until >= 0 else np.nan for w in ws), float, len(ws)),
        })

    def tables(self, replication: int, seed: int, parameters: dict[str, float]) -> ReplicationResult:
        if self.released:
            raise RuntimeError("the model's records were released: tabulate before release()")
        teams = pd.DataFrame({  # labels repeated on every snapshot row: categoricals
            "team_idx": [t.idx for t in self.teams],
            "team": pd.Categorical([t.name for t in self.teams]),
            "team_type": pd.Categorical([t.type for t in self.teams]),
            "group": pd.Categorical([t.group for t in self.teams]),
        })
        tick_dates = pd.to_datetime(pd.Series(self.ticks)).to_numpy()
        snap = team_snapshot_frame(self.snapshots, SNAPSHOT_COLUMNS, replication, tick_dates, teams)
        # flows: starters and leavers by period, contract, detail, role and group, counted from the event tuples
        group_of = [t.group for t in self.teams]
        counts = Counter(
            (e[0], e[2], e[3], e[4], ROLES[e[5]], group_of[e[6]])
            for e in self.events if e[0] >= 1 and (e[2] == "start" or e[2] == "leave")
        )
        if counts:
            keys = sorted(counts)   # the order groupby gives
            cols = list(zip(*keys))
            flows = pd.DataFrame({
                "period": np.array(cols[0], dtype=np.int64),
                **{name: list(values) for name, values in zip(("kind", "contract", "detail", "role", "group"), cols[1:])},
                "count": np.array([counts[k] for k in keys], dtype=np.int64),
            })
            flows["date"] = tick_dates[flows["period"].to_numpy()]
        else:
            flows = pd.DataFrame({c: pd.Series(dtype=t) for c, t in [("period", "int64"), ("kind", "object"), ("contract", "object"), ("detail", "object"), ("role", "object"), ("group", "object"), ("count", "int64")]})
            flows["date"] = pd.Series(dtype="datetime64[ns]")
        flows.insert(0, "replication", replication)
        result = ReplicationResult(replication, seed, snap, flows, parameters, spells=self.spells())
        if self.cases is not None:
            for name, table in self.cases.tables(replication, self.ticks, teams, self.keep_events).items():
                setattr(result, name, table)
        if self.keep_events:
            ev = pd.DataFrame(self.events, columns=EVENT_COLUMNS)
            ev["date"] = pd.Timestamp(self.sc.start_date) + pd.to_timedelta(ev["day"], unit="D")
            ev["role"] = ev["role_idx"].map(lambda i: ROLES[i] if i >= 0 else "")
            ev["team"] = ev["team_idx"].map(lambda i: self.teams[i].name if i >= 0 else "")
            ev.insert(0, "replication", replication)
            result.events = ev.drop(columns=["role_idx", "team_idx"])
            result.workers = pd.DataFrame({
                "replication": replication,
                "worker": [w.idx for w in self.workers],
                "person": [w.person for w in self.workers],
                "role": [ROLES[w.role] for w in self.workers],
                "contract": ["permanent" if w.permanent else "agency" for w in self.workers],
                "fte": [w.fte for w in self.workers],
                "team": [w.post.team.name for w in self.workers],
                "post": [w.post.idx for w in self.workers],
                "route": [w.route for w in self.workers],
                "start_day": [w.start_day for w in self.workers],
                "end_day": [w.end_day if not w.active else np.nan for w in self.workers],
                "tenure_at_start_years": [w.tenure0_years for w in self.workers],
                "asye_until_day": [w.asye_until if w.asye_until >= 0 else np.nan for w in self.workers],
                "leave_reason": [w.reason for w in self.workers],
            })
        return result
