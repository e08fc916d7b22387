"""Named levers: the questions users ask, in plain words with units, mapped onto scenario keys.

"10 NQSWs a year and faster hiring" is ``--set "NQSWs a year=10" --set "time to hire=60"``
(or ``--set nqsw_per_year=10 --set time_to_hire_days=60``) instead of one ``--set`` per
cohort and per pipeline stage. A lever is named by its id or its label (any case, the unit
in brackets optional) wherever a scenario key is taken: ``--set``, ``--grid``, ``--lever``,
a study file, a variant file's ``set:`` block and the notebooks' controls.

Each lever reads its current value from scenario data (``current``) and writes a value
into it (``apply``), returning the dotted keys it set. ``docs/levers.md`` is the table of
``LEVERS``; ``suggest`` names the closest keys and levers for an unknown key.
"""
from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Optional

from workforce_sim.errors import InputError
from workforce_sim.scenario import keys

PIPELINE = "recruitment.pipeline"
STAGES = ("advert_days", "shortlist_to_interview_days", "interview_to_offer_days", "offer_to_checks_days", "checks_to_start_days")
SUPPLEMENT_ROLES = ("social_worker", "consultant_practitioner", "practice_manager")
COHORT_MONTH = 9          # a new NQSW cohort starts in September (the ASYE year) when a scenario has none


@dataclass(frozen=True)
class NamedLever:
    """One question in plain words: ``id`` (a snake_case name), ``label``, ``unit``, what it sets
    (``maps_to``, for the docs), its usual range for a control, and the functions that read and write it."""

    id: str
    label: str
    unit: str
    maps_to: str
    low: float
    high: float
    step: float
    reader: Callable[[dict[str, Any]], Optional[float]]
    writer: Callable[[dict[str, Any], float], list[str]]
    integer: bool = False
    help: str = ""
    scope: str = "council"            # "council": a scenario's key; "region": a region file's (its market's policies)
    aliases: tuple[str, ...] = ()     # other names it answers to

    @property
    def title(self) -> str:
        """``label (unit)``: how a page names the lever."""
        return f"{self.label} ({self.unit})"

    def current(self, data: dict[str, Any]) -> Optional[float]:
        """The lever's value in scenario data (the middle of a range), None when it has none."""
        return self.reader(data)

    def apply(self, data: dict[str, Any], value: Any) -> list[str]:
        """Write ``value`` into scenario data in place; the dotted keys set."""
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise InputError(f"{self.label} takes a number ({self.unit}), got {value!r}", option="overrides", key=self.id)
        if value < 0:
            raise InputError(f"{self.label} cannot be below 0, got {value:g}", option="overrides", key=self.id)
        if self.integer and float(value) != int(value):
            raise InputError(f"{self.label} is a whole number, got {value:g}", option="overrides", key=self.id)
        return self.writer(data, int(value) if self.integer else value)


# ---- reading scenario data (raw YAML data or a dumped scenario: dates may be text) ------------

def _default(key: str) -> Any:
    """The schema's default at a dotted key (for data that leaves it out)."""
    from workforce_sim.scenario.schema import Scenario  # the schema imports nothing from here
    parts = key.split(".")
    field = Scenario.model_fields.get(parts[0])
    if field is None:
        return keys.MISSING
    top = field.get_default(call_default_factory=True)
    dumped = top.model_dump(mode="json") if hasattr(top, "model_dump") else top
    return keys.get(dumped, parts[1:]) if len(parts) > 1 else dumped


def _value(data: dict[str, Any], key: str) -> Any:
    v = keys.get(data, key)
    return _default(key) if v is keys.MISSING or v is None else v


def _middle(v: Any) -> Optional[float]:
    """A number, or the middle of a range or distribution."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, list) and len(v) == 2 and all(isinstance(x, (int, float)) for x in v):
        return (v[0] + v[1]) / 2
    if isinstance(v, dict):
        if "mode" in v:
            return float(v["mode"])
        if "mean" in v:
            return float(v["mean"])
        if "low" in v and "high" in v:
            return (v["low"] + v["high"]) / 2
        if v.get("values"):
            return sum(v["values"]) / len(v["values"])
    return None


def _scaled(v: Any, factor: float) -> Any:
    """A number, range or distribution multiplied by ``factor``."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return round(v * factor, 6)
    if isinstance(v, list):
        return [_scaled(x, factor) for x in v]
    if isinstance(v, dict):
        return {k: (_scaled(x, factor) if k in ("low", "high", "mode", "mean", "sd", "values") and x not in (None,) else x)
                for k, x in v.items()}
    return v


