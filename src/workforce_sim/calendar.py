"""Simulation clock: days since the scenario start, month ticks, financial years."""
from __future__ import annotations

import datetime as dt

DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12.0
DAYS_PER_WEEK = 7.0


def month_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    """The start date, then the first of every following month up to ``end``."""
    dates = [start]
    y, m = start.year, start.month
    while True:
        m += 1
        if m > 12:
            y, m = y + 1, 1
        d = dt.date(y, m, 1)
        if d > end:
            return dates
        dates.append(d)


def financial_year(date: dt.date) -> str:
    """English public-sector financial year (April-March) of a date, e.g. '2014/15'."""
    start = date.year if date.month >= 4 else date.year - 1
    return f"{start}/{(start + 1) % 100:02d}"

