"""The scenario schema: typed, validated sections of one council's service.

A scenario is a static description of one council's service and the policies
under test. It never holds simulation state (that belongs to the model).

Every parameter carries its unit in its name or description and a source:
the seed document and section, a public statistic, or "assumption: why".
Scenario files may add a ``sources:`` mapping of dotted key -> citation for
the values they set.
"""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationInfo, field_validator, model_validator

from workforce_sim.errors import InputError
from workforce_sim.scenario.pay_spine import SPINE_SOURCE, pay_spine
from workforce_sim.scenario.shocks import CouncilShocks
from workforce_sim.scenario.staff import Leaver, StaffMember, implied_turnover, read_leavers, read_staff, shown
from workforce_sim.scenario.targets import CASE_MEASURES, SPEND, TargetSpec
from workforce_sim.scenario.uncertain import Uncertain, UncertainCount

Role = Literal["practice_manager", "consultant_practitioner", "social_worker"]
ROLES: tuple[str, ...] = ("practice_manager", "consultant_practitioner", "social_worker")


def float_or_max(value: Any) -> float:
    """A number, or the upper end of a distribution's support."""
    return float(value) if isinstance(value, (int, float)) else float(value.support()[1])


def src(text: str) -> dict[str, Any]:
    """Field metadata naming where a default comes from."""
    return {"source": text}


MAX_MAGNITUDE = 1e9  # no scenario number (GBP, counts, days, rates) comes near it; larger is a typo or an attack


def _finite_in_range(value: Any) -> Any:
    """Every number in a scenario is finite and at most MAX_MAGNITUDE in size (lists and mappings too)."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, bool):
            continue
        if isinstance(v, (int, float)):
            if not math.isfinite(v):
                raise ValueError(f"must be a finite number, got {v}")
            if abs(v) > MAX_MAGNITUDE:
                raise ValueError(f"must be at most {MAX_MAGNITUDE:g} in size, got {v:g}")
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
    return value


class Strict(BaseModel):
    """Base for every scenario section: unknown keys are refused; numbers are finite
    (``.nan`` and ``.inf`` are refused) and at most ``MAX_MAGNITUDE`` in size."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _numbers_in_range(cls, value: Any) -> Any:
        return _finite_in_range(value)


# --------------------------------------------------------------------------- organisation
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
    at random from ``annual_changes`` (equally likely; the model's
    ``establishment`` stream), a new draw each year. A year's change is spread
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


class TenureShare(Strict):
    min_years: float = Field(ge=0)
    max_years: float = Field(gt=0)
    share: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _order(self) -> TenureShare:
        if self.max_years <= self.min_years:
            raise ValueError("max_years must be greater than min_years")
        return self


class InitialStaffing(Strict):
    """Who holds the posts of one team group on the start date."""

    group: str
    permanent_posts: int = Field(ge=0)
    agency_posts: int = Field(ge=0)
    vacant_uncovered_posts: int = Field(ge=0)
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


def _read_staff_files(data: dict[str, Any]) -> dict[str, Any]:
    """Fill ``initial_staffing`` from its files (once: a resolved scenario holds the rows)."""
    init = data.get("initial_staffing")
    if not isinstance(init, dict) or "from_file" not in init or init.get("workers"):
        return data
    start = data.get("start_date")
    if isinstance(start, str):
        try:
            start = dt.date.fromisoformat(start)
        except ValueError:
            start = None
    start = start if isinstance(start, dt.date) else None
    if not isinstance(init["from_file"], str) or not init["from_file"]:
        return data
    init = dict(init)
    sources = dict(data.get("sources") or {})
    staff_path = Path(init["from_file"])
    workers = read_staff(staff_path, start)
    init["workers"] = [w.model_dump() for w in workers]
    perm = [w for w in workers if w.contract == "permanent"]
    sources.setdefault("initial_staffing.from_file", f"staff list {shown(staff_path)}: {len(workers)} workers, {len(perm)} permanent "
                                                     f"({sum(w.fte for w in perm):g} FTE), {len(workers) - len(perm)} agency")
    if isinstance(init.get("leavers_file"), str) and init["leavers_file"] and start is not None:
        leavers_path = Path(init["leavers_file"])
        leavers = read_leavers(leavers_path, start)
        init["leavers"] = [lv.model_dump() for lv in leavers]
        try:
            rate, how = implied_turnover(workers, leavers, start)
        except InputError as exc:
            raise InputError(exc.message, file=shown(leavers_path)) from None
        init["implied_turnover"] = round(rate, 6)
        sources.setdefault("initial_staffing.implied_turnover", f"{shown(leavers_path)} and {shown(staff_path)}: {how}")
    return {**data, "initial_staffing": init, "sources": sources}


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


# --------------------------------------------------------------------------- attrition
class HazardBand(Strict):
    min_years: float = Field(ge=0, description="Lower bound of the tenure band, years of service")
    hazard_per_year: Uncertain(ge=0) = Field(description="Leaving hazard, per year")


LeaverReason = Literal["workload", "insufficient_support", "no_career_path", "pay", "other"]


