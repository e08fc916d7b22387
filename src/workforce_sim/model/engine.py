"""The simulation engine: a SimPy environment with a fast queue for case events.

``Engine`` is a ``simpy.Environment`` (one clock, ``now``) that also holds
two cheaper sources of events beside SimPy's own queue:

- *calls*: ``call_at(day, fn, a, b)`` runs ``fn(a, b)`` at ``day``. A call
  is a plain tuple on a heap, without an event object, callbacks or a
  process: far cheaper than a SimPy timeout, for the many events of
  children's cases (an assessment ends, a plan ends, a case moves team);
- *arrivals*: a sorted list of times set once with ``set_arrivals``; at
  the ``i``-th time the engine calls ``fn(i)`` (referrals).

``step`` (as ``simpy.rt.RealtimeEnvironment`` overrides it) first runs the
calls and arrivals due no later than SimPy's next event, in time order, with
the clock moved to each one's time, then processes that SimPy event. On a tie
a call goes first, then an arrival, then SimPy's event. With ``run(until)``
nothing due at or after ``until`` runs. Calls and arrivals may schedule SimPy
events; they are processed in time order too.

The loop over calls and arrivals is ``model/fastqueue.py``'s ``run_due``
(compiled with the case engine; this class, a subclass of
``simpy.Environment``, is not). Nothing outside this class and that loop,
which only this class calls, touches SimPy's private state.
"""
from __future__ import annotations

import copy
import heapq
import itertools
import math
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any, Optional

import simpy
from simpy.core import BoundClass, EmptySchedule, EventPriority, StopSimulation

from workforce_sim.model.fastqueue import run_due

INF = math.inf


class Engine(simpy.Environment):
    """One replication's clock: SimPy's events, plus calls and arrivals kept apart from SimPy's queue."""

    # the clock read without a Python frame (SimPy's property is a Python function): it is read at every case event
    now = property(attrgetter("_now"), doc="The current simulation time.")

    def __init__(self, initial_time: float = 0.0):
        super().__init__(initial_time)
        # SimPy binds ``timeout``, ``process``, ``event``... to the instance only for names in the instance's own
        # class (``BoundClass.bind_early``); a subclass would make a new bound method at every ``env.timeout``
        for cls in type(self).__mro__:
            for name, obj in vars(cls).items():
                if type(obj) is BoundClass and name not in self.__dict__:
                    setattr(self, name, getattr(self, name))
        self._calls: list[tuple] = []          # (day, seq, fn, a, b) for fn(a, b)
        self._seq = itertools.count()
        self._arrivals: list[float] = []
        self._arrival_fn: Optional[Callable[[int], Any]] = None
        self._next_arrival = 0
        self._stop = INF

    # ------------------------------------------------------------------ scheduling
    def call_at(self, day: float, fn: Callable[[Any, Any], Any], a: Any, b: Any) -> None:
        """Run ``fn(a, b)`` at ``day`` (not before now: a call due in the past runs next)."""
        heapq.heappush(self._calls, (day, next(self._seq), fn, a, b))

    def event_at(self, day: float, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` at ``day`` as a SimPy event (a timeout, ordered with SimPy's other events; not before now)."""
        delay = day - self._now
        ev = self.timeout(delay if delay > 0.0 else 0.0)
        ev.callbacks.append(lambda _ev: fn(*args))

    def call_queue(self) -> tuple[list, Callable[[], int]]:
        """The calls' heap and its sequence numbers, for a hot loop that cannot afford ``call_at``'s Python frame.

        ``heapq.heappush(heap, (day, next_seq(), fn, a, b))`` is ``call_at(day, fn, a, b)``; nothing else may
        be done to the heap.
        """
        return self._calls, self._seq.__next__

    def set_arrivals(self, times: Sequence[float], fn: Callable[[int], Any]) -> None:
        """At each of ``times`` (sorted, not before now) call ``fn(i)``, ``i`` its position in ``times``."""
        self._arrivals = list(times)
        self._arrival_fn = fn
        self._next_arrival = 0

    def events_processed(self) -> tuple[int, int]:
        """(calls, arrivals) handled so far: calls taken off their queue and arrivals reached."""
        pushed = next(copy.copy(self._seq))     # every call pushed took the next number
        return pushed - len(self._calls), self._next_arrival

    def clear(self) -> None:
        """Drop everything still scheduled (SimPy's events and the processes they would resume, calls, arrivals)."""
        self._queue.clear()
        self._calls.clear()
        self._arrivals = []
        self._arrival_fn = None
        self._next_arrival = 0

    # ------------------------------------------------------------------ running
    def run(self, until: Optional[Any] = None) -> Optional[Any]:
        """As ``simpy.Environment.run``; with a time ``until``, calls and arrivals due at or after it do not run."""
        self._stop = INF if until is None or isinstance(until, simpy.Event) else float(until)
        try:
            return super().run(until)
        finally:
            self._stop = INF

    def step(self) -> None:
        """Run the calls and arrivals due up to SimPy's next event, then process that event.

        Raises ``EmptySchedule`` when SimPy's queue is empty once they have run.
        """
        queue = self._queue
        if self._calls or self._next_arrival < len(self._arrivals):
            run_due(self, queue, self._calls, self._arrivals, self._next_arrival, self._stop, self._arrival_fn)
        pop = heapq.heappop
        # SimPy's own step, as in simpy.core.Environment.step
        try:
            self._now, _, _, event = pop(queue)
        except IndexError:
            raise EmptySchedule from None
        callbacks, event.callbacks = event.callbacks, None
        try:
            for callback in callbacks:
                callback(event)
        except StopSimulation:
            event.callbacks = callbacks[callbacks.index(callback) + 1:]
            self.schedule(event, EventPriority(-1))
            raise
        if not event._ok and not hasattr(event, "_defused"):
            exc = type(event._value)(*event._value.args)
            exc.__cause__ = event._value
            raise exc
