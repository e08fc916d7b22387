"""The market supplement: which roles and team groups get it, from when, and how rates respond to it."""
from __future__ import annotations

import math

from workforce_sim.scenario.schema import ROLES, Scenario


class MarketSupplement:
    """Relative changes of applicants, acceptance, attrition and conversion due to the supplement in force."""

    def __init__(self, scenario: Scenario):
        ms = scenario.market_supplement
        self.start = scenario.day(ms.start_date) if ms.enabled and ms.start_date else math.inf
        self.groups = set(ms.team_groups)
        self.amount = [float(ms.amount_gbp_per_year.get(r, 0.0)) if ms.enabled else 0.0 for r in ROLES]
        resp = ms.response
        # GBP 1,000s of supplement with full effect: the part closing the gap to
        # neighbours' pay counts fully, the part above parity by beyond_parity_factor
        beyond = float(resp.beyond_parity_factor)
        gaps = [max(0.0, float(ms.neighbour_pay_gap_gbp_per_year.get(r, 0.0))) for r in ROLES]
        self.units = [(min(a, g) + beyond * max(0.0, a - g)) / 1000.0 for a, g in zip(self.amount, gaps)]
        self.response = {
            "applicants": float(resp.applicants_per_1000_gbp),
            "acceptance": float(resp.acceptance_per_1000_gbp),
            "attrition": float(resp.attrition_per_1000_gbp),
            "conversion": float(resp.conversion_per_1000_gbp),
        }

    market = None   # in a region: the member's market (``MemberMarket``), set by the model
    shocks = None   # with council shocks: the run's ``ShockPath`` (the year's multiplier of a rate), set by ``add_shocks``

    def add_shocks(self, shocks) -> None:
        """From now on ``multiplier`` also carries the year's council shock (a run without shocks keeps the
        plain method: the hot path gains no call)."""
        self.shocks = shocks
        plain = self.multiplier
        self.multiplier = lambda kind, role, group, day: plain(kind, role, group, day) * shocks.factor(kind, day)

    def multiplier(self, kind: str, role: int, group: str, day: float) -> float:
        """Relative change of a rate (``kind``: applicants, acceptance, attrition, conversion) for a role in a group.

        In a region's market the supplement counts only what it pays above the other members' mean, and its
        pull on applicants is the market's (``MemberMarket.applicant_factor``), not this multiplier's."""
        if day < self.start or group not in self.groups:
            return 1.0
        if self.market is None:
            units = self.units[role]
        elif kind == "applicants":
            return 1.0
        else:
            units = self.market.relative_units(role, day)
        if units <= 0:
            return 1.0
        return (1.0 + self.response[kind]) ** units
