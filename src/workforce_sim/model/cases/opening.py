"""Cases open on the start date.

Per team type, ``cases_per_worker`` x the workers present (weighted by role
and ASYE share), with the team type's mix; a worker whose cases the staff
list gives holds that many (with the mix of their team type, or of the
first entry of ``demand.opening`` for a team type without one). Each case's
age is drawn from the length-biased duration (``opening_cases`` stream).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import numpy as np

from workforce_sim.model.allocation import EPS
from workforce_sim.model.cases.case import NAN, VISITED
from workforce_sim.scenario.schema import Scenario
from workforce_sim.streams import Streams

if TYPE_CHECKING:  # pragma: no cover
    from workforce_sim.model.allocation import Allocator, Desk, Holder
    from workforce_sim.model.cases.caseload import Caseload
    from workforce_sim.model.cases.pathway import Pathway
    from workforce_sim.model.cases.visits import Visits
    from workforce_sim.model.engine import Engine


class OpeningCases:
    """Opens the cases held on the start date."""

    def __init__(self, engine: Engine, scenario: Scenario, streams: Streams, alloc: Allocator,
                 pathway: Pathway, caseload: Caseload, visits: Visits):
        self.env = engine
        assert scenario.demand is not None  # a scenario with children's cases
        self.opening = scenario.demand.opening
        self.rng = streams["opening_cases"]
        self.alloc = alloc
        self.pathway = pathway
        self.caseload = caseload
        self.visits = visits

    def open_cases(self) -> None:
        rng = self.rng
        opening = self.opening
        first = next(iter(opening.values()), None)
        for team_type in list(opening) + [t for t in self.alloc.desks_by_type if t not in opening]:
            spec = opening.get(team_type)
            given = spec or first
            mix = given.mix if given is not None else None
            if mix is None:
                return
            mix_names = list(mix)
            mix_p = np.array([mix[k] for k in mix_names], dtype=float)
            mix_p = mix_p / mix_p.sum()
            per_worker = float(spec.cases_per_worker) if spec is not None else 0.0
            for desk in self.alloc.desks_by_type.get(team_type, []):
                holders = desk.holders
                known = [h for h in holders if h.worker.cases0 >= 0]
                if known:
                    holders = [h for h in holders if h.worker.cases0 < 0]
                    for h in known:
                        counts = rng.multinomial(h.worker.cases0, mix_p)
                        for name, count in zip(mix_names, counts):
                            for _ in range(int(count)):
                                self._open_case(name, desk, rng, holder=h)
                present = sum(self.alloc.role_share[h.worker.role] * h.worker.fte * (self.alloc.asye_share if h.asye else 1.0) for h in holders)
                n = int(round(per_worker * present))
                if n <= 0:
                    continue
                counts = rng.multinomial(n, mix_p)
                for name, count in zip(mix_names, counts):
                    for _ in range(int(count)):
                        self._open_case(name, desk, rng)

    def _open_case(self, type_: str, desk: Desk, rng: np.random.Generator, holder: Optional[Holder] = None) -> None:
        pathway = self.pathway
        if type_ == "assessment":
            length = pathway.work.length_biased(rng)
            age = float(rng.uniform(0.0, length))
            case = pathway.new_case(type_, -age, True)
            case.work_left = length - age
        else:
            length = pathway.plan_dur[type_].length_biased(rng)
            age = float(rng.uniform(0.0, length))
            case = pathway.new_case(type_, NAN, True)
            case.plan_start = -age
            case.path = type_
            case.plan_seq = 1
            if type_ in VISITED:
                case.visit_due = float(rng.uniform(0.0, self.visits.interval[type_]))
                self.visits.visited[case] = None
            self.env.call_at(length - age, pathway.plan_end, case, case.plan_seq)
            moved = pathway.move_after.get(type_)
            if moved is not None and desk.team.type in pathway.move_routes[type_]:
                case.route = pathway.move_routes[type_]
            elif moved is not None and age < moved < length:
                self.env.call_at(moved - age, pathway.move, case, case.plan_seq)
        # the least-loaded holder of the team, over cap if need be (the state on the start date), but no
        # NQSW in their ASYE over their cap; if nobody in the team may take it, the route's usual allocation
        w = case.weight
        if holder is not None:   # the staff list says who holds it
            self.caseload.assign(case, holder)
            return
        able = [x for x in desk.holders if not x.asye or x.load + w <= x.cap + EPS]
        if able:
            self.caseload.assign(case, min(able, key=lambda x: (x.load + w) / x.cap))
        elif desk.holders:
            self.caseload.allocate(case)
        else:
            self.caseload.enqueue(case)
