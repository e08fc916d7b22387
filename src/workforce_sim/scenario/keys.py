"""Dotted key paths into nested scenario data: ``recruitment.pipeline.offer_to_checks_days``,
``nqsw.cohorts.1.count`` (a list item by its index).

The one place that reads, writes and parses such keys: ``--set KEY=VALUE`` overrides,
the levers of the optimiser and of sensitivity, calibration's parameters and the plans
written by ``wfsim optimise``. Errors are ``InputError`` naming the key.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Union

from workforce_sim.errors import InputError

Key = Union[str, Sequence[str]]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""What ``get`` returns for a key the data does not have."""


def parts_of(key: Key) -> list[str]:
    """``"a.b.0"`` -> ``["a", "b", "0"]`` (a list of parts is returned as a list)."""
    return key.split(".") if isinstance(key, str) else list(key)


def check_key(key: str, item: str, option: str) -> str:
    """``key`` stripped; an ``InputError`` when it is empty or has an empty part (``a..b``)."""
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise InputError(f"bad key in {item!r}", option=option)
    return key


def split_assignment(item: str, option: str = "overrides", expected: str = "key=value") -> tuple[str, str]:
    """``KEY=REST`` -> (key, rest), the key checked; rest as written."""
    if "=" not in item:
        raise InputError(f"expected {expected}, got {item!r}", option=option)
    key, _, raw = item.partition("=")
    return check_key(key, item, option), raw


def parse_assignment(item: str, parse_value: Callable[[str], Any], option: str = "overrides") -> tuple[list[str], Any]:
    """One ``dotted.key=value``: (parts, value), the value read by ``parse_value`` (an empty value is "")."""
    key, raw = split_assignment(item, option)
    try:
        value = parse_value(raw) if raw.strip() else ""
    except InputError as exc:
        msg = exc.message.removeprefix("line 1: ")
        if "invalid YAML" in msg:
            msg = f"value is not valid YAML: {raw!r}"
        raise InputError(msg, option=option, key=key) from None
    return key.split("."), value


def get(data: Any, key: Key, default: Any = MISSING) -> Any:
    """The value at ``key`` (list items by index), or ``default`` when the data has no such key."""
    node = data
    for p in parts_of(key):
        if isinstance(node, dict) and p in node:
            node = node[p]
        elif isinstance(node, list) and p.isdigit() and int(p) < len(node):
            node = node[int(p)]
        else:
            return default
    return node


def has(data: Any, key: Key) -> bool:
    return get(data, key) is not MISSING


def set_value(data: dict[str, Any], key: Key, value: Any, option: str = "overrides") -> None:
    """Set ``value`` at ``key`` in place. Missing (or null) mappings on the way are created; a list
    item must exist (``no list item``); a scalar on the way is an error naming the key."""
    parts = parts_of(key)
    name = ".".join(parts)
    node: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise InputError(f"no list item {part!r}", option=option, key=name)
            if last:
                node[int(part)] = value
            else:
                node = node[int(part)]
        elif isinstance(node, dict):
            if part.isdigit() and part not in node:
                raise InputError(f"no list item {part!r}", option=option, key=name)
            if last:
                node[part] = value
            else:
                if node.get(part) is None:
                    node[part] = {}
                node = node[part]
        else:
            raise InputError(f"{'.'.join(parts[:i])} is not a mapping or list", option=option, key=name)


def set_nested(data: dict[str, Any], key: Key, value: Any) -> None:
    """Set ``value`` at ``key`` in a mapping being built, creating every mapping on the way
    (no lists: for writing a scenario fragment such as a plan)."""
    parts = parts_of(key)
    node = data
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value


def list_prefix(data: Any, key: Key) -> list[str]:
    """The leading parts of ``key`` up to the first list the data holds on the way (all of them when none):
    the part a scenario that ``extends:`` another must write whole, since it replaces lists."""
    parts = parts_of(key)
    cut = next((i + 1 for i in range(len(parts)) if isinstance(get(data, parts[: i + 1]), list)), len(parts))
    return parts[:cut]
