"""Filling posts: advert rounds, offers, campaigns, NQSW cohorts, appointments and agency cover.

A post open for a permanent start is advertised until someone accepts;
an accepted offer starts after the checks and notice unless withdrawn.
Campaigns on a date hire for several posts at once (``campaigns``
stream); NQSW cohorts and appointments already made start on their dates.
A vacant post is covered by an agency worker after a lag. Applicants and
acceptance respond to the market supplement. A post's adverts and agency
cover draw from the post's own streams (``Staff.draws``), one uniform per
decision, so a lever that raises the applicants gives each advert round
at least as many as before.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from workforce_sim.calendar import DAYS_PER_MONTH, DAYS_PER_WEEK
from workforce_sim.model.entities import ROLE_INDEX, Post
from workforce_sim.scenario.schema import ROLES, Scenario
from workforce_sim.streams import Streams

if TYPE_CHECKING:  # pragma: no cover
    from workforce_sim.model.engine import Engine
    from workforce_sim.model.establishment import Establishment
    from workforce_sim.model.market import MemberMarket
    from workforce_sim.model.records import WorkforceRecords
    from workforce_sim.model.staff import Staff
    from workforce_sim.model.supplement import MarketSupplement


@dataclass(slots=True, eq=False)
class Offer:
    """An accepted offer of a permanent post, starting on ``start_day`` unless withdrawn."""

    route: str
    start_day: float
    person: Any = None       # in a region: the job seeker taken out of the market's pool


def _uncovered(post: Post) -> bool:
    """Vacant and not closed (a function, not a narrowed attribute: the post changes while a process waits)."""
    return post.holder is None and not post.closed


class Recruitment:
    """The ways posts are filled in one replication."""

    def __init__(self, engine: Engine, scenario: Scenario, streams: Streams, establishment: Establishment,
                 staff: Staff, records: WorkforceRecords, supplement: MarketSupplement):
        self.env = engine
        self.sc = scenario
        self.establishment = establishment
        self.staff = staff
        self.records = records
        self.supplement = supplement
        self.rng_campaign = streams["campaigns"]
        pl = scenario.recruitment.pipeline
        self.pl = pl
        self.applicants = [float(pl.applicants_per_advert.get(r, 0.0)) for r in ROLES]  # type: ignore[call-overload]
        self.agency_on = scenario.agency.enabled
        self.market: Optional[MemberMarket] = None      # in a region: the member's market (``MemberMarket``), set by the model

    # ------------------------------------------------------------------ vacancies
    def post_vacated(self, post: Post) -> None:
        """A post fell vacant: closed if a cut waits for it, else advertised and covered by agency."""
        if self.establishment.cuts_pending and self.establishment.cut_if_due(post):
            return
        self.ensure_recruiting(post)
        if self.agency_on and post.holder is None and not post.covering:
            self.env.process(self._agency_cover(post))

    def ensure_recruiting(self, post: Post) -> None:
        if self.pl.enabled and not post.recruiting and post.open_for_permanent:
            self.env.process(self._recruit(post))

    def _agency_cover(self, post: Post):
        post.covering = True
        ag = self.sc.agency
        lag = float(ag.cover_lag_days)
        shocks = self.supplement.shocks
        if shocks is not None:
            lag /= shocks.factor("agency_cover", self.env.now)
        p = float(ag.cover_probability)
        rng = self.staff.draws(post).agency
        try:
            while _uncovered(post):
                yield self.env.timeout(rng.exponential(lag) if lag > 0 else 0.0)
                if not _uncovered(post):
                    return
                if rng.random() < p:
                    if self.market is None or self.market.take_agency(post.role, self.env.now):
                        self.staff.start(post, False, "agency_cover")
                        return
                    if lag <= 0:     # nobody free in the region's pool: try again in a week
                        yield self.env.timeout(7.0)
                        continue
                if lag <= 0 and p <= 0:
                    return
        finally:
            post.covering = False

    # ------------------------------------------------------------------ adverts and offers
    def _slower(self) -> float:
        """The year's multiplier of the pipeline's durations (the council's ``hiring`` shock; 1 without shocks)."""
        shocks = self.supplement.shocks
        return 1.0 if shocks is None else float(shocks.factor("hiring", self.env.now))

    def _acceptance(self, role: int, group: str, day: float) -> float:
        return min(1.0, float(self.pl.p_accept) * self.supplement.multiplier("acceptance", role, group, day))

    def _recruit(self, post: Post):
        """Advertise a post until someone accepts, or it is filled another way."""
        post.recruiting = True
        pl = self.pl
        rng = self.staff.draws(post).advert
        group = post.team.group
        try:
            while post.open_for_permanent:
                yield self.env.timeout(float(pl.advert_days) * self._slower())
                if not post.open_for_permanent:
                    return
                now = self.env.now
                mean = self.applicants[post.role] * self.supplement.multiplier("applicants", post.role, group, now)
                if self.market is not None:
                    mean *= self.market.applicant_factor(post.role, now)
                n = rng.poisson(mean)
                p_hire = float(pl.p_interview) * float(pl.p_offer) * self._acceptance(post.role, group, now)
                if n > 0 and rng.random() < 1.0 - (1.0 - p_hire) ** n:
                    yield self.env.timeout((float(pl.shortlist_to_interview_days) + float(pl.interview_to_offer_days)) * self._slower())
                    if post.open_for_permanent:
                        self._offer(post, "advert")
                    return
                if n > 0:
                    self.records.log("advert_unfilled", "permanent", "no_appointable", None, post)
                else:
                    self.records.log("advert_unfilled", "permanent", "no_applicants", None, post)
                yield self.env.timeout(float(pl.readvert_gap_days) * self._slower())
        finally:
            post.recruiting = False

    def _offer(self, post: Post, route: str) -> None:
        """An accepted offer: checks, notice, start (or withdrawal). In a region it takes a job seeker out of
        the market's pool; with nobody looking, the post is advertised again."""
        pl = self.pl
        person = None
        if self.market is not None:
            person = self.market.take_seeker(post.role)
            if person is None:
                self.records.log("advert_unfilled", "permanent", "no_applicants", None, post)
                self.ensure_recruiting(post)
                return
        lag = (float(pl.offer_to_checks_days) + float(pl.checks_to_start_days)) * self._slower()
        offer = Offer(route, self.env.now + lag, person)
        post.pending = offer
        self.records.log("offer_accepted", "permanent", route, None, post)
        p_withdraw = 1.0 - math.exp(-float(pl.withdrawal_per_week_before_start) * lag / DAYS_PER_WEEK)
        rng = self.staff.draws(post).advert
        if rng.random() < p_withdraw:
            when = self.env.now + lag * rng.random()
            self.env.event_at(when, self._withdraw, post, offer)
        else:
            self.env.event_at(offer.start_day, self._offer_start, post, offer)

    def _withdraw(self, post: Post, offer: Offer) -> None:
        if post.pending is not offer:
            return
        post.pending = None
        self.records.log("withdrawn", "permanent", offer.route, None, post)
        if self.market is not None:
            self.market.offer_withdrawn(offer.person)
        self.ensure_recruiting(post)

    def _offer_start(self, post: Post, offer: Offer) -> None:
        if post.pending is not offer:
            return
        post.pending = None
        if self.market is not None:
            self.market.offer_started()
        self.staff.start(post, True, offer.route)

    # ------------------------------------------------------------------ dated starts
    def campaign(self, campaign):
        """A process: a recruitment campaign hires for several posts on its date."""
        pl = self.pl
        rng = self.rng_campaign
        yield self.env.timeout(max(0.0, self.sc.day(campaign.date) - self.env.now))
        yield self.env.timeout(float(pl.advert_days) + float(pl.shortlist_to_interview_days) + float(pl.interview_to_offer_days))
        groups = set(campaign.team_groups) if campaign.team_groups else None
        now = self.env.now
        for role_name, spec in campaign.roles.items():
            role = ROLE_INDEX[role_name]
            elig_groups = groups if groups is not None else {t.group for t in self.establishment.teams}
            group = next(iter(sorted(elig_groups & self.supplement.groups)), next(iter(sorted(elig_groups)), ""))
            mean = float(spec.applicants) * self.supplement.multiplier("applicants", role, group, now)
            n = int(rng.poisson(mean)) if mean > 0 else 0
            appointable = int(rng.binomial(n, float(pl.p_interview) * float(pl.p_offer)))
            accepted = int(rng.binomial(appointable, self._acceptance(role, group, now)))
            hires = min(accepted, spec.max_hires)
            posts = self.establishment.open_posts(role, groups)
            for post in posts[:hires]:
                self._offer(post, f"campaign:{campaign.name}")

    def cohort(self, cohort):
        """A process: an NQSW cohort starts in open social worker posts on its date."""
        yield self.env.timeout(max(0.0, self.sc.day(cohort.date) - self.env.now))
        types = set(cohort.team_types) if cohort.team_types else None
        posts = self.establishment.open_posts(ROLE_INDEX["social_worker"], types=types)
        asye_days = float(self.sc.nqsw.asye_months) * DAYS_PER_MONTH
        for post in posts[: cohort.count]:
            self.staff.start(post, True, "nqsw_cohort", asye_until=self.env.now + asye_days)
        for _ in range(max(0, cohort.count - len(posts))):
            self.records.log_without_post("cohort_place_unfilled", ROLE_INDEX["social_worker"])

    def appointment(self, app):
        """A process: permanent appointments already made start on their date in open posts of their role."""
        yield self.env.timeout(max(0.0, self.sc.day(app.date) - self.env.now))
        types = set(app.team_types) if app.team_types else None
        role = ROLE_INDEX[app.role]
        posts = self.establishment.open_posts(role, types=types)
        for post in posts[: app.count]:
            self.staff.start(post, True, "appointment")
        for _ in range(max(0, app.count - len(posts))):
            self.records.log_without_post("appointment_unfilled", role)
