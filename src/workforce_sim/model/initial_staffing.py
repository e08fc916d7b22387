"""The posts filled as on the start date, from the scenario's ``initial_staffing``.

Either counts per team group (permanent, agency and ASYE posts, the rest
vacant, posts drawn at random from the ``initial`` stream, tenure from the
initial tenure bands; the first ``agency_beyond_establishment`` agency posts
are places beyond the establishment, ``Post.beyond``) or a staff list
(``StaffFile``: every worker in a post of their role). Vacant posts are then
advertised and covered, agency-held ones advertised (places beyond the
establishment only re-covered when their assignment ends).
"""
from __future__ import annotations

from bisect import bisect_right
from typing import TYPE_CHECKING, Optional

import numpy as np

from workforce_sim.calendar import DAYS_PER_MONTH, DAYS_PER_YEAR
from workforce_sim.model.entities import ROLE_INDEX
from workforce_sim.scenario.schema import ROLES, Scenario, StaffFile, post_role

if TYPE_CHECKING:  # pragma: no cover
    from workforce_sim.model.establishment import Establishment
    from workforce_sim.model.recruitment import Recruitment
    from workforce_sim.model.staff import Staff


class InitialStaffing:
    """Fills the establishment's posts on the start date."""

    def __init__(self, scenario: Scenario, rng: np.random.Generator, establishment: Establishment,
                 staff: Staff, recruitment: Recruitment):
        self.sc = scenario
        self.rng = rng
        self._tenure_cdf: Optional[list[float]] = None
        self.establishment = establishment
        self.staff = staff
        self.recruitment = recruitment

    def fill(self) -> None:
        sc = self.sc
        posts_all = self.establishment.posts
        start = self.staff.start
        if isinstance(sc.initial_staffing, StaffFile):
            self._from_staff_list(sc.initial_staffing)
        for init in sc.initial_staffing if isinstance(sc.initial_staffing, list) else []:
            posts = [p for p in posts_all if p.team.group == init.group]
            order = self.rng.permutation(len(posts))
            posts = [posts[i] for i in order]
            perm = posts[: init.permanent_posts]
            agency = posts[init.permanent_posts: init.permanent_posts + init.agency_posts]
            sw_perm = [p for p in perm if ROLES[p.role] == "social_worker"]
            asye_ids = {p.idx for p in sw_perm[: init.asye_posts]}
            for p in perm:
                if p.idx in asye_ids:
                    remaining = float(init.asye_months_remaining) * DAYS_PER_MONTH
                    asye_len = float(sc.nqsw.asye_months) * DAYS_PER_MONTH
                    tenure = max(0.0, asye_len - remaining) / DAYS_PER_YEAR
                    start(p, True, "initial", tenure0=tenure, asye_until=remaining, log=False)
                else:
                    start(p, True, "initial", tenure0=self._tenure(), log=False)
            joins = float(init.agency_beyond_joins_per_year)
            for k, p in enumerate(agency):
                p.beyond = k < init.agency_beyond_establishment
                start(p, False, "initial", tenure0=0.0, log=False)
                if p.beyond and joins > 0:
                    self.establishment.join_later(p, joins)
            self.establishment.arise(init.group, float(init.agency_beyond_arising_per_year), float(init.agency_beyond_ends_per_year))
        for p in posts_all:
            if p.holder is None:
                self.recruitment.post_vacated(p)
            elif not p.holder.permanent:
                self.recruitment.ensure_recruiting(p)

    def _from_staff_list(self, staff: StaffFile) -> None:
        """The workers of the staff list in posts of their role: those naming a team first, then those naming a
        team type, then the rest, each in a post drawn at random among the free ones; a post takes its holder's FTE.
        (The scenario's validation has checked that every worker has a post.)"""
        posts = self.establishment.posts
        order = self.rng.permutation(len(posts))
        free = [posts[i] for i in order]
        start = self.sc.start_date
        asye_days = float(self.sc.nqsw.asye_months) * DAYS_PER_MONTH
        names = {t.name for t in self.establishment.teams}
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
                    w = self.staff.start(post, False, "initial", tenure0=0.0, log=False)
                else:
                    tenure = sw.tenure_years(start)
                    remaining = asye_days - tenure * DAYS_PER_YEAR if sw.role == "nqsw" else -1.0
                    w = self.staff.start(post, True, "initial", tenure0=tenure, asye_until=remaining if remaining > 0 else -1.0, log=False)
                if sw.cases is not None:
                    w.cases0 = sw.cases

    def _tenure(self) -> float:
        """Years of service of a permanent worker on the start date, from the initial tenure bands."""
        bands = self.sc.attrition.initial_tenure
        if self._tenure_cdf is None:
            shares = np.array([b.share for b in bands])
            cdf = (shares / shares.sum()).cumsum()
            self._tenure_cdf = (cdf / cdf[-1]).tolist()
        # the band as ``Generator.choice(len(bands), p=shares)`` draws it (one uniform, the cumulative shares
        # searched from the right), without its checks of ``p`` on every call
        i = bisect_right(self._tenure_cdf, self.rng.random())
        return float(self.rng.uniform(bands[i].min_years, bands[i].max_years))