class Attrition(Strict):
    tenure_bands: list[HazardBand] = Field(
        default_factory=lambda: [
            HazardBand(min_years=0, hazard_per_year=0.176),
            HazardBand(min_years=2, hazard_per_year=0.215),
            HazardBand(min_years=5, hazard_per_year=0.152),
            HazardBand(min_years=10, hazard_per_year=0.114),
            HazardBand(min_years=20, hazard_per_year=0.126),
            HazardBand(min_years=30, hazard_per_year=0.210),
        ],
        description="Piecewise-constant leaving hazard of permanent staff, per year, by years of service",
        json_schema_extra=src("DfE SFR08/2017 (csww 2016), England: leavers / staff FTE by time in service, as -ln(1 - rate); data/dfe_time_in_service_2016.csv"),
    )
    role_multiplier: dict[Role, Uncertain(ge=0)] = Field(
        default_factory=lambda: {"practice_manager": 0.8, "consultant_practitioner": 0.8, "social_worker": 1.0},
        json_schema_extra=src("assumption: managers and senior practitioners leave somewhat less often than case-holding social workers"),
    )
    nqsw_multiplier: Uncertain(ge=0) = Field(1.0, description="Hazard multiplier during the ASYE", json_schema_extra=src("assumption: tenure bands already capture early leaving"))
    initial_tenure: list[TenureShare] = Field(
        default_factory=lambda: [
            TenureShare(min_years=0, max_years=2, share=0.297),
            TenureShare(min_years=2, max_years=5, share=0.218),
            TenureShare(min_years=5, max_years=10, share=0.195),
            TenureShare(min_years=10, max_years=20, share=0.205),
            TenureShare(min_years=20, max_years=30, share=0.064),
            TenureShare(min_years=30, max_years=40, share=0.021),
        ],
        description="Years of service of permanent staff on the start date (shares of a band, uniform within)",
        json_schema_extra=src("DfE SFR08/2017 (csww 2016), England: staff FTE by time in service; data/dfe_time_in_service_2016.csv"),
    )
    leaver_reasons: dict[LeaverReason, float] = Field(
        default_factory=lambda: {"workload": 0.35, "insufficient_support": 0.2, "no_career_path": 0.15, "pay": 0.15, "other": 0.15},
        description="Share of permanent leavers giving each reason",
        json_schema_extra=src("assumption: reasons named in S2 'Measures and targets'; shares not published"),
    )

    @field_validator("tenure_bands")
    @classmethod
    def _bands(cls, bands: list[HazardBand]) -> list[HazardBand]:
        if not bands or bands[0].min_years != 0:
            raise ValueError("the first tenure band must start at min_years 0")
        starts = [b.min_years for b in bands]
        if any(b <= a for a, b in zip(starts, starts[1:])):
            raise ValueError("tenure bands must be in increasing min_years")
        return bands

    @field_validator("leaver_reasons")
    @classmethod
    def _reasons(cls, reasons: dict[str, float]) -> dict[str, float]:
        if any(v < 0 for v in reasons.values()) or abs(sum(reasons.values()) - 1) > 1e-6:
            raise ValueError("shares must be >= 0 and sum to 1")
        return reasons

    @field_validator("initial_tenure")
    @classmethod
    def _tenure(cls, shares: list[TenureShare]) -> list[TenureShare]:
        if not shares or abs(sum(s.share for s in shares) - 1) > 1e-3:
            raise ValueError("shares must sum to 1")
        return shares


# --------------------------------------------------------------------------- recruitment
def _per_role(pm: float, cp: float, sw: float):
    return lambda: {"practice_manager": pm, "consultant_practitioner": cp, "social_worker": sw}


class Pipeline(Strict):
    """Recruitment to one vacant post: advert -> applicants -> interview -> offer -> acceptance -> checks -> start."""

    enabled: bool = Field(True, description="Recruit to vacancies as they arise")
    advert_days: Uncertain(ge=0) = Field(28.0, json_schema_extra=src("assumption: a four-week open advert"))
    shortlist_to_interview_days: Uncertain(ge=0) = Field(14.0, json_schema_extra=src("assumption"))
    interview_to_offer_days: Uncertain(ge=0) = Field(7.0, json_schema_extra=src("assumption; S2 Outcome 2 (3): offers now issued the same day"))
    offer_to_checks_days: Uncertain(ge=0) = Field(56.0, description="Offer letter to completed pre-employment (DBS) checks, days", json_schema_extra=src("S2 Appendix 1, Outcome 2 (3): average 8 weeks before e-DBS"))
    checks_to_start_days: Uncertain(ge=0) = Field(28.0, description="Notice period after checks clear, days", json_schema_extra=src("assumption: four weeks' notice"))
    readvert_gap_days: Uncertain(ge=0) = Field(42.0, description="Gap before re-advertising a post that was not filled", json_schema_extra=src("assumption"))
    applicants_per_advert: dict[Role, Uncertain(ge=0)] = Field(
        default_factory=_per_role(0.5, 0.5, 0.5),
        description="Mean applicants per advert round for one post (Poisson)",
        json_schema_extra=src("assumption: a hard-to-recruit market; scenarios calibrate it"),
    )
    p_interview: Uncertain(ge=0, le=1) = Field(0.6, description="Share of applicants shortlisted and interviewed", json_schema_extra=src("assumption"))
    p_offer: Uncertain(ge=0, le=1) = Field(0.45, description="Share of interviewed candidates found appointable", json_schema_extra=src("assumption"))
    p_accept: Uncertain(ge=0, le=1) = Field(0.75, description="Share of offers accepted", json_schema_extra=src("assumption"))
    withdrawal_per_week_before_start: Uncertain(ge=0) = Field(
        0.02,
        description="Hazard per week that an accepted candidate withdraws before starting",
        json_schema_extra=src("assumption: long checks lose candidates, the reason S2 cut them"),
    )


class CampaignRole(Strict):
    applicants: Uncertain(ge=0) = Field(description="Expected applicants (Poisson mean)")
    max_hires: int = Field(ge=0, description="At most this many offers")


class Campaign(Strict):
    """A recruitment campaign on a date: one advert for several posts."""

    date: dt.date
    name: str = "campaign"
    roles: dict[Role, CampaignRole] = Field(min_length=1)
    team_groups: Optional[list[str]] = Field(None, description="Groups whose vacancies it fills (default all)")
    cost_gbp: Uncertain(ge=0) = Field(0.0, description="Cost of the campaign (adverts, events, materials), GBP, charged on its date",
                                      json_schema_extra=src("assumption: none unless the scenario gives one"))


class Appointment(Strict):
    """Permanent appointments already made, starting on a date (no pipeline)."""

    date: dt.date
    role: Role
    count: int = Field(ge=0, description="Workers starting")
    team_types: Optional[list[str]] = Field(None, description="Team types they may be placed in (default any)")
    note: str = ""


class Recruitment(Strict):
    pipeline: Pipeline = Pipeline()
    campaigns: list[Campaign] = []
    appointments: list[Appointment] = Field(default_factory=list, description="Known permanent starters on dates (e.g. a recruitment drive already completed)")


