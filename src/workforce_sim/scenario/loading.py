"""Loading scenario files: safe YAML, ``extends:`` chains, ``--set`` overrides,
validation errors that name the file and key, and the resolved scenario as YAML."""
from __future__ import annotations

import copy
import datetime as dt
import warnings
from pathlib import Path
from typing import Any, Optional

import yaml
from pydantic import ValidationError

from workforce_sim.errors import InputError
from workforce_sim.scenario import keys, named_levers
from workforce_sim.scenario.councils import find_council
from workforce_sim.scenario.reading import read_text
from workforce_sim.scenario.schema import Scenario
from workforce_sim.scenario.staff_files import attach_staff_files

MAX_FILE_BYTES = 1_000_000   # a scenario or manifest is a few KB; anything larger is refused before it is read whole
MAX_DEPTH = 40               # nesting of mappings and lists; real scenarios need fewer than 10
MAX_NODES = 200_000          # values after anchors and aliases are expanded (refuses alias bombs)
EARLIEST, LATEST = dt.date(1990, 1, 1), dt.date(2100, 12, 31)   # dates a scenario may name


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml's parser where PyYAML has it (ten times faster)


class _SafeLoader(_BaseLoader):
    """PyYAML's safe loader that refuses duplicate keys (naming both lines) and
    reports an impossible date (``2014-02-30``) at its line instead of raising."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:  # an unhashable key: let the base class say so
                    break
                line = key_node.start_mark.line + 1
                if first is not None:
                    raise InputError(f"line {line}: duplicate key {key!r} (first given at line {first})")
                seen[key] = line
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node):
        try:
            value = super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            raise InputError(f"line {node.start_mark.line + 1}: impossible date {node.value!r} ({exc})") from None
        day = value.date() if isinstance(value, dt.datetime) else value
        if not (EARLIEST <= day <= LATEST):
            raise InputError(f"line {node.start_mark.line + 1}: date {node.value} outside {EARLIEST}..{LATEST}")
        return value


_SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _SafeLoader.construct_yaml_timestamp)

_OPENERS = (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken, yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)
_CLOSERS = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)


def _read_text(path: Path) -> str:
    return read_text(path, MAX_FILE_BYTES, "a scenario file")


def _check_shape(text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH before the (recursive) composer sees it."""
    depth = 0
    loader = _SafeLoader(text)
    try:
        for token in iter(loader.get_token, None):
            if isinstance(token, _OPENERS):
                depth += 1
                if depth > MAX_DEPTH:
                    raise InputError(f"line {token.start_mark.line + 1}: nested deeper than {MAX_DEPTH} levels")
            elif isinstance(token, _CLOSERS):
                depth -= 1
    finally:
        loader.dispose()


def _expanded_size(node: yaml.Node) -> int:
    """Number of values once aliases are expanded (each alias counts its whole target)."""
    sizes: dict[int, int] = {}
    order: list[yaml.Node] = []
    stack = [node]
    while stack:  # nodes after their children (iterative: depth is bounded already)
        n = stack.pop()
        if id(n) in sizes:
            continue
        sizes[id(n)] = -1
        order.append(n)
        if isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)
        elif isinstance(n, yaml.MappingNode):
            stack.extend(x for pair in n.value for x in pair)
    for n in reversed(order):
        if isinstance(n, yaml.SequenceNode):
            kids = n.value
        elif isinstance(n, yaml.MappingNode):
            kids = [x for pair in n.value for x in pair]
        else:
            kids = []
        sizes[id(n)] = 1 + sum(max(sizes[id(k)], 1) for k in kids)
        if sizes[id(n)] > MAX_NODES:
            raise InputError(f"line {n.start_mark.line + 1}: more than {MAX_NODES:,} values once anchors are expanded")
    return sizes[id(node)]


