"""The workforce's records: the event log, the monthly snapshots of posts, and the tables built from them.

``WorkforceRecords`` is written to as the run goes (``log``, ``snapshot``)
and turned into flat tables once it has ended (``tables``); everything else
is derived from those tables.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

import numpy as np
import pandas as pd

from workforce_sim.model.frames import team_snapshot_frame
from workforce_sim.scenario.schema import ROLES

if TYPE_CHECKING:  # pragma: no cover
    from workforce_sim.model.engine import Engine
    from workforce_sim.model.entities import Post, Team, Worker

SNAPSHOT_COLUMNS = [
    "tick", "team_idx", "role_idx",
    "posts_fte", "permanent_fte", "agency_fte", "vacant_fte", "asye_fte",
    "permanent_n", "agency_n", "beyond_fte",
]
EVENT_COLUMNS = ["period", "day", "kind", "contract", "detail", "role_idx", "team_idx", "worker", "post"]
EXPECTED_UNITS = 2 ** 40   # ``Staff.expected_leavers`` counts leavers in these units (integers: sums in any order agree)
# the month whose first day the DfE indicators read (1 October: the state at the end of 30 September)
INDICATOR_MONTHS = frozenset({10})


@dataclass
class ReplicationResult:
    """Flat records of one replication."""

    replication: int
    seed: int
    snapshots: pd.DataFrame
    flows: pd.DataFrame
    parameters: dict[str, float] = field(default_factory=dict)
    events: Optional[pd.DataFrame] = None
    workers: Optional[pd.DataFrame] = None
    spells: Optional[pd.DataFrame] = None
    costs: Optional[pd.DataFrame] = None
    levels: Optional[pd.DataFrame] = None
    case_monthly: Optional[pd.DataFrame] = None      # service-wide monthly case stocks and flows
    case_snapshots: Optional[pd.DataFrame] = None    # monthly caseloads per team and role
    cases: Optional[pd.DataFrame] = None             # one row per child (with keep_events)
    hazards: Optional[pd.DataFrame] = None           # the leavers the permanent staff's hazard leads one to expect, by month


def team_frame(teams: list[Team]) -> pd.DataFrame:
    """The teams' labels, one row per team index (repeated on every snapshot row: categoricals)."""
    return pd.DataFrame({
        "team_idx": [t.idx for t in teams],
        "team": pd.Categorical([t.name for t in teams]),
        "team_type": pd.Categorical([t.type for t in teams]),
        "group": pd.Categorical([t.group for t in teams]),
    })


