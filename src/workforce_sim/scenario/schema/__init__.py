"""The scenario schema: plain typed descriptions of one council's service, validated.

A scenario is a static description of one council's service and the policies
under test. It never holds simulation state (that belongs to the model) and
reads no files: the loader (``workforce_sim.scenario.loading``) reads the
scenario's YAML and the staff lists it names and hands the parsed values here.

Sections, one module each: ``base`` (the ``Strict`` base: unknown keys refused,
numbers finite), ``organisation`` (teams, posts, who holds them on the start
date), ``staff`` (the rows of a council's staff list), ``workforce``
(attrition, recruitment, agency, NQSWs), ``finance`` (supplement, pay, costs,
investment), ``cases`` (children's cases and their allocation), ``targets``
(target declarations) and ``scenario`` (the ``Scenario`` and its checks across
sections). Every public name is importable from here.
"""
from workforce_sim.scenario.pay_spine import SPINE_SOURCE, pay_spine
from workforce_sim.scenario.schema.base import (
    CELL_CHARS,
    MAX_MAGNITUDE,
    ROLES,
    Role,
    Strict,
    cut,
    float_or_max,
    per_role,
    shown,
    src,
)
from workforce_sim.scenario.schema.cases import (
    CASE_TYPES,
    AssessmentSpec,
    Caseload,
    CaseType,
    CaseTypeShares,
    Demand,
    Duration,
    OpeningCaseload,
    Outcome,
    OutcomeShares,
    PlanSpec,
    PlanType,
    Pressure,
    Referrals,
    TimeOff,
    Visits,
)
from workforce_sim.scenario.schema.finance import (
    AgencyCost,
    Finance,
    FinancialYear,
    Investment,
    MarketSupplement,
    NQSWProgramme,
    ProgrammePost,
    Progression,
    Relocation,
    RolePay,
    SupplementResponse,
)
from workforce_sim.scenario.schema.organisation import (
    MAX_DRIFT_YEARS,
    EstablishmentChange,
    EstablishmentDrift,
    InitialStaffing,
    PostSpec,
    StaffFile,
    TeamBlock,
    TeamType,
    post_role,
    team_names,
)
from workforce_sim.scenario.schema.scenario import Scenario
from workforce_sim.scenario.schema.staff import (
    DAYS_PER_YEAR,
    MAX_IMPLIED_TURNOVER,
    Leaver,
    StaffMember,
    implied_turnover,
    year_before,
)
from workforce_sim.scenario.schema.targets import CASE_MEASURES, MEASURES, SPEND, TargetSpec
from workforce_sim.scenario.schema.workforce import (
    NQSW,
    Agency,
    Appointment,
    Attrition,
    Campaign,
    CampaignRole,
    Cohort,
    HazardBand,
    LeaverReason,
    Pipeline,
    Recruitment,
    TenureShare,
)
from workforce_sim.scenario.uncertain import Uncertain, UncertainCount

__all__ = [
    "CASE_MEASURES", "CASE_TYPES", "CELL_CHARS", "DAYS_PER_YEAR", "MAX_DRIFT_YEARS", "MAX_IMPLIED_TURNOVER", "MAX_MAGNITUDE",
    "MEASURES", "NQSW", "ROLES", "SPEND", "SPINE_SOURCE",
    "Agency", "AgencyCost", "Appointment", "AssessmentSpec", "Attrition", "Campaign", "CampaignRole", "CaseType", "CaseTypeShares",
    "Caseload", "Cohort", "Demand", "Duration", "EstablishmentChange", "EstablishmentDrift", "Finance", "FinancialYear",
    "HazardBand", "InitialStaffing", "Investment", "Leaver", "LeaverReason", "MarketSupplement", "NQSWProgramme", "OpeningCaseload",
    "Outcome", "OutcomeShares", "Pipeline", "PlanSpec", "PlanType", "PostSpec", "Pressure", "ProgrammePost", "Progression",
    "Recruitment", "Referrals", "Relocation", "Role", "RolePay", "Scenario", "StaffFile", "StaffMember", "Strict",
    "SupplementResponse", "TargetSpec", "TeamBlock", "TeamType", "TenureShare", "TimeOff", "Uncertain", "UncertainCount", "Visits",
    "cut", "float_or_max", "shown", "implied_turnover", "pay_spine", "per_role", "post_role", "src", "team_names", "year_before",
]
