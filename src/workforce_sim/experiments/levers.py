"""Levers: named scenario keys that a search or a sensitivity moves, each with a range
(``low`` to ``high``, optionally in steps) or a list of choices, and a plain label.

``--lever KEY=LOW..HIGH[:STEP]`` sets a numeric scenario key within a range;
``--lever teams.add.TYPE@YYYY-MM-DD=LOW..HIGH`` adds a number of teams of a type on
a date. A *candidate* is one value per lever; its scenario is the input scenario
with those values (``candidate_scenario``), and the plan a scenario file that
``extends:`` the input with them (``plan_data``). Keys are read and written with
``scenario.keys``. A lever may be a named lever (``--lever "NQSWs a year=6..14"``,
``scenario.named_levers``): it takes that lever's label and maps onto its keys.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, replace
from typing import Any, Optional

from workforce_sim.errors import InputError
from workforce_sim.scenario import keys, named_levers
from workforce_sim.scenario.loading import apply_set, with_overrides
from workforce_sim.scenario.schema import Scenario
from workforce_sim.scenario.schema.region import Region

TEAMS_PREFIX = "teams.add."
MAX_LEVERS = 20
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE = re.compile(rf"^\s*({_NUMBER})\s*\.\.\s*({_NUMBER})\s*(?::\s*({_NUMBER})\s*)?$")


@dataclass(frozen=True)
class Lever:
    """A scenario key (or teams of a type added on a date) with a range or choices and a plain label.

    ``Lever("agency.conversion_per_year", 0.0, 0.15, "agency conversions a year")``: a sensitivity
    sets it low and high; the optimiser searches ``low`` to ``high`` (in steps of ``step``, or
    whole numbers when ``integer``), or among ``choices`` when given."""

    key: str                        # the dotted scenario key (for a teams lever: teams.add.TYPE@DATE), the parameter's name in a study
    low: Any = None
    high: Any = None
    label: str = ""
    step: Optional[float] = None
    integer: bool = False
    choices: Optional[tuple] = None
    text: str = ""                  # as given on the command line
    team_type: Optional[str] = None
    date: Optional[dt.date] = None

    @property
    def name(self) -> str:
        return self.key

    @property
    def title(self) -> str:
        """The plain label (the key when none was given)."""
        return self.label or self.key

    @property
    def adds_teams(self) -> bool:
        return self.team_type is not None

    def describe(self) -> str:
        if self.choices is not None:
            rng = "one of " + ", ".join(_fmt(c) if isinstance(c, (int, float)) else str(c) for c in self.choices)
        else:
            rng = f"{_fmt(self.low)} to {_fmt(self.high)}" + (f" in steps of {_fmt(self.step)}" if self.step else "")
        if self.adds_teams:
            return f"{self.team_type} teams added on {self.date.isoformat()}: {rng}"
        return f"{self.key}: {rng}"

    def values(self) -> Optional[list]:
        """Every value the lever takes, when it has finitely many (choices, integers or a step)."""
        if self.choices is not None:
            return list(self.choices)
        step = self.step or (1 if self.integer else None)
        if step is None:
            return None
        n = int(round((self.high - self.low) / step))
        return [self.cast(self.low + i * step) for i in range(n + 1)]

    def cast(self, v: Any) -> Any:
        """A value of the lever as the scenario takes it (whole numbers for an integer lever)."""
        if self.choices is not None:
            return v.item() if hasattr(v, "item") else v
        return int(round(v)) if self.integer else round(float(v), 10)


def _fmt(x: Optional[float]) -> str:
    if x is None:
        return ""
    return f"{int(x)}" if float(x).is_integer() else f"{x:g}"


def _number(text: str) -> tuple[float, bool]:
    """A number and whether it was written as an integer."""
    is_int = re.fullmatch(r"[-+]?\d+", text.strip()) is not None
    return (int(text) if is_int else float(text)), is_int


def parse_lever(text: str) -> Lever:
    """``KEY=LOW..HIGH[:STEP]`` or ``teams.add.TYPE@YYYY-MM-DD=LOW..HIGH`` (the syntax only)."""
    key, raw = keys.split_assignment(text, option="lever", expected="KEY=LOW..HIGH[:STEP]")
    m = _RANGE.match(raw)
    if not m:
        raise InputError(f"expected a range LOW..HIGH or LOW..HIGH:STEP, got {raw!r}", option="lever", key=key)
    (low, li), (high, hi) = _number(m.group(1)), _number(m.group(2))
    step, si = _number(m.group(3)) if m.group(3) else (None, True)
    if not all(math.isfinite(x) for x in (low, high) + ((step,) if step is not None else ())):
        raise InputError("the range must be finite numbers", option="lever", key=key)
    if low > high:
        raise InputError(f"LOW {_fmt(low)} is above HIGH {_fmt(high)}", option="lever", key=key)
    if step is not None:
        if step <= 0:
            raise InputError(f"STEP must be above 0, got {_fmt(step)}", option="lever", key=key)
        n = (high - low) / step
        if abs(n - round(n)) > 1e-9:
            raise InputError(f"HIGH - LOW ({_fmt(high - low)}) is not a whole number of steps of {_fmt(step)}", option="lever", key=key)
    integer = li and hi and si
    team_type = date = None
    if key.startswith(TEAMS_PREFIX):
        rest = key[len(TEAMS_PREFIX):]
        team_type, at, day = rest.partition("@")
        if not team_type or not at:
            raise InputError("a teams lever is teams.add.TYPE@YYYY-MM-DD", option="lever", key=key)
        try:
            date = dt.date.fromisoformat(day)
        except ValueError:
            raise InputError(f"not a date (YYYY-MM-DD): {day!r}", option="lever", key=key) from None
        if not integer or low < 0:
            raise InputError("a number of teams is a whole number >= 0", option="lever", key=key)
    return Lever(key, low, high, step=step, integer=bool(integer), text=text, team_type=team_type, date=date)


def parse_levers(items: list[str], base: Scenario) -> list[Lever]:
    """Parse and check every lever against the scenario: the key exists and takes numbers,
    both ends of the range validate, team types and dates are the scenario's."""
    if not items:
        raise InputError("give at least one {option} KEY=LOW..HIGH", option="lever")
    if len(items) > MAX_LEVERS:
        raise InputError(f"at most {MAX_LEVERS} levers", option="lever")
    levers: list[Lever] = []
    data = base.model_dump(mode="json")
    for item in items:
        lever = parse_lever(item)
        if any(x.key == lever.key for x in levers):
            raise InputError("key given in two {option} options", option="lever", key=lever.key)
        if lever.adds_teams:
            if lever.team_type not in base.team_types:
                raise InputError(f"unknown team type {lever.team_type!r}; the scenario's: {', '.join(base.team_types)}",
                                 option="lever", key=lever.key)
            if not (base.start_date <= lever.date < base.end_date):
                raise InputError(f"{lever.date} is outside the run ({base.start_date} to {base.end_date})", option="lever", key=lever.key)
        else:
            named = named_levers.find(lever.key)
            if named is not None:
                if named.integer and not lever.integer:
                    raise InputError(f"{named.label} takes whole numbers", option="lever", key=lever.key)
                lever = replace(lever, label=named.title)
            current = keys.MISSING if named is not None else keys.get(data, lever.key)
            uncertain = isinstance(current, dict) and "dist" in current    # a range: the lever fixes it, a choice, not a guess
            if current is not keys.MISSING and not uncertain and (isinstance(current, bool) or not isinstance(current, (int, float))):
                raise InputError(f"not a number in the scenario (it is {type(current).__name__}); a lever sets a number",
                                 option="lever", key=lever.key)
            for end in (lever.low, lever.high):
                try:
                    with_overrides(base, {lever.key: end})
                except InputError as exc:
                    raise InputError(f"{exc.message}", option="lever", key=exc.key or lever.key) from None
        levers.append(lever)
    return levers


