"""Loading a region file: its members (scenario files or ``init:`` a council's published
state), the market they share, its policies, and neighbours' responses.

A region file is YAML with a ``members:`` list::

    name: my_region
    members:
      - {file: ../our_council.yaml, name: Ours}        # relative to this file
      - {init: {council: NAME OR LA CODE, year: 2015}, name: Neighbour, response: {rule: match, follows: Ours}}
    market: {...}        # schema.region.Market
    policies: {...}      # schema.region.Policies

Every member runs on the region's dates (``start_date``/``end_date``, default the
first member's). ``--set`` keys starting ``members.<name or index>.`` change that
member's scenario; the others change the region. A response rule is applied to
each replication's drawn region (``apply_responses``): the follower's scenario gets
the followed member's supplement (from its date, or ``lag_months`` later), so the
model sees plain supplements.
"""
from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path
from typing import Any, Optional

from pydantic import ValidationError

from workforce_sim.errors import InputError
from workforce_sim.scenario import keys, named_levers
from workforce_sim.scenario.loading import _format_validation, _resolve_chain, deep_merge, load_scenario, parse_set
from workforce_sim.scenario.schema import Scenario
from workforce_sim.scenario.schema.region import Region

MEMBER_KEYS = {"file", "init", "name", "attractiveness", "response", "set"}
MAX_MEMBERS = 60


def is_region(path: str | Path) -> bool:
    """Whether ``path`` is a region file (its YAML, after ``extends:``, has ``members:``)."""
    chain = _resolve_chain(Path(path))
    return any("members" in raw for _, raw in chain)


SPEC_KEYS = ("response", "attractiveness")   # a member's place in the market, set on the member itself


def _split_overrides(overrides, names: list[str], specs: list) -> tuple[list[str], dict[int, list[str]]]:
    """``members.<name or index>.KEY=VALUE``: the member's scenario (or its response and attractiveness);
    anything else: the region."""
    region, members = [], {}
    for item in overrides:
        parts, value = parse_set(item)
        if parts[0] == "members" and len(parts) >= 3:
            who = parts[1]
            idx = int(who) if who.isdigit() else (names.index(who) if who in names else None)
            if idx is None or idx >= len(names):
                raise InputError(f"no member {who!r} (members: {', '.join(names)})", option="overrides", key="members." + who)
            if parts[2] in SPEC_KEYS and isinstance(specs[idx], dict):
                keys.set_value(specs[idx], parts[2:], value, option="overrides")
            else:
                members.setdefault(idx, []).append(".".join(parts[2:]) + "=" + item.partition("=")[2])
        else:
            region.append(item)
    return region, members


def _member_name(spec: dict[str, Any], scenario_data: dict[str, Any]) -> str:
    return str(spec.get("name") or scenario_data.get("council") or scenario_data.get("name"))


