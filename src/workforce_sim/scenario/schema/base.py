"""The base of every scenario section: unknown keys refused, numbers finite and in range.

A scenario is a static description of one council's service and the policies
under test. It never holds simulation state (that belongs to the model) and
reads no files (the loader reads them and puts what they hold in it).

Every parameter carries its unit in its name or description and a source:
the seed document and section, a public statistic, or "assumption: why".
Scenario files may add a ``sources:`` mapping of dotted key -> citation for
the values they set.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

Role = Literal["practice_manager", "consultant_practitioner", "social_worker"]
ROLES: tuple[str, ...] = ("practice_manager", "consultant_practitioner", "social_worker")


def float_or_max(value: Any) -> float:
    """A number, or the upper end of a distribution's support."""
    return float(value) if isinstance(value, (int, float)) else float(value.support()[1])


CELL_CHARS = 80   # an error quotes at most this many characters of the user's data


def cut(text: Any, limit: int = CELL_CHARS) -> str:
    """``text`` on one line and at most ``limit`` characters (an ellipsis marks a cut)."""
    one = " ".join(str(text).split())
    return one if len(one) <= limit else one[: limit - 3] + "..."


def shown(path: str | Path) -> str:
    """A file as the user named it: relative to the working folder when it is inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def src(text: str) -> dict[str, Any]:
    """Field metadata naming where a default comes from."""
    return {"source": text}


MAX_MAGNITUDE = 1e9  # no scenario number (GBP, counts, days, rates) comes near it; larger is a typo or an attack


def _finite_in_range(value: Any) -> Any:
    """Every number in a scenario is finite and at most MAX_MAGNITUDE in size (lists and mappings too)."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, bool):
            continue
        if isinstance(v, (int, float)):
            if not math.isfinite(v):
                raise ValueError(f"must be a finite number, got {v}")
            if abs(v) > MAX_MAGNITUDE:
                raise ValueError(f"must be at most {MAX_MAGNITUDE:g} in size, got {v:g}")
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
    return value


class Strict(BaseModel):
    """Base for every scenario section: unknown keys are refused; numbers are finite
    (``.nan`` and ``.inf`` are refused) and at most ``MAX_MAGNITUDE`` in size."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _numbers_in_range(cls, value: Any) -> Any:
        return _finite_in_range(value)


def per_role(pm: float, cp: float, sw: float):
    return lambda: {"practice_manager": pm, "consultant_practitioner": cp, "social_worker": sw}

