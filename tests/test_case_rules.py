"""Rules of the case model: NQSW caps, time off against the cap, units, speeds between ticks."""
from __future__ import annotations

import pydantic
import pytest

from workforce_sim.experiments.replications import run_replications, single_run
from workforce_sim.model.cases import CaseService
from workforce_sim.scenario.loading import load_scenario
from workforce_sim.scenario.schema import AssessmentSpec

from .conftest import SCENARIOS, tiny
from .test_cases import STATIC_STAFF, _check_case_invariants

OUTCOMES = {"close": 1.0}


def test_assessment_work_is_named_in_calendar_days():
    spec = AssessmentSpec(work_calendar_days={"dist": "fixed", "mean_days": 30}, outcomes=OUTCOMES)
    assert spec.work_calendar_days.mean_days == 30
    assert "Calendar days" in AssessmentSpec.model_fields["work_calendar_days"].description
    with pytest.raises(pydantic.ValidationError, match="work_days"):
        AssessmentSpec(work_days={"dist": "fixed", "mean_days": 30}, outcomes=OUTCOMES)


# --------------------------------------------------------------------------- NQSW caps
def _asye_breaches(monkeypatch) -> list[float]:
    """Record every moment an NQSW in their ASYE holds more than their cap."""
    breaches: list[float] = []
    assign, become, tick = CaseService._assign, CaseService._become, CaseService.tick

    def check(service):
        for h in service.alloc.holders.values():
            if h.asye and h.load > h.cap + 1e-9:
                breaches.append(h.load - h.cap)

    def checked_assign(self, case, h):
        assign(self, case, h)
        if h.asye and h.load > h.cap + 1e-9:
            breaches.append(h.load - h.cap)

    def checked_become(self, case, new):
        become(self, case, new)
        check(self)

    def checked_tick(self, k, day, nxt):
        check(self)
        tick(self, k, day, nxt)

    monkeypatch.setattr(CaseService, "_assign", checked_assign)
    monkeypatch.setattr(CaseService, "_become", checked_become)
    monkeypatch.setattr(CaseService, "tick", checked_tick)
    return breaches


def test_nqsws_never_hold_more_than_their_cap_under_least_loaded(monkeypatch):
    breaches = _asye_breaches(monkeypatch)
    sc = load_scenario(SCENARIOS / "slough_2014_investment.yaml")
    assert sc.caseload.overflow == "least_loaded"
    res = run_replications(sc, replications=2, seed=3)
    assert not breaches
    snap = res.case_snapshots
    nqsw = snap[snap["asye_n"] > 0]
    assert len(nqsw) > 100
    assert (nqsw["asye_cases"] <= 14 * nqsw["asye_n"]).all()           # S2: no more than 14 children
    # the others took the overflow: social workers in the same teams are over cap
    assert (snap["over_cap_n"] > 0).any() and res.case_monthly["unallocated"].sum() == 0


def test_cases_wait_when_only_nqsws_at_their_cap_could_take_them(monkeypatch):
    breaches = _asye_breaches(monkeypatch)
    sc = tiny(
        start_date="2015-01-01", end_date="2016-01-01",
        team_types={"team": {"posts": [{"role": "practice_manager", "count": 0}, {"role": "social_worker", "count": 3}]}},
        teams=[{"type": "team", "count": 1}],
        initial_staffing=[{"group": "social_work_teams", "permanent_posts": 3, "agency_posts": 0, "vacant_uncovered_posts": 0,
                           "asye_posts": 3, "asye_months_remaining": 24}],
        **STATIC_STAFF,
        demand={"referrals": {"rate_per_year": 400},
                "assessment": {"work_calendar_days": {"dist": "fixed", "mean_days": 40}, "outcomes": {"close": 1.0}},
                "opening": {"team": {"cases_per_worker": 20, "mix": {"assessment": 1.0}}}},
        caseload={"routes": {"assessment": ["team"]}, "cap": 10, "overflow": "least_loaded"},
    )
    res = single_run(sc, seed=2, keep_events=True)
    assert not breaches
    snap, m = res.case_snapshots, res.case_monthly
    assert (snap["asye_cases"] <= 3 * 9).all() and snap["asye_cases"].max() == 27      # cap 0.9 x 10 each, held full
    assert (m["unallocated"] > 0).all()                                              # the rest wait, counted unallocated
    _check_case_invariants(res, caps_hold=True)
