"""The assessment clock's calendar: working days (Monday to Friday) between simulation days."""
from __future__ import annotations

import datetime as dt
import math


class WorkingDays:
    """Working days counted from a start date (day 0)."""

    def __init__(self, start_date: dt.date):
        wd0 = start_date.weekday()
        # weekdays among the first r days of any week that starts on the start date's weekday
        self.prefix = [sum(1 for i in range(r) if (wd0 + i) % 7 < 5) for r in range(8)]

    def before(self, day: int) -> int:
        """Weekdays among whole days [0, day) since the start date (negative before it)."""
        full, rem = divmod(day, 7)
        return 5 * full + self.prefix[rem]

    def between(self, a: float, b: float) -> int:
        """Working days from day ``a`` to day ``b``, counting from the day after ``a``."""
        return self.before(math.floor(b) + 1) - self.before(math.floor(a) + 1)
