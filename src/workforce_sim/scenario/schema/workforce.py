"""The workforce: attrition, recruitment, agency cover and newly qualified social workers."""
from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from pydantic import Field, field_validator, model_validator

from workforce_sim.scenario.schema.base import Role, Strict, per_role, src
from workforce_sim.scenario.uncertain import Uncertain, UncertainCount


class TenureShare(Strict):
    min_years: float = Field(ge=0)
    max_years: float = Field(gt=0)
    share: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _order(self) -> TenureShare:
        if self.max_years <= self.min_years:
            raise ValueError("max_years must be greater than min_years")
        return self


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
        default_factory=per_role(0.5, 0.5, 0.5),
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
    spread_months: int = Field(1, ge=1, le=12, description="Months over which the cohort starts: its count split as evenly as "
                               "possible into one start a month from its date, on the same day of the month (1: all on its date)")

    def starts(self) -> list[tuple[dt.date, int]]:
        """(date, NQSWs) of each start: the whole count on its date, or split over ``spread_months``
        months (the count of a sampled scenario, a whole number)."""
        if self.spread_months == 1:
            return [(self.date, self.count)]
        total, done, out = int(self.count), 0, []
        for m in range(self.spread_months):
            cum = round(total * (m + 1) / self.spread_months)
            y, mo = divmod(self.date.month - 1 + m, 12)
            day = dt.date(self.date.year + y, mo + 1, 1)
            last = ((day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)).day
            out.append((day.replace(day=min(self.date.day, last)), cum - done))
            done = cum
        return out


class NQSW(Strict):
    asye_months: Uncertain(gt=0) = Field(12.0, description="Length of the Assessed and Supported Year in Employment, months", json_schema_extra=src("S2 Outcome 3; DESIGN.md section 1"))
    cohorts: list[Cohort] = []
