"""How an ensemble of replications is read as a forecast's intervals (``analysis.measures.ensemble_quantiles``).

If the outcome and the replications are draws of one distribution, a forecast's 90% interval must
hold 90% of outcomes whatever the number of replications; the linear reading (NumPy's default)
holds about 84% with 30 replications, so a perfect model would fail the backtest's 85-95% goal.
"""
from __future__ import annotations

import numpy as np
import pytest

from workforce_sim.analysis.measures import ensemble_quantiles, summarise


def _coverage(n: int, qs: tuple[float, float], method: str | None = None, trials: int = 20000, seed: int = 7) -> float:
    """Share of outcomes inside the interval of an ensemble of ``n`` drawn with them (exact, by ranks:
    the interval's ends interpolate between order statistics, so the share is computed on uniform draws)."""
    rng = np.random.default_rng(seed)
    x = rng.random((trials, n + 1))
    ens, y = x[:, :n], x[:, n]
    if method is None:
        lo, hi = (np.array([ensemble_quantiles(e, q) for e in ens]) for q in qs)
    else:
        lo, hi = (np.quantile(ens, q, axis=1, method=method) for q in qs)
    return float(((lo <= y) & (y <= hi)).mean())


@pytest.mark.parametrize("n", [20, 30, 50])
def test_a_perfect_ensembles_intervals_hold_their_nominal_share(n):
    # 20,000 trials: the share's standard error is about 0.2 points at 90%, 0.35 at 50%
    assert _coverage(n, (0.05, 0.95)) == pytest.approx(0.90, abs=0.012)
    assert _coverage(n, (0.25, 0.75)) == pytest.approx(0.50, abs=0.015)


def test_the_linear_reading_would_hold_too_few():
    # the reading this replaces puts the ends of 30 replications' "90%" interval at the order statistics 2.45 and
    # 28.55 of 30, holding (28.55 - 2.45) / 31 = 84.2% of outcomes: below the backtest's goal of 85-95%
    assert _coverage(30, (0.05, 0.95), method="linear") == pytest.approx((28.55 - 2.45) / 31, abs=0.01)


def test_the_median_is_the_ensembles_median_and_nans_are_left_out():
    v = [3.0, 1.0, np.nan, 2.0, 10.0]
    assert ensemble_quantiles(v, 0.5) == pytest.approx(np.median([1.0, 2.0, 3.0, 10.0]))
    s = summarise(np.array(v))
    assert s["n"] == 4 and s["low"] == 1.0 and s["high"] == 10.0   # positions 0.25 and 4.75 of 4: the ends