class WorkforceRecords:
    """The event log and the monthly snapshots of one replication."""

    def __init__(self, engine: Engine):
        self.env = engine
        self.period = 0                 # the month the events now logged fall in (0: before the first month start)
        self.events: list[tuple] = []
        self.snapshots: list[tuple] = []
        self._snapshot_groups: Optional[list[tuple[int, int, list[Post]]]] = None
        self._snapshot_groups_for = -1

    def log(self, kind: str, contract: str, detail: str, worker: Optional[Worker], post: Post) -> None:
        self.events.append((
            self.period, self.env.now, kind, contract, detail, post.role, post.team.idx,
            worker.idx if worker is not None else -1, post.idx,
        ))

    def log_without_post(self, kind: str, role: int) -> None:
        """A permanent start that found no open post (``detail`` ``no_open_post``)."""
        self.events.append((self.period, self.env.now, kind, "permanent", "no_open_post", role, -1, -1, -1))

    def snapshot(self, k: int, posts: list[Post], posts_version: int) -> None:
        """Posts, holders and ASYE FTE per team and role at month start ``k``. A place beyond the establishment
        (``Post.beyond``) is not a post: its agency holder counts in ``agency_fte`` and ``beyond_fte``, and
        empty it counts nowhere (so posts + beyond = permanent + agency + vacant)."""
        now = self.env.now
        groups = self._snapshot_groups
        if groups is None or self._snapshot_groups_for != posts_version:
            # open posts by (team, role) in order of first appearance; rebuilt only when posts are added or closed
            by_key: dict[tuple[int, int], list[Post]] = {}
            for p in posts:
                posts_of = by_key.setdefault((p.team.idx, p.role), [])
                if not p.closed:
                    posts_of.append(p)
            groups = self._snapshot_groups = [(team, role, posts) for (team, role), posts in by_key.items()]
            self._snapshot_groups_for = posts_version
        append = self.snapshots.append
        for team, role, posts_of in groups:
            posts_fte = perm = agency = vacant = asye = beyond = 0.0
            perm_n = agency_n = 0
            for p in posts_of:
                fte = p.fte
                h = p.holder
                if p.beyond:
                    if h is not None:
                        agency += fte
                        agency_n += 1
                        beyond += fte
                    continue
                posts_fte += fte
                if h is None:
                    vacant += fte
                elif h.permanent:
                    perm += fte
                    perm_n += 1
                    if h.asye_until > now:
                        asye += fte
                else:
                    agency += fte
                    agency_n += 1
            append((k, team, role, posts_fte, perm, agency, vacant, asye, perm_n, agency_n, beyond))

    def clear(self) -> None:
        self.events.clear()
        self.snapshots.clear()

    # ------------------------------------------------------------------ tables
    @staticmethod
    def spells(ws: list[Worker]) -> pd.DataFrame:
        """One row per worker spell in a post: the compact record pay and costs are derived from.

        Days are simulation days; ``end_day`` is NaN while the spell is open and
        ``asye_until_day`` NaN for workers never in their ASYE.
        """
        return pd.DataFrame({
            "person": np.fromiter((w.person for w in ws), np.int64, len(ws)),
            "role_idx": np.fromiter((w.role for w in ws), np.int8, len(ws)),
            "permanent": np.fromiter((w.permanent for w in ws), bool, len(ws)),
            "fte": np.fromiter((w.fte for w in ws), float, len(ws)),
            "group": [w.post.team.group for w in ws],
            "route": [w.route for w in ws],
            "start_day": np.fromiter((w.start_day for w in ws), float, len(ws)),
            "end_day": np.fromiter((np.nan if w.active else w.end_day for w in ws), float, len(ws)),
            "tenure0_years": np.fromiter((w.tenure0_years for w in ws), float, len(ws)),
            "asye_until_day": np.fromiter((w.asye_until if w.asye_until >= 0 else np.nan for w in ws), float, len(ws)),
        })

    @staticmethod
    def hazards(replication: int, expected_leavers: list[int], tick_dates: np.ndarray) -> pd.DataFrame:
        """The hazard the permanent staff spent in each month (``Staff.expected_leavers``, in units of
        ``EXPECTED_UNITS``): the leavers it leads one to expect, dated as the flows are (period k: the month
        before month start k)."""
        n = min(len(expected_leavers), len(tick_dates))
        period = np.arange(1, n, dtype=np.int64)
        return pd.DataFrame({
            "replication": np.full(len(period), replication, dtype=np.int32),
            "period": period.astype(np.int16),
            "expected_leavers": np.array([v / EXPECTED_UNITS for v in expected_leavers[1:n]], dtype=float),
            "date": tick_dates[period],
        })

    def indicator_tables(self, replication: int, seed: int, parameters: dict[str, float],
                         ticks: list[dt.date], expected_leavers: Optional[list[int]] = None) -> ReplicationResult:
        """Only what the DfE indicators read (``analysis.checks.indicator_counts``), for the calibration's and
        the backtest's replications: the snapshotted months' (``INDICATOR_MONTHS`` there) posts', permanent and
        agency FTE by role summed over the teams, and the permanent starters and leavers by month; no team
        labels, spells or other flows. The indicators are those of ``tables`` (the FTE summed in another
        order: equal to rounding, tests/test_indicators.py) at a fraction of its cost."""
        tick_dates = np.array(ticks, dtype="datetime64[s]")   # as pandas reads dates
        sums: dict[tuple[int, int], list[float]] = {}
        for row in self.snapshots:
            key = (row[0], row[2])
            s = sums.get(key)
            if s is None:
                sums[key] = [row[3], row[4], row[5]]
            else:
                s[0] += row[3]
                s[1] += row[4]
                s[2] += row[5]
        keys = sorted(sums)
        tick = np.array([k for k, _ in keys], dtype=np.int64)
        values = np.array([sums[k] for k in keys], dtype=float).reshape(len(keys), 3)
        snap = pd.DataFrame({
            "replication": np.full(len(keys), replication, dtype=np.int32),
            "tick": tick.astype(np.int16),
            "date": tick_dates[tick],
            "role": pd.Categorical.from_codes(np.array([r for _, r in keys], dtype=np.int8), categories=list(ROLES)),
            "posts_fte": values[:, 0], "permanent_fte": values[:, 1], "agency_fte": values[:, 2],
        })
        counts = Counter((e[0], e[2]) for e in self.events
                         if e[0] >= 1 and e[3] == "permanent" and (e[2] == "start" or e[2] == "leave"))
        fkeys = sorted(counts)
        period = np.array([k for k, _ in fkeys], dtype=np.int64)
        flows = pd.DataFrame({
            "replication": np.full(len(fkeys), replication, dtype=np.int32),
            "period": period.astype(np.int16),
            "kind": [k for _, k in fkeys],
            "contract": ["permanent"] * len(fkeys),
            "count": np.array([counts[k] for k in fkeys], dtype=np.int64),
            "date": tick_dates[period],
        })
        result = ReplicationResult(replication, seed, snap, flows, parameters)
        if expected_leavers is not None:
            result.hazards = self.hazards(replication, expected_leavers, tick_dates)
        return result

    def tables(self, replication: int, seed: int, parameters: dict[str, float], ticks: list[dt.date],
               teams: list[Team], teams_frame: pd.DataFrame, workers: list[Worker],
               start_date: dt.date, keep_events: bool, expected_leavers: Optional[list[int]] = None) -> ReplicationResult:
        """Snapshots, flows and spells (with ``keep_events`` the event log and one row per worker too)."""
        tick_dates = np.array(ticks, dtype="datetime64[s]")   # as pandas reads dates
        snap = team_snapshot_frame(self.snapshots, SNAPSHOT_COLUMNS, replication, tick_dates, teams_frame)
        # flows: starters and leavers by period, contract, detail, role and group, counted from the event tuples
        group_of = [t.group for t in teams]
        counts = Counter(
            (e[0], e[2], e[3], e[4], ROLES[e[5]], group_of[e[6]])
            for e in self.events if e[0] >= 1 and (e[2] == "start" or e[2] == "leave")
        )
        if counts:
            keys = sorted(counts)   # the order groupby gives
            cols = list(zip(*keys))
            flows = pd.DataFrame({
                "period": np.array(cols[0], dtype=np.int64),
                **{name: list(values) for name, values in zip(("kind", "contract", "detail", "role", "group"), cols[1:])},
                "count": np.array([counts[k] for k in keys], dtype=np.int64),
            })
            flows["date"] = tick_dates[flows["period"].to_numpy()]
        else:
            flows = pd.DataFrame({c: pd.Series(dtype=t) for c, t in [("period", "int64"), ("kind", "object"), ("contract", "object"), ("detail", "object"), ("role", "object"), ("group", "object"), ("count", "int64")]})
            flows["date"] = pd.Series(dtype="datetime64[ns]")
        flows.insert(0, "replication", replication)
        result = ReplicationResult(replication, seed, snap, flows, parameters, spells=self.spells(workers))
        if expected_leavers is not None:
            result.hazards = self.hazards(replication, expected_leavers, tick_dates)
        if keep_events:
            ev = pd.DataFrame(self.events, columns=EVENT_COLUMNS)
            ev["date"] = pd.Timestamp(start_date) + pd.to_timedelta(ev["day"], unit="D")
            ev["role"] = ev["role_idx"].map(lambda i: ROLES[i] if i >= 0 else "")
            ev["team"] = ev["team_idx"].map(lambda i: teams[i].name if i >= 0 else "")
            ev.insert(0, "replication", replication)
            result.events = ev.drop(columns=["role_idx", "team_idx"])
            result.workers = pd.DataFrame({
                "replication": replication,
                "worker": [w.idx for w in workers],
                "person": [w.person for w in workers],
                "role": [ROLES[w.role] for w in workers],
                "contract": ["permanent" if w.permanent else "agency" for w in workers],
                "fte": [w.fte for w in workers],
                "team": [w.post.team.name for w in workers],
                "post": [w.post.idx for w in workers],
                "route": [w.route for w in workers],
                "start_day": [w.start_day for w in workers],
                "end_day": [w.end_day if not w.active else np.nan for w in workers],
                "tenure_at_start_years": [w.tenure0_years for w in workers],
                "asye_until_day": [w.asye_until if w.asye_until >= 0 else np.nan for w in workers],
                "leave_reason": [w.reason for w in workers],
            })
        return result
