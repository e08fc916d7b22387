"""Scenario files: YAML -> typed, validated, resolved scenario.

A scenario is a static description of one council's service and the policies
under test. It never holds simulation state (that belongs to the model).

Every parameter carries its unit in its name or description and a source:
the seed document and section, a public statistic, or "assumption: why".
Scenario files may add a ``sources:`` mapping of dotted key -> citation for
the values they set.
"""
from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any, Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import InputError
from .uncertainty import Uncertain

Role = Literal["practice_manager", "consultant_practitioner", "social_worker"]
ROLES: tuple[str, ...] = ("practice_manager", "consultant_practitioner", "social_worker")


def src(text: str) -> dict[str, Any]:
    """Field metadata naming where a default comes from."""
    return {"source": text}


class Strict(BaseModel):
    """Base for every scenario section: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


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


class TenureShare(Strict):
    min_years: float = Field(ge=0)
    max_years: float = Field(gt=0)
    share: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _order(self) -> "TenureShare":
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


class Recruitment(Strict):
    pipeline: Pipeline = Pipeline()
    campaigns: list[Campaign] = []


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
    count: int = Field(ge=0, description="NQSWs starting")
    team_types: Optional[list[str]] = Field(None, description="Team types they may be placed in (default any)")


class NQSW(Strict):
    asye_months: Uncertain(gt=0) = Field(12.0, description="Length of the Assessed and Supported Year in Employment, months", json_schema_extra=src("S2 Outcome 3; DESIGN.md section 1"))
    cohorts: list[Cohort] = []


# --------------------------------------------------------------------------- supplement
class SupplementResponse(Strict):
    """Effect of each GBP 1,000 a year of supplement, as a relative change (compounded)."""

    applicants_per_1000_gbp: Uncertain(ge=-1) = Field(0.06, json_schema_extra=src("assumption: modest applicant response to pay, see docs"))
    acceptance_per_1000_gbp: Uncertain(ge=-1) = Field(0.03, json_schema_extra=src("assumption"))
    attrition_per_1000_gbp: Uncertain(ge=-1, le=0) = Field(-0.04, json_schema_extra=src("assumption"))
    conversion_per_1000_gbp: Uncertain(ge=-1) = Field(0.10, json_schema_extra=src("assumption: S2 Outcome 2 (4) links supplements to agency staff converting"))


class MarketSupplement(Strict):
    enabled: bool = False
    start_date: Optional[dt.date] = None
    amount_gbp_per_year: dict[Role, float] = Field(default_factory=dict, description="Supplement per FTE, GBP a year")
    team_groups: list[str] = Field(default_factory=lambda: ["social_work_teams"], description="Groups eligible (S2: front-line teams and their managers)")
    response: SupplementResponse = SupplementResponse()

    @field_validator("amount_gbp_per_year")
    @classmethod
    def _non_negative(cls, amounts: dict[str, float]) -> dict[str, float]:
        for role, value in amounts.items():
            if value < 0:
                raise ValueError(f"{role}: must be >= 0")
        return amounts


# --------------------------------------------------------------------------- targets
class Targets(Strict):
    permanent_share: float = Field(0.80, ge=0, le=1, json_schema_extra=src("S2 Measures and targets: sustainable 80% permanent (2017)"))
    permanent_share_date: dt.date = Field(dt.date(2017, 3, 31), json_schema_extra=src("S2: 2017, taken as the end of 2016/17"))
    permanent_share_groups: Optional[list[str]] = Field(None, description="Team groups counted (default all)")


# --------------------------------------------------------------------------- scenario
class Scenario(Strict):
    name: str
    description: str = ""
    council: str = ""
    start_date: dt.date
    end_date: dt.date
    team_types: dict[str, TeamType] = Field(min_length=1)
    teams: list[TeamBlock] = Field(min_length=1)
    establishment_changes: list[EstablishmentChange] = []
    initial_staffing: list[InitialStaffing] = []
    attrition: Attrition = Attrition()
    recruitment: Recruitment = Recruitment()
    agency: Agency = Agency()
    nqsw: NQSW = NQSW()
    market_supplement: MarketSupplement = MarketSupplement()
    targets: Targets = Targets()
    sources: dict[str, str] = Field(default_factory=dict, description="Dotted key -> where its value comes from")

    @model_validator(mode="after")
    def _consistent(self) -> "Scenario":
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
        for i, init in enumerate(self.initial_staffing):
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
        for g in self.targets.permanent_share_groups or []:
            if g not in groups:
                raise ValueError(f"targets.permanent_share_groups: unknown group {g!r}")
        if self.market_supplement.enabled and self.market_supplement.start_date is None:
            raise ValueError("market_supplement.start_date: required when enabled")
        return self

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


# --------------------------------------------------------------------------- loading
class _SafeLoader(yaml.SafeLoader):
    pass


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=str(path)) from None
    try:
        data = yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}" if mark else "tag"
        raise InputError(f"{where}: YAML tag not allowed ({exc.problem})", file=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"{where}: invalid YAML ({problem})", file=str(path)) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(f"top level must be a mapping, not {type(data).__name__}", file=str(path))
    return data


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge mappings recursively; lists and scalars in ``override`` replace."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _resolve_chain(path: Path, chain: tuple[Path, ...] = ()) -> list[tuple[Path, dict[str, Any]]]:
    path = path.resolve()
    if path in chain:
        loop = " -> ".join(p.name for p in (*chain, path))
        raise InputError(f"circular extends ({loop})", file=str(chain[-1]), key="extends")
    data = _read_yaml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return [(path, data)]
    if not isinstance(parent, str) or not parent:
        raise InputError("must be a file name", file=str(path), key="extends")
    parent_path = (path.parent / parent)
    if not parent_path.exists():
        raise InputError(f"extended file not found: {parent}", file=str(path), key="extends")
    return [*_resolve_chain(parent_path, (*chain, path)), (path, data)]


def parse_set(item: str) -> tuple[list[str], Any]:
    """Parse one ``dotted.key=value`` override (value read as YAML)."""
    if "=" not in item:
        raise InputError(f"expected key=value, got {item!r}", file="--set")
    key, _, raw = item.partition("=")
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise InputError(f"bad key in {item!r}", file="--set")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        raise InputError(f"value is not valid YAML: {raw!r}", file="--set", key=key) from None
    return key.split("."), value


def apply_set(data: dict[str, Any], parts: list[str], value: Any) -> None:
    """Set ``value`` at a dotted path; list items by index."""
    node: Any = data
    key = ".".join(parts)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise InputError(f"no list item {part!r}", file="--set", key=key)
            idx = int(part)
            if last:
                node[idx] = value
            else:
                node = node[idx]
        elif isinstance(node, dict):
            if part.isdigit() and part not in node:
                raise InputError(f"no list item {part!r}", file="--set", key=key)
            if last:
                node[part] = value
            else:
                if node.get(part) is None:
                    node[part] = {}
                node = node[part]
        else:
            raise InputError(f"{'.'.join(parts[:i])} is not a mapping or list", file="--set", key=key)


def _has_path(data: Any, loc: tuple) -> int:
    """How many leading parts of ``loc`` exist in ``data``."""
    depth = 0
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            break
        depth += 1
    return depth


def _format_validation(exc: ValidationError, chain: list[tuple[Path, dict[str, Any]]], overrides: list[tuple]) -> InputError:
    errors = exc.errors()
    err = errors[0]
    # a value that may be a number or a distribution fails both branches: for a
    # mapping, report the distribution's complaint rather than "not a number"
    if isinstance(err.get("input"), dict) and err["type"] in ("float_type", "float_parsing"):
        err = next((e for e in errors[1:] if e["type"] not in ("float_type", "float_parsing")), err)
    branch_names = ("uniform", "triangular", "normal", "float")
    loc = tuple(
        p for p in err["loc"]
        if not (isinstance(p, str) and (p in branch_names or p.startswith(("function-", "tagged-union", "union["))))
    )
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if err["type"] == "extra_forbidden":
        msg = "unknown key"
    key = ".".join(str(p) for p in loc)
    # model-level errors carry their own key at the front of the message
    if not key and ": " in msg:
        key, _, msg = msg.partition(": ")
    path_parts = tuple(int(p) if p.isdigit() else p for p in key.split(".")) if key else ()
    if key and any(tuple(path_parts[: len(sp)]) == sp for sp in overrides):
        return InputError(msg, file="--set", key=key)
    best = chain[-1][0]
    best_depth = -1
    for file, raw in chain:
        depth = _has_path(raw, path_parts)
        if depth > best_depth or (depth == best_depth and depth > 0):
            best, best_depth = file, depth
    return InputError(msg, file=str(best), key=key or None)


def load_scenario(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> Scenario:
    """Read, merge (``extends``), override (``--set``) and validate a scenario."""
    chain = _resolve_chain(Path(path))
    data: dict[str, Any] = {}
    for _, raw in chain:
        data = deep_merge(data, raw)
    set_paths: list[tuple] = []
    for item in overrides:
        parts, value = parse_set(item)
        apply_set(data, parts, value)
        set_paths.append(tuple(int(p) if p.isdigit() else p for p in parts))
    if "name" not in data:
        data["name"] = Path(path).stem
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _format_validation(exc, chain, set_paths) from None
    _check_sources(scenario, chain)
    return scenario


def _check_sources(scenario: Scenario, chain: list[tuple[Path, dict[str, Any]]]) -> None:
    dumped = scenario.model_dump()
    for key in scenario.sources:
        parts = tuple(int(p) if p.isdigit() else p for p in key.split("."))
        if _has_path(dumped, parts) != len(parts):
            file = next((str(f) for f, raw in reversed(chain) if key in (raw.get("sources") or {})), str(chain[-1][0]))
            raise InputError("names a key the scenario does not have", file=file, key=f"sources.{key}")


def with_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """A copy of ``scenario`` with dotted-key overrides applied and validated."""
    data = scenario.model_dump(mode="json")
    for key, value in overrides.items():
        apply_set(data, key.split("."), value)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise _format_validation(exc, [(Path(scenario.name), data)], [tuple(k.split(".")) for k in overrides]) from None


def resolved_yaml(scenario: Scenario) -> str:
    """The scenario as resolved, as YAML text."""
    return yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
