"""Council shocks in a run: the yearly multipliers of one replication (the scenario's ``council_shocks``),
drawn as the run reaches each year, stratified across the replications (``Streams.stratified``); with
``persistence``, a share of each year's shock (log scale) carried into the next."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from workforce_sim.calendar import DAYS_PER_YEAR


class ShockPath:
    """The yearly multipliers of one replication, drawn as the run reaches each year."""

    def __init__(self, shocks: Any, streams: Any):
        self.on = shocks is not None and float(shocks.scale) > 0
        self._changes = {r: np.asarray(v, float) for r, v in (shocks.changes.items() if self.on else ())}
        self._scale = float(shocks.scale) if self.on else 0.0
        self._streams = streams
        self._rho = {r: float(shocks.persistence.get(r, 0.0)) for r in self._changes} if self.on else {}
        self._drawn: dict[str, list[float]] = {r: [] for r in self._changes}
        self._log: dict[str, float] = {r: 0.0 for r in self._changes}   # the latest year's shock on the log scale

    def factor(self, rate: str, day: float) -> float:
        """The multiplier of ``rate`` on ``day`` of the run (1 when the rate has no shocks)."""
        if not self.on or rate not in self._changes:
            return 1.0
        year = max(0, int(day // DAYS_PER_YEAR))
        drawn = self._drawn[rate]
        if len(drawn) <= year:
            values = self._changes[rate]
            rho = self._rho[rate]
            while len(drawn) <= year:
                k = self._streams.stratified_choice("council_shocks:" + rate, len(drawn), len(values))
                shock = self._scale * float(values[k])
                if rho > 0:   # a share of last year's shock carried on (the first year's from none)
                    shock += rho * self._log[rate]
                self._log[rate] = shock
                drawn.append(math.exp(shock))
        return drawn[year]
