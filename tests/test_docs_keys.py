"""docs/scenarios.md lists every key a scenario file may hold: the table matches the schema."""
from __future__ import annotations

import re
import types
import typing
from pathlib import Path

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from workforce_sim.scenario import Scenario

DOC = Path(__file__).resolve().parents[1] / "docs" / "scenarios.md"


def _is_distribution(model: type) -> bool:
    return "uncertain" in model.__module__


def _models_in(ann: typing.Any) -> list[tuple[str, type]]:
    """(suffix, model) for each model an annotation holds: '' a field, '.N' a list item, '.NAME' a mapping value."""
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return [("", ann)]
    if origin is typing.Annotated:
        return _models_in(args[0])
    if origin in (list, tuple):
        return [(".N" + s, m) for a in args for s, m in _models_in(a)]
    if origin is dict:
        return [(".NAME" + s, m) for s, m in _models_in(args[1])]
    if origin in (typing.Union, types.UnionType):
        return [x for a in args for x in _models_in(a)]
    return []


def schema_keys(model: type = Scenario, prefix: str = "") -> list[tuple[str, str, str]]:
    """(dotted key, default, description) of every key a file may hold; fields the loader fills are left out."""
    rows = []
    for name, f in model.model_fields.items():
        desc = (f.description or "").replace("|", "/").replace("\n", " ")
        if "loaded" in desc or "computed" in desc:
            continue
        models = _models_in(f.annotation)
        if any(_is_distribution(m) for _, m in models):
            desc += " (may be uncertain)"
        d = f.default
        if d is PydanticUndefined:
            default = "required" if f.default_factory is None else ""
        elif isinstance(d, BaseModel) or (isinstance(d, (list, dict)) and d) or len(repr(d)) >= 25:
            default = ""
        else:
            default = f"`{d!r}`"
        rows.append((prefix + name, default, desc.strip()))
        seen: list[tuple[str, type]] = []
        for suffix, m in models:
            if _is_distribution(m) or (suffix, m) in seen:
                continue
            seen.append((suffix, m))
            rows.extend(schema_keys(m, prefix + name + suffix + "."))
    return rows


def documented_keys() -> list[tuple[str, str, str]]:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Every key"):]
    return [(k, d.strip(), w.strip()) for k, d, w in re.findall(r"^\| `([^`]+)` \|([^|]*)\|(.*)\|$", section, flags=re.M)]


def test_every_schema_key_is_documented_and_nothing_else():
    schema = [k for k, _, _ in schema_keys()]
    docs = [k for k, _, _ in documented_keys()]
    assert len(schema) > 100
    missing = [k for k in schema if k not in docs]
    stale = [k for k in docs if k not in schema]
    assert not missing, f"keys missing from docs/scenarios.md#every-key: {missing}"
    assert not stale, f"keys in docs/scenarios.md#every-key that the schema lacks: {stale}"


def test_documented_defaults_match_the_schema():
    docs = {k: d for k, d, _ in documented_keys()}
    wrong = [(k, docs[k], d) for k, d, _ in schema_keys() if k in docs and docs[k] != d]
    assert not wrong, f"defaults differ (key, docs, schema): {wrong}"