def _date(v: Any) -> Optional[dt.date]:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            return None
    return None


def _run_years(data: dict[str, Any]) -> list[tuple[dt.date, dt.date]]:
    """The run cut into years from its start date (the last part year included)."""
    start, end = _date(data.get("start_date")), _date(data.get("end_date"))
    if start is None or end is None or end <= start:
        raise InputError("the scenario needs start_date and end_date before a yearly lever can be set", option="overrides")
    out, a = [], start
    while a < end:
        try:
            b = a.replace(year=a.year + 1)
        except ValueError:          # 29 February
            b = a.replace(year=a.year + 1, day=28)
        out.append((a, min(b, end)))
        a = b
    return out


# ---- the levers ------------------------------------------------------------------------------

def _future_cohorts(data: dict[str, Any]) -> list[dict[str, Any]]:
    start = _date(data.get("start_date"))
    cohorts = keys.get(data, "nqsw.cohorts", [])
    return [c for c in (cohorts or []) if isinstance(c, dict) and (start is None or (_date(c.get("date")) or start) >= start)]


def _nqsw_read(data: dict[str, Any]) -> Optional[float]:
    cohorts = _future_cohorts(data)
    if not cohorts:
        return 0.0
    years = _run_years(data)
    total = sum(_middle(c.get("count")) or 0.0 for c in cohorts)
    per_year = {i for c in cohorts for i, (a, b) in enumerate(years) if a <= (_date(c.get("date")) or a) < b}
    return round(total / max(len(per_year), 1), 6)


def _nqsw_write(data: dict[str, Any], value: int) -> list[str]:
    """Every future cohort: the year's ``value`` shared among that year's cohorts (one cohort a
    year takes all of it); a scenario with no cohort gets one each September of the run."""
    years = _run_years(data)
    cohorts = keys.get(data, "nqsw.cohorts", None)
    if not cohorts:
        made = []
        for a, b in years:
            day = dt.date(a.year, COHORT_MONTH, 1)
            day = day if a <= day < b else dt.date(a.year + 1, COHORT_MONTH, 1)
            if a <= day < b:
                made.append({"date": day.isoformat(), "count": value})
        keys.set_value(data, "nqsw", {**(data.get("nqsw") or {}), "cohorts": made})
        return ["nqsw.cohorts"]
    future = {id(c) for c in _future_cohorts(data)}
    set_keys = []
    for a, b in years:
        group = [(i, c) for i, c in enumerate(cohorts) if id(c) in future and a <= (_date(c.get("date")) or a) < b]
        for j, (i, c) in enumerate(group):
            c["count"] = value // len(group) + (1 if j < value % len(group) else 0)
            set_keys.append(f"nqsw.cohorts.{i}.count")
    return set_keys


def _hire_read(data: dict[str, Any]) -> Optional[float]:
    parts = [_middle(_value(data, f"{PIPELINE}.{s}")) for s in STAGES]
    return None if any(p is None for p in parts) else round(sum(parts), 6)


def _hire_write(data: dict[str, Any], value: float) -> list[str]:
    """The five stages from advert to start scaled together so that they add up to ``value``."""
    now = _hire_read(data)
    if not now:
        raise InputError("the scenario's pipeline stages add up to 0 days: set them one by one", option="overrides", key="time_to_hire_days")
    factor = value / now
    out = []
    for s in STAGES:
        key = f"{PIPELINE}.{s}"
        keys.set_value(data, key, _scaled(_value(data, key), factor))
        out.append(key)
    return out


def _supplement_roles(data: dict[str, Any]) -> list[str]:
    amounts = keys.get(data, "market_supplement.amount_gbp_per_year", None)
    return list(amounts) if isinstance(amounts, dict) and amounts else list(SUPPLEMENT_ROLES)


def _supplement_read(data: dict[str, Any]) -> Optional[float]:
    if not keys.get(data, "market_supplement.enabled", False):
        return 0.0
    amounts = keys.get(data, "market_supplement.amount_gbp_per_year", None) or {}
    return float(max(amounts.values())) if amounts else 0.0