def parse_yaml(text: str) -> Any:
    """Parse YAML text safely; errors are ``InputError`` without a file (the caller adds it)."""
    try:
        _check_shape(text)
        loader = _SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _expanded_size(node)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}" if mark else "tag"
        raise InputError(f"{where}: YAML tag not allowed ({exc.problem})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        problem = getattr(exc, "problem", None) or str(exc)
        if "nesting depth" in problem:  # libyaml's own limit, met while it reads ahead
            raise InputError(f"{where}: nested deeper than {MAX_DEPTH} levels") from None
        raise InputError(f"{where}: invalid YAML ({problem})") from None
    except RecursionError:
        raise InputError(f"nested deeper than {MAX_DEPTH} levels") from None


def _read_yaml(path: Path) -> dict[str, Any]:
    text = _read_text(path)
    try:
        data = parse_yaml(text)
    except InputError as exc:
        raise InputError(exc.message, file=str(path), key=exc.key) from None
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
    return keys.parse_assignment(item, parse_yaml, option="overrides")


def apply_set(data: dict[str, Any], parts: list[str], value: Any, option: str = "overrides") -> list[str]:
    """Set ``value`` at a dotted path (list items by index, ``*`` for every item) or a named lever
    (``NQSWs a year``, ``time_to_hire_days``: ``scenario.named_levers``); the dotted keys set."""
    return named_levers.apply(data, ".".join(parts), value, option=option)


def _as_path(key: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in key.split("."))


def _apply_file_sets(data: dict[str, Any], file: Path, sets: Any) -> None:
    """A scenario file's ``set:`` block: dotted keys and named levers applied after the files it
    extends are merged, so that a variant changes one list item without copying the list."""
    if sets is None:
        return
    if not isinstance(sets, dict):
        raise InputError("must be a mapping of KEY: VALUE (dotted keys or named levers)", file=str(file), key="set")
    for key, value in sets.items():
        try:
            apply_set(data, str(key).split("."), value)
        except InputError as exc:
            raise InputError(exc.message, file=str(file), key=f"set.{exc.key or key}") from None


def _unwrap(tp: Any) -> Any:
    """The model class inside Optional[...], list[...], dict[..., ...] and Annotated (or the type itself)."""
    import typing
    for _ in range(6):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        origin = typing.get_origin(tp)
        if origin is None or not args:
            return tp
        tp = args[-1] if origin in (dict, list) or len(args) == 1 or origin is typing.Annotated else next(
            (a for a in args if hasattr(a, "model_fields")), args[0])
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0] if typing.get_origin(tp) is typing.Annotated else tp
    return tp


def valid_keys(parent: tuple, root: Any = None) -> list[str]:
    """The keys the schema allows under ``parent`` (a key path; list indexes and mapping keys skipped)
    in a scenario, or in ``root`` (another schema: a region's)."""
    model: Any = root or Scenario
    for part in parent:
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
            continue
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            if fields is None:
                continue
            return []
        model = _unwrap(fields[part].annotation)
    fields = getattr(model, "model_fields", None)
    return list(fields) if fields else []


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


