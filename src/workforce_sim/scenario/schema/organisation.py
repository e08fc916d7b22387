"""Organisation: teams, posts and how they change; who holds the posts on the start date."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from pydantic import Field, field_validator, model_validator

from workforce_sim.scenario.schema.base import Role, Strict
from workforce_sim.scenario.schema.staff import Leaver, StaffMember
from workforce_sim.scenario.uncertain import Uncertain


class PostSpec(Strict):
    role: Role = Field(description="Role of the post")
    count: int = Field(ge=0, description="Number of posts (headcount)")
    fte: float = Field(1.0, gt=0, le=1, description="FTE of each post (0-1]")


class TeamType(Strict):
    description: str = ""
    group: str = Field("social_work_teams", description="Reporting group (e.g. social_work_teams, family_placement, reviewing)")
    posts: list[PostSpec] = Field(min_length=1)


class TeamBlock(Strict):
    type: str = Field(description="Key of team_types")
    count: int = Field(1, ge=1, description="Number of teams of this type")


class EstablishmentChange(Strict):
    date: dt.date
    add_teams: list[TeamBlock] = Field(min_length=1)
    note: str = ""


MAX_DRIFT_YEARS = 50   # known yearly changes a scenario may list


class EstablishmentDrift(Strict):
    """Posts that change from year to year, as councils' establishments do (docs/model.md).

    Year k of the run (from the start date) changes the number of posts by a
    proportion: ``known[k]`` while there are known changes, then one value drawn
    at random from ``annual_changes`` (equally likely; stratified across
    replications, ``Streams.stratified``), a new draw each year. A year's change is spread
    geometrically over its twelve months (the 15th of each). New posts copy a
    post chosen at random (team, role, FTE) and start vacant; a cut closes an
    uncovered vacant post first, then an agency-held one (ending the assignment),
    and otherwise the next post a permanent worker leaves.
    """

    annual_changes: list[float] = Field(default_factory=list, description="Proportional yearly changes of the posts to draw from "
                                                                          "(0.03 = 3% more posts; each equally likely)")
    known: list[float] = Field(default_factory=list, max_length=MAX_DRIFT_YEARS,
                               description="Proportional changes of the first years, in order (then draws from annual_changes)")

    @field_validator("annual_changes", "known")
    @classmethod
    def _changes_in_range(cls, values: list[float]) -> list[float]:
        for i, v in enumerate(values):
            if not -0.9 <= v <= 3.0:
                raise ValueError(f"item {i}: a yearly change of the posts must be between -0.9 and 3 (-90% to +300%), got {v:g}")
        return values

    @model_validator(mode="after")
    def _at_least_one_change(self) -> EstablishmentDrift:
        if not self.annual_changes and not self.known:
            raise ValueError("annual_changes or known: give at least one yearly change")
        return self


class InitialStaffing(Strict):
    """Who holds the posts of one team group on the start date."""

    group: str
    permanent_posts: int = Field(ge=0)
    agency_posts: int = Field(ge=0)
    vacant_uncovered_posts: int = Field(ge=0)
    agency_beyond_establishment: int = Field(
        0, ge=0, description="Of the agency posts, places beyond the establishment (agency workers covering absence or adding capacity, "
                             "as where a council's agency FTE exceeds its vacancies): held only by agency workers, re-covered when an "
                             "assignment ends, never advertised, and not vacancies")
    agency_beyond_joins_per_year: float = Field(
        0.0, ge=0, le=10, description="Rate a year at which a place beyond the establishment joins it as a post (a vacancy held by its "
                                      "agency worker, then advertised), as councils' agency FTE beyond their vacancies has turned into "
                                      "vacancies from one year to the next")
    agency_beyond_arising_per_year: float = Field(
        0.0, ge=0, le=10_000, description="New places beyond the establishment a year (a Poisson process), each a copy of a random open "
                                          "post of the group held by an agency worker from the day it arises, as agency FTE beyond "
                                          "vacancies has arisen at councils that had none")
    agency_beyond_ends_per_year: float = Field(
        1.0, gt=0, le=50, description="Rate a year at which a place that arose during the run ends (its agency worker leaves with it)")
    asye_posts: int = Field(0, ge=0, description="Permanent social worker posts held by NQSWs in their ASYE on the start date")
    asye_months_remaining: Uncertain(gt=0, le=24) = Field(6.0, description="Months of ASYE left on the start date for those NQSWs")


class StaffFile(Strict):
    """The start state from the council's own staff list (``initial_staffing: {from_file: staff.csv}``).

    Posts still come from ``teams``; the workers of the file fill them (a worker
    with a ``team`` in that team or team type, the others anywhere in a post of
    their role), each post taking its holder's FTE. Posts left over are vacant and
    uncovered on the start date; more workers of a role than posts is bad input.
    Tenure comes from each worker's start date. A leavers file gives the turnover
    of the year before, to which the attrition hazards are scaled (docs/scenarios.md).
    """

    from_file: str = Field(description="Staff list (CSV), relative to the scenario file that names it")
    leavers_file: Optional[str] = Field(None, description="Permanent leavers of the year before the start date (CSV), relative to the scenario file")
    scale_attrition: bool = Field(True, description="With a leavers file: scale the tenure-band hazards so that the hazard of the staff on the start "
                                                    "date equals -ln(1 - implied_turnover)")
    workers: list[StaffMember] = Field(default_factory=list, description="Read from from_file when the scenario is loaded")
    leavers: list[Leaver] = Field(default_factory=list, description="Read from leavers_file when the scenario is loaded")
    implied_turnover: Optional[float] = Field(None, ge=0, description="Leaver FTE in the year before the start / mean permanent FTE of that year "
                                                                    "(computed from the two files)")


def _staffing_kind(value: Any) -> str:
    return "tagged-union-file" if isinstance(value, (dict, StaffFile)) else "tagged-union-posts"


def team_names(team_types: dict[str, TeamType], teams: list[TeamBlock]) -> list[tuple[str, str]]:
    """(team name, team type) of the teams on the start date, named as the model names them (type_1, type_2, ...)."""
    out, seen = [], {}
    for block in teams:
        for _ in range(block.count):
            seen[block.type] = seen.get(block.type, 0) + 1
            out.append((f"{block.type}_{seen[block.type]}", block.type))
    return out


def post_role(file_role: str) -> str:
    """The model's role of a staff-list role (an NQSW holds a social worker post)."""
    return "social_worker" if file_role == "nqsw" else file_role