def _supplement_write(data: dict[str, Any], value: float) -> list[str]:
    """The same supplement for every role the scenario pays one to (front-line roles when none),
    from the scenario's start date unless it names one; 0 switches it off."""
    out = ["market_supplement.enabled"]
    keys.set_value(data, "market_supplement.enabled", value > 0)
    for role in _supplement_roles(data):
        key = f"market_supplement.amount_gbp_per_year.{role}"
        keys.set_value(data, key, value)
        out.append(key)
    if value > 0 and not keys.get(data, "market_supplement.start_date", None):
        keys.set_value(data, "market_supplement.start_date", data.get("start_date"))
        out.append("market_supplement.start_date")
    return out


def _relocation_read(data: dict[str, Any]) -> Optional[float]:
    return _middle(_value(data, "finance.relocation.package_gbp"))


def _relocation_write(data: dict[str, Any], value: float) -> list[str]:
    """The package's cost; offered from the run's start when the scenario names no date (take-up as it says)."""
    out = ["finance.relocation.package_gbp"]
    keys.set_value(data, "finance.relocation.package_gbp", value)
    if not keys.get(data, "finance.relocation.start_date", None):
        keys.set_value(data, "finance.relocation.start_date", data.get("start_date"))
        out.append("finance.relocation.start_date")
    return out


def _applicants_read(data: dict[str, Any]) -> Optional[float]:
    return _middle(_value(data, f"{PIPELINE}.applicants_per_advert").get("social_worker"))


def _applicants_write(data: dict[str, Any], value: float) -> list[str]:
    """Applicants to a social worker's advert; other roles' scaled in the same proportion."""
    now = _applicants_read(data)
    current = dict(_value(data, f"{PIPELINE}.applicants_per_advert"))
    factor = value / now if now else None
    out = []
    for role, v in current.items():
        key = f"{PIPELINE}.applicants_per_advert.{role}"
        keys.set_value(data, key, value if role == "social_worker" or factor is None else _scaled(v, factor))
        out.append(key)
    return out


def _agency_read(data: dict[str, Any]) -> Optional[float]:
    v = _middle(_value(data, "agency.cover_probability"))
    return None if v is None else round(100 * v, 6)


def _agency_write(data: dict[str, Any], value: float) -> list[str]:
    if value > 100:
        raise InputError(f"agency cover is a percentage from 0 to 100, got {value:g}", option="overrides", key="agency_cover_pct")
    keys.set_value(data, "agency.enabled", value > 0)
    keys.set_value(data, "agency.cover_probability", round(value / 100, 10))
    return ["agency.enabled", "agency.cover_probability"]


# ---- a region's levers: its market's policies (region data, not a council's) ------------------

CAP_ROLE = "social_worker"          # the role the price cap lever names; the others' caps keep their proportion to it


def _policy(data: dict[str, Any], name: str, lever_id: str) -> dict[str, Any]:
    """The region's policy ``name`` as data; an InputError when the region has none (it needs its date first)."""
    policy = keys.get(data, f"policies.{name}", None)
    if not isinstance(policy, dict) or not policy.get("date"):
        raise InputError(f"the region has no policies.{name}: set its date first (policies.{name}.date=YYYY-MM-DD, "
                         "the day it comes into force)", option="overrides", key=lever_id)
    return policy


def _cap_read(data: dict[str, Any]) -> Optional[float]:
    caps = keys.get(data, "policies.price_cap.day_rate_gbp", None)
    if not isinstance(caps, dict) or not caps:
        return None
    return float(caps.get(CAP_ROLE, next(iter(caps.values()))))


def _cap_write(data: dict[str, Any], value: float) -> list[str]:
    """The social worker's cap (the first role's when it has none); the other roles' caps scaled in the
    same proportion; a cap with no roles yet gets the social worker's."""
    policy = _policy(data, "price_cap", "agency_price_cap_gbp")
    caps = policy.get("day_rate_gbp")
    if not isinstance(caps, dict) or not caps:
        caps = {CAP_ROLE: value}
    else:
        ref = CAP_ROLE if CAP_ROLE in caps else next(iter(caps))
        now = float(caps[ref])
        caps = {role: (value if role == ref or now <= 0 else round(float(v) * value / now, 2)) for role, v in caps.items()}
    policy["day_rate_gbp"] = caps
    return [f"policies.price_cap.day_rate_gbp.{role}" for role in caps]


