"""Pay points and progression of permanent workers, month by month.

Each permanent spell (a worker in a post) starts on a pay point: the first point
of the NQSW entry level for NQSWs, of the role's entry level for other recruits;
staff in post on the start date are placed by replaying their years of service.
At each monthly tick:

- a worker below the top level progresses on competency with a hazard per year
  over the month just passed (one draw per worker and month from the
  ``progression`` stream) to the first point of the next level: NQSWs not
  before ``nqsw_min_service_years``; before the top of the band only when
  ``acceleration`` is on (S4 5.4-5.5);
- then, in the increment month (April by default), a worker with enough
  service moves up one point, never past the top of their level (S4 3.1:
  yearly increment within the band).

Pay never feeds back into the model: the paths are derived from the spells
after the run, so they cost nothing in the event loop.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from workforce_sim.calendar import DAYS_PER_MONTH, DAYS_PER_YEAR

if TYPE_CHECKING:  # pragma: no cover
    from workforce_sim.scenario.schema import Scenario

# years replayed at most for staff in post on the start date
MAX_REPLAY_YEARS = 45


@dataclass(frozen=True)
class PayTable:
    """Every role's pay points in one flat table (index = global point)."""

    roles: tuple[str, ...]
    offset: np.ndarray            # first global point of each role
    salary: np.ndarray            # GBP a year
    level: np.ndarray             # 0-based level within the role
    level_top: np.ndarray         # global index of the top point of the same level
    next_level_first: np.ndarray  # global index of the next level's first point, -1 at the top level
    rate_up: np.ndarray           # progression hazard per year from this point's level
    entry: np.ndarray             # per role: global entry point of experienced recruits
    nqsw_entry: np.ndarray        # per role: global entry point of NQSWs
    spinal_point: np.ndarray      # spinal column point, -1 where the role has none

    @classmethod
    def from_scenario(cls, scenario: Scenario, roles: tuple[str, ...]) -> PayTable:
        salary, level, top, nxt, rate, spine = [], [], [], [], [], []
        offset, entry, nqsw_entry = [], [], []
        for role in roles:
            rp = scenario.finance.pay[role]
            start = len(salary)
            offset.append(start)
            firsts = []
            for li, points in enumerate(rp.levels):
                firsts.append(len(salary))
                last = len(salary) + len(points) - 1
                r = float(rp.progression_per_year[li]) if li < len(rp.progression_per_year) else 0.0
                for s in points:
                    salary.append(float(s))
                    level.append(li)
                    top.append(last)
                    rate.append(r)
                    spine.append(-1 if rp.first_spinal_point is None else rp.first_spinal_point + len(spine) - start)
            for li in range(len(rp.levels)):
                n_pts = len(rp.levels[li])
                nxt.extend([firsts[li + 1] if li + 1 < len(rp.levels) else -1] * n_pts)
            entry.append(firsts[rp.entry_level - 1])
            nqsw_entry.append(firsts[rp.nqsw_entry_level - 1])
        a = lambda x, t=np.int64: np.asarray(x, dtype=t)  # noqa: E731
        return cls(tuple(roles), a(offset), a(salary, float), a(level), a(top), a(nxt), a(rate, float), a(entry), a(nqsw_entry), a(spine))


@dataclass(frozen=True)
class PayPaths:
    """Pay of permanent spells per monthly period (rows: spells, columns: periods)."""

    point: np.ndarray        # global pay point in force during the period
    salary: np.ndarray       # GBP a year, pay award included
    award_factor: np.ndarray  # per period: cumulative pay award
    increments: np.ndarray   # per spell: yearly increments applied during the run
    progressions: np.ndarray  # per spell: level progressions during the run


def award_factors(ticks: list[dt.date], award: float, month: int) -> np.ndarray:
    """Cumulative pay award in force in each period (applied at each increment month after the start)."""
    steps = np.array([k > 0 and d.month == month for k, d in enumerate(ticks)], dtype=float)
    return (1.0 + award) ** np.cumsum(steps)


def pay_paths(
    scenario: Scenario,
    table: PayTable,
    role_idx: np.ndarray,
    start_day: np.ndarray,
    end_day: np.ndarray,
    tenure0_years: np.ndarray,
    nqsw: np.ndarray,
    initial: np.ndarray,
    ticks: list[dt.date],
    tick_days: np.ndarray,
    rng: np.random.Generator,
) -> PayPaths:
    """Pay point of each permanent spell in each period [tick k, tick k+1).

    ``nqsw`` marks spells that started in their ASYE; ``initial`` spells in post
    on the start date (their point is set by replaying their years of service).
    """
    prog = scenario.finance.progression
    n, n_periods = len(role_idx), len(tick_days) - 1
    acceleration = bool(prog.acceleration)
    point = np.where(nqsw, table.nqsw_entry[role_idx], table.entry[role_idx]).astype(np.int64)
    # staff in post on the start date: one increment and one chance of progression per year served
    replay = initial & ~nqsw
    years = np.minimum(np.floor(np.where(replay, tenure0_years, 0.0)).astype(np.int64), MAX_REPLAY_YEARS)
    u_replay = rng.random((n, MAX_REPLAY_YEARS))
    for y in range(int(years.max(initial=0))):
        live = years > y
        point = np.where(live, np.minimum(point + 1, table.level_top[point]), point)
        up = live & (table.next_level_first[point] >= 0) & (u_replay[:, y] < 1.0 - np.exp(-table.rate_up[point]))
        if not acceleration:
            up &= point == table.level_top[point]
        point = np.where(up, table.next_level_first[point], point)

    u = rng.random((n, max(n_periods, 1)))
    out = np.empty((n, n_periods), dtype=np.int64)
    increments = np.zeros(n, dtype=np.int64)
    progressions = np.zeros(n, dtype=np.int64)
    min_service_days = float(prog.min_months_in_post_for_increment) * DAYS_PER_MONTH
    nqsw_min_days = float(prog.nqsw_min_service_years) * DAYS_PER_YEAR
    service0 = tenure0_years * DAYS_PER_YEAR - start_day   # service in days at day t is service0 + t
    for k in range(n_periods):
        b = tick_days[k]
        if k > 0:
            active = (start_day < b) & (end_day > b)
            # progression on competency during the month just passed, then the April increment
            nxt = table.next_level_first[point]
            can = active & (nxt >= 0) & (~nqsw | (service0 + b >= nqsw_min_days - 1e-9))
            if not acceleration:
                can &= point == table.level_top[point]
            years_past = np.maximum(b - np.maximum(tick_days[k - 1], start_day), 0.0) / DAYS_PER_YEAR
            up = can & (u[:, k] < -np.expm1(-table.rate_up[point] * years_past))
            point = np.where(up, nxt, point)
            progressions += up
            if ticks[k].month == prog.increment_month:
                inc = active & (service0 + b >= min_service_days - 1e-9) & (point < table.level_top[point])
                point = np.where(inc, point + 1, point)
                increments += inc
        out[:, k] = point
    factor = award_factors(ticks[: n_periods + 1], float(scenario.finance.pay_award_per_year), prog.increment_month)[:n_periods]
    return PayPaths(out, table.salary[out] * factor[None, :], factor, increments, progressions)


def periods_overlap(start: np.ndarray, end: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Days each interval [start, end) overlaps each period [edges[k], edges[k+1]) (rows: intervals)."""
    lo = np.maximum(start[:, None], edges[None, :-1])
    hi = np.minimum(end[:, None], edges[None, 1:])
    return np.clip(hi - lo, 0.0, None)
