"""The children's cases' records: stocks and flows counted as the run goes, monthly rows, and their tables."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from workforce_sim.model.frames import team_snapshot_frame
from workforce_sim.scenario.schema import CASE_TYPES, Scenario

if TYPE_CHECKING:  # pragma: no cover
    from workforce_sim.model.allocation import Allocator
    from workforce_sim.model.cases.case import Case

MONTHLY_COLUMNS = [
    "tick", "referred_total", "closed_total", "open_allocated", "unallocated",
    *[f"open_{t}" for t in CASE_TYPES], *[f"unallocated_{t}" for t in CASE_TYPES],
    "referrals", "first_allocations", "wait_days_sum", "assessments_completed", "assessments_on_time",
    "closures", "changes_of_worker", "transfers",
    "cp_visits_due", "cp_visits_on_time", "lac_visits_due", "lac_visits_on_time",
    "pathways_closed", "pathways_max_3_workers", "pathway_workers_sum",
]
TEAM_COLUMNS = ["tick", "team_idx", "role_idx", "holders_n", "holders_fte", "cases", "load", "cap",
                "asye_n", "asye_fte", "asye_cases", "over_cap_n", "max_over_cap"]
FLOW_KEYS = MONTHLY_COLUMNS[MONTHLY_COLUMNS.index("referrals"):]
NO_FLOWS = dict.fromkeys(FLOW_KEYS, 0)


class CaseRecords:
    """Every case of the replication, the stocks and this month's flows, and the monthly rows.

    ``flows``, ``unallocated`` and ``open_by_type`` are the same dicts for
    the whole run (collaborators may hold them): ``record`` resets the flows
    in place.
    """

    def __init__(self, scenario: Scenario):
        self.sc = scenario
        self.cases: list[Case] = []
        self.unallocated = {k: 0 for k in CASE_TYPES}
        self.open_by_type = {k: 0 for k in CASE_TYPES}
        self.referred_total = 0
        self.closed_total = 0
        self.changes_total = 0
        self.flows: dict[str, Any] = dict(NO_FLOWS)   # counts (int) and wait_days_sum (float): kept as they are
        self.monthly: list[tuple] = []
        self.team_rows: list[tuple] = []

    def record(self, k: int, alloc: Allocator) -> None:
        """Month ``k``'s row (stocks now, flows since the last row) and its caseloads per team and role."""
        held = sum(len(h.cases) for h in alloc.holders.values())
        unalloc = sum(self.unallocated.values())
        flows = self.flows
        self.monthly.append((
            k, self.referred_total, self.closed_total, held, unalloc,
            *[self.open_by_type[t] for t in CASE_TYPES], *[self.unallocated[t] for t in CASE_TYPES],
            *[flows[key] for key in FLOW_KEYS],
        ))
        flows.update(NO_FLOWS)
        acc: dict[tuple[int, int], list[Any]] = {}    # counts stay int, sums float
        for desk in alloc.desks.values():
            for h in desk.holders:
                w = h.worker
                key = (desk.team.idx, w.role)
                row = acc.get(key)
                if row is None:
                    row = acc[key] = [0, 0.0, 0, 0.0, 0.0, 0, 0.0, 0, 0, -math.inf]
                n = len(h.cases)
                row[0] += 1
                row[1] += w.fte
                row[2] += n
                row[3] += h.load
                row[4] += h.cap
                if h.asye:
                    row[5] += 1
                    row[6] += w.fte
                    row[7] += n
                over = h.load - h.cap
                if over > 1e-9:
                    row[8] += 1
                if over > row[9]:
                    row[9] = over
        for (team, role), r in acc.items():
            self.team_rows.append((k, team, role, *r))

    def clear(self) -> None:
        self.cases.clear()
        self.monthly.clear()
        self.team_rows.clear()

    # ------------------------------------------------------------------ tables
    def tables(self, replication: int, ticks: list, teams: pd.DataFrame, keep_cases: bool) -> dict[str, pd.DataFrame]:
        dates = pd.to_datetime(pd.Series(ticks))
        monthly = pd.DataFrame(self.monthly, columns=MONTHLY_COLUMNS)
        monthly.insert(0, "date", dates.iloc[monthly["tick"].to_numpy()].to_numpy())
        monthly.insert(0, "replication", replication)
        snap = team_snapshot_frame(self.team_rows, TEAM_COLUMNS, replication, dates.to_numpy(), teams)
        out = {"case_monthly": monthly, "case_snapshots": snap}
        if keep_cases:
            out["cases"] = self.case_table(replication)
        return out

    def case_table(self, replication: int) -> pd.DataFrame:
        """One row per child: pathway, timings (days since the start date), workers."""
        cs = self.cases
        start = pd.Timestamp(self.sc.start_date)
        table = pd.DataFrame({
            "replication": replication,
            "child": [c.idx for c in cs],
            "opening": [c.opening for c in cs],
            "referral_day": [c.referral_day for c in cs],
            "first_allocated_day": [c.first_alloc if c.first_alloc >= 0 else np.nan for c in cs],
            "assessment_end_day": [c.assess_end for c in cs],
            "assessment_working_days": [c.assess_wd if c.assess_wd >= 0 else np.nan for c in cs],
            "outcome": [c.outcome for c in cs],
            "plans": [c.path for c in cs],
            "plan_start_day": [c.plan_start for c in cs],
            "closed_day": [c.close_day for c in cs],
            "type_now": [c.type for c in cs],
            "allocated_now": [c.holder is not None for c in cs],
            "social_workers": [c.n_workers for c in cs],
            "changes_of_worker": [c.changes for c in cs],
            "transfers": [c.transfers for c in cs],
        })
        table["wait_days"] = table["first_allocated_day"] - table["referral_day"]
        table["referral_date"] = start + pd.to_timedelta(table["referral_day"], unit="D")
        table["closed_date"] = start + pd.to_timedelta(table["closed_day"], unit="D")
        return table