# --------------------------------------------------------------------------- agency
class Agency(Strict):
    enabled: bool = True
    cover_lag_days: Uncertain(ge=0) = Field(21.0, description="Mean days (exponential) from a post falling vacant to an agency attempt", json_schema_extra=src("assumption"))
    cover_probability: Uncertain(ge=0, le=1) = Field(0.9, description="Chance an attempt finds an agency worker", json_schema_extra=src("assumption; S2 staff profile: 3 of 126 posts vacant and uncovered"))
    assignment_mean_months: Uncertain(gt=0) = Field(9.0, description="Mean length (exponential) of an agency assignment, months", json_schema_extra=src("assumption: agency churn cited by Ofsted in S2 'Local context'"))
    conversion_per_year: Uncertain(ge=0) = Field(0.04, description="Hazard per year that an agency worker takes the permanent post", json_schema_extra=src("S2 Appendix 1, Outcome 2 (4): 2 conversions in about 5 months among ~60 agency staff"))


# --------------------------------------------------------------------------- NQSW
class Cohort(Strict):
    date: dt.date
    count: UncertainCount(ge=0) = Field(description="NQSWs starting (a range or distribution is drawn once per replication and rounded)")
    team_types: Optional[list[str]] = Field(None, description="Team types they may be placed in (default any)")


class NQSW(Strict):
    asye_months: Uncertain(gt=0) = Field(12.0, description="Length of the Assessed and Supported Year in Employment, months", json_schema_extra=src("S2 Outcome 3; DESIGN.md section 1"))
    cohorts: list[Cohort] = []


# --------------------------------------------------------------------------- supplement
class SupplementResponse(Strict):
    """Effect of each GBP 1,000 a year of supplement on four rates, as a relative change (compounded).

    The part of the supplement that closes the gap to neighbours' pay has the
    full effect; the part above parity has ``beyond_parity_factor`` of it.
    Evidence and reasons for the defaults: README "Finance".
    """

    applicants_per_1000_gbp: Uncertain(ge=-1) = Field(0.06, description="Relative change in applicants per advert per GBP 1,000 a year",
                                                      json_schema_extra=src("assumption: modest applicant response to pay (README Finance)"))
    acceptance_per_1000_gbp: Uncertain(ge=-1) = Field(0.03, description="Relative change in the offer acceptance probability per GBP 1,000 a year",
                                                      json_schema_extra=src("assumption (README Finance)"))
    attrition_per_1000_gbp: Uncertain(ge=-1, le=0) = Field(-0.04, description="Relative change in the leaving hazard of permanent staff per GBP 1,000 a year",
                                                           json_schema_extra=src("assumption: 'pay' is one of the leaver reasons S2 tracks (README Finance)"))
    conversion_per_1000_gbp: Uncertain(ge=-1) = Field(0.10, description="Relative change in the agency-to-permanent conversion hazard per GBP 1,000 a year",
                                                      json_schema_extra=src("assumption: S2 Outcome 2 (4) links supplements to agency staff converting"))
    beyond_parity_factor: Uncertain(ge=0, le=1) = Field(1.0, description="Share of the per-GBP 1,000 effect that applies to supplement above neighbours' pay",
                                                        json_schema_extra=src("assumption: every GBP 1,000 counts the same unless a scenario gives a gap and a smaller factor"))


class MarketSupplement(Strict):
    enabled: bool = False
    start_date: Optional[dt.date] = None
    amount_gbp_per_year: dict[Role, float] = Field(default_factory=dict, description="Supplement per FTE, GBP a year")
    team_groups: list[str] = Field(default_factory=lambda: ["social_work_teams"], description="Groups eligible (S2: front-line teams and their managers)")
    neighbour_pay_gap_gbp_per_year: dict[Role, Uncertain()] = Field(
        default_factory=dict,
        description="Neighbouring councils' pay minus ours before the supplement, GBP a year per FTE (positive: we pay less); 0 when not given",
        json_schema_extra=src("assumption: parity with neighbours unless the scenario says otherwise"),
    )
    response: SupplementResponse = SupplementResponse()

    @field_validator("amount_gbp_per_year")
    @classmethod
    def _non_negative(cls, amounts: dict[str, float]) -> dict[str, float]:
        for role, value in amounts.items():
            if value < 0:
                raise ValueError(f"{role}: must be >= 0")
        return amounts


# --------------------------------------------------------------------------- finance
def _spine_levels() -> list[list[float]]:
    return [list(level) for level in pay_spine()[1]]


class RolePay(Strict):
    """Pay points of one role (salaries in GBP a year, ascending), grouped into levels."""

    levels: list[list[float]] = Field(min_length=1, description="Salaries of the pay points of each level, GBP a year, ascending")
    first_spinal_point: Optional[int] = Field(None, description="Spinal column point of the first salary (labels only)")
    entry_level: int = Field(1, ge=1, description="Level (1 = lowest) at whose first point recruits other than NQSWs start")
    nqsw_entry_level: int = Field(1, ge=1, description="Level at whose first point NQSWs start")
    progression_per_year: list[Uncertain(ge=0)] = Field(
        default_factory=list,
        description="Hazard per year of progressing on competency from level i to i+1 once eligible (one per level above the first; missing = 0)",
    )

    @field_validator("levels")
    @classmethod
    def _salaries(cls, levels: list[list[float]]) -> list[list[float]]:
        flat = [s for level in levels for s in level]
        if any(not level for level in levels):
            raise ValueError("every level needs at least one salary")
        if any(s <= 0 for s in flat) or any(b <= a for a, b in zip(flat, flat[1:])):
            raise ValueError("salaries must be positive and rise from point to point")
        return levels

    @field_validator("entry_level", "nqsw_entry_level")
    @classmethod
    def _level_exists(cls, level: int, info: ValidationInfo) -> int:
        if "levels" in info.data and level > len(info.data["levels"]):
            raise ValueError(f"no level {level} (there are {len(info.data['levels'])})")
        return level

    @field_validator("progression_per_year")
    @classmethod
    def _one_per_level(cls, rates: list, info: ValidationInfo) -> list:
        if "levels" in info.data and len(rates) > len(info.data["levels"]) - 1:
            raise ValueError("one value per level above the first")
        return rates