def current_values(base: Scenario, levers: list[Lever]) -> Optional[dict[str, Any]]:
    """The scenario's own value of every lever (no teams added), if each is inside its range and on its steps."""
    data = base.model_dump(mode="json")
    out: dict[str, Any] = {}
    for lever in levers:
        named = named_levers.find(lever.key)
        v = 0 if lever.adds_teams else (named.current(data) if named is not None else keys.get(data, lever.key))
        v = keys.MISSING if v is None else v
        if lever.choices is not None:
            if v not in lever.choices:
                return None
            out[lever.key] = v
            continue
        if v is keys.MISSING or isinstance(v, dict) or not (lever.low - 1e-12 <= v <= lever.high + 1e-12):
            return None
        grid = lever.values()
        if grid is not None and not any(abs(v - g) < 1e-9 for g in grid):
            return None
        out[lever.key] = lever.cast(v)
    return out


def candidate_overrides(base: Scenario, levers: list[Lever], settings: dict[str, Any]) -> dict[str, Any]:
    """Dotted key -> value that make the candidate of ``settings`` from ``base`` (teams as a new
    ``establishment_changes`` list: the scenario's own changes, then one per teams lever above 0)."""
    out: dict[str, Any] = {}
    changes = []
    for lever in levers:
        value = settings[lever.key]
        if lever.adds_teams:
            if value > 0:
                changes.append({"date": lever.date.isoformat(), "add_teams": [{"type": lever.team_type, "count": int(value)}],
                                "note": f"teams added by the plan (lever {lever.key})"})
        else:
            out[lever.key] = value
    if changes:
        out["establishment_changes"] = [c.model_dump(mode="json") for c in base.establishment_changes] + changes
    return out


