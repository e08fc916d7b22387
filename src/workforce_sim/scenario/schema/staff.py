"""The rows of a council's staff list and leavers file (``initial_staffing: {from_file: staff.csv}``).

One row per worker in post on the start date (the council's return to the DfE
children's social work workforce census), and optionally one per permanent
leaver of the year before the start. Each row is validated by a pydantic
model; the files are read by ``workforce_sim.scenario.staff_files``. The format
is documented in ``docs/scenarios.md`` (Your own staff list).
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from workforce_sim.errors import InputError
from workforce_sim.scenario.schema.base import cut

DAYS_PER_YEAR = 365.25
MAX_IMPLIED_TURNOVER = 0.95   # a leavers file implying more turnover than this is refused (the hazards could not match it)

FileRole = Literal["social_worker", "nqsw", "consultant_practitioner", "practice_manager"]
# names a staff list may use for the roles of the model (lower case, spaces and hyphens as underscores)
ROLE_NAMES: dict[str, str] = {
    "social_worker": "social_worker", "case_holder": "social_worker",
    "nqsw": "nqsw", "asye": "nqsw",
    "consultant_practitioner": "consultant_practitioner", "senior_practitioner": "consultant_practitioner",
    "practice_manager": "practice_manager", "team_manager": "practice_manager", "first_line_manager": "practice_manager",
}
LEAVER_REASONS = ("workload", "insufficient_support", "no_career_path", "pay", "other")
STAFF_COLUMNS = {"worker_id": True, "role": True, "contract": True, "fte": True, "start_date": True, "team": False, "cases": False}
LEAVER_COLUMNS = {"worker_id": True, "fte": True, "leave_date": True, "role": False, "reason": False}


def _blank(v: Any) -> Any:
    return None if isinstance(v, str) and not v.strip() else v


def _role_name(v: Any) -> Any:
    if isinstance(v, str):
        key = "_".join(v.strip().lower().replace("-", " ").split())
        if key not in ROLE_NAMES:
            raise ValueError(f"unknown role {cut(v.strip())!r} (roles: {', '.join(ROLE_NAMES)})")
        return ROLE_NAMES[key]
    return v


def _date(v: Any) -> Any:
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v.strip())
        except ValueError:
            raise ValueError(f"must be a date written YYYY-MM-DD, got {cut(v.strip())!r}") from None
    return v


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    row: int = Field(ge=1, description="Row of the file (the header is row 1)")
    worker_id: str = Field(min_length=1, description="The council's identifier of the worker (unique in the file)")
    fte: float = Field(description="Full-time equivalent, more than 0 and at most 1")

    @field_validator("worker_id", mode="before")
    @classmethod
    def _id(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = v.strip()
            if not v:
                raise ValueError("missing (every worker needs an id)")
        return v

    @field_validator("fte", mode="before")
    @classmethod
    def _fte(cls, v: Any) -> Any:
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise ValueError(f"must be a number more than 0 and at most 1, got {cut(v)!r}") from None
        if not (math.isfinite(x) and 0 < x <= 1):
            raise ValueError(f"must be more than 0 and at most 1, got {cut(v)}")
        return x


class StaffMember(_Row):
    """One worker in post on the start date."""

    role: FileRole = Field(description="social_worker, nqsw (in the ASYE), consultant_practitioner or practice_manager (aliases: ROLE_NAMES)")
    contract: Literal["permanent", "agency"]
    start_date: Optional[dt.date] = Field(None, description="Start with the council (permanent staff; optional for agency workers)")
    team: Optional[str] = Field(None, description="Team type of the scenario, or one team of it (type_1, type_2, ...)")
    cases: Optional[int] = Field(None, ge=0, le=1000, description="Children held on the start date (used when the scenario simulates cases)")

    @field_validator("role", mode="before")
    @classmethod
    def _role(cls, v: Any) -> Any:
        return _role_name(v)

    @field_validator("contract", mode="before")
    @classmethod
    def _contract(cls, v: Any) -> Any:
        if isinstance(v, str):
            key = v.strip().lower()
            if key not in ("permanent", "agency"):
                raise ValueError(f"must be permanent or agency, got {cut(v.strip())!r}")
            return key
        return v

    @field_validator("start_date", mode="before")
    @classmethod
    def _start(cls, v: Any) -> Any:
        return _date(_blank(v))

    @field_validator("team", mode="before")
    @classmethod
    def _team(cls, v: Any) -> Any:
        v = _blank(v)
        return v.strip() if isinstance(v, str) else v

    @field_validator("cases", mode="before")
    @classmethod
    def _cases(cls, v: Any) -> Any:
        v = _blank(v)
        if isinstance(v, str):
            if not v.strip().isdigit():
                raise ValueError(f"must be a whole number of children (0 or more), got {cut(v.strip())!r}")
            return int(v)
        return v

    def tenure_years(self, on: dt.date) -> float:
        """Years of service with the council on ``on`` (0 without a start date)."""
        return 0.0 if self.start_date is None else max(0.0, (on - self.start_date).days / DAYS_PER_YEAR)


class Leaver(_Row):
    """One permanent worker who left in the year before the start date."""

    leave_date: dt.date
    role: Optional[FileRole] = None
    reason: Optional[Literal["workload", "insufficient_support", "no_career_path", "pay", "other"]] = None

    @field_validator("leave_date", mode="before")
    @classmethod
    def _leave(cls, v: Any) -> Any:
        v = _blank(v)
        if v is None:
            raise ValueError("missing")
        return _date(v)

    @field_validator("role", mode="before")
    @classmethod
    def _role(cls, v: Any) -> Any:
        v = _blank(v)
        return _role_name(v) if v is not None else None

    @field_validator("reason", mode="before")
    @classmethod
    def _reason(cls, v: Any) -> Any:
        v = _blank(v)
        if isinstance(v, str):
            key = "_".join(v.strip().lower().split())
            if key not in LEAVER_REASONS:
                raise ValueError(f"unknown reason {cut(v.strip())!r} (reasons: {', '.join(LEAVER_REASONS)})")
            return key
        return v


def year_before(start: dt.date) -> dt.date:
    """First day of the year that ends on ``start``."""
    try:
        return start.replace(year=start.year - 1) + dt.timedelta(days=1)
    except ValueError:  # 29 February
        return start.replace(year=start.year - 1, day=28) + dt.timedelta(days=1)


def implied_turnover(workers: list[StaffMember], leavers: list[Leaver], start: dt.date) -> tuple[float, str]:
    """(turnover, how it was computed): leaver FTE in the year before ``start`` over the mean permanent FTE of that year.

    The permanent FTE a year before is the FTE in post now, less the FTE of permanent staff
    who started during the year, plus the leavers' FTE; the mean is that of the two ends.
    """
    first = year_before(start)
    perm = [w for w in workers if w.contract == "permanent"]
    now = sum(w.fte for w in perm)
    joined = sum(w.fte for w in perm if w.start_date is not None and w.start_date >= first)
    left = sum(lv.fte for lv in leavers)
    before = max(0.0, now - joined + left)
    mean = (now + before) / 2
    if mean <= 0:
        raise InputError("no permanent FTE in the year before the start: no turnover can be computed", key="initial_staffing.leavers_file")
    rate = left / mean
    how = (f"{left:g} leaver FTE from {first} to {start} / mean permanent FTE {mean:.1f} (in post {now:g}; a year earlier "
           f"{now:g} - {joined:g} starters + {left:g} leavers = {before:g})")
    return rate, how
