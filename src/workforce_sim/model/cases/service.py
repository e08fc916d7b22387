"""``CaseService``: the children's cases of one replication, assembled from their collaborators.

It runs on ``engine`` (the replication's clock, whose fast queue holds the
case events and referrals) and knows the workforce only through its hooks:
``worker_started`` and ``worker_ended`` as workers come and go, ``tick`` at
every month start, and ``pressure_multiplier`` and ``reason_probabilities``
asked when a worker's leaving hazard is set.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import numpy as np
import pandas as pd

from workforce_sim.model.allocation import Allocator
from workforce_sim.model.cases.caseload import Caseload
from workforce_sim.model.cases.opening import OpeningCases
from workforce_sim.model.cases.pace import AssessmentPace
from workforce_sim.model.cases.pathway import Pathway
from workforce_sim.model.cases.records import CaseRecords
from workforce_sim.model.cases.referrals import Referrals
from workforce_sim.model.cases.visits import Visits
from workforce_sim.model.cases.working_days import WorkingDays
from workforce_sim.scenario.schema import CASE_TYPES, Scenario
from workforce_sim.streams import Streams

if TYPE_CHECKING:  # pragma: no cover
    from workforce_sim.model.engine import Engine
    from workforce_sim.model.entities import Worker


class CaseService:
    """The children's cases of one replication."""

    def __init__(self, engine: Engine, scenario: Scenario, streams: Streams):
        self.env = engine
        d = scenario.demand
        c = scenario.caseload
        assert d is not None and c is not None  # a scenario with children's cases (``Scenario``'s check)
        self.alloc = alloc = Allocator(c)
        for plan in d.plans.values():
            alloc.add_holding_types(plan.move_to)
        # the team types that keep a case of each type (its route, ``caseload.keep`` and the plan's move)
        keepers = {k: set(c.routes.get(k, [])) | set(c.keep.get(k, [])) for k in CASE_TYPES}  # type: ignore[call-overload]
        for k, p in d.plans.items():
            keepers[k] |= set(p.move_to)
        self.records = CaseRecords(scenario)
        self.referrals = Referrals(scenario, streams)
        self.working_days = WorkingDays(scenario.start_date)
        self.visits = Visits(scenario, streams, self.records.flows)
        self.pace = AssessmentPace(engine, float(c.assessment_priority))
        self.caseload = Caseload(engine, c, alloc, keepers, self.records, self.visits, self.pace)
        self.pathway = Pathway(engine, scenario, alloc, keepers, self.referrals, self.working_days,
                               self.records, self.visits, self.pace, self.caseload)
        self.pace.on_done = self.pathway.assessment_done
        self.opening = OpeningCases(engine, scenario, streams, alloc, self.pathway, self.caseload, self.visits)

    def start(self) -> None:
        """Open cases on the start date, then the referral process."""
        self.opening.open_cases()
        self.env.set_arrivals(self.referrals.draw(), self.pathway.referral)

    # ------------------------------------------------------------------ hooks from the workforce
    def worker_started(self, w: Worker) -> None:
        self.caseload.worker_started(w)

    def worker_ended(self, w: Worker, reason: str) -> None:
        self.caseload.worker_ended(w, reason)

    def pressure_multiplier(self, w: Worker) -> float:
        """Leaving-hazard multiplier from caseload pressure (load / cap) now."""
        return self.caseload.pressure_multiplier(w)

    def reason_probabilities(self, w: Worker, names: list[str], p: np.ndarray) -> np.ndarray:
        """Leaver reasons: the hazard added by pressure is attributed to 'workload'."""
        return self.caseload.reason_probabilities(w, names, p)

    def tick(self, k: int, day: float, nxt: Optional[float]) -> None:
        """Month tick: caps and capacity after ASYE ends, visits due, records."""
        self.caseload.refresh_caps(day)
        self.visits.due(day)
        self.records.record(k, self.alloc)

    # ------------------------------------------------------------------ run's end
    def events_processed(self) -> tuple[int, int]:
        """(case events, referrals) handled so far: calls taken off the engine's queue (stale ones included) and arrivals."""
        return self.env.events_processed()

    def release(self) -> None:
        """Break the case-holder cycles once the run is tabulated, so reference counting frees the cases at once."""
        for h in self.alloc.holders.values():
            h.cases.clear()
        for case in self.records.cases:
            case.holder = None
        self.visits.visited.clear()
        self.records.clear()

    def tables(self, replication: int, ticks: list, teams: pd.DataFrame, keep_cases: bool) -> dict[str, pd.DataFrame]:
        return self.records.tables(replication, ticks, teams, keep_cases)
