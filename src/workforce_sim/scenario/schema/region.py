"""A region: member councils and the labour market they share (DESIGN.md section 3b).

The market is two pools of people and the rules that act on them:
- **job seekers**: qualified social workers looking for a permanent post in
  the region; fed by members' leavers who stay in the region, newly qualified
  workers and arrivals from outside; drained by hires and by leaving (the
  profession or the region). A member's advert draws its applicants from this
  pool in proportion to the member's attractiveness.
- **the agency pool**: agency workers free for an assignment in the region; an
  ended assignment returns its worker; cover waits while the pool is empty.
Policy levers act on them from their dates: a price cap on agency day rates by
role, the cooling-off bar on agency work after leaving a permanent post in the
region, and the experience rule. Neighbours may follow a member's supplement.

Figures: ``../shared/data/market_evidence.md`` (cited by publication in each
field's source); what it does not give is an assumption, given as a range.
"""
from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from pydantic import Field, model_validator

from workforce_sim.scenario.schema.base import Role, Strict, src
from workforce_sim.scenario.schema.scenario import Scenario
from workforce_sim.scenario.uncertain import Uncertain, UncertainCount

LEAVERS_SOURCE = ("DfE, children's social work workforce, year to September 2021 (Community Care, 27 May 2022): 15.4% of social "
                  "workers left their council; 4.2% of the workforce went to another council, 2.6% into agency work, 8.6% left "
                  "council children's social work")


class JobSeekers(Strict):
    initial: UncertainCount(ge=0) = Field(
        [10, 40], description="Qualified social workers seeking a permanent post in the region on the start date, people",
        json_schema_extra=src("assumption: about two months of the members' published starters (DfE starters FTE / 6); wfsim init --region "
                              "sets it from the published figures"))
    newly_qualified_per_year: Uncertain(ge=0) = Field(
        0.0, description="Newly qualified social workers joining the pool a year (besides the members' own NQSW cohorts), people a year",
        json_schema_extra=src("assumption: none beyond the members' cohorts unless the region says"))
    arrivals_per_year: Uncertain(ge=0) = Field(
        [5, 20], description="Qualified social workers arriving from outside the region a year, people a year",
        json_schema_extra=src("assumption: no published figure; wfsim init --region sets it from the members' starters"))
    exit_per_year: Uncertain(ge=0) = Field(
        [1.0, 3.0], description="Hazard per year that a seeker leaves the pool (the profession or the region), per year",
        json_schema_extra=src("assumption: a mean search of 4 to 12 months before taking work elsewhere"))


class AgencyPool(Strict):
    initial: UncertainCount(ge=0) = Field(
        [2, 10], description="Agency workers free for an assignment in the region on the start date, people",
        json_schema_extra=src("assumption: a few per cent of the members' agency FTE between assignments"))
    arrivals_per_year: Uncertain(ge=0) = Field(
        [5, 20], description="Agency workers arriving from outside the region a year, people a year",
        json_schema_extra=src("assumption: agency workers travel between regions; no published figure"))
    exit_per_year: Uncertain(ge=0) = Field(
        [1.0, 3.0], description="Hazard per year that a free agency worker leaves the region's pool, per year",
        json_schema_extra=src("assumption: a free agency worker finds work elsewhere within 4 to 12 months"))


class LeaverDestinations(Strict):
    """Where a member's permanent leaver goes; the rest leave the region's pools (counted as gone)."""

    other_council: Uncertain(ge=0, le=1) = Field(0.27, description="Share of permanent leavers who seek a permanent post in the region (job seekers)",
                                                 json_schema_extra=src(LEAVERS_SOURCE + ": 4.2 / 15.4"))
    agency: Uncertain(ge=0, le=1) = Field(0.17, description="Share of permanent leavers who go into agency work in the region (the agency pool)",
                                          json_schema_extra=src(LEAVERS_SOURCE + ": 2.6 / 15.4"))

    @model_validator(mode="after")
    def _shares(self) -> LeaverDestinations:
        from workforce_sim.scenario.schema.base import float_or_max

        if float_or_max(self.other_council) + float_or_max(self.agency) > 1 + 1e-9:
            raise ValueError("other_council + agency: more than all leavers (at most 1)")
        return self


class Attractiveness(Strict):
    pay_per_1000_gbp: Uncertain(ge=0) = Field(
        [0.03, 0.12], description="Relative change of a member's share of the region's applicants per GBP 1,000 a year of supplement above "
                                  "the region's mean supplement, fraction",
        json_schema_extra=src("market_evidence.md, Pay and retention: Sims and Benhenda (2022) elasticity of leaving about -3 for teachers; "
                              "NFER (2025) about 1 point for GBP 3,000; a range, not a point (assumption: applicants respond as leaving does)"))


class PriceCap(Strict):
    date: dt.date = Field(description="In force for new assignments from")
    day_rate_gbp: dict[Role, float] = Field(min_length=1, description="Cap on the agency charge per day by role, GBP a day")
    sign_off_share: Uncertain(ge=0, le=1) = Field(
        [0.05, 0.3], description="Share of cover above the cap still signed off (DCS and chief executive), fraction",
        json_schema_extra=src("DfE statutory guidance on agency child and family social workers (2024): a breach needs the sign-off of "
                              "the DCS and chief executive (market_evidence.md); its share: assumption"))
    leave_share: Uncertain(ge=0, le=1) = Field(
        [0.2, 0.6], description="Share of the free agency workers priced above the cap who stop agency work in the region when it "
                                "comes into force, fraction",
        json_schema_extra=src("assumption: workers above the cap lose their assignments' premium"))
    to_permanent_share: Uncertain(ge=0, le=1) = Field(
        [0.3, 0.7], description="Of those, the share who seek a permanent post in the region (the rest leave the region), fraction",
        json_schema_extra=src("assumption: West Midlands' caps (market_evidence.md) were followed by agency workers taking permanent posts"))


