"""The change between two runs: paired when they share seed and replications, Welch otherwise
(known answers worked by hand from the t distribution's tables)."""
import math

import pandas as pd
import pytest

from workforce_sim.analysis.change import change_between


def test_paired_known_answer():
    # differences 1..5: mean 3, sd sqrt(2.5), se sqrt(0.5); t(0.95, 4 df) = 2.131847
    prev = pd.Series([10.0, 20.0, 30.0, 40.0, 50.0])
    cur = prev + pd.Series([1.0, 2.0, 3.0, 4.0, 5.0])
    ch = change_between(cur, prev, paired=True)
    half = 2.131847 * math.sqrt(0.5)
    assert ch.method == "paired" and ch.n_current == ch.n_previous == 5
    assert ch.difference == pytest.approx(3.0)
    assert ch.low == pytest.approx(3 - half, abs=1e-5) and ch.high == pytest.approx(3 + half, abs=1e-5)
    assert ch.beyond_chance


def test_pairing_removes_the_shared_luck():
    # a small shift on top of large shared noise: beyond chance paired, not unpaired
    prev = pd.Series([10.0, 50.0, 20.0, 80.0, 30.0, 60.0])
    cur = prev + pd.Series([0.9, 1.1, 1.0, 0.8, 1.2, 1.0])
    assert change_between(cur, prev, paired=True).beyond_chance
    assert not change_between(cur, prev, paired=False).beyond_chance


def test_paired_uses_the_replications_both_have():
    prev = pd.Series([1.0, 2.0, 3.0, float("nan")], index=[0, 1, 2, 3])
    cur = pd.Series([1.0, 2.0, 3.0, 9.0, 7.0], index=[0, 1, 2, 3, 4])
    ch = change_between(cur, prev, paired=True)
    assert ch.n_current == 3 and ch.same and not ch.beyond_chance


def test_welch_known_answer():
    # a = 1..5 (mean 3, var 2.5), b = 2,4,6,8 (mean 5, var 20/3): diff -2, se^2 = 0.5 + 5/3,
    # Welch df = (13/6)^2 / (0.5^2/4 + (5/3)^2/3) = 4.7494; t(0.95, 4.7494) = 2.0388
    a = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0])
    b = pd.Series([2.0, 4.0, 6.0, 8.0])
    ch = change_between(a, b, paired=False)
    se = math.sqrt(0.5 + 5 / 3)
    assert ch.method == "unpaired" and (ch.n_current, ch.n_previous) == (5, 4)
    assert ch.difference == pytest.approx(-2.0)
    assert ch.high - ch.difference == pytest.approx(2.0388 * se, rel=1e-4)
    assert ch.low < 0 < ch.high and not ch.beyond_chance


def test_too_few_values_give_no_interval():
    ch = change_between(pd.Series([1.0]), pd.Series([2.0]), paired=True)
    assert ch.difference == -1 and math.isnan(ch.low) and not ch.beyond_chance
