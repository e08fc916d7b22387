"""The calibration's distance: which noise scale a threshold on it prefers."""
from __future__ import annotations

import numpy as np
import pytest

from workforce_sim.experiments.calibrate import crps_distance, draw_key


def test_the_crps_distance_of_hand_computed_draws():
    d = crps_distance({"a:2019": 0.25, "b:2019": 0.75}, 2)
    x = {"a:2019": 1.0, draw_key("a:2019", 1): 4.0, "b:2019": 2.0, draw_key("b:2019", 1): 2.0}
    # a: mean |x - y| = (1 + 2) / 2, less half of |1 - 4|; b: both draws 1 from y
    assert d(x, {"a:2019": 2.0, "b:2019": 3.0}) == pytest.approx(0.25 * (1.5 - 1.5) + 0.75 * 1.0)
    three = crps_distance({"a": 1.0}, 3)
    got = three({"a": 0.0, "a#1": 1.0, "a#2": 3.0}, {"a": 1.0})
    assert got == pytest.approx((1 + 0 + 2) / 3 - (1 + 3 + 2) * 2 / (2 * 6))
    with pytest.raises(ValueError):
        crps_distance({"a": 1.0}, 1)


@pytest.mark.parametrize("draws", [2, 4])
def test_the_crps_distance_is_least_at_the_scale_the_figures_came_from(draws):
    """Figures from N(0, 1), a particle's draws from N(0, s): in expectation the CRPS distance is least at
    s = 1 (a proper score), while one draw's distance |x - y| is least with no noise at all, so a threshold on
    it pulls a calibrated noise scale down (the shock scale's posterior, docs/validation.md)."""
    rng = np.random.default_rng(5)
    n = 40_000
    y = rng.standard_normal(n)
    z = rng.standard_normal((n, draws))
    d = crps_distance({"k": 1.0}, draws)

    def mean_distance(s: float) -> float:
        v = s * z
        return float(np.mean(np.abs(v - y[:, None]).mean(axis=1)
                             - np.abs(v[:, :, None] - v[:, None, :]).sum(axis=(1, 2)) / (2 * draws * (draws - 1))))

    scales = [0.25, 0.5, 0.75, 1.0, 1.33, 2.0]
    means = [mean_distance(s) for s in scales]
    assert scales[int(np.argmin(means))] == 1.0
    assert means[0] > means[3] * 1.1 and means[-1] > means[3] * 1.1
    one = [float(np.mean(np.abs(s * z[:, 0] - y))) for s in scales]
    assert one == sorted(one)     # one draw: the less noise, the nearer
    # the function gives the vectorised value on a few rows
    for i in range(5):
        x = {draw_key("k", j): float(z[i, j]) for j in range(draws)}
        row = np.abs(z[i] - y[i]).mean() - np.abs(z[i][:, None] - z[i][None, :]).sum() / (2 * draws * (draws - 1))
        assert d(x, {"k": float(y[i])}) == pytest.approx(row)
