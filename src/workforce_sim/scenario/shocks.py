"""Council shocks: each year of a run, the council's own rates move by a random multiplier.

A council's published figures move from year to year by more than its workers' chance
leaving or joining: its own market, management and events (the year effects common to
every council explain little of it). ``council_shocks`` gives, for each rate it moves,
equally likely yearly changes on a log scale (``changes``; e.g. quantiles of councils'
published yearly changes): year ``k`` of the run (from the start date) multiplies the
rate by ``exp(scale x change)``, one change drawn for each rate and year, its own
(``council_shocks:<rate>``, a year's shock does not depend on the run's length) and
stratified across replications (``Streams.stratified``: 20 replications take each twentieth
of the changes once). ``scale`` (a number or a distribution, e.g. a calibration's
particles) stretches every change. ``persistence`` (by rate, 0 to 1) carries a share of a
year's shock into the next, on the log scale: year ``k``'s shock is ``persistence`` times year
``k - 1``'s plus its own change (0, the default: a fresh shock each year; 1: the shocks add up,
a random walk), as councils' published rates carry their moves from year to year.

Rates moved: ``attrition`` (every permanent worker's leaving hazard), ``applicants``
(applicants per advert round), ``agency_cover`` (the speed of agency cover: the mean
delay before cover is divided by the multiplier) and ``hiring`` (the time to hire: the recruitment
pipeline's durations, advert round, interviews, offer to start and the gap before advertising again,
are multiplied by it).
"""
from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from workforce_sim.scenario.uncertain import Uncertain

ShockRate = Literal["attrition", "applicants", "agency_cover", "hiring"]
SHOCK_RATES: tuple[str, ...] = ("attrition", "applicants", "agency_cover", "hiring")


class CouncilShocks(BaseModel):
    """Yearly council-level shocks to the rates that move the measures."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False)

    changes: dict[ShockRate, list[float]] = Field(description="Rate -> equally likely yearly changes on a log scale (each within -3..3)")
    scale: Uncertain(ge=0, le=10) = Field(1.0, description="Multiplies every change (0: no shocks)")
    persistence: dict[ShockRate, float] = Field(
        default_factory=dict, description="Rate -> share of a year's shock carried into the next, 0-1 (none: 0, a fresh shock each year)")

    @field_validator("changes")
    @classmethod
    def _changes(cls, changes: dict[str, list[float]]) -> dict[str, list[float]]:
        for rate, values in changes.items():
            if not values:
                raise ValueError(f"{rate}: give at least one yearly change")
            if any(not math.isfinite(v) or abs(v) > 3 for v in values):
                raise ValueError(f"{rate}: changes must be finite and within -3..3")
        return changes

    @field_validator("persistence")
    @classmethod
    def _persistence(cls, persistence: dict[str, float]) -> dict[str, float]:
        for rate, rho in persistence.items():
            if not 0.0 <= rho <= 1.0:
                raise ValueError(f"{rate}: persistence must be between 0 and 1")
        return persistence
