"""Target declarations: what a scenario's reports are judged against.

Each scenario declares its own targets under ``targets:``, a mapping of a
target's name to its declaration::

    targets:
      permanent_share:
        measure: permanent_share
        threshold: 0.80
        direction: at_least
        date: 2017-03-31
        title: Permanent social work staff
        source: "S2 'Measures and targets': sustainable 80% permanent (2017)"
      caseload_children_in_care:
        measure: average_caseload
        team_types: [children_in_care]
        threshold: 15
        direction: at_most
        date: 2014-12-31
        title: Caseload in Children in Care teams
        source: "S0 Priority 4"
      casework_audits:
        modelled: false
        title: Casework quality audits
        target_text: 80% good or better (March 2016)
        source: "S2 Outcomes 1 and 6"
        note: audit grades are qualitative judgements the model does not make

A scenario that ``extends:`` another inherits its targets by name: a
declaration of the same name is merged key by key (``threshold: 0.84`` alone
changes only the threshold), a new name adds a target, and ``name: null``
removes an inherited one. A target without ``threshold`` and ``direction`` is
an indicator: its value is reported, nothing is judged.

The measures (``MEASURES``) know no council: which team types or team groups
a measure counts is part of the declaration. A date is read from the monthly
snapshot at or before it (see ``analysis.measures.snapshot_at``).
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Unit = Literal["share", "children", "per_year", "count", "gbp"]
Direction = Literal["at_least", "at_most"]


@dataclass(frozen=True)
class MeasureInfo:
    """What a measure is: its unit, which way is better, the data it needs and the options it takes."""

    unit: Unit
    better: Literal["higher", "lower"]
    needs: Literal["workforce", "cases", "finance"]
    description: str
    options: tuple[str, ...] = ()


MEASURES: dict[str, MeasureInfo] = {
    "permanent_share": MeasureInfo("share", "higher", "workforce",
                                   "Permanent FTE as a share of filled FTE (permanent + agency) in the team groups counted (default all).", ("groups",)),
    "vacancy_rate": MeasureInfo("share", "lower", "workforce",
                                "Posts without a permanent holder as a share of all posts (FTE); a post covered by an agency worker counts as vacant (DfE definition).", ("groups",)),
    "agency_share": MeasureInfo("share", "lower", "workforce", "Agency FTE as a share of filled FTE.", ("groups",)),
    "permanent_turnover": MeasureInfo("per_year", "lower", "workforce",
                                      "Permanent leavers in the 12 months to the date, per average permanent headcount (per year)."),
    "average_caseload": MeasureInfo("children", "lower", "cases",
                                    "Children per qualified social worker (FTE, NQSWs in their ASYE left out), in the team types counted (default all).", ("team_types",)),
    "consultant_practitioner_caseload": MeasureInfo("children", "lower", "cases", "Children per consultant practitioner (FTE).", ("team_types",)),
    "nqsw_caseload": MeasureInfo("children", "lower", "cases", "Children per NQSW in their ASYE (FTE).", ("team_types",)),
    "nqsw_caseload_reduction": MeasureInfo("share", "higher", "cases",
                                           "How much lower NQSWs' average caseload is than qualified social workers' (0.10 = 10% lower).", ("team_types",)),
    "assessments_on_time": MeasureInfo("share", "higher", "cases", "Share of the assessments completed in the month that finished within the clock (working days)."),
    "unallocated_children": MeasureInfo("count", "lower", "cases",
                                        "Open cases held by nobody on the date: children waiting for a social worker (under the "
                                        "queue policy, or when NQSWs' caps leave no one with room)."),
    "visits_on_time": MeasureInfo("share", "higher", "cases", "Share of the child protection and looked-after visits due in the month that were made on time."),
    "three_or_fewer_workers": MeasureInfo("share", "higher", "cases",
                                          "Share of children whose pathway from assessment closed in the 12 months to the date who had no more than 3 social workers."),
    "spend_within_profile": MeasureInfo("gbp", "lower", "finance",
                                        "Spend in each financial year of the investment profile (finance.investment): the cost above the "
                                        "baseline scenario when one is named, else the total cost; judged year by year, at most the year's budget."),
}
CASE_MEASURES = tuple(k for k, m in MEASURES.items() if m.needs == "cases")
SPEND = "spend_within_profile"
DIRECTION_WORD = {"at_least": "at least", "at_most": "at most"}


class TargetSpec(BaseModel):
    """One declared target (or indicator, or a target the model does not measure)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    title: str = Field(min_length=1, description="What the reader sees")
    source: str = Field(min_length=1, description="Where the target comes from: seed document and section, or 'assumption: why'")
    modelled: bool = Field(True, description="False for a target the model does not measure (audits, surveys); listed in reports with its note")
    measure: Optional[str] = Field(None, description="Key of the measure (see MEASURES); required when modelled")
    threshold: Optional[float] = Field(None, description="Value to reach, in the measure's unit (shares as fractions: 0.8 = 80%)")
    direction: Optional[Direction] = Field(None, description="at_least or at_most")
    date: Optional[dt.date] = Field(None, description="Date the target is judged at (the monthly snapshot at or before it is read)")
    team_types: Optional[list[str]] = Field(None, description="Caseload measures: the team types counted (default all)")
    groups: Optional[list[str]] = Field(None, description="Staffing measures: the team groups counted (default all)")
    description: str = Field("", description="What is measured (default: the measure's own description)")
    target_text: Optional[str] = Field(None, description="The target in words (default: built from threshold, direction and date)")
    note: str = Field("", description="A caveat shown with the target (e.g. why it is not modelled)")

    @field_validator("threshold")
    @classmethod
    def _finite(cls, value: Optional[float]) -> Optional[float]:
        if value is not None and not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value

    @field_validator("measure")
    @classmethod
    def _known(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and value not in MEASURES:
            raise ValueError(f"unknown measure {value!r}; known measures: {', '.join(MEASURES)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> TargetSpec:
        if not self.modelled:
            if not self.target_text:
                raise ValueError("target_text: required for a target that is not modelled")
            return self
        if self.measure is None:
            raise ValueError("measure: required (or modelled: false)")
        info = MEASURES[self.measure]
        for option in ("team_types", "groups"):
            if getattr(self, option) is not None and option not in info.options:
                raise ValueError(f"{option}: not an option of measure {self.measure!r}")
        if self.measure == SPEND:
            if self.threshold is not None or self.direction not in (None, "at_most") or self.date is not None:
                raise ValueError("threshold: the budget of each financial year comes from finance.investment; give no threshold, direction or date")
            return self
        if (self.threshold is None) != (self.direction is None):
            raise ValueError("threshold: give threshold and direction together (neither for an indicator)")
        if self.date is None:
            raise ValueError("date: required")
        return self

    @property
    def unit(self) -> Unit:
        return MEASURES[self.measure].unit if self.measure else "count"
