"""The model's entities: teams, posts and workers (state, not behaviour)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from workforce_sim.calendar import DAYS_PER_YEAR
from workforce_sim.scenario.schema import ROLES

ROLE_INDEX = {r: i for i, r in enumerate(ROLES)}    # a role's number in ``ROLES`` (``Post.role``, ``Worker.role``)


@dataclass(slots=True, eq=False)
class Team:
    idx: int
    name: str
    type: str
    group: str
    opened_day: float = 0.0
    posts_made: int = 0           # posts created in this team so far (a post's identity: the team's name and its number)


@dataclass(slots=True, eq=False)
class Worker:
    idx: int
    person: int
    role: int
    permanent: bool
    fte: float
    start_day: float
    tenure0_years: float
    route: str
    post: Post
    asye_until: float = -1.0
    budget: float = 0.0
    spent: float = 0.0
    token: int = 0
    active: bool = True
    end_day: float = -1.0
    reason: str = ""
    cases0: int = -1   # children held on the start date as the staff list gives them (-1: not given)

    def tenure_years(self, day: float) -> float:
        return self.tenure0_years + (day - self.start_day) / DAYS_PER_YEAR

    def in_asye(self, day: float) -> bool:
        return self.asye_until > day


class PostDraws:
    """A post's own random streams (``streams.Keyed``), one per purpose, so that its n-th occupant,
    advert round or agency assignment draws the same numbers in any scenario that has the post.
    Each is made when first used (``make(purpose, key)``): a post filled on the start date and never
    vacant needs only one."""

    __slots__ = ("_make", "_key", "_leaving", "_advert", "_agency")

    def __init__(self, make: Any, key: str):
        self._make = make
        self._key = key
        self._leaving: Any = None
        self._advert: Any = None
        self._agency: Any = None

    @property
    def leaving(self) -> Any:
        """A permanent occupant's hazard budget, then their reason for leaving."""
        if self._leaving is None:
            self._leaving = self._make("leaving", self._key)
        return self._leaving

    @property
    def advert(self) -> Any:
        """Applicants and appointment in each advert round, the offer's withdrawal."""
        if self._advert is None:
            self._advert = self._make("advert", self._key)
        return self._advert

    @property
    def agency(self) -> Any:
        """Agency cover's lag and chance, the assignment's length, the conversion budget."""
        if self._agency is None:
            self._agency = self._make("agency", self._key)
        return self._agency


@dataclass(slots=True, eq=False)
class Post:
    idx: int
    team: Team
    role: int
    fte: float
    holder: Optional[Worker] = None
    pending: Optional[object] = None
    recruiting: bool = False
    covering: bool = False
    closed: bool = False          # cut from the establishment (no holder, never filled again)
    beyond: bool = False          # a place beyond the establishment held only by agency workers (absence cover, extra
                                  # capacity): never advertised, converted or cut, not a vacancy when empty
    extra: dict = field(default_factory=dict)
    key: str = ""                 # the post's identity: its team's name and the post's number in the team
    draws: Optional[PostDraws] = None   # the post's own random streams, made when first needed (``Staff.draws``)

    @property
    def has_permanent(self) -> bool:
        return self.holder is not None and self.holder.permanent

    @property
    def open_for_permanent(self) -> bool:
        """No permanent holder and no permanent hire on the way (never a place beyond the establishment)."""
        return self.pending is None and not self.closed and not self.beyond and (self.holder is None or not self.holder.permanent)
