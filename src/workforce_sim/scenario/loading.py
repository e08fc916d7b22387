"""Loading scenario files: safe YAML, ``extends:`` chains, ``--set`` overrides,
validation errors that name the file and key, and the resolved scenario as YAML."""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from workforce_sim.errors import InputError
from workforce_sim.scenario.schema import Scenario


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
        raise InputError(f"expected key=value, got {item!r}", option="overrides")
    key, _, raw = item.partition("=")
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise InputError(f"bad key in {item!r}", option="overrides")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        raise InputError(f"value is not valid YAML: {raw!r}", option="overrides", key=key) from None
    return key.split("."), value


def apply_set(data: dict[str, Any], parts: list[str], value: Any) -> None:
    """Set ``value`` at a dotted path; list items by index."""
    node: Any = data
    key = ".".join(parts)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise InputError(f"no list item {part!r}", option="overrides", key=key)
            idx = int(part)
            if last:
                node[idx] = value
            else:
                node = node[idx]
        elif isinstance(node, dict):
            if part.isdigit() and part not in node:
                raise InputError(f"no list item {part!r}", option="overrides", key=key)
            if last:
                node[part] = value
            else:
                if node.get(part) is None:
                    node[part] = {}
                node = node[part]
        else:
            raise InputError(f"{'.'.join(parts[:i])} is not a mapping or list", option="overrides", key=key)


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
        if not (isinstance(p, str) and (p in branch_names or p == "[key]" or p.startswith(("function-", "tagged-union", "union["))))
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
        return InputError(msg, option="overrides", key=key)
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


def defining_file(path: str | Path, key: str) -> Path:
    """The file of the ``extends`` chain of ``path`` that sets ``key`` last (``path`` if none does)."""
    parts = tuple(key.split("."))
    for file, raw in reversed(_resolve_chain(Path(path))):
        if _has_path(raw, parts) == len(parts):
            return file
    return Path(path).resolve()
