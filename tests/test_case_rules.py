"""Rules of the case model: NQSW caps, time off against the cap, units, speeds between ticks."""
from __future__ import annotations

import pydantic
import pytest

from workforce_sim.scenario.schema import AssessmentSpec

OUTCOMES = {"close": 1.0}


def test_assessment_work_is_named_in_calendar_days():
    spec = AssessmentSpec(work_calendar_days={"dist": "fixed", "mean_days": 30}, outcomes=OUTCOMES)
    assert spec.work_calendar_days.mean_days == 30
    assert "Calendar days" in AssessmentSpec.model_fields["work_calendar_days"].description
    with pytest.raises(pydantic.ValidationError, match="work_days"):
        AssessmentSpec(work_days={"dist": "fixed", "mean_days": 30}, outcomes=OUTCOMES)
