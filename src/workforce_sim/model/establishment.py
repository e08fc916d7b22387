"""The establishment: teams and their posts, dated changes, the establishment drift, and cuts.

Posts are built from the scenario's teams; ``establishment_changes`` add
teams on their dates; the optional ``establishment_drift`` changes the
number of posts by a yearly proportion spread over its months (new posts
copy random open ones; a cut closes uncovered vacant posts first, then
agency-held ones, then the post of the next permanent leaver). Places beyond
the establishment (``Post.beyond``: agency workers covering absence or extra
capacity) are neither counted, copied nor cut; with
``agency_beyond_joins_per_year`` each joins the establishment as a post after
an exponential time (its own ``beyond`` stream). With
``agency_beyond_arising_per_year``, new places arise with their agency worker
(copies of random open posts of the group, a Poisson process on the group's
``beyond_arising`` stream) and end after an exponential time at
``agency_beyond_ends_per_year``. Draws come
from the ``establishment`` stream, which is used only with a drift.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from workforce_sim.calendar import DAYS_PER_YEAR
from workforce_sim.model.entities import ROLE_INDEX, Post, Team
from workforce_sim.scenario.schema import Scenario
from workforce_sim.streams import Streams

if TYPE_CHECKING:  # pragma: no cover
    from workforce_sim.model.engine import Engine
    from workforce_sim.model.records import WorkforceRecords
    from workforce_sim.model.staff import Staff


class Establishment:
    """The teams and posts of one replication."""

    def __init__(self, engine: Engine, scenario: Scenario, streams: Streams, records: WorkforceRecords,
                 staff: Staff, tick_days: list[float]):
        self.env = engine
        self.sc = scenario
        self.streams = streams
        self.records = records
        self.staff = staff
        self.tick_days = tick_days
        self.teams: list[Team] = []
        self.posts: list[Post] = []
        self.version = 0               # changes whenever a post is added or closed (the snapshot's groups are rebuilt)
        self.cuts_pending = 0          # posts to close as soon as a permanent holder leaves (establishment drift)
        self._drift_net = 0            # posts the drift has added, less those it has closed or is due to close
        self.on_vacated: Callable[[Post], None] = lambda post: None   # a new post is vacant (recruitment sets it)

    def add_team(self, type_name: str, day: float) -> Team:
        tt = self.sc.team_types[type_name]
        n_same = sum(1 for t in self.teams if t.type == type_name)
        team = Team(len(self.teams), f"{type_name}_{n_same + 1}", type_name, tt.group, day)
        self.teams.append(team)
        for spec in tt.posts:
            for _ in range(spec.count):
                self.posts.append(self._post(team, ROLE_INDEX[spec.role], spec.fte))
        self.version += 1
        return team

    def _post(self, team: Team, role: int, fte: float) -> Post:
        team.posts_made += 1
        return Post(len(self.posts), team, role, fte, key=f"{team.name}/{team.posts_made}")

    def build(self) -> None:
        """The scenario's teams and their posts on the start date."""
        for block in self.sc.teams:
            for _ in range(block.count):
                self.add_team(block.type, 0.0)

    def open_posts(self, role: int | None, groups: set[str] | None = None, types: set[str] | None = None) -> list[Post]:
        """Posts open for a permanent start: uncovered first, then agency-held."""
        found = []
        for p in self.posts:   # ``Post.open_for_permanent`` written out: this scans every post on every hire
            if (role is not None and p.role != role) or p.pending is not None or p.closed or p.beyond:
                continue
            h = p.holder
            if (h is not None and h.permanent) or (groups is not None and p.team.group not in groups) \
                    or (types is not None and p.team.type not in types):
                continue
            found.append(p)
        found.sort(key=lambda p: (p.holder is not None, p.idx))
        return found

    # ------------------------------------------------------------------ dated changes
    def change(self, change):
        """A process: an establishment change adds its teams on its date."""
        yield self.env.timeout(max(0.0, self.sc.day(change.date) - self.env.now))
        for block in change.add_teams:
            for _ in range(block.count):
                team = self.add_team(block.type, self.env.now)
                for post in self.posts:
                    if post.team is team:
                        self.records.log("post_created", "", "establishment_change", None, post)
                        self.on_vacated(post)

    # ------------------------------------------------------------------ drift
    def drift(self):
        """A process: each year's proportional change of the posts, spread over its months."""
        drift = self.sc.establishment_drift
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
                elif drift.annual_changes:   # one of the equally likely changes, stratified across replications
                    changes = drift.annual_changes
                    change = float(changes[self.streams.stratified_choice("establishment_drift", year, len(changes))])
                else:
                    change = 0.0
                year_start = factor
            factor = year_start * (1.0 + change) ** ((month + 1) / 12)
            if when >= self.tick_days[-1]:
                return
            yield self.env.timeout(max(0.0, when - self.env.now))
            size = self.size()
            self._resize(round((size - self._drift_net) * factor) - size)

    def size(self) -> int:
        """Posts in the establishment: open posts less those already due to close (places beyond it not counted)."""
        return sum(1 for p in self.posts if not p.closed and not p.beyond) - self.cuts_pending

    def _resize(self, n: int) -> None:
        """Add ``n`` posts (copies of random open posts, vacant) or cut ``-n``."""
        if n == 0:
            return
        rng = self.streams["establishment"]
        if n > 0:
            cancel = min(n, self.cuts_pending)   # a cut still waiting for a leaver is called off first
            self.cuts_pending -= cancel
            self._drift_net += cancel
            n -= cancel
            open_posts = [p for p in self.posts if not p.closed and not p.beyond]
            if not open_posts or n == 0:
                return
            for _ in range(n):
                like = open_posts[int(rng.integers(len(open_posts)))]
                post = self._post(like.team, like.role, like.fte)
                self.posts.append(post)
                self.version += 1
                self._drift_net += 1
                self.records.log("post_created", "", "establishment_drift", None, post)
                self.on_vacated(post)
            return
        # a cut closes uncovered vacant posts first, then agency-held ones, then the post of the next permanent leaver
        n = -n
        free = [p for p in self.posts if not p.closed and not p.beyond and p.pending is None]
        uncovered = [p for p in free if p.holder is None]
        agency = [p for p in free if p.holder is not None and not p.holder.permanent]
        for pool in (uncovered, agency):
            if n <= 0:
                break
            order = rng.permutation(len(pool)) if len(pool) > 1 else range(len(pool))
            for i in list(order)[:n]:
                self._close(pool[int(i)])
                n -= 1
                self._drift_net -= 1
        self.cuts_pending += max(0, n)
        self._drift_net -= max(0, n)

    def cut_if_due(self, post: Post) -> bool:
        """A vacant post closes if a cut is waiting for a leaver (True), else it stays (False)."""
        if self.cuts_pending and post.pending is None and post.holder is None and not post.beyond:
            self.cuts_pending -= 1
            self._close(post)
            return True
        return False

    def _close(self, post: Post, kind: str = "post_closed", detail: str = "establishment_drift") -> None:
        """Take a post (or a place beyond) out of the establishment; an agency worker in it leaves (reason ``kind``,
        also the event logged)."""
        post.closed = True
        self.version += 1
        if post.holder is not None:
            self.staff.end(post.holder, kind)
        self.records.log(kind, "", detail, None, post)

    # ------------------------------------------------------------------ places beyond the establishment
    def join_later(self, post: Post, per_year: float) -> None:
        """A place beyond the establishment joins it as a post after an exponential time at ``per_year`` (drawn
        from the place's own ``beyond`` stream), if that falls inside the run."""
        day = self.env.now + self.streams.keyed("beyond", post.key).exponential(1.0 / per_year) * DAYS_PER_YEAR
        if day < self.tick_days[-1]:
            self.env.event_at(day, self._join, post)

    def _join(self, post: Post) -> None:
        """The place becomes a post: a vacancy held by its agency worker (or empty), advertised from now on."""
        post.beyond = False
        self.version += 1
        self.records.log("post_created", "", "beyond_joined", None, post)
        self.on_vacated(post)

    def arise(self, group: str, per_year: float, ends_per_year: float) -> None:
        """New places beyond the establishment in ``group``: ``per_year`` a year on average (a Poisson process), each
        a copy of a random open post of the group held from the day it arises by an agency worker (in a region,
        if the market has one free), and ending after an exponential time at ``ends_per_year``."""
        if per_year > 0 and ends_per_year > 0:
            self.env.process(self._arising(group, per_year, ends_per_year))

    def _arising(self, group: str, per_year: float, ends_per_year: float):
        rng = self.streams.keyed("beyond_arising", group)
        end = self.tick_days[-1]
        while True:
            day = self.env.now + rng.exponential(DAYS_PER_YEAR / per_year)
            if day >= end:
                return
            yield self.env.timeout(day - self.env.now)
            like = [p for p in self.posts if not p.closed and not p.beyond and p.team.group == group]
            lasts = rng.exponential(DAYS_PER_YEAR / ends_per_year)
            if not like:
                continue
            pick = like[rng.randrange(len(like))]
            market = self.staff.market
            if market is not None and not market.take_agency(pick.role, self.env.now):
                continue
            post = self._post(pick.team, pick.role, pick.fte)
            post.beyond = True
            self.posts.append(post)
            self.version += 1
            self.records.log("place_arose", "", "beyond_arising", None, post)
            self.staff.start(post, False, "beyond_arose")
            if self.env.now + lasts < end:
                self.env.event_at(self.env.now + lasts, self._end_place, post)

    def _end_place(self, post: Post) -> None:
        """A place that arose ends: its agency worker, if any, leaves with it."""
        if not post.closed and post.beyond:
            self._close(post, "place_ended", "beyond_arising")

    def release(self) -> None:
        for post in self.posts:
            post.holder = None