def _policy_reader(name: str, field: str) -> Callable[[dict[str, Any]], Optional[float]]:
    def read(data: dict[str, Any]) -> Optional[float]:
        v = keys.get(data, f"policies.{name}.{field}", None)
        return None if v is None else _middle(v)
    return read


def _policy_writer(name: str, field: str, lever_id: str) -> Callable[[dict[str, Any], float], list[str]]:
    def write(data: dict[str, Any], value: float) -> list[str]:
        _policy(data, name, lever_id)[field] = value
        return [f"policies.{name}.{field}"]
    return write


LEVERS: tuple[NamedLever, ...] = (
    NamedLever("nqsw_per_year", "NQSWs a year", "newly qualified social workers a year", "nqsw.cohorts.*.count",
               0, 40, 1, _nqsw_read, _nqsw_write, integer=True,
               help="Every future cohort: a year's number shared among that year's cohorts; one cohort each September when the scenario has none."),
    NamedLever("time_to_hire_days", "Time to hire", "days", "recruitment.pipeline.{" + ",".join(STAGES) + "}",
               10, 200, 5, _hire_read, _hire_write,
               help="Advert to start: the five pipeline stages scaled together to add up to this many days."),
    NamedLever("market_supplement_gbp", "Market supplement per role", "GBP a year per FTE", "market_supplement.{enabled,amount_gbp_per_year.*}",
               0, 10000, 500, _supplement_read, _supplement_write, aliases=("supplement",),
               help="The same supplement for every role the scenario pays one to (all front-line roles when none); 0 switches it off."),
    NamedLever("relocation_package_gbp", "Relocation package", "GBP per recruit who takes it", "finance.relocation.{package_gbp,start_date}",
               0, 15000, 500, _relocation_read, _relocation_write,
               help="The cost of one package; offered from the run's start unless the scenario names a date; take-up as the scenario says."),
    NamedLever("applicants_per_advert", "Applicants per advert", "applicants per social worker advert",
               "recruitment.pipeline.applicants_per_advert.*", 0, 2, 0.05, _applicants_read, _applicants_write,
               help="Applicants to a social worker's advert; other roles' scaled in the same proportion."),
    NamedLever("agency_cover_pct", "Agency cover", "% of vacancies an agency fills", "agency.{enabled,cover_probability}",
               0, 100, 5, _agency_read, _agency_write,
               help="The chance that an attempt to cover a vacancy finds an agency worker; 0 switches agency cover off."),
    NamedLever("agency_price_cap_gbp", "Agency price cap", "GBP a day for a social worker", "policies.price_cap.day_rate_gbp.*",
               300, 800, 10, _cap_read, _cap_write, scope="region",
               help="A region's cap on the agency charge per day: the social worker's, the other roles' scaled in proportion; "
                    "the region's price cap needs its date."),
    NamedLever("cooling_off_months", "Cooling-off bar", "months", "policies.cooling_off.months",
               0, 12, 1, _policy_reader("cooling_off", "months"), _policy_writer("cooling_off", "months", "cooling_off_months"),
               scope="region", help="A region's bar on agency work after leaving a permanent post there; the bar needs its date."),
    NamedLever("experience_years", "Experience rule", "years post-qualifying", "policies.experience.years",
               0, 5, 0.5, _policy_reader("experience", "years"), _policy_writer("experience", "years", "experience_years"),
               scope="region", help="A region's experience needed before agency work; the rule needs its date."),
)
"""Extra teams on a date are the key ``teams.add.TYPE@YYYY-MM-DD`` (see ``add_teams``)."""

TEAMS_PREFIX = "teams.add."


def _norm(name: str) -> str:
    name = re.sub(r"\(.*?\)", "", name)          # "Time to hire (days)" -> "time to hire"
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


_BY_NAME: dict[str, NamedLever] = {}
for _lever in LEVERS:
    for _n in (_lever.id, _lever.label, _lever.title, *_lever.aliases):
        _BY_NAME[_norm(_n)] = _lever


def find(name: str) -> Optional[NamedLever]:
    """The lever named ``name`` (its id or label, any case, unit optional), or None."""
    if "." in name:
        return None
    return _BY_NAME.get(_norm(name))


def is_teams_key(key: str) -> bool:
    return key.startswith(TEAMS_PREFIX)