def candidate_scenario(base: Scenario, levers: list[Lever], settings: dict[str, Any]) -> Scenario:
    """The scenario of one candidate."""
    return with_overrides(base, candidate_overrides(base, levers, settings))


def plan_data(base: Scenario, levers: list[Lever], settings: dict[str, Any]) -> dict[str, Any]:
    """The nested mapping a scenario file that ``extends:`` the input sets for this candidate.

    A key inside a list (``nqsw.cohorts.1.count``) is written as the whole list, since a
    file that extends another replaces its lists."""
    full = base.model_dump(mode="json")
    overrides = candidate_overrides(base, levers, settings)
    written: list[str] = []
    for key, value in overrides.items():
        written += apply_set(full, key.split("."), value)
    out: dict[str, Any] = {}
    for key in written:
        head = keys.list_prefix(full, key)
        keys.set_nested(out, head, keys.get(full, head))
    return out


def space_size(levers: list[Lever]) -> Optional[int]:
    """Number of distinct candidates when every lever takes finitely many values, else None."""
    n = 1
    for lever in levers:
        vals = lever.values()
        if vals is None:
            return None
        n *= len(vals)
    return n


# ---- a member of a region: its own levers and the region's (its market's policies) ------------------

REGION_ROOTS = ("market", "policies")
"""A dotted lever key starting with one of these is the region's (its market and policies), not a member's."""


def is_region_lever(key: str) -> bool:
    """Whether a lever sets the region (a named lever of scope "region", or ``market.``/``policies.`` keys)."""
    named = named_levers.find(key)
    if named is not None:
        return named.scope == "region"
    return key.split(".")[0] in REGION_ROOTS


def with_region_overrides(region: Region, overrides: dict[str, Any], option: str = "lever") -> Region:
    """A copy of ``region`` with its own keys and levers set (its members as they are), validated."""
    from pydantic import ValidationError

    if not overrides:
        return region
    data = region.model_dump(mode="json", exclude={"members"})
    for key, value in overrides.items():
        named_levers.apply(data, key, value, option=option, scope="region")
    try:
        return Region.model_validate({**data, "members": list(region.members)})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or next(iter(overrides))
        raise InputError(err["msg"].removeprefix("Value error, "), option=option, key=where) from None


def member_index(region: Region, member: str) -> int:
    return [m.name for m in region.members].index(member)


def split_levers(levers: list[Lever]) -> tuple[list[Lever], list[Lever]]:
    """(the member's levers, the region's levers), each in the order given."""
    return [x for x in levers if not is_region_lever(x.key)], [x for x in levers if is_region_lever(x.key)]