def _format_validation(exc: ValidationError, chain: list[tuple[Path, dict[str, Any]]], overrides: list[tuple],
                       root: Any = None) -> InputError:
    """One line for a schema error: a scenario's, or a region's (``root``: the Region schema)."""
    errors = exc.errors()
    err = errors[0]
    # a value that may be a number or a distribution fails both branches: for a
    # mapping, report the distribution's complaint rather than "not a number"
    if isinstance(err.get("input"), dict) and err["type"] in ("float_type", "float_parsing"):
        err = next((e for e in errors[1:] if e["type"] not in ("float_type", "float_parsing")), err)
    branch_names = ("uniform", "triangular", "normal", "empirical", "float")
    loc = tuple(
        p for p in err["loc"]
        if not (isinstance(p, str) and (p in branch_names or p == "[key]" or p.startswith(("function-", "tagged-union", "union["))))
    )
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    key = ".".join(str(p) for p in loc)
    if err["type"] == "extra_forbidden":
        scope = "region" if root is not None and not (loc[:1] == ("members",) and "scenario" in loc) else "council"
        msg = "unknown key" + named_levers.suggest(key, valid_keys(tuple(loc[:-1]), root), scope=scope)
    # model-level errors carry their own key at the front of the message
    if not key and ": " in msg:
        key, _, msg = msg.partition(": ")
    path_parts = tuple(int(p) if p.isdigit() else p for p in key.split(".")) if key else ()
    # an error at or below a --set key, or at a key on its way (a misspelt intermediate key), is the override's
    if key and any(tuple(path_parts[: len(sp)]) == sp or tuple(sp[: len(path_parts)]) == path_parts for sp in overrides):
        return InputError(msg, option="overrides", key=key)
    best = chain[-1][0]
    best_depth = -1
    for file, raw in chain:
        depth = _has_path(raw, path_parts)
        if depth > best_depth or (depth == best_depth and depth > 0):
            best, best_depth = file, depth
    return InputError(msg, file=str(best), key=key or None)


