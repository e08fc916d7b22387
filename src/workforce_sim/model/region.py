"""One replication of a region: every member council's workforce and the market they share, on one clock.

Each member is a ``WorkforceModel`` on the region's ``Engine`` with its own
named streams (``streams.member_streams``); the ``Market`` links them. With the
market switched off the members share only the clock, and a region of one is
the single-council model, draw for draw.
"""
from __future__ import annotations

import gc
from typing import Optional

from workforce_sim.model.engine import Engine
from workforce_sim.model.market import Market
from workforce_sim.model.records import ReplicationResult
from workforce_sim.model.workforce import WorkforceModel
from workforce_sim.scenario.schema.region import Region


class RegionModel:
    """Build and run a resolved region (every uncertain value drawn) with one set of streams per member."""

    def __init__(self, region: Region, streams, member_streams: list, keep_events: bool = False):
        self.region = region
        self.env = Engine()
        first = region.members[0].scenario
        self.market: Optional[Market] = None
        if region.market.enabled:
            from workforce_sim.calendar import month_starts

            ticks = month_starts(region.start_date, region.end_date)
            self.market = Market(self.env, region, streams, [first.day(d) for d in ticks], first.day)
        self.members = [
            WorkforceModel(m.scenario, s, keep_events, engine=self.env, market=self.market.link(i) if self.market else None)
            for i, (m, s) in enumerate(zip(region.members, member_streams))
        ]

    def run(self) -> RegionModel:
        collecting = gc.isenabled()
        gc.disable()
        try:
            for m in self.members:
                m.start()
            if self.market is not None:
                self.market.start(self.members)
            self.env.run(until=max(m.tick_days[-1] for m in self.members) + 1e-9)
        finally:
            if collecting:
                gc.enable()
        return self

    def tables(self, replication: int, seed: int, parameters: list[dict[str, float]]) -> tuple[list[ReplicationResult], dict]:
        """Each member's records, and the market's (pool snapshots, flows, totals; empty without a market)."""
        members = [m.tables(replication, seed, p) for m, p in zip(self.members, parameters)]
        market = self.market.tables(replication, [m.name for m in self.region.members]) if self.market is not None else {}
        return members, market

    def release(self) -> None:
        for m in self.members:
            m.release()
        if self.market is not None:
            self.market.release()
