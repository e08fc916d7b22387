"""The engine's loop over its fast queue (calls and arrivals), kept apart so that it can be compiled.

``Engine.step`` (``model/engine.py``) hands its own lists to ``run_due``:
``model/engine.py`` itself, a subclass of ``simpy.Environment``, is not
compiled. Only the engine calls this; the clock it moves is the engine's.
Times are compared and set as the objects they are (no conversion), so the
compiled and the pure loop give the same clock.
"""
from __future__ import annotations

import math
from heapq import heappop
from typing import Any

INF = math.inf


def run_due(engine: Any, queue: list, calls: list, times: list, i: int, stop: Any, arrival_fn: Any) -> int:
    """Run the calls and arrivals due up to SimPy's next event (the head of ``queue``), in time order.

    ``calls``: the heap of ``(day, seq, fn, a, b)``; ``times``: the arrival times, ``i`` the next one's
    position. Each runs with ``engine._now`` at its time; on a tie a call goes first, then an arrival;
    nothing at or after ``stop`` runs. Returns the position of the next arrival.
    """
    ts: Any = queue[0][0] if queue else INF
    n = len(times)
    while True:
        tr: Any = times[i] if i < n else INF
        bound: Any = ts if ts < tr else tr
        if bound >= stop:
            bound = stop
        while calls:
            top = calls[0]
            day = top[0]
            if day > bound or day >= stop:
                break
            heappop(calls)
            engine._now = day
            top[2](top[3], top[4])
            if queue and queue[0][0] < ts:   # the call scheduled a SimPy event
                ts = queue[0][0]
                if ts < bound:
                    bound = ts
        if tr <= ts and tr < stop:
            i += 1
            engine._next_arrival = i
            engine._now = tr
            arrival_fn(i - 1)
            if queue and queue[0][0] < ts:
                ts = queue[0][0]
            continue
        return i