class Progression(Strict):
    """Yearly increments within a level; progression between levels on competency (S4 3.1, 5.4-5.5, Appendix B)."""

    increment_month: int = Field(4, ge=1, le=12, description="Month of the yearly increment (4 = April)",
                                 json_schema_extra=src("S4 3.1: progression by yearly increment; assumption: on 1 April, the start of the pay year"))
    min_months_in_post_for_increment: float = Field(6.0, ge=0, le=12, description="Months of service needed by the increment date, months",
                                                    json_schema_extra=src("assumption: common local government practice (first increment after six months)"))
    nqsw_min_service_years: float = Field(1.0, ge=0, description="Years of service before an NQSW may progress a level, years",
                                          json_schema_extra=src("S4 Appendix B, The Procedure: most NQSWs complete at least one year's service before applying"))
    acceleration: bool = Field(True, description="Progress to the next level before reaching the top of the current one",
                               json_schema_extra=src("S4 5.4-5.5: e.g. Level 2 at SCP 37 with Level 3 competency moves to SCP 41"))
    training_release_days_per_year: Uncertain(ge=0) = Field(0.0, description="Days a year off casework for each worker working toward the next level, days",
                                                            json_schema_extra=src("assumption: none unless the scenario gives it (S4 4.1 reports release as a constraint)"))
    share_working_toward_next_level: Uncertain(ge=0, le=1) = Field(0.0, description="Share of eligible workers below the top level who are released for training",
                                                                   json_schema_extra=src("assumption: none unless the scenario gives it"))


class AgencyCost(Strict):
    basis: Literal["day_rate", "premium"] = Field("day_rate", description="Charge agency workers by day rate, or as a premium over the permanent cost of the post")
    day_rate_gbp: dict[Role, Uncertain(ge=0)] = Field(
        default_factory=_per_role(400.0, 350.0, 300.0),
        description="Charge per billable day for an agency worker, GBP a day (agency fee included)",
        json_schema_extra=src("assumption: no rate in the seeds or ../shared/data; about GBP 40 an hour for a social worker in the South East, 2014 (README Finance)"),
    )
    premium_over_permanent: Uncertain(ge=0) = Field(0.5, description="Premium over the permanent cost (salary at the entry point plus on-costs) per day, fraction",
                                                    json_schema_extra=src("assumption: used only when basis is premium (README Finance)"))


class Relocation(Strict):
    start_date: Optional[dt.date] = Field(None, description="Date from which external recruits are offered the package (none: not offered)")
    package_gbp: Uncertain(ge=0) = Field(0.0, description="Cost of one relocation package, GBP, paid when the recruit starts")
    take_up: Uncertain(ge=0, le=1) = Field(0.0, description="Share of eligible starters who take the package")
    team_groups: Optional[list[str]] = Field(None, description="Groups whose recruits are eligible (default all)")


class ProgrammePost(Strict):
    name: str = "practice_development_coordinator"
    start_date: dt.date
    end_date: Optional[dt.date] = None
    salary_gbp_per_year: Uncertain(ge=0) = Field(description="Salary of the post, GBP a year (employer on-costs added)")
    fte: float = Field(1.0, gt=0, le=1)


class NQSWProgramme(Strict):
    posts: list[ProgrammePost] = Field(default_factory=list, description="Posts that run the programme (e.g. the coordinator), dated")
    consolidation_module_gbp_per_nqsw: Uncertain(ge=0) = Field(0.0, description="Consolidation module fee per NQSW, GBP, paid when the ASYE is completed in post")
    practice_educator_gbp_per_nqsw_month: Uncertain(ge=0) = Field(0.0, description="External practice educator supervision per NQSW in ASYE, GBP a month")


def _financial_year(key: str) -> str:
    ok = len(key) == 7 and key[4] == "/" and key[:4].isdigit() and key[5:].isdigit() and (int(key[:4]) + 1) % 100 == int(key[5:])
    if not ok:
        raise ValueError("financial years are written like 2014/15 (April to March)")
    return key


FinancialYear = Annotated[str, AfterValidator(_financial_year)]


