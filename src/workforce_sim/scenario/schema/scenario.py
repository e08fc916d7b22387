"""The scenario: every section, and the checks across sections (team types, groups, dates, staff list, targets, cases)."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Optional, Union

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from workforce_sim.errors import InputError
from workforce_sim.scenario.schema.base import Strict, cut, float_or_max, shown
from workforce_sim.scenario.schema.cases import Caseload, Demand
from workforce_sim.scenario.schema.finance import Finance, MarketSupplement
from workforce_sim.scenario.schema.organisation import (
    EstablishmentChange,
    EstablishmentDrift,
    InitialStaffing,
    StaffFile,
    TeamBlock,
    TeamType,
    _staffing_kind,
    post_role,
    team_names,
)
from workforce_sim.scenario.schema.staff import MAX_IMPLIED_TURNOVER
from workforce_sim.scenario.schema.targets import CASE_MEASURES, SPEND, TargetSpec
from workforce_sim.scenario.schema.workforce import NQSW, Agency, Attrition, Recruitment
from workforce_sim.scenario.shocks import CouncilShocks


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
    council_shocks: Optional[CouncilShocks] = Field(None, description="Yearly council-level shocks to attrition, applicants, agency "
                                                                      "cover and the time to hire (none: no shocks; scenario/shocks.py)")
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
            if init.agency_beyond_establishment > init.agency_posts:
                raise ValueError(f"initial_staffing.{i}.agency_beyond_establishment: more than agency_posts")
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
        """Every worker of the staff list has a post of their role (in their team, if named) on the start date.

        Workers are placed in the order the model places them (named team, then team type, then anywhere; the
        first team in order with a free post of the role): one cursor per (scope, role) that only moves forward,
        since free posts only decrease, so the check takes time linear in workers and teams."""
        where = shown(staff.from_file)
        names = team_names(self.team_types, self.teams)
        type_of = dict(names)
        free: dict[tuple[str, str], int] = {}
        for name, tt in names:
            for spec in self.team_types[tt].posts:
                free[(name, spec.role)] = free.get((name, spec.role), 0) + spec.count
        order: dict[Optional[str], list[str]] = {None: [n for n, _ in names]}   # scope -> teams in order (None: every team)
        for name, tt in names:
            order.setdefault(tt, []).append(name)
        cursor: dict[tuple[Optional[str], str], int] = {}
        for w in staff.workers:
            if w.team is not None and w.team not in type_of and w.team not in self.team_types:
                raise InputError(f"no team {cut(w.team)!r} in the scenario (team types: {', '.join(self.team_types)}; or one team: "
                                 f"{', '.join(n for n, _ in names[:3])}{', ...' if len(names) > 3 else ''})",
                                 file=where, key=f"row {w.row}, column team")
        named = [w for w in staff.workers if w.team is not None and w.team in type_of]
        typed = [w for w in staff.workers if w.team is not None and w.team not in type_of]
        anywhere = [w for w in staff.workers if w.team is None]
        for batch, scope_of in ((named, None), (typed, lambda w: w.team), (anywhere, lambda w: None)):
            for w in batch:
                role = post_role(w.role)
                if scope_of is None:   # a named team: that team only
                    team = w.team if free.get((w.team, role), 0) > 0 else None
                    teams = [w.team]
                else:
                    scope = scope_of(w)
                    teams = order[scope]
                    i = cursor.get((scope, role), 0)
                    while i < len(teams) and free.get((teams[i], role), 0) <= 0:
                        i += 1
                    cursor[(scope, role)] = i
                    team = teams[i] if i < len(teams) else None
                if team is None:
                    total = sum(free.get((n, role), 0) for n in teams)
                    scope_text = f"team {cut(w.team)!r}" if w.team else "the scenario's teams"
                    raise InputError(f"no {role} post left for this worker in {scope_text} (more {role} workers than posts; add posts or "
                                     f"teams, {total} free)", file=where, key=f"row {w.row}, column {'team' if w.team else 'role'}")
                free[(team, role)] -= 1
        if staff.implied_turnover is not None and staff.implied_turnover > MAX_IMPLIED_TURNOVER and staff.leavers_file:
            raise InputError(f"implies a turnover of {staff.implied_turnover:.1%} in the year before the start, more than the "
                             f"{MAX_IMPLIED_TURNOVER:.0%} the attrition hazards can be scaled to (leaver FTE / mean permanent FTE of the "
                             f"year, with {shown(where)}); check the leavers and the staff list", file=shown(staff.leavers_file))
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