def load_scenario(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> Scenario:
    """Read, merge (``extends``), override (``--set``) and validate a scenario.

    Every file the scenario names is found here, once, relative to the file that names it (to the working
    folder for a ``--set``): the staff and leavers files (read, their rows put in ``initial_staffing``) and
    the investment baseline (``finance.investment.baseline``, held as an absolute path)."""
    chain = _resolve_chain(Path(path))
    data: dict[str, Any] = {}
    for file, raw in chain:
        data = deep_merge(data, {k: v for k, v in raw.items() if k != "set"})
        _apply_file_sets(data, file, raw.get("set"))
    set_paths: list[tuple] = []
    for item in overrides:
        parts, value = parse_set(item)
        set_paths += [_as_path(k) for k in apply_set(data, parts, value)]
    if "name" not in data:
        data["name"] = Path(path).stem
    _resolve_staff_files(data, chain, Path(path), set_paths)
    _resolve_investment_baseline(data, chain, Path(path), set_paths)
    data = attach_staff_files(data)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _format_validation(exc, chain, set_paths) from None
    _check_sources(scenario, chain)
    _check_la_code(scenario, chain, set_paths)
    for key, message in doubts(scenario):
        warnings.warn(ScenarioWarning(f"{Path(path)}: {key}: {message}"), stacklevel=2)
    return scenario


def _owner(chain: list[tuple[Path, dict[str, Any]]], parts: tuple, set_paths: list[tuple], path: Path) -> Optional[Path]:
    """The file that sets the key ``parts`` last, or None when a ``--set`` sets it (or a mapping above it)."""
    if any(tuple(sp[: len(parts)]) == parts or tuple(parts[: len(sp)]) == sp for sp in set_paths):
        return None
    return next((f for f, raw in reversed(chain) if _has_path(raw, parts) == len(parts)), path.resolve())


def _resolve_staff_files(data: dict[str, Any], chain: list[tuple[Path, dict[str, Any]]], path: Path, set_paths: list[tuple]) -> None:
    """Staff and leavers files named in ``initial_staffing`` are relative to the scenario file that names them
    (to the scenario given on the command line for a ``--set``); an empty name is an error."""
    init = data.get("initial_staffing")
    if not isinstance(init, dict):
        return
    for name in ("from_file", "leavers_file"):
        value = init.get(name)
        if not isinstance(value, str):
            continue
        parts = ("initial_staffing", name)
        owner = _owner(chain, parts, set_paths, path)
        if not value.strip():
            where = {"option": "overrides"} if owner is None else {"file": str(owner)}
            raise InputError("empty: name a CSV file (or leave the key out)", key=".".join(parts), **where)
        if Path(value).is_absolute():
            continue
        init[name] = str(((path if owner is None else owner).parent / value).resolve())


def _resolve_investment_baseline(data: dict[str, Any], chain: list[tuple[Path, dict[str, Any]]], path: Path,
                                 set_paths: list[tuple]) -> None:
    """``finance.investment.baseline`` as an absolute path: relative to the scenario file that sets it (to the
    working folder for a ``--set``). It must exist and not be this scenario itself."""
    investment = (data.get("finance") or {}).get("investment") if isinstance(data.get("finance"), dict) else None
    if not isinstance(investment, dict) or not isinstance(investment.get("baseline"), str):
        return
    key = "finance.investment.baseline"
    name = investment["baseline"]
    owner = _owner(chain, tuple(key.split(".")), set_paths, path)
    where = {"option": "overrides"} if owner is None else {"file": str(owner)}
    if not name.strip():
        raise InputError("empty: name the investment baseline's scenario file (or leave the key out)", key=key, **where)
    target = ((Path.cwd() if owner is None else owner.parent) / name).resolve()
    if target == path.resolve():
        raise InputError("names this scenario itself: its spend would be compared with itself (GBP 0)", key=key, **where)
    if not target.is_file():
        raise InputError(f"investment baseline not found: {name}" + (f" ({target})" if str(target) != name else ""), key=key, **where)
    investment["baseline"] = str(target)


def investment_baseline_path(scenario: Scenario) -> Optional[Path]:
    """The scenario's investment baseline (``finance.investment.baseline``) as the loader resolved it: an
    absolute path, or None when it names none."""
    name = scenario.finance.investment.baseline
    return Path(name) if name else None


def _check_la_code(scenario: Scenario, chain: list[tuple[Path, dict[str, Any]]], set_paths: list[tuple]) -> None:
    """``la_code`` names a council of the shipped DfE table."""
    if not scenario.la_code:
        return
    try:
        find_council(scenario.la_code)
    except InputError:
        owner = _owner(chain, ("la_code",), set_paths, chain[-1][0])
        where = {"option": "overrides"} if owner is None else {"file": str(owner)}
        raise InputError(f"no council with LA code {scenario.la_code!r} in data/dfe_councils.csv.gz", key="la_code", **where) from None


class ScenarioWarning(UserWarning):
    """A scenario that validates but is probably not what its author meant (shown on stderr)."""


def doubts(scenario: Scenario) -> list[tuple[str, str]]:
    """(key, message) for dated items that fall outside the run, so would silently do nothing."""
    start, end = scenario.start_date, scenario.end_date
    found = []
    dated = [(f"nqsw.cohorts.{i}.date", c.date) for i, c in enumerate(scenario.nqsw.cohorts)]
    dated += [(f"recruitment.campaigns.{i}.date", c.date) for i, c in enumerate(scenario.recruitment.campaigns)]
    dated += [(f"recruitment.appointments.{i}.date", a.date) for i, a in enumerate(scenario.recruitment.appointments)]
    for key, date in dated:
        if not (start <= date < end):
            found.append((key, f"{date} is outside the run ({start} to {end}): it has no effect"))
    ms = scenario.market_supplement
    if ms.enabled and ms.start_date is not None and ms.start_date >= end:
        found.append(("market_supplement.start_date", f"{ms.start_date} is after the run ends ({end}): no supplement is paid"))
    return found


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
    set_paths: list[tuple] = []
    for key, value in overrides.items():
        set_paths += [_as_path(k) for k in apply_set(data, key.split("."), value)]
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise _format_validation(exc, [(Path(scenario.name), data)], set_paths) from None


def resolved_yaml(scenario: Scenario) -> str:
    """The scenario as resolved, as YAML text."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(scenario.model_dump(mode="json"), Dumper=dumper, sort_keys=False, allow_unicode=True)


def defining_file(path: str | Path, key: str) -> Path:
    """The file of the ``extends`` chain of ``path`` that sets ``key`` last (``path`` if none does)."""
    parts = tuple(key.split("."))
    for file, raw in reversed(_resolve_chain(Path(path))):
        if _has_path(raw, parts) == len(parts):
            return file
    return Path(path).resolve()
