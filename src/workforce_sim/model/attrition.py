"""The leaving hazard of permanent workers and the conversion rate of agency workers: the parameters.

A permanent worker leaves when the hazard spent since they joined (tenure
bands x role x ASYE x supplement x caseload pressure) exceeds an Exp(1)
draw; ``model.staff`` spends it month by month. With a staff list whose
leavers file implies a turnover, the tenure-band hazards are scaled to it.
"""
from __future__ import annotations

import math

import numpy as np

from workforce_sim.model.entities import ROLE_INDEX
from workforce_sim.model.hazard import BandedHazard
from workforce_sim.scenario.schema import ROLES, Scenario, StaffFile, post_role


class Attrition:
    """Hazards, multipliers and leaver reasons of one replication (every uncertain parameter already drawn)."""

    def __init__(self, scenario: Scenario):
        self.sc = scenario
        att = scenario.attrition
        self.hazard = BandedHazard([b.min_years for b in att.tenure_bands], [b.hazard_per_year for b in att.tenure_bands])
        self.role_mult = [float(att.role_multiplier.get(r, 1.0)) for r in ROLES]
        self.nqsw_mult = float(att.nqsw_multiplier)
        staff = scenario.initial_staffing
        if isinstance(staff, StaffFile) and staff.implied_turnover is not None and staff.scale_attrition:
            self.hazard = self._scaled_to_turnover(staff)
        self.reason_names: list[str] = list(att.leaver_reasons)
        self.reason_p = np.array([att.leaver_reasons[r] for r in self.reason_names], dtype=float)
        self.conversion_rate = float(scenario.agency.conversion_per_year)

    def _scaled_to_turnover(self, staff: StaffFile) -> BandedHazard:
        """The tenure-band hazards scaled so that the FTE-weighted hazard of the permanent staff on the start
        date (their tenure, role and ASYE multipliers) equals -ln(1 - the turnover implied by the leavers file)."""
        start = self.sc.start_date
        asye_years = float(self.sc.nqsw.asye_months) / 12
        fte = hazard = 0.0
        for w in staff.workers:
            if w.contract != "permanent":
                continue
            tenure = w.tenure_years(start)
            mult = self.role_mult[ROLE_INDEX[post_role(w.role)]]
            if w.role == "nqsw" and tenure < asye_years:
                mult *= self.nqsw_mult
            fte += w.fte
            hazard += w.fte * mult * self.hazard.rate(tenure)
        mean = hazard / fte if fte > 0 else 0.0
        if mean <= 0:
            return self.hazard
        k = -math.log(1 - min(float(staff.implied_turnover), 0.95)) / mean
        return BandedHazard(self.hazard.starts, [r * k for r in self.hazard.rates])