def add_teams(data: dict[str, Any], key: str, value: Any) -> list[str]:
    """``teams.add.TYPE@YYYY-MM-DD=N``: ``N`` more teams of a type from a date (a new establishment change)."""
    rest = key[len(TEAMS_PREFIX):]
    team_type, at, day = rest.partition("@")
    if not team_type or not at:
        raise InputError("extra teams are teams.add.TYPE@YYYY-MM-DD=N", option="overrides", key=key)
    date = _date(day)
    if date is None:
        raise InputError(f"not a date (YYYY-MM-DD): {day!r}", option="overrides", key=key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(f"a number of teams is a whole number >= 0, got {value!r}", option="overrides", key=key)
    changes = list(data.get("establishment_changes") or [])
    if value > 0:
        changes.append({"date": date.isoformat(), "add_teams": [{"type": team_type, "count": value}], "note": f"extra teams ({key})"})
    data["establishment_changes"] = changes
    return ["establishment_changes"]


def apply(data: dict[str, Any], key: str, value: Any, option: str = "overrides", scope: str = "council") -> list[str]:
    """Set ``key`` (a named lever, extra teams, a dotted key, or a dotted key with ``*`` for every
    item of a list) to ``value`` in scenario data (``scope="council"``) or in a region file's own data
    (``scope="region"``: its market, policies and dates); the dotted keys set."""
    lever = find(key)
    if lever is not None:
        if lever.scope != scope:
            where = ("a region's (its market's policies): the scenario is one council's" if lever.scope == "region" else
                     f"a council's: set it on a member, members.NAME.{lever.id}")
            raise InputError(f"the lever {lever.label!r} is {where}", option=option, key=key)
        try:
            return lever.apply(data, value)
        except InputError as exc:
            raise InputError(exc.message, option=option, key=exc.key) from None
    if is_teams_key(key) and scope == "council":
        return add_teams(data, key, value)
    if "*" in key.split("."):
        return _apply_each(data, key.split("."), value, option, scope)
    keys.set_value(data, key, value, option=option)
    return [key]


def _apply_each(data: dict[str, Any], parts: list[str], value: Any, option: str, scope: str = "council") -> list[str]:
    star = parts.index("*")
    head = parts[:star]
    items = keys.get(data, head, None)
    if not isinstance(items, (list, dict)) or not items:
        raise InputError(f"{'.'.join(head)} is not a list or mapping with items for '*'", option=option, key=".".join(parts))
    out = []
    for i in (range(len(items)) if isinstance(items, list) else list(items)):
        out += apply(data, ".".join([*head, str(i), *parts[star + 1:]]), value, option, scope)
    return out


def suggest(key: str, valid: list[str], n: int = 3, scope: str = "council") -> str:
    """`` (did you mean a, b; or the lever "NQSWs a year" (nqsw_per_year))`` for an unknown key, or ""
    (the levers of ``scope``: a council's scenario or a region file)."""
    last = key.split(".")[-1]
    near = difflib.get_close_matches(last, valid, n=n, cutoff=0.6)
    words = _norm(key)
    names = {lever.id: lever for lever in LEVERS if lever.scope == scope}
    lever_hits: list[str] = []
    if "." not in key:      # a plain name: perhaps a lever's id or label misspelt
        lever_hits = difflib.get_close_matches(words.replace(" ", "_"), list(names), n=2, cutoff=0.75)
        lever_hits += [lv.id for lv in names.values() if lv.id not in lever_hits and
                       difflib.get_close_matches(words, [_norm(lv.label)], n=1, cutoff=0.6)]
    parts = []
    if near:
        prefix = ".".join(key.split(".")[:-1])
        parts.append("did you mean " + ", ".join(f"{prefix}.{k}" if prefix else k for k in near))
    if lever_hits:
        parts.append(("or " if parts else "did you mean ") + "the lever " + ", ".join(f'"{names[h].label}" ({h})' for h in lever_hits[:2]))
    return f" ({'; '.join(parts)})" if parts else ""


def table_markdown() -> str:
    """The table of ``docs/levers.md``."""
    rows = ["| id | label | unit | of | sets | range for a control |", "| --- | --- | --- | --- | --- | --- |"]
    for lv in LEVERS:
        rows.append(f"| `{lv.id}` | {lv.label} | {lv.unit} | {lv.scope} | `{lv.maps_to}` | {lv.low:g} to {lv.high:g} in steps of {lv.step:g} |")
    rows.append("| `teams.add.TYPE@YYYY-MM-DD` | Extra teams on a date | teams | council | `establishment_changes` (one more change) | whole numbers |")
    return "\n".join(rows)