def load_region(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> Region:
    """Read a region file and every member; check them; apply the response rules."""
    path = Path(path)
    chain = _resolve_chain(path)
    data: dict[str, Any] = {}
    for _, raw in chain:
        data = deep_merge(data, raw)
    owner = next((f for f, raw in reversed(chain) if "members" in raw), path.resolve())
    specs = data.get("members")
    if not isinstance(specs, list) or not specs:
        raise InputError("must list at least one member", file=str(owner), key="members")
    if len(specs) > MAX_MEMBERS:
        raise InputError(f"{len(specs)} members: more than {MAX_MEMBERS}", file=str(owner), key="members")
    guess = [str(s.get("name") or (s.get("init") or {}).get("council") or Path(str(s.get("file", i))).stem) if isinstance(s, dict)
             else str(i) for i, s in enumerate(specs)]
    region_sets, member_sets = _split_overrides(overrides, guess, specs)
    set_paths: list[tuple] = []
    for item in region_sets:      # the region's own keys and levers (its market's policies)
        parts, value = parse_set(item)
        done = named_levers.apply(data, ".".join(parts), value, option="overrides", scope="region")
        set_paths += [tuple(int(p) if p.isdigit() else p for p in k.split(".")) for k in done]
    dates = {k: data[k] for k in ("start_date", "end_date") if k in data}
    loaded: list[tuple[dict[str, Any], Scenario, str]] = []
    seen: dict[str, int] = {}
    for i, spec in enumerate(specs):
        where = f"members.{i}"
        if not isinstance(spec, dict):
            raise InputError("expected {file: ...} or {init: {council: ..., year: ...}}", file=str(owner), key=where)
        unknown = set(spec) - MEMBER_KEYS
        if unknown:
            raise InputError(f"unknown key {sorted(unknown)[0]!r} (expected {', '.join(sorted(MEMBER_KEYS))})", file=str(owner),
                             key=f"{where}.{sorted(unknown)[0]}")
        if ("file" in spec) == ("init" in spec):
            raise InputError("give exactly one of file: or init:", file=str(owner), key=where)
        extra = [*(spec.get("set") or []), *member_sets.get(i, [])]
        if not all(isinstance(x, str) for x in extra):
            raise InputError("expected a list of KEY=VALUE texts", file=str(owner), key=f"{where}.set")
        if dates:
            extra = [f"{k}={v}" for k, v in dates.items()] + extra
        if "file" in spec:
            if not isinstance(spec["file"], str) or not spec["file"].strip():
                raise InputError("must be a scenario file name", file=str(owner), key=f"{where}.file")
            member_path = (owner.parent / spec["file"]).resolve()
            if not member_path.is_file():
                raise InputError(f"member file not found: {spec['file']}", file=str(owner), key=f"{where}.file")
            if is_region(member_path):
                raise InputError("is a region, not a council's scenario", file=str(owner), key=f"{where}.file")
            identity = str(member_path)
        try:
            if "file" in spec:
                sc = load_scenario(member_path, extra)
            else:
                sc, identity = _init_member(spec["init"], extra, owner, where)
        except InputError as exc:
            if exc.option != "overrides" or str(exc.key or "").startswith("members."):
                raise
            # a --set on this member: name the member's key as it was given
            raise InputError(exc.message, option="overrides", key=f"members.{guess[i]}.{exc.key}" if exc.key else None) from None
        name = _member_name(spec, sc.model_dump(include={"council", "name"}))
        for ident in (identity, name):
            if ident in seen:
                raise InputError(f"{name!r} is a member twice (also members.{seen[ident]})", file=str(owner), key=where)
        seen[identity] = seen[name] = i
        loaded.append((spec, sc, name))
        if i == 0:   # what the region does not give of its dates, the first member's give
            dates.setdefault("start_date", sc.start_date)
            dates.setdefault("end_date", sc.end_date)
    members = [{"name": name, "scenario": sc, "attractiveness": spec.get("attractiveness", 1.0), "response": spec.get("response")}
               for spec, sc, name in loaded]
    body = {k: v for k, v in data.items() if k not in ("members",)}
    body.update(dates)
    body.setdefault("name", path.stem)
    try:
        region = Region.model_validate({**body, "members": members})
    except ValidationError as exc:
        raise _format_validation(exc, chain, set_paths, root=Region) from None
    return region


def _init_member(spec: Any, extra: list[str], owner: Path, where: str) -> tuple[Scenario, str]:
    from workforce_sim.scenario.start_state import start_state

    if not isinstance(spec, dict) or "council" not in spec or set(spec) - {"council", "year"}:
        raise InputError("expected {council: NAME, year: YEAR}", file=str(owner), key=f"{where}.init")
    try:
        council, data = start_state(str(spec["council"]), spec.get("year"))
    except InputError as exc:
        raise InputError(exc.message, file=str(owner), key=f"{where}.init") from None
    for item in extra:            # keys and a council's named levers, as for a member's file
        parts, value = parse_set(item)
        named_levers.apply(data, ".".join(parts), value, option="overrides")
    if any(i.startswith(("start_date=", "end_date=")) for i in extra):
        data.pop("targets", None)   # init's targets are dated for its own horizon, not the region's
    try:
        return Scenario.model_validate(data), f"init:{council.new_la_code}"
    except ValidationError as exc:
        err = _format_validation(exc, [(owner, {})], [])
        raise InputError(err.message, file=str(owner), key=f"{where}.init: {err.key}" if err.key else f"{where}.init") from None


def _shifted(day: Optional[dt.date], months: float) -> Optional[dt.date]:
    if day is None:
        return None
    whole = int(months)
    days = int(round((months - whole) * 30.4375))
    y, m = divmod(day.month - 1 + whole, 12)
    target = dt.date(day.year + y, m + 1, 1)
    target = target.replace(day=min(day.day, calendar.monthrange(target.year, target.month)[1]))
    return target + dt.timedelta(days=days)


def apply_responses(region: Region) -> Region:
    """Each follower takes the followed member's supplement: from its date (match) or ``lag_months`` later
    (match_after); ``ignore`` changes nothing. Followers are applied in member order (a chain follows the
    supplement as the followed member had it before its own response)."""
    by_name = {m.name: m for m in region.members}
    out = []
    for m in region.members:
        r = m.response
        if r is None or r.rule == "ignore":
            out.append(m)
            continue
        leader = by_name[r.follows].scenario.market_supplement
        if not leader.enabled:
            out.append(m)
            continue
        lag = r.lag_months if r.rule == "match_after" else 0.0
        start = _shifted(leader.start_date or region.start_date, lag)
        own = m.scenario.market_supplement
        amounts = {role: max(float(v), float(own.amount_gbp_per_year.get(role, 0.0)) if own.enabled else 0.0)
                   for role, v in leader.amount_gbp_per_year.items()}
        supplement = own.model_copy(update={"enabled": True, "start_date": start, "amount_gbp_per_year": amounts,
                                            "team_groups": list(own.team_groups)})
        out.append(m.model_copy(update={"scenario": m.scenario.model_copy(update={"market_supplement": supplement})}))
    return region.model_copy(update={"members": out})


def region_data(path: str | Path) -> tuple[Path, dict[str, Any]]:
    """A region file's data as written (its ``extends:`` chain merged) and the file that lists its members
    (members' ``file:`` names are relative to it)."""
    chain = _resolve_chain(Path(path))
    data: dict[str, Any] = {}
    for _, raw in chain:
        data = deep_merge(data, raw)
    owner = next((f for f, raw in reversed(chain) if "members" in raw), Path(path).resolve())
    return owner, data