class CoolingOff(Strict):
    date: dt.date = Field(description="In force from")
    months: float = Field(ge=0, description="No agency work in the region for this many months after leaving a permanent post there, months",
                          json_schema_extra=src("DfE statutory guidance (in force 31 October 2024): 3 months; London Pledge (2022): 6; "
                                                "West Midlands (since 2015): 12 (market_evidence.md)"))
    seek_permanent_share: Uncertain(ge=0, le=1) = Field(
        [0.3, 0.7], description="Share of barred leavers who seek a permanent post in the region instead of waiting out the bar, fraction",
        json_schema_extra=src("assumption: the bar's purpose (DfE 2024) is to keep leavers in permanent posts"))
    leave_share: Uncertain(ge=0, le=1) = Field(
        [0.1, 0.3], description="Share of barred leavers who leave the region (agency work elsewhere), fraction",
        json_schema_extra=src("assumption"))

    @model_validator(mode="after")
    def _shares(self) -> CoolingOff:
        from workforce_sim.scenario.schema.base import float_or_max

        if float_or_max(self.seek_permanent_share) + float_or_max(self.leave_share) > 1 + 1e-9:
            raise ValueError("seek_permanent_share + leave_share: more than all barred leavers (at most 1)")
        return self


class ExperienceRule(Strict):
    date: dt.date = Field(description="In force from")
    years: float = Field(ge=0, description="Years of post-qualifying experience needed for agency work, years",
                         json_schema_extra=src("DfE statutory guidance (2024): at least 3 years (market_evidence.md)"))
    pool_under_share: Uncertain(ge=0, le=1) = Field(
        [0.05, 0.2], description="Share of the free agency pool with less experience than the rule asks when it comes into force "
                                 "(they seek permanent posts), fraction",
        json_schema_extra=src("assumption: leaving into agency work is most common at 20-29 (DfE 2021, market_evidence.md)"))


class Policies(Strict):
    price_cap: Optional[PriceCap] = None
    cooling_off: Optional[CoolingOff] = None
    experience: Optional[ExperienceRule] = None


class Market(Strict):
    enabled: bool = Field(True, description="Share the pools (off: each member is its own single-council model on one clock)")
    job_seekers: JobSeekers = JobSeekers()
    agency_pool: AgencyPool = AgencyPool()
    leaver_destinations: LeaverDestinations = LeaverDestinations()
    attractiveness: Attractiveness = Attractiveness()


class Response(Strict):
    """How a member answers another member's supplement."""

    rule: Literal["match", "match_after", "ignore"] = Field(description="match: the same supplement from the same date; match_after: "
                                                                       "from lag_months later; ignore")
    follows: str = Field(description="The member whose supplement is followed")
    lag_months: float = Field(0.0, ge=0, description="Months after the followed member's supplement starts (match_after)")


class Member(Strict):
    """A member as resolved by the loader: its scenario and its place in the market."""

    name: str
    scenario: Scenario
    attractiveness: float = Field(1.0, gt=0, description="Relative pull on the region's job seekers besides pay (London weighting, "
                                                         "distance, reputation), 1 = the region's typical member")
    response: Optional[Response] = None


class Region(Strict):
    name: str
    title: str = ""
    description: str = ""
    start_date: dt.date
    end_date: dt.date
    members: list[Member] = Field(min_length=1)
    cases: bool = Field(True, description="Run the children's cases of members that declare them (false: workforce only, faster)")
    market: Market = Market()
    policies: Policies = Policies()
    sources: dict[str, str] = Field(default_factory=dict, description="Dotted key -> where its value comes from")

    @property
    def council(self) -> str:
        """A region is no one council (what a report names for a run of one)."""
        return ""

    @model_validator(mode="after")
    def _consistent(self) -> Region:
        names = [m.name for m in self.members]
        for i, n in enumerate(names):
            if n in names[:i]:
                raise ValueError(f"members.{i}.name: {n!r} is a member twice")
        for i, m in enumerate(self.members):
            if (m.scenario.start_date, m.scenario.end_date) != (self.start_date, self.end_date):
                raise ValueError(f"members.{i}: runs {m.scenario.start_date} to {m.scenario.end_date}, not the region's "
                                 f"{self.start_date} to {self.end_date}")
            if m.response is not None:
                if m.response.follows not in names or m.response.follows == m.name:
                    raise ValueError(f"members.{i}.response.follows: {m.response.follows!r} is not another member")
        cap = self.policies.price_cap
        if cap is not None:
            for m in self.members:
                for role, limit in cap.day_rate_gbp.items():
                    permanent = _permanent_day_cost(m.scenario, role)
                    if limit < permanent:
                        raise ValueError(f"policies.price_cap.day_rate_gbp.{role}: GBP {limit:,.0f} a day is below {m.name}'s permanent "
                                         f"cost of the post (GBP {permanent:,.0f} a day)")
        return self


def _low(value) -> float:
    """A number, or the lower end of a distribution's support."""
    return float(value) if isinstance(value, (int, float)) else float(value.support()[0])


def _permanent_day_cost(scenario: Scenario, role: str) -> float:
    """The least a permanent worker in ``role`` costs per working day: the lowest salary, the lowest on-costs and the
    most working days the scenario allows, GBP a day (a cap below it cannot buy anyone)."""
    fin = scenario.finance
    pay = fin.pay[role]
    salary = min(min(level) for level in pay.levels)
    days = float(fin.working_days_per_fte_year) if isinstance(fin.working_days_per_fte_year, (int, float)) \
        else float(fin.working_days_per_fte_year.support()[1])
    return salary * (1 + _low(fin.on_cost_rate)) / days
