"""A child's case: its type, pathway so far, holder and timings (state, not behaviour)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # pragma: no cover
    from workforce_sim.model.allocation import Desk, Holder

NAN = math.nan
PLAN_TYPES = ("cin", "cp", "lac")
VISITED = ("cp", "lac")      # plans whose children are visited at fixed intervals


@dataclass(slots=True, eq=False)
class Case:
    idx: int
    type: str
    weight: float
    route: tuple
    referral_day: float
    opening: bool
    row: int = -1                   # index of the referral's pre-drawn numbers (-1: none)
    holder: Optional[Holder] = None
    desk: Optional[Desk] = None
    queued: bool = False
    qseq: int = 0
    open: bool = True
    n_workers: int = 0
    changes: int = 0
    transfers: int = 0
    first_alloc: float = -1.0       # day first allocated (-1: never)
    work_left: float = 0.0          # assessment work left, days at full pace (settled when the case leaves a worker)
    vfinish: float = 0.0            # while held: the worker's virtual clock of work at which the assessment ends
    assess_end: float = NAN
    assess_wd: int = -1
    outcome: str = ""
    path: str = ""
    plan_start: float = NAN
    plan_seq: int = 0
    spell: int = 0
    close_day: float = NAN
    visit_due: float = math.inf
