"""The engine: one SimPy clock with a fast queue of calls and arrivals; draws independent of the horizon."""
from __future__ import annotations

import heapq

import numpy as np
import pandas as pd
import pytest

from workforce_sim.experiments.replications import single_run
from workforce_sim.model.engine import Engine
from workforce_sim.scenario.loading import load_scenario

from .helpers import SCENARIOS


def test_calls_arrivals_and_simpy_events_run_in_time_order_on_one_clock():
    env = Engine()
    seen = []

    def call(tag, _):
        seen.append((env.now, "call", tag))
        if tag == "a":
            env.call_at(env.now + 0.5, call, "a2", None)     # a call scheduling a call
            env.process(proc(env, "from_call", 0.25))      # and a SimPy process

    def proc(env, tag, delay):
        yield env.timeout(delay)
        seen.append((env.now, "simpy", tag))

    env.process(proc(env, "p1", 2.0))
    env.process(proc(env, "p3", 3.0))
    env.call_at(1.0, call, "a", None)
    env.call_at(2.0, call, "tie", None)
    env.set_arrivals([0.5, 2.0, 4.5], lambda i: seen.append((env.now, "arrival", i)))
    env.run(until=4.5)
    assert seen == [
        (0.5, "arrival", 0), (1.0, "call", "a"), (1.25, "simpy", "from_call"), (1.5, "call", "a2"),
        (2.0, "call", "tie"), (2.0, "arrival", 1), (2.0, "simpy", "p1"), (3.0, "simpy", "p3"),
    ]                                                       # on a tie: call, arrival, SimPy event; nothing at until
    assert env.now == 4.5
    assert env.events_processed() == (3, 2)
    env.run()                                               # the rest (the arrival at 4.5), then an empty schedule
    assert seen[-1] == (4.5, "arrival", 2)


def test_the_call_queue_is_call_at_without_the_frame():
    env = Engine()
    seen = []
    heap, next_seq = env.call_queue()
    env.call_at(2.0, lambda a, b: seen.append(("call_at", a)), 1, None)
    heapq.heappush(heap, (2.0, next_seq(), lambda a, b: seen.append(("queue", a)), 2, None))
    heapq.heappush(heap, (1.0, next_seq(), lambda a, b: seen.append(("queue", a)), 0, None))
    env.run()
    assert seen == [("queue", 0), ("call_at", 1), ("queue", 2)]          # time order; on a tie, the order pushed
    assert env.events_processed() == (3, 0)


def test_simpy_constructors_stay_bound_to_the_instance_in_the_subclass():
    env = Engine()
    assert {"timeout", "process", "event", "all_of", "any_of"} <= set(vars(env))
    assert env.timeout is env.timeout                                   # no new bound method at every call


def test_a_failing_simpy_event_still_crashes_the_run():
    env = Engine()

    def boom(env):
        yield env.timeout(1)
        raise ValueError("boom")

    env.process(boom(env))
    with pytest.raises(ValueError, match="boom"):
        env.run(until=5)


def _until(table: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    return table[table["date"] <= end].reset_index(drop=True)


def test_a_replications_draws_do_not_depend_on_the_end_date():
    path = SCENARIOS / "slough_2014_investment.yaml"
    long = single_run(load_scenario(path), seed=5, replication=1, keep_events=True)
    short = single_run(load_scenario(path, ["end_date=2015-10-01", "targets={}"]), seed=5, replication=1, keep_events=True)
    end = pd.Timestamp("2015-10-01")
    for name in ("snapshots", "flows", "case_monthly", "case_snapshots"):
        pd.testing.assert_frame_equal(_until(getattr(short, name), end), _until(getattr(long, name), end), obj=name)
    day = (end - pd.Timestamp("2014-02-01")).days
    ev_s, ev_l = short.events, long.events
    pd.testing.assert_frame_equal(ev_s[ev_s["day"] < day].reset_index(drop=True), ev_l[ev_l["day"] < day].reset_index(drop=True))
    # the same children, with the same pathways wherever they ended before the earlier end date
    cs, cl = short.cases, long.cases.iloc[: len(short.cases)]
    assert np.array_equal(cs["referral_day"].to_numpy(), cl["referral_day"].to_numpy(), equal_nan=True)
    closed = cs["closed_day"].notna().to_numpy()
    assert closed.sum() > 1000
    pd.testing.assert_frame_equal(cs[closed].reset_index(drop=True), cl[closed].reset_index(drop=True))
    assert (long.cases["referral_day"].iloc[len(short.cases):] >= day - 1).all()