class Investment(Strict):
    """A budget by financial year to compare spend with."""

    gbp_by_financial_year: dict[FinancialYear, Annotated[float, Field(ge=0)]] = Field(default_factory=dict, description="Budget by financial year ('2014/15': GBP)")
    baseline: Optional[str] = Field(None, description="Scenario file (relative to the scenario given on the command line) whose spend is "
                                                      "subtracted: the budget is compared with the additional spend")

    @field_validator("gbp_by_financial_year", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        """null (e.g. in a scenario that extends one with a profile) means no profile."""
        return {} if value is None else value


def _default_pay() -> dict[str, RolePay]:
    return {
        "social_worker": RolePay(levels=_spine_levels(), first_spinal_point=pay_spine()[0], entry_level=2, nqsw_entry_level=1,
                                 progression_per_year=[0.5, 0.2]),
        "consultant_practitioner": RolePay(levels=[[37206.0, 38042.0, 38961.0, 39855.0]]),
        "practice_manager": RolePay(levels=[[41000.0, 42000.0, 43000.0, 44000.0]]),
    }


class Finance(Strict):
    """Pay, progression and the cost of the workforce."""

    pay: dict[Role, RolePay] = Field(
        default_factory=lambda: _default_pay(),
        description="Pay points by role, GBP a year (a role left out keeps its default)",
        json_schema_extra=src(f"social_worker: {SPINE_SOURCE}; experienced recruits start at Level 2 and progression hazards 0.5 and 0.2 a year are assumptions; "
                              "consultant practitioner and practice manager salaries are assumptions above SCP 43 (S4 3.1 gives only main-grade social workers)"),
    )
    pay_award_per_year: Uncertain(ge=-0.2, le=0.2) = Field(0.0, description="Uplift of every salary each increment month, fraction",
                                                           json_schema_extra=src("assumption: none unless the scenario gives it"))
    on_cost_rate: Uncertain(ge=0, le=1) = Field(0.28, description="Employer on-costs (National Insurance and pension) as a fraction of pay",
                                                json_schema_extra=src("assumption: employer NI about 10% of a GBP 30,000 salary plus a Local Government Pension Scheme employer rate of about 18%"))
    on_costs_on_supplement: bool = Field(True, description="Market supplement is pay for on-costs", json_schema_extra=src("assumption: supplements are pensionable pay"))
    working_days_per_fte_year: Uncertain(gt=0, le=366) = Field(225.0, description="Days worked in a year by one FTE, days (agency billing, training release)",
                                                               json_schema_extra=src("assumption: 261 weekdays less 8 bank holidays and about 28 days' leave"))
    progression: Progression = Progression()
    agency: AgencyCost = AgencyCost()
    relocation: Relocation = Relocation()
    nqsw_programme: NQSWProgramme = NQSWProgramme()
    investment: Investment = Investment()

    @field_validator("pay", mode="before")
    @classmethod
    def _merge_defaults(cls, pay: Any) -> Any:
        """A role given in part keeps its default for the keys left out; a role left out keeps its default."""
        if not isinstance(pay, dict):
            return pay
        defaults = _default_pay()
        merged: dict[str, Any] = {role: rp.model_dump() for role, rp in defaults.items()}
        for role, value in pay.items():
            if isinstance(value, dict) and role in merged:
                merged[role] = {**merged[role], **value}
            else:
                merged[role] = value
        return merged


# --------------------------------------------------------------------------- children's cases
CaseType = Literal["assessment", "cin", "cp", "lac"]
PlanType = Literal["cin", "cp", "lac"]
Outcome = Literal["close", "cin", "cp", "lac"]
CASE_TYPES: tuple[str, ...] = ("assessment", "cin", "cp", "lac")


def _shares(values: dict[str, float]) -> dict[str, float]:
    if not values or any(v < 0 for v in values.values()) or abs(sum(values.values()) - 1) > 1e-6:
        raise ValueError("shares must be >= 0 and sum to 1")
    return values


OutcomeShares = Annotated[dict[Outcome, float], AfterValidator(_shares)]
CaseTypeShares = Annotated[dict[CaseType, float], AfterValidator(_shares)]


class Duration(Strict):
    """Distribution of a duration drawn afresh for every case, days."""

    dist: Literal["fixed", "exponential", "lognormal"] = Field("lognormal", description="fixed, exponential, or lognormal (mean and coefficient of variation)")
    mean_days: Uncertain(gt=0) = Field(description="Mean, days")
    cv: Uncertain(ge=0) = Field(1.0, description="Coefficient of variation (sd / mean), lognormal only")


class Referrals(Strict):
    """Referrals accepted by children's social care: a Poisson process."""

    rate_per_year: Uncertain(ge=0) = Field(description="Referrals a year at the start date, before seasonality")
    trend_per_year: Uncertain(gt=-1) = Field(0.0, description="Relative change of the rate a year, compounding (0.05 = +5% a year)")
    seasonality: list[float] = Field(
        default_factory=lambda: [1.0] * 12,
        description="Twelve monthly factors (January first) multiplying the rate; their mean must be 1",
        json_schema_extra=src("assumption: flat unless a scenario says otherwise (DfE publishes annual referral counts only)"),
    )

    @field_validator("seasonality")
    @classmethod
    def _season(cls, f: list[float]) -> list[float]:
        if len(f) != 12 or any(x < 0 for x in f):
            raise ValueError("needs 12 factors >= 0")
        if abs(sum(f) / 12 - 1) > 0.01:
            raise ValueError(f"factors must average 1 (they average {sum(f) / 12:.3f})")
        return f


class AssessmentSpec(Strict):
    """The single assessment that follows each referral."""

    work_calendar_days: Duration = Field(
        default_factory=lambda: Duration(dist="lognormal", mean_days=30.0, cv=0.6),
        description="Calendar days (weekends and holidays included, not working days) an assessment takes from allocation to completion with a worker at full capacity "
                    "(progress slows when the worker's cases need more time than they have, and stops while unallocated)",
        json_schema_extra=src("assumption: 30 calendar days, about 21 working days at full capacity, inside the 45-working-day limit"),
    )
    clock_working_days: int = Field(45, gt=0, description="Working days from referral to completion counted as on time", json_schema_extra=src("S2 Measures and targets: 95% within 45 days; Working Together 2013"))
    outcomes: OutcomeShares = Field(description="Shares of completed assessments that close or start each plan")


class PlanSpec(Strict):
    """A Child in Need plan, Child Protection plan or period Looked After."""

    duration: Duration = Field(description="Length of the plan, days")
    next: OutcomeShares = Field(description="When the plan ends: shares that close, step up or step down to each plan")
    move_after_days: Optional[Uncertain(ge=0)] = Field(None, description="Days after the plan starts when the case moves to a team of move_to (e.g. looked after children to a Looked After team)")
    move_to: list[str] = Field(default_factory=list, description="Team types the case moves to after move_after_days")

    @model_validator(mode="after")
    def _move(self) -> PlanSpec:
        if (self.move_after_days is None) != (not self.move_to):
            raise ValueError("move_after_days and move_to go together")
        return self


class OpeningCaseload(Strict):
    """Open cases held by the teams of one type on the start date."""

    cases_per_worker: Uncertain(ge=0) = Field(description="Children per case-holding worker present (a Consultant Practitioner counts by their role share)")
    mix: CaseTypeShares = Field(description="Shares of those cases by type")


class Demand(Strict):
    """Children's cases: referrals, assessments, plans, and the open cases on the start date."""

    referrals: Referrals
    assessment: AssessmentSpec
    plans: dict[PlanType, PlanSpec] = Field(default_factory=dict, description="Every plan type an outcome can lead to")
    opening: dict[str, OpeningCaseload] = Field(default_factory=dict, description="Team type -> its open cases on the start date")


class TimeOff(Strict):
    """Time a worker spends away from casework, and so their capacity against their cap.

    One rule: a worker's capacity (children they can work at full pace) is
    the cap of their role x FTE x their casework share (1 - supervision -
    training - for NQSWs in their ASYE protected development time) / the
    casework share the cap assumes. By default the cap assumes a social
    worker's time off, so a social worker at their cap is at capacity, and an
    NQSW's extra supervision and 10% protected development time give them
    0.88 of a social worker's capacity (about the 90% caseload of S2). Over
    capacity, assessments slow and visits are late.
    """

    working_hours_per_week: float = Field(37.0, gt=0, json_schema_extra=src("assumption: NJC standard 37-hour week"))
    supervision_hours_per_session: float = Field(1.5, ge=0, description="Length of a supervision session, hours (taken off capacity for casework)", json_schema_extra=src("assumption: length of a supervision session"))
    supervision_sessions_per_4_weeks: float = Field(1.0, ge=0, description="Supervision sessions of a worker out of the ASYE every 4 weeks", json_schema_extra=src("S0 Priority 2: a dedicated supervision session at least once every four weeks"))
    asye_supervision_sessions_per_4_weeks: float = Field(2.5, ge=0, description="Supervision sessions of an NQSW in the ASYE every 4 weeks", json_schema_extra=src("S2 Outcome 3: fortnightly for 6 months then monthly, plus monthly 1:1 with the Practice Educator (average over the year)"))
    asye_development_share: float = Field(0.10, ge=0, lt=1, description="Protected development time of NQSWs in their ASYE, share of time (taken off their capacity for casework)", json_schema_extra=src("S2 Outcome 3 and Measures: 10% protected development time (0.5 days a week)"))
    training_days_per_year: float = Field(5.0, ge=0, description="Training release, days a year (taken off capacity for casework)", json_schema_extra=src("assumption; S2 Outcome 1 training offer; S4 4.1: post-qualifying release strains service delivery"))
    working_days_per_year: float = Field(225.0, gt=0, json_schema_extra=src("assumption: 261 weekdays less 28 days' leave and 8 bank holidays"))
    casework_share_assumed_by_cap: Optional[float] = Field(
        None, gt=0, le=1,
        description="Share of a full-time worker's time the caseload cap assumes goes to casework; none: that of a social worker out of the ASYE "
                    "with the supervision and training above (a social worker at cap is at capacity). Set it to keep the cap's assumption fixed while time off varies",
        json_schema_extra=src("assumption: caps are set for a worker with the usual supervision and training (S2: 16 children)"),
    )


class Visits(Strict):
    """Statutory visits: a visit is late when the case is unallocated or its worker has no capacity for it."""

    cp_interval_days: Uncertain(gt=0) = Field(14.0, description="Days between visits to a child on a Child Protection plan", json_schema_extra=src("assumption: every 10 working days, a common local procedure (Working Together 2013 leaves the frequency to local procedures)"))
    lac_interval_days: Uncertain(gt=0) = Field(42.0, description="Days between visits to a looked-after child", json_schema_extra=src("Care Planning, Placement and Case Review (England) Regulations 2010, reg. 28: at most 6 weeks apart in the first year of a placement"))


class Pressure(Strict):
    """Caseload pressure (weighted caseload / cap) raises a permanent worker's leaving hazard."""

    hazard_per_unit_over_cap: Uncertain(ge=0) = Field(
        0.5, description="Hazard multiplier is 1 + this x (pressure - threshold) when pressure exceeds threshold; the extra hazard is attributed to the reason 'workload'",
        json_schema_extra=src("assumption: S2 lists 'workloads too high' among reasons for leaving; no published elasticity"),
    )
    threshold: float = Field(1.0, ge=0, description="Pressure above which the hazard rises")


class Caseload(Strict):
    """How cases are allocated: routes to teams, caps, weights, overflow policy."""

    routes: dict[CaseType, list[str]] = Field(description="Case type -> team types that take new cases of that type")
    keep: dict[CaseType, list[str]] = Field(default_factory=dict, description="Case type -> further team types whose worker keeps a case that changes to that type (default: its route)")
    cap: Uncertain(gt=0) = Field(16.0, description="Cap of a full-time social worker, children (weighted)", json_schema_extra=src("S2 Measures and targets: average caseloads at 16 children"))
    cap_by_team_type: dict[str, Uncertain(gt=0)] = Field(default_factory=dict, description="Team type -> its cap, overriding cap (e.g. 15 in children in care teams)")
    role_share: dict[Role, float] = Field(
        default_factory=lambda: {"practice_manager": 0.0, "consultant_practitioner": 0.5, "social_worker": 1.0},
        description="Share of the cap held by each role (0 = holds no cases)",
        json_schema_extra=src("S2 Measures and targets: 50% caseload for Consultant Practitioners; Practice Managers oversee (S2 Outcome 5)"),
    )
    asye_share: float = Field(0.9, ge=0, le=1, description="Share of the cap for an NQSW in the ASYE", json_schema_extra=src("S2: 90% caseload in the ASYE; S0 Priority 4: NQSWs 10% lower"))
    asye_max_cases: Optional[float] = Field(14.0, gt=0, description="Upper limit on an NQSW's cap, children (none if null)", json_schema_extra=src("S2 Measures and targets: no more than 14 children"))
    weights: dict[CaseType, Uncertain(gt=0)] = Field(
        default_factory=lambda: {t: 1.0 for t in CASE_TYPES},
        description="Workload weight of a case of each type, against the cap",
        json_schema_extra=src("assumption: all 1 (children counted); S4 Appendix A, Laming rec. 24(iii) calls for weighting by complexity"),
    )
    overflow: Literal["queue", "least_loaded"] = Field("queue", description="When nobody is under cap: queue the case unallocated, or give it to the least-loaded worker over cap")
    assessment_priority: Uncertain(ge=1) = Field(
        3.0, description="When a worker's cases need more time than they have, an assessment gets this many times the share of time of a plan case (1 = equal shares)",
        json_schema_extra=src("assumption: assessments run against a statutory clock and come first; 3 lets assessment and Child in Need teams hold about 36 children (S2 Appendix 1, December 2013) without assessments backing up"),
    )
    time_off: TimeOff = TimeOff()
    visits: Visits = Visits()
    pressure: Pressure = Pressure()


# --------------------------------------------------------------------------- scenario
class Scenario(Strict):
    name: str
    description: str = ""
    council: str = ""
    la_code: Optional[str] = Field(None, pattern=r"^(E\d{8}|\d{3})( / (E\d{8}|\d{3}))*$",
                                   description="The council's new (E06000039) or old (871) LA code in the DfE tables: links the scenario "
                                               "to its published figures and statistical neighbours (a joint return: 'E06000061 / E06000062'; none: no link)")
    start_date: dt.date
    end_date: dt.date
    team_types: dict[str, TeamType] = Field(min_length=1)
    teams: list[TeamBlock] = Field(min_length=1)
    establishment_changes: list[EstablishmentChange] = []
    establishment_drift: Optional[EstablishmentDrift] = Field(None, description="Posts that change year by year (none: only "
                                                                                  "establishment_changes change them)")
    council_shocks: Optional[CouncilShocks] = Field(None, description="Yearly council-level shocks to attrition, applicants and agency "
                                                                      "cover (none: no shocks; scenario/shocks.py)")
    initial_staffing: Annotated[
        Union[Annotated[StaffFile, Tag("tagged-union-file")], Annotated[list[InitialStaffing], Tag("tagged-union-posts")]],
        Discriminator(_staffing_kind),
    ] = Field(default_factory=list, description="Who holds the posts on the start date: counts by team group, or {from_file: staff.csv} "
                                                "(the council's staff list, docs/scenarios.md)")
    attrition: Attrition = Attrition()
    recruitment: Recruitment = Recruitment()
    agency: Agency = Agency()
    nqsw: NQSW = NQSW()
    market_supplement: MarketSupplement = MarketSupplement()
    finance: Finance = Finance()
    targets: dict[str, TargetSpec] = Field(default_factory=dict, description="Target name -> its declaration (scenario.targets); null removes an inherited one")
    demand: Optional[Demand] = Field(None, description="Children's cases (none: the model runs without cases)")
    caseload: Optional[Caseload] = Field(None, description="Allocation of cases; required with demand")
    sources: dict[str, str] = Field(default_factory=dict, description="Dotted key -> where its value comes from")

    @model_validator(mode="before")
    @classmethod
    def _staff_files(cls, data: Any) -> Any:
        return _read_staff_files(data) if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if self.end_date <= self.start_date:
            raise ValueError("end_date: must be after start_date")
        for i, block in enumerate(self.teams):
            if block.type not in self.team_types:
                raise ValueError(f"teams.{i}.type: unknown team type {block.type!r}")
        for i, change in enumerate(self.establishment_changes):
            for j, block in enumerate(change.add_teams):
                if block.type not in self.team_types:
                    raise ValueError(f"establishment_changes.{i}.add_teams.{j}.type: unknown team type {block.type!r}")
            if not (self.start_date <= change.date <= self.end_date):
                raise ValueError(f"establishment_changes.{i}.date: outside start_date..end_date")
        groups = {t.group for t in self.team_types.values()}
        posts = self.posts_by_group()
        if self.la_code:
            from workforce_sim.scenario.baseline import find_council  # the DfE table, read once

            try:
                find_council(self.la_code)
            except InputError:
                raise ValueError(f"la_code: no council with LA code {self.la_code!r} in data/dfe_councils.csv.gz") from None
        seen = set()
        if isinstance(self.initial_staffing, StaffFile):
            self._check_staff(self.initial_staffing)
        for i, init in enumerate(self.initial_staffing if isinstance(self.initial_staffing, list) else []):
            if init.group not in groups:
                raise ValueError(f"initial_staffing.{i}.group: unknown group {init.group!r}")
            if init.group in seen:
                raise ValueError(f"initial_staffing.{i}.group: {init.group!r} given twice")
            seen.add(init.group)
            total = init.permanent_posts + init.agency_posts + init.vacant_uncovered_posts
            if total != posts.get(init.group, 0):
                raise ValueError(
                    f"initial_staffing.{i}: permanent + agency + vacant = {total} but group {init.group!r} has {posts.get(init.group, 0)} posts"
                )
            if init.asye_posts > init.permanent_posts:
                raise ValueError(f"initial_staffing.{i}.asye_posts: more than permanent_posts")
        for i, cohort in enumerate(self.nqsw.cohorts):
            for t in cohort.team_types or []:
                if t not in self.team_types:
                    raise ValueError(f"nqsw.cohorts.{i}.team_types: unknown team type {t!r}")
        for i, camp in enumerate(self.recruitment.campaigns):
            for g in camp.team_groups or []:
                if g not in groups:
                    raise ValueError(f"recruitment.campaigns.{i}.team_groups: unknown group {g!r}")
        self._check_targets(groups)
        if self.market_supplement.enabled and self.market_supplement.start_date is None:
            raise ValueError("market_supplement.start_date: required when enabled")
        for g in self.finance.relocation.team_groups or []:
            if g not in groups:
                raise ValueError(f"finance.relocation.team_groups: unknown group {g!r}")
        for i, post in enumerate(self.finance.nqsw_programme.posts):
            if post.end_date is not None and post.end_date <= post.start_date:
                raise ValueError(f"finance.nqsw_programme.posts.{i}.end_date: must be after start_date")
        for i, app in enumerate(self.recruitment.appointments):
            for t in app.team_types or []:
                if t not in self.team_types:
                    raise ValueError(f"recruitment.appointments.{i}.team_types: unknown team type {t!r}")
        self._check_cases()
        return self

    @field_validator("targets", mode="before")
    @classmethod
    def _drop_removed(cls, targets: Any) -> Any:
        """A target set to null (e.g. in a scenario that extends another) is removed."""
        if isinstance(targets, dict):
            return {k: v for k, v in targets.items() if v is not None}
        return targets

    def _check_staff(self, staff: StaffFile) -> None:
        """Every worker of the staff list has a post of their role (in their team, if named) on the start date."""
        where = shown(Path(staff.from_file))
        names = team_names(self.team_types, self.teams)
        type_of = dict(names)
        free: dict[tuple[str, str], int] = {}
        for name, tt in names:
            for spec in self.team_types[tt].posts:
                free[(name, spec.role)] = free.get((name, spec.role), 0) + spec.count
        named = [w for w in staff.workers if w.team is not None and w.team in type_of]
        typed = [w for w in staff.workers if w.team is not None and w.team not in type_of]
        anywhere = [w for w in staff.workers if w.team is None]
        for w in typed:
            if w.team not in self.team_types:
                raise InputError(f"no team {w.team!r} in the scenario (team types: {', '.join(self.team_types)}; or one team: "
                                 f"{', '.join(n for n, _ in names[:3])}{', ...' if len(names) > 3 else ''})",
                                 file=where, key=f"row {w.row}, column team")
        for batch, within in ((named, lambda w, n: n == w.team), (typed, lambda w, n: type_of[n] == w.team), (anywhere, lambda w, n: True)):
            for w in batch:
                role = post_role(w.role)
                team = next((n for n, _ in names if within(w, n) and free.get((n, role), 0) > 0), None)
                if team is None:
                    total = sum(c for (n, r), c in free.items() if r == role and within(w, n))
                    scope = f"team {w.team!r}" if w.team else "the scenario's teams"
                    raise InputError(f"no {role} post left for this worker in {scope} (more {role} workers than posts; add posts or teams, "
                                     f"{total} free)", file=where, key=f"row {w.row}, column {'team' if w.team else 'role'}")
                free[(team, role)] -= 1
        if self.demand is not None and not self.demand.opening:
            w = next((w for w in staff.workers if w.cases), None)
            if w is not None:
                raise InputError("cases held need the mix of case types of demand.opening, which the scenario does not give",
                                 file=where, key=f"row {w.row}, column cases")

    def _check_targets(self, groups: set[str]) -> None:
        """Cross-checks of the target declarations against the rest of the scenario."""
        for name, t in self.targets.items():
            where = f"targets.{name}"
            if not t.modelled:
                continue
            for tt in t.team_types or []:
                if tt not in self.team_types:
                    raise ValueError(f"{where}.team_types: unknown team type {tt!r}")
            for g in t.groups or []:
                if g not in groups:
                    raise ValueError(f"{where}.groups: unknown group {g!r}")
            if t.date is not None and not (self.start_date <= t.date <= self.end_date):
                raise ValueError(f"{where}.date: {t.date.isoformat()} is outside the run ({self.start_date.isoformat()} to {self.end_date.isoformat()})")
            if t.measure in CASE_MEASURES and self.demand is None:
                raise ValueError(f"{where}.measure: {t.measure} needs children's cases (a demand: section)")
            if t.measure == SPEND and not self.finance.investment.gbp_by_financial_year:
                raise ValueError(f"{where}.measure: {SPEND} needs an investment profile (finance.investment.gbp_by_financial_year)")

    def target_for(self, measure: str) -> Optional[tuple[str, TargetSpec]]:
        """The first modelled target of ``measure`` over all team types and groups (name, declaration), if any."""
        for name, t in self.targets.items():
            if t.modelled and t.measure == measure and not t.team_types and not t.groups:
                return name, t
        for name, t in self.targets.items():
            if t.modelled and t.measure == measure:
                return name, t
        return None

    def target_date(self, measure: str) -> dt.date:
        """The date of the scenario's target of ``measure``, else the end of the run."""
        found = self.target_for(measure)
        return found[1].date if found and found[1].date else self.end_date

    def _check_cases(self) -> None:
        """Cross-checks of the demand and caseload sections."""
        d, c = self.demand, self.caseload
        if d is None:
            if c is not None:
                raise ValueError("caseload: needs a demand section")
            return
        if c is None:
            raise ValueError("caseload: required when demand is given")
        types = set(self.team_types)
        for section, mapping in (("caseload.routes", c.routes), ("caseload.keep", c.keep), ("caseload.cap_by_team_type", {k: [k] for k in c.cap_by_team_type})):
            for case_type, tts in mapping.items():
                for t in tts:
                    if t not in types:
                        raise ValueError(f"{section}.{case_type}: unknown team type {t!r}")
        reachable = {"assessment"} | {o for o in d.assessment.outcomes if o != "close"}
        todo = list(reachable)
        while todo:
            plan = d.plans.get(todo.pop())
            for o in (plan.next if plan else {}):
                if o != "close" and o not in reachable:
                    reachable.add(o)
                    todo.append(o)
        for t in sorted(reachable - {"assessment"}):
            if t not in d.plans:
                raise ValueError(f"demand.plans.{t}: missing, but cases can become {t}")
        for t in sorted(reachable | set(m for o in d.opening.values() for m in o.mix)):
            if not c.routes.get(t):
                raise ValueError(f"caseload.routes.{t}: no team type takes {t} cases")
        for t, plan in d.plans.items():
            for tt in plan.move_to:
                if tt not in types:
                    raise ValueError(f"demand.plans.{t}.move_to: unknown team type {tt!r}")
        for tt, opening in d.opening.items():
            if tt not in types:
                raise ValueError(f"demand.opening.{tt}: unknown team type")
            for t in opening.mix:
                holders = set(c.routes.get(t, [])) | set(c.keep.get(t, [])) | set(d.plans[t].move_to if t in d.plans else [])
                if opening.mix[t] > 0 and tt not in holders:
                    raise ValueError(f"demand.opening.{tt}.mix.{t}: team type {tt!r} does not hold {t} cases")
        if float_or_max(c.pressure.hazard_per_unit_over_cap) > 0 and "workload" not in self.attrition.leaver_reasons:
            raise ValueError("attrition.leaver_reasons: must include 'workload' when caseload pressure raises the hazard")

    def posts_by_group(self) -> dict[str, int]:
        """Headcount of posts by team group on the start date."""
        out: dict[str, int] = {}
        for block in self.teams:
            tt = self.team_types[block.type]
            out[tt.group] = out.get(tt.group, 0) + block.count * sum(p.count for p in tt.posts)
        return out

    def day(self, date: dt.date) -> float:
        """Simulation time (days since start_date) of a date."""
        return float((date - self.start_date).days)