def parse_member_levers(items: list[str], region: Region, member: str) -> list[Lever]:
    """Levers of one member of a region: keys and levers of the member's scenario (checked as ``parse_levers``
    checks a council's), ``members.MEMBER.KEY`` for the same, and the region's own keys and levers
    (``market.``, ``policies.``, the region's named levers), each end of the range checked on the region."""
    if not items:
        raise InputError("give at least one {option} KEY=LOW..HIGH", option="lever")
    names = [m.name for m in region.members]
    own: list[str] = []
    regional: list[Lever] = []
    order: list[str] = []
    for item in items:
        lever = parse_lever(item)
        key = lever.key
        parts = key.split(".")
        if parts[0] == "members" and len(parts) >= 3:
            if parts[1] != member:
                known = f"; members: {', '.join(names)}" if parts[1] not in names else ""
                raise InputError(f"is not {member}'s: a plan sets only the member it is for (--member) and the region; "
                                 f"a neighbour keeps its scenario and its response rule{known}", option="lever", key=key)
            key = ".".join(parts[2:])
            item = key + "=" + item.partition("=")[2]
            lever = parse_lever(item)
        if key in order:
            raise InputError("key given in two {option} options", option="lever", key=key)
        order.append(key)
        if is_region_lever(key):
            named = named_levers.find(key)
            if named is not None:
                if named.integer and not lever.integer:
                    raise InputError(f"{named.label} takes whole numbers", option="lever", key=key)
                lever = replace(lever, label=named.title)
            else:
                current = keys.get(region.model_dump(mode="json", exclude={"members"}), key)
                if current is keys.MISSING:
                    raise InputError("not a key of the region (its market or policies)", option="lever", key=key)
                uncertain = isinstance(current, dict) and "dist" in current
                if current is not None and not uncertain and (isinstance(current, bool) or not isinstance(current, (int, float))):
                    raise InputError(f"not a number in the region (it is {type(current).__name__}); a lever sets a number",
                                     option="lever", key=key)
            for end in (lever.low, lever.high):
                with_region_overrides(region, {key: end})
            regional.append(lever)
        else:
            own.append(item)
    sc = region.members[member_index(region, member)].scenario
    try:
        mine = parse_levers(own, sc) if own else []
    except InputError as exc:
        if not exc.message.startswith("unknown key"):
            raise
        raise InputError(f"{exc.message}: not a key or lever of {member}'s scenario, nor of the region (market.*, policies.*, "
                         "its levers)", option="lever", key=exc.key) from None
    by_key = {x.key: x for x in [*mine, *regional]}
    return [by_key[k] for k in order]


def candidate_region(region: Region, member: str, levers: list[Lever], settings: dict[str, Any]) -> Region:
    """The region of one candidate: the region's levers set, and ``member``'s scenario replaced by
    ``candidate_scenario`` of it (the other members as they are: their response rules follow it)."""
    mine, regional = split_levers(levers)
    reg = with_region_overrides(region, {x.key: settings[x.key] for x in regional})
    i = member_index(reg, member)
    m = reg.members[i]
    sc = candidate_scenario(m.scenario, mine, {x.key: settings[x.key] for x in mine}) if mine else m.scenario
    return with_member_scenario(reg, member, sc)


def with_member_scenario(region: Region, member: str, scenario: Scenario) -> Region:
    """``region`` with ``member``'s scenario replaced (validated: the region's dates and price cap)."""
    members = list(region.members)
    i = member_index(region, member)
    members[i] = members[i].model_copy(update={"scenario": scenario})
    return Region.model_validate(dict(region.model_copy(update={"members": members})))


def region_current_values(region: Region, member: str, levers: list[Lever]) -> Optional[dict[str, Any]]:
    """The region's and the member's own value of every lever, if each is inside its range and on its steps."""
    mine, regional = split_levers(levers)
    a = current_values(region.members[member_index(region, member)].scenario, mine) if mine else {}
    b = current_values(region.model_copy(update={"members": []}), regional) if regional else {}
    if a is None or b is None:
        return None
    return {x.key: {**a, **b}[x.key] for x in levers}


def region_plan_data(region_file: Any, region: Region, member: str, levers: list[Lever], settings: dict[str, Any], folder: Any) -> dict[str, Any]:
    """The mapping a region file in ``folder`` that ``extends:`` ``region_file`` sets for this candidate: the
    members list written whole (a file that extends another replaces its lists; member files named from
    ``folder``), ``member``'s ``set:`` with its levers' values, and the region's levers' keys."""
    import copy
    import os
    from pathlib import Path as _Path

    from workforce_sim.scenario.regions import region_data

    owner, data = region_data(region_file)
    specs = copy.deepcopy(data["members"])
    mine, regional = split_levers(levers)
    for spec in specs:
        if isinstance(spec, dict) and isinstance(spec.get("file"), str):
            spec["file"] = os.path.relpath((owner.parent / spec["file"]).resolve(), _Path(folder).resolve())
    i = member_index(region, member)      # the loader keeps the members' order
    specs[i]["set"] = [*(specs[i].get("set") or []), *(f"{x.key}={settings[x.key]}" for x in mine)]
    out: dict[str, Any] = {"members": specs}
    written: list[str] = []
    for x in regional:
        written += named_levers.apply(data, x.key, settings[x.key], option="lever", scope="region")
    for key in written:
        head = keys.list_prefix(data, key)
        keys.set_nested(out, head, keys.get(data, head))
    return out

