"""The SimPy workforce model of one council's social work service.

One ``WorkforceModel`` is one replication: it builds teams and posts from a
resolved scenario (every uncertain parameter already drawn), fills them as on
the start date, then runs attrition, recruitment pipelines, campaigns, agency
cover, conversions, NQSW cohorts and establishment changes, taking a snapshot
at the start of every month. It returns flat records; everything else is
derived from them.

The model is the assembly of its collaborators, each in its own module, on
one clock (``Engine``): ``Establishment`` (teams and posts), ``Staff``
(workers' starts and exits), ``Recruitment`` (filling posts),
``InitialStaffing`` (the start date), ``WorkforceRecords`` (event log and
snapshots) and, with a demand, ``CaseService`` (children's cases). Here are
the monthly clock, the run and the tables.
"""
from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Optional

from workforce_sim.calendar import month_starts
from workforce_sim.model.attrition import Attrition
from workforce_sim.model.cases import CaseService
from workforce_sim.model.engine import Engine
from workforce_sim.model.establishment import Establishment
from workforce_sim.model.initial_staffing import InitialStaffing
from workforce_sim.model.records import ReplicationResult, WorkforceRecords, team_frame
from workforce_sim.model.recruitment import Recruitment
from workforce_sim.model.shocks import ShockPath
from workforce_sim.model.staff import Staff
from workforce_sim.model.supplement import MarketSupplement
from workforce_sim.scenario.schema import Scenario
from workforce_sim.streams import Streams

if TYPE_CHECKING:  # pragma: no cover
    from workforce_sim.model.market import MemberMarket

__all__ = ["ReplicationResult", "WorkforceModel"]


class WorkforceModel:
    """One replication of the workforce of one council."""

    def __init__(self, scenario: Scenario, streams: Streams, keep_events: bool = False, engine: Optional[Engine] = None,
                 market: Optional[MemberMarket] = None, snapshot_months: Optional[frozenset[int]] = None):
        """``engine`` and ``market``: in a region, the region's one clock and this member's view of its market.
        ``snapshot_months``: the months whose first day is snapshotted (default every month; the replications
        of the calibration and the backtest need only ``INDICATOR_MONTHS``, which the DfE indicators read)."""
        self.sc = scenario
        self.snapshot_months = snapshot_months
        self.streams = streams
        self.keep_events = keep_events
        self.env = env = engine if engine is not None else Engine()
        self.ticks = month_starts(scenario.start_date, scenario.end_date)
        self.tick_days = [scenario.day(d) for d in self.ticks]
        self.released = False
        rng_initial = streams["initial"]
        self.attrition = Attrition(scenario)
        self.supplement = MarketSupplement(scenario)
        self.records = WorkforceRecords(env)
        self.cases: Optional[CaseService] = CaseService(env, scenario, streams) if scenario.demand is not None else None
        self.staff = Staff(env, scenario, streams, self.attrition, self.supplement, self.records, self.cases)
        self.establishment = Establishment(env, scenario, streams, self.records, self.staff, self.tick_days)
        self.recruitment = Recruitment(env, scenario, streams, self.establishment, self.staff, self.records, self.supplement)
        self.staff.on_vacated = self.establishment.on_vacated = self.recruitment.post_vacated
        self.initial_staffing = InitialStaffing(scenario, rng_initial, self.establishment, self.staff, self.recruitment)
        if scenario.council_shocks is not None:
            self.supplement.add_shocks(ShockPath(scenario.council_shocks, streams))   # council shocks: stratified draws of their own
        self.market = market
        if market is not None:
            self.staff.market = self.recruitment.market = self.supplement.market = market

    def build(self) -> None:
        """Teams and posts, filled as on the start date."""
        self.establishment.build()
        self.initial_staffing.fill()

    # ------------------------------------------------------------------ clock
    def clock(self):
        """A process: at every month start the snapshot, the children's cases' month, and the hazards to the next."""
        env = self.env
        records = self.records
        staff = self.staff
        establishment = self.establishment
        months = self.snapshot_months
        for k, day in enumerate(self.tick_days):
            if day > env.now:
                yield env.timeout(day - env.now)
            if months is None or self.ticks[k].month in months:
                records.snapshot(k, establishment.posts, establishment.version)
            records.period = k + 1
            nxt = self.tick_days[k + 1] if k + 1 < len(self.tick_days) else None
            if self.cases is not None:
                self.cases.tick(k, day, nxt)
            if nxt is None:
                return
            staff.hazard_until = nxt
            staff.reschedule(day, nxt)

    def run(self) -> WorkforceModel:
        # a run allocates many small objects that live to its end: the cyclic
        # garbage collector would traverse them again and again for nothing
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._run()
        finally:
            if collecting:
                gc.enable()
        return self

    def _run(self) -> None:
        self.start()
        self.env.run(until=self.tick_days[-1] + 1e-9)

    def start(self) -> None:
        """Build the start date and start every process on the engine (which the caller runs)."""
        self.build()
        if self.cases is not None:
            self.cases.start()
        process = self.env.process
        process(self.clock())
        recruitment = self.recruitment
        for campaign in self.sc.recruitment.campaigns:
            process(recruitment.campaign(campaign))
        for cohort in self.sc.nqsw.cohorts:   # a cohort spread over months starts as one cohort a month
            for date, count in (cohort.starts() if cohort.spread_months > 1 else [(cohort.date, cohort.count)]):
                process(recruitment.cohort(cohort if cohort.spread_months == 1 else
                                           cohort.model_copy(update={"date": date, "count": count, "spread_months": 1})))
        for app in self.sc.recruitment.appointments:
            process(recruitment.appointment(app))
        for change in self.sc.establishment_changes:
            process(self.establishment.change(change))
        if self.sc.establishment_drift is not None:
            process(self.establishment.drift())

    def release(self) -> None:
        """Free what the run holds once it is tabulated.

        Breaks the largest reference cycles (cases and their holders, posts
        and their workers) and drops the record lists, so that reference
        counting frees them at once and the collector has little to traverse.
        """
        self.released = True
        if self.cases is not None:
            self.cases.release()
        self.env.clear()                    # events still scheduled (and the processes they would resume)
        self.establishment.release()
        self.staff.release()
        self.records.clear()

    # ------------------------------------------------------------------ tables
    def indicator_tables(self, replication: int, seed: int, parameters: dict[str, float]) -> ReplicationResult:
        """Only the monthly FTE by role and the permanent flows the DfE indicators read (``records.indicator_tables``)."""
        if self.released:
            raise RuntimeError("the model's records were released: tabulate before release()")
        return self.records.indicator_tables(replication, seed, parameters, self.ticks, self.staff.expected_leavers)

    def tables(self, replication: int, seed: int, parameters: dict[str, float]) -> ReplicationResult:
        if self.released:
            raise RuntimeError("the model's records were released: tabulate before release()")
        teams = self.establishment.teams
        teams_frame = team_frame(teams)
        result = self.records.tables(replication, seed, parameters, self.ticks, teams, teams_frame,
                                     self.staff.workers, self.sc.start_date, self.keep_events, self.staff.expected_leavers)
        if self.cases is not None:
            for name, table in self.cases.tables(replication, self.ticks, teams_frame, self.keep_events).items():
                setattr(result, name, table)
        return result
