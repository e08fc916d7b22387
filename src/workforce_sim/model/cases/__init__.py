"""Children's cases: referrals, assessments, plans, visits, and their records.

Referrals arrive as a Poisson process whose rate is constant within each
month (yearly rate x seasonal factor x compounding trend). Each becomes an
assessment, which needs ``work_calendar_days`` (calendar days, weekends
included) of a worker at full capacity: it progresses at the allocated
worker's coverage for assessments (1 within capacity; over it, time is shared
with assessments weighted by ``assessment_priority``), recomputed whenever a
case of that worker starts, ends or changes type and when their ASYE ends,
so that the time shared out is always the time the worker has; it stops
while the case is unallocated. The assessment is on time when it ends within the clock
(working days, Monday to Friday, counted from the day after referral). It then
closes or becomes a Child in Need (cin), Child Protection (cp) or Looked After
(lac) plan; a plan lasts its drawn duration and then closes, steps up or steps
down (a semi-Markov pathway). A case changing type stays with its worker when
the worker's team keeps that type (and, under the queue policy, the new weight
fits the cap); otherwise it moves team. Looked-after cases may move team after
a set time.

Every change of worker (worker leaves, agency assignment ends, a transfer
between teams) is counted for the child. CP and LAC visits fall due at fixed
intervals; a visit is on time with probability equal to the worker's coverage,
and late when the case is unallocated.

Case events (calls) and referral arrivals run in the engine's fast queue
beside SimPy's (``model.engine.Engine``). Random numbers: arrival times from
``referrals``; each referral's path (assessment work, outcome, up to four
plan durations and next steps) from ``case_paths``, drawn in referral order,
so scenarios with the same demand see the same children (common random
numbers); longer paths from ``case_paths_extra``; open cases at the start
from ``opening_cases``; visits from ``visits``. Referrals and their paths are
drawn a month at a time (the month's arrivals, then its normals, then its
uniforms), so that no draw depends on the run's end date.

The modules, one concept each, driven by ``CaseService`` (``service``):
``case`` (a child's case), ``durations`` (duration draws), ``referrals``
(arrivals and their pre-drawn paths), ``working_days`` (the assessment
clock's calendar), ``pace`` (assessments sharing a worker's time),
``caseload`` (who holds which case), ``pathway`` (assessment, plans,
moves, closure), ``opening`` (cases open on the start date), ``visits``
(CP and LAC visits) and ``records`` (counts and tables).
"""
from workforce_sim.model.cases.service import CaseService

__all__ = ["CaseService"]
