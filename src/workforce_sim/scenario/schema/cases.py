"""Children's cases: referrals, assessments, plans, and how cases are allocated to workers."""
from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import AfterValidator, Field, field_validator, model_validator

from workforce_sim.scenario.schema.base import Role, Strict, src
from workforce_sim.scenario.uncertain import Uncertain

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
