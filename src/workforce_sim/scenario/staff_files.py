"""Reading a council's staff list and leavers file into the rows of ``initial_staffing``.

The loader calls ``attach_staff_files`` on the merged scenario mapping before it
is validated: each file named by ``initial_staffing.from_file`` and
``leavers_file`` (an absolute path by then) is read once, its rows checked, and
the parsed rows put in the mapping (``workers``, ``leavers``, ``implied_turnover``).
A bad file or row is one ``InputError`` naming the file, the row (as a person
counts rows in the file: the header is row 1) and the column; an error quotes
at most one cell, cut to ``CELL_CHARS`` characters, and never the content of a
file that is not a staff list.
"""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any, Optional

from pydantic import ValidationError

from workforce_sim.errors import InputError
from workforce_sim.scenario.reading import CELL_CHARS, cut, decode_text, read_bytes, shown
from workforce_sim.scenario.schema.staff import (
    LEAVER_COLUMNS,
    STAFF_COLUMNS,
    Leaver,
    StaffMember,
    _Row,
    implied_turnover,
    year_before,
)

MAX_STAFF_FILE_BYTES = 5_000_000   # a council of 2,000 workers is about 100 KB
NEWLINE = b"\n"


def _is_staff_header(head: list[str], columns: dict[str, bool]) -> bool:
    """Whether a first row can be the header of this kind of file: it names at least one of its required columns."""
    return any(h in head for h, required in columns.items() if required)


def _rows(path: Path, columns: dict[str, bool], what: str) -> list[tuple[int, dict[str, str]]]:
    """(row number, values by column) of a CSV file, the header checked against ``columns`` (name: required).

    A file that is not text, or whose first row names none of the required columns, is refused in one line
    without any of its content; otherwise an error quotes at most one cell (cut to ``CELL_CHARS`` characters)."""
    name = shown(path)
    raw = read_bytes(path, MAX_STAFF_FILE_BYTES, what, name)
    try:
        text = decode_text(raw, "CSV")
    except ValueError as exc:
        msg = str(exc)
        offset = next((int(w) for w in msg.replace(",", " ").split() if w.isdigit()), None)
        where = f"row {raw[:offset].count(NEWLINE) + 1}" if offset is not None else None
        raise InputError(f"{msg}: not {what}", file=name, key=where) from None
    listed = ", ".join(columns)
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        header = next(reader, None)
        while header is not None and not any(h.strip() for h in header):
            header = next(reader, None)
        if header is None:
            raise InputError(f"empty: no header row (columns: {listed})", file=name)
        head = [h.strip().lower() for h in header]
        first = reader.line_num
        if not _is_staff_header(head, columns):
            raise InputError(f"not {what}: its first row names none of the columns {listed}", file=name, key=f"row {first}")
        for h in head:
            if h not in columns:
                raise InputError(f"unknown column {cut(h)!r} (columns: {listed})", file=name, key=f"row {first}")
        seen: set[str] = set()
        for h in head:
            if h in seen:
                raise InputError(f"column {h!r} given twice", file=name, key=f"row {first}")
            seen.add(h)
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
        raise InputError(f"not a CSV file ({cut(exc)})", file=name, key=f"row {reader.line_num}") from None
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
            msg = cut(err["msg"].removeprefix("Value error, "), 2 * CELL_CHARS + 80)
            if err["type"] == "missing":
                msg = "missing"
            raise InputError(msg, file=shown(path), key=f"row {n}, column {col}") from None
    return out


def read_staff(path: Path, start: Optional[dt.date]) -> list[StaffMember]:
    """The workers of a staff list: every row valid, worker ids unique, no start after ``start``."""
    workers = _validate(StaffMember, path, _rows(path, STAFF_COLUMNS, "a staff list"))
    name = shown(path)
    seen: dict[str, int] = {}
    for w in workers:
        where = f"row {w.row}"
        if w.worker_id in seen:
            raise InputError(f"{cut(w.worker_id)!r} given twice (first at row {seen[w.worker_id]})", file=name, key=f"{where}, column worker_id")
        seen[w.worker_id] = w.row
        if w.contract == "permanent" and w.start_date is None:
            raise InputError("missing (permanent staff need their start date with the council)", file=name, key=f"{where}, column start_date")
        if w.role == "nqsw" and w.contract != "permanent":
            raise InputError("an NQSW in their ASYE is employed by the council: contract must be permanent", file=name, key=f"{where}, column contract")
        if start is not None and w.start_date is not None and w.start_date > start:
            raise InputError(f"{w.start_date} is after the scenario's start date {start}", file=name, key=f"{where}, column start_date")
        if w.start_date is not None and w.start_date < dt.date(1950, 1, 1):
            raise InputError(f"{w.start_date} is before 1950", file=name, key=f"{where}, column start_date")
    return workers


def read_leavers(path: Path, start: Optional[dt.date]) -> list[Leaver]:
    """The permanent leavers of the year before ``start``: every row valid, worker ids unique, each leave date in that year."""
    leavers = _validate(Leaver, path, _rows(path, LEAVER_COLUMNS, "a leavers file"))
    name = shown(path)
    seen: dict[str, int] = {}
    for lv in leavers:
        if lv.worker_id in seen:
            raise InputError(f"{cut(lv.worker_id)!r} given twice (first at row {seen[lv.worker_id]})", file=name,
                             key=f"row {lv.row}, column worker_id")
        seen[lv.worker_id] = lv.row
    if start is not None:
        first = year_before(start)
        for lv in leavers:
            if not (first <= lv.leave_date <= start):
                raise InputError(f"{lv.leave_date} is not in the year before the start date ({first} to {start})",
                                 file=name, key=f"row {lv.row}, column leave_date")
    return leavers


def _start_date(data: dict[str, Any]) -> Optional[dt.date]:
    start = data.get("start_date")
    if isinstance(start, str):
        try:
            start = dt.date.fromisoformat(start)
        except ValueError:
            return None
    if isinstance(start, dt.datetime):
        start = start.date()
    return start if isinstance(start, dt.date) else None


def attach_staff_files(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with ``initial_staffing`` filled from its files (its ``from_file`` and ``leavers_file`` are paths
    the loader has resolved): the workers, the leavers and the implied turnover, and their sources. A scenario
    mapping that already holds the workers (a resolved scenario) is returned as it is."""
    init = data.get("initial_staffing")
    if not isinstance(init, dict) or "from_file" not in init or init.get("workers"):
        return data
    if not isinstance(init["from_file"], str):
        return data   # the schema says what is wrong with it
    start = _start_date(data)
    init = dict(init)
    sources = dict(data.get("sources") or {})
    staff_path = Path(init["from_file"])
    workers = read_staff(staff_path, start)
    init["workers"] = workers
    perm = [w for w in workers if w.contract == "permanent"]
    sources.setdefault("initial_staffing.from_file", f"staff list {shown(staff_path)}: {len(workers)} workers, {len(perm)} permanent "
                                                     f"({sum(w.fte for w in perm):g} FTE), {len(workers) - len(perm)} agency")
    if isinstance(init.get("leavers_file"), str) and start is not None:
        leavers_path = Path(init["leavers_file"])
        leavers = read_leavers(leavers_path, start)
        init["leavers"] = leavers
        try:
            rate, how = implied_turnover(workers, leavers, start)
        except InputError as exc:
            raise InputError(exc.message, file=shown(leavers_path)) from None
        init["implied_turnover"] = round(rate, 6)
        sources.setdefault("initial_staffing.implied_turnover", f"{shown(leavers_path)} and {shown(staff_path)}: {how}")
    return {**data, "initial_staffing": init, "sources": sources}
