"""Finance: the market supplement, pay and progression, the cost of the workforce and the investment profile.

Evidence and reasons for the defaults: ``docs/finance.md``.
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, Optional

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from workforce_sim.scenario.pay_spine import SPINE_SOURCE, pay_spine
from workforce_sim.scenario.schema.base import Role, Strict, per_role, src
from workforce_sim.scenario.uncertain import Uncertain


# --------------------------------------------------------------------------- supplement
class SupplementResponse(Strict):
    """Effect of each GBP 1,000 a year of supplement on four rates, as a relative change (compounded).

    The part of the supplement that closes the gap to neighbours' pay has the
    full effect; the part above parity has ``beyond_parity_factor`` of it.
    Evidence and reasons for the defaults: docs/finance.md, "Market supplement response".
    """

    applicants_per_1000_gbp: Uncertain(ge=-1) = Field(0.06, description="Relative change in applicants per advert per GBP 1,000 a year",
                                                      json_schema_extra=src("assumption: modest applicant response to pay (docs/finance.md, Market supplement response)"))
    acceptance_per_1000_gbp: Uncertain(ge=-1) = Field(0.03, description="Relative change in the offer acceptance probability per GBP 1,000 a year",
                                                      json_schema_extra=src("assumption (docs/finance.md, Market supplement response)"))
    attrition_per_1000_gbp: Uncertain(ge=-1, le=0) = Field(-0.04, description="Relative change in the leaving hazard of permanent staff per GBP 1,000 a year",
                                                           json_schema_extra=src("assumption: 'pay' is one of the leaver reasons S2 tracks (docs/finance.md, Market supplement response)"))
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
        default_factory=per_role(400.0, 350.0, 300.0),
        description="Charge per billable day for an agency worker, GBP a day (agency fee included)",
        json_schema_extra=src("assumption: no rate in the seeds or ../shared/data; about GBP 40 an hour for a social worker in the South East, 2014 (docs/finance.md, Costs)"),
    )
    premium_over_permanent: Uncertain(ge=0) = Field(0.5, description="Premium over the permanent cost (salary at the entry point plus on-costs) per day, fraction",
                                                    json_schema_extra=src("assumption: used only when basis is premium (docs/finance.md, Costs)"))


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
    baseline: Optional[str] = Field(None, description="The investment baseline: a scenario file whose spend is subtracted (the budget is "
                                                      "compared with the additional spend), written relative to the scenario file that sets "
                                                      "it (to the working folder in --set); once read, the scenario holds it as an absolute path")

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
