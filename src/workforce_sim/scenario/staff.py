"""The council's own staff list as the start state: ``initial_staffing: {from_file: staff.csv}``.

One row per worker in post on the start date (the council's return to the DfE
children's social work workforce census), and optionally a file of the
permanent leavers of the year before the start. Each row is validated by a
pydantic model; a bad row is one ``InputError`` naming the file, the row (as a
person counts rows in the file: the header is row 1) and the column. The
format is documented in ``docs/scenarios.md`` (Your own staff list).
"""
from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from workforce_sim.errors import InputError

MAX_STAFF_FILE_BYTES = 5_000_000   # a council of 2,000 workers is about 100 KB
DAYS_PER_YEAR = 365.25
NEWLINE = b"\n"

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
            raise ValueError(f"unknown role {v.strip()!r} (roles: {', '.join(ROLE_NAMES)})")
        return ROLE_NAMES[key]
    return v


def _date(v: Any) -> Any:
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v.strip())
        except ValueError:
            raise ValueError(f"must be a date written YYYY-MM-DD, got {v.strip()!r}") from None
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
            raise ValueError(f"must be a number more than 0 and at most 1, got {v!r}") from None
        if not (math.isfinite(x) and 0 < x <= 1):
            raise ValueError(f"must be more than 0 and at most 1, got {v}")
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
                raise ValueError(f"must be permanent or agency, got {v.strip()!r}")
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
                raise ValueError(f"must be a whole number of children (0 or more), got {v.strip()!r}")
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
                raise ValueError(f"unknown reason {v.strip()!r} (reasons: {', '.join(LEAVER_REASONS)})")
            return key
        return v


def shown(path: Path) -> str:
    """A file as the user named it: relative to the working folder when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _rows(path: Path, columns: dict[str, bool]) -> list[tuple[int, dict[str, str]]]:
    """(row number, values by column) of a CSV file, the header checked against ``columns`` (name: required)."""
    from workforce_sim.scenario.loading import decode_text

    name = shown(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_STAFF_FILE_BYTES + 1)
    except FileNotFoundError:
        raise InputError("file not found", file=name) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file", file=name) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=name) from None
    if len(raw) > MAX_STAFF_FILE_BYTES:
        raise InputError(f"larger than {MAX_STAFF_FILE_BYTES:,} bytes: not a staff list", file=name)
    try:
        text = decode_text(raw)
    except ValueError as exc:
        msg = str(exc).replace("YAML text", "CSV text")
        offset = next((int(w) for w in msg.replace(",", " ").split() if w.isdigit()), None)
        where = f"row {raw[:offset].count(NEWLINE) + 1}" if offset is not None else None
        raise InputError(msg, file=name, key=where) from None
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        header = next(reader, None)
        while header is not None and not any(h.strip() for h in header):
            header = next(reader, None)
        if header is None:
            raise InputError(f"empty: no header row (columns: {', '.join(columns)})", file=name)
        head = [h.strip().lower() for h in header]
        first = reader.line_num
        for h in head:
            if h not in columns:
                raise InputError(f"unknown column {h!r} (columns: {', '.join(columns)})", file=name, key=f"row {first}")
        dup = next((h for h in head if head.count(h) > 1), None)
        if dup:
            raise InputError(f"column {dup!r} given twice", file=name, key=f"row {first}")
        for col, required in columns.items():
            if required and col not in head:
                raise InputError(f"missing column {col!r} (the header has: {', '.join(head)})", file=name, key=f"row {first}")
        out = []
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(head):
                raise InputError(f"{len(values)} values but the header has {len(head)} columns", file=name, key=f"row {reader.line_num}")
            out.append((reader.line_num, dict(zip(head, values))))
    except csv.Error as exc:
        raise InputError(f"not a CSV file ({exc})", file=name, key=f"row {reader.line_num}") from None
    if not out:
        raise InputError("no rows after the header", file=name)
    return out


def _validate(model: type[_Row], path: Path, rows: list[tuple[int, dict[str, str]]]) -> list:
    out = []
    for n, values in rows:
        try:
            out.append(model.model_validate({"row": n, **values}))
        except ValidationError as exc:
            err = exc.errors()[0]
            col = str(err["loc"][0]) if err["loc"] else ""
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "missing":
                msg = "missing"
            raise InputError(msg, file=shown(path), key=f"row {n}, column {col}") from None
    return out


def read_staff(path: Path, start: Optional[dt.date]) -> list[StaffMember]:
    """The workers of a staff list: every row valid, worker ids unique, no start after ``start``."""
    workers = _validate(StaffMember, path, _rows(path, STAFF_COLUMNS))
    seen: dict[str, int] = {}
    for w in workers:
        where = f"row {w.row}"
        if w.worker_id in seen:
            raise InputError(f"{w.worker_id!r} given twice (first at row {seen[w.worker_id]})", file=shown(path), key=f"{where}, column worker_id")
        seen[w.worker_id] = w.row
        if w.contract == "permanent" and w.start_date is None:
            raise InputError("missing (permanent staff need their start date with the council)", file=shown(path), key=f"{where}, column start_date")
        if w.role == "nqsw" and w.contract != "permanent":
            raise InputError("an NQSW in their ASYE is employed by the council: contract must be permanent", file=shown(path), key=f"{where}, column contract")
        if start is not None and w.start_date is not None and w.start_date > start:
            raise InputError(f"{w.start_date} is after the scenario's start date {start}", file=shown(path), key=f"{where}, column start_date")
        if w.start_date is not None and w.start_date < dt.date(1950, 1, 1):
            raise InputError(f"{w.start_date} is before 1950", file=shown(path), key=f"{where}, column start_date")
    return workers


def read_leavers(path: Path, start: Optional[dt.date]) -> list[Leaver]:
    """The permanent leavers of the year before ``start``: every row valid, each leave date in that year."""
    leavers = _validate(Leaver, path, _rows(path, LEAVER_COLUMNS))
    if start is not None:
        first = year_before(start)
        for lv in leavers:
            if not (first <= lv.leave_date <= start):
                raise InputError(f"{lv.leave_date} is not in the year before the start date ({first} to {start})",
                                 file=shown(path), key=f"row {lv.row}, column leave_date")
    return leavers


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
